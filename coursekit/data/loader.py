"""Minibatch iteration with PyTorch's names (``TensorDataset``, ``DataLoader``).

Batches are plain NumPy arrays; the training loop wraps them in Tensors.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["TensorDataset", "DataLoader"]


class IndexableDataset(Protocol):
    """What :class:`DataLoader` needs: a length and indexing by an index array."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: NDArray[np.intp]) -> tuple[NDArray, ...]: ...


class TensorDataset:
    """Equal-length arrays indexed together, like ``torch.utils.data.TensorDataset``.

    Parameters
    ----------
    *arrays : array_like
        Arrays sharing their first dimension, e.g. ``X`` and ``y``.

    Raises
    ------
    ValueError
        If the arrays do not all have the same length.

    Examples
    --------
    >>> ds = TensorDataset(np.zeros((5, 2)), np.arange(5))
    >>> len(ds), [a.shape for a in ds[np.array([0, 3])]]
    (5, [(2, 2), (2,)])
    """

    def __init__(self, *arrays: ArrayLike) -> None:
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        self.arrays = tuple(np.asarray(a) for a in arrays)
        lengths = [len(a) for a in self.arrays]
        if len(set(lengths)) > 1:
            raise ValueError(f"arrays have different lengths: {', '.join(map(str, lengths))}")

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: NDArray[np.intp] | int) -> tuple[NDArray, ...]:
        return tuple(a[index] for a in self.arrays)


class DataLoader:
    """Iterate over a dataset in minibatches, like ``torch.utils.data.DataLoader``.

    Each ``for`` loop over the loader is one epoch. With ``shuffle=True``
    every epoch uses a fresh permutation (sampling without replacement), so
    each sample appears exactly once per epoch. The permutations come from
    ``np.random.default_rng(seed)``: two loaders built with the same seed give
    identical batches in their k-th epochs; ``seed=None`` is not reproducible.

    Parameters
    ----------
    dataset : tuple of array_like, or dataset
        Either equal-length arrays such as ``(X, y)``, or an object with
        ``__len__`` and ``__getitem__(index_array)`` returning a tuple of
        arrays (e.g. :class:`TensorDataset`).
    batch_size : int, default 32
        Samples per batch.
    shuffle : bool, default False
        Reshuffle the samples at the start of every epoch.
    drop_last : bool, default False
        Drop the last batch of an epoch if it is smaller than ``batch_size``.
    seed : int or None, default None
        Seed for the shuffles.

    Examples
    --------
    >>> X, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    >>> loader = DataLoader((X, y), batch_size=2)
    >>> len(loader), [yb.tolist() for _, yb in loader]
    (3, [[0, 1], [2, 3], [4]])
    >>> len(DataLoader((X, y), batch_size=2, drop_last=True))
    2
    """

    def __init__(
        self,
        dataset: tuple[ArrayLike, ...] | list[ArrayLike] | IndexableDataset,
        batch_size: int = 32,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
    ) -> None:
        if not (isinstance(batch_size, (int, np.integer)) and batch_size > 0):
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.dataset: IndexableDataset = (
            TensorDataset(*dataset) if isinstance(dataset, (tuple, list)) else dataset
        )
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self._rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.drop_last:
            return n // self.batch_size
        return math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator[tuple[NDArray, ...]]:
        n = len(self.dataset)
        order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        for b in range(len(self)):
            yield self.dataset[order[b * self.batch_size : (b + 1) * self.batch_size]]
