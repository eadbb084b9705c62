"""Minibatch iteration with PyTorch's names and defaults (``DataLoader``).

Batches are Tensors, collated as PyTorch does (:mod:`coursekit.data.collate`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .collate import default_collate, default_convert
from .dataset import Dataset, Subset, TensorDataset, resolve_generator

__all__ = ["DataLoader", "Dataset", "TensorDataset"]


class DataLoader:
    """Iterate over a dataset in minibatches, like ``torch.utils.data.DataLoader``.

    Each ``for`` loop over the loader is one epoch. With ``shuffle=True``
    every epoch uses a fresh permutation (sampling without replacement), so
    each sample appears exactly once per epoch.

    Parameters
    ----------
    dataset : dataset, or tuple of array_like
        A :class:`Dataset` (``len(ds)`` and ``ds[i]`` giving one sample), a
        :class:`TensorDataset`, or (a coursekit shorthand) equal-length arrays
        such as ``(X, y)``.
    batch_size : int or None, default 1
        Samples per batch (PyTorch's default 1; pass e.g. ``batch_size=32``).
        ``None`` yields the samples one by one, unbatched.
    shuffle : bool, default False
        Reshuffle the samples at the start of every epoch.
    num_workers : int, default 0
        Accepted for PyTorch code; coursekit always loads in the main process
        (the same batches in the same order), and says so once if it is > 0.
    collate_fn : callable, optional
        Turns a list of samples into a batch; default :func:`default_collate`.
    pin_memory : bool, default False
        Accepted; there is no GPU memory to pin.
    drop_last : bool, default False
        Drop the last batch of an epoch if it is smaller than ``batch_size``.
    generator : numpy.random.Generator or int, optional
        Source of the shuffles (not a ``torch.Generator``; NumPy's numbers
        differ from torch's).  Default: coursekit's shared generator
        (``ck.manual_seed``), as PyTorch's default generator.
    seed : int, optional
        A coursekit shorthand for ``generator=np.random.default_rng(seed)``:
        two loaders with the same seed give identical batches epoch by epoch.
    persistent_workers : bool, default False
        Accepted for PyTorch code; there are no worker processes to keep.

    Examples
    --------
    >>> X, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    >>> loader = DataLoader((X, y), batch_size=2)
    >>> len(loader), [yb.tolist() for _, yb in loader]
    (3, [[0, 1], [2, 3], [4]])
    >>> len(DataLoader((X, y), batch_size=2, drop_last=True))
    2
    >>> next(iter(DataLoader((X, y))))     # batch_size=1, as PyTorch
    [tensor([[0., 1.]]), tensor([0])]
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        generator: Any = None,
        *,
        seed: int | None = None,
        persistent_workers: bool = False,
    ) -> None:
        if batch_size is not None and not (
            isinstance(batch_size, (int, np.integer)) and not isinstance(batch_size, bool) and batch_size > 0
        ):
            raise ValueError(f"batch_size must be a positive integer (or None for unbatched samples), got {batch_size!r}")
        if not isinstance(num_workers, (int, np.integer)) or num_workers < 0:
            raise ValueError(f"num_workers must be an integer >= 0, got {num_workers!r}")
        if num_workers > 0:
            warnings.warn(
                f"DataLoader(num_workers={num_workers}): coursekit loads every batch in the main process (no worker "
                "processes); the batches and their order are the same. Use num_workers=0 to silence this.",
                UserWarning,
                stacklevel=2,
            )
        if isinstance(dataset, (tuple, list)) and dataset and not isinstance(dataset[0], (tuple, list, dict)):
            dataset = TensorDataset(*dataset)  # coursekit's shorthand DataLoader((X, y))
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError(f"DataLoader needs a dataset with __len__ and __getitem__, got {type(dataset).__name__}")
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.num_workers = int(num_workers)
        self.collate_fn = collate_fn
        self.pin_memory = pin_memory
        self.drop_last = drop_last
        self._rng = resolve_generator(generator, seed, "DataLoader")

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        if self.drop_last:
            return n // self.batch_size
        return math.ceil(n / self.batch_size)

    def _fetch(self, indices: np.ndarray) -> Any:
        batch = getattr(self.dataset, "batch", None)
        if batch is not None and self.collate_fn is None and isinstance(self.dataset, (TensorDataset, Subset)):
            return batch(indices)  # the collated batch in one indexing step; None if not possible
        getitems = getattr(self.dataset, "__getitems__", None)  # PyTorch's protocol: a list of samples
        samples = getitems(indices) if getitems is not None else [self.dataset[int(i)] for i in indices]
        return (self.collate_fn or default_collate)(samples)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        if self.batch_size is None:
            for i in order:
                sample = self.dataset[int(i)]
                yield self.collate_fn(sample) if self.collate_fn else default_convert(sample)
            return
        for b in range(len(self)):
            yield self._fetch(order[b * self.batch_size : (b + 1) * self.batch_size])


