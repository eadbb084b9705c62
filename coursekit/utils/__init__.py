"""``torch.utils``'s place for PyTorch code: ``coursekit.utils.data`` is :mod:`coursekit.data`."""

from . import data

__all__ = ["data"]
