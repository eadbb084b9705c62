"""``torch.utils.data``'s names, for PyTorch code: the same objects as :mod:`coursekit.data`."""

from ..data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split

__all__ = ["DataLoader", "Dataset", "Subset", "TensorDataset", "default_collate", "random_split"]
