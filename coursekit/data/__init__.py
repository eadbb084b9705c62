"""Seeded toy datasets, one small real dataset, splits and minibatch loading.

Everything here is NumPy only. Features are float64; class labels are int64
of shape (n,); regression targets are float64 of shape (n, 1).
"""

from .loader import DataLoader, TensorDataset
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
    "TensorDataset",
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
