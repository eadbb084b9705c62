"""Seeded toy datasets, one small real dataset, splits, and ``torch.utils.data``'s loading tools.

The toy datasets are NumPy arrays: features float64, class labels int64 of
shape (n,), regression targets float64 of shape (n, 1).  ``Dataset``,
``TensorDataset``, ``Subset``, ``random_split`` and ``DataLoader`` work as
in PyTorch (also importable as ``coursekit.utils.data``): batches are Tensors.
"""

from .collate import default_collate, default_convert
from .dataset import Dataset, Subset, TensorDataset, random_split
from .loader import DataLoader
from .real import TabularDataset, load_wine
from .split import Standardizer, train_val_test_split
from .synthetic import (
    gabor_loss,
    gabor_model,
    make_blobs,
    make_circles,
    make_gabor_data,
    make_moons,
    make_sine_regression,
    make_spirals,
    make_xor,
)

__all__ = [
    "DataLoader",
    "Dataset",
    "Subset",
    "TensorDataset",
    "default_collate",
    "default_convert",
    "random_split",
    "TabularDataset",
    "load_wine",
    "Standardizer",
    "train_val_test_split",
    "gabor_loss",
    "gabor_model",
    "make_blobs",
    "make_circles",
    "make_gabor_data",
    "make_moons",
    "make_sine_regression",
    "make_spirals",
    "make_xor",
]
