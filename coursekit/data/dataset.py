"""Datasets with ``torch.utils.data``'s names: ``Dataset``, ``TensorDataset``, ``Subset``, ``random_split``.

A dataset is anything with ``len(ds)`` and ``ds[i]`` giving the i-th sample
(a tuple such as ``(x, y)``, a dict, or one tensor).  Subclass
:class:`Dataset` for your own data, as in PyTorch.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._tensors import make_tensor, shared_rng, values

__all__ = ["Dataset", "Subset", "TensorDataset", "random_split", "resolve_generator"]


class Dataset:
    """Base class of map-style datasets: subclass it and define ``__getitem__(i)`` and ``__len__``.

    Examples
    --------
    >>> import coursekit as ck
    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return ck.tensor([float(i)]), ck.tensor(float(i * i))
    >>> from coursekit.data import DataLoader
    >>> [y.tolist() for _, y in DataLoader(Squares(), batch_size=2)]
    [[0.0, 1.0], [4.0, 9.0]]
    """

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(self, index) returning one sample")


class TensorDataset(Dataset):
    """Equal-length tensors (or arrays) indexed together, like ``torch.utils.data.TensorDataset``.

    ``ds[i]`` is the tuple of the i-th rows, as Tensors; an index array (or
    slice) gives a tuple of batches at once, which :class:`DataLoader` uses
    to skip the per-sample loop.

    Parameters
    ----------
    *tensors : Tensor or array_like
        Sharing their first dimension, e.g. ``X`` and ``y``.

    Raises
    ------
    ValueError
        If they do not all have the same length.

    Examples
    --------
    >>> ds = TensorDataset(np.zeros((5, 2)), np.arange(5))
    >>> len(ds), [t.shape for t in ds[np.array([0, 3])]]
    (5, [(2, 2), (2,)])
    >>> ds[4]
    (tensor([0., 0.]), tensor(4))
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor or array")
        self.arrays = tuple(values(t) for t in tensors)
        if any(a.ndim == 0 for a in self.arrays):
            raise ValueError("TensorDataset: every tensor needs a first dimension (one row per sample)")
        lengths = [len(a) for a in self.arrays]
        if len(set(lengths)) > 1:
            raise ValueError(f"TensorDataset: the tensors have different lengths: {', '.join(map(str, lengths))}")

    @property
    def tensors(self) -> tuple[Any, ...]:
        """The data as Tensors (``torch.utils.data.TensorDataset.tensors``)."""
        return tuple(make_tensor(a) for a in self.arrays)

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: Any) -> tuple[Any, ...]:
        index = values(index) if not isinstance(index, (int, np.integer, slice)) else index
        return tuple(make_tensor(np.array(a[index])) for a in self.arrays)

    def batch(self, indices: NDArray[np.intp]) -> list[Any]:
        """The collated batch of the samples at ``indices``: one fancy-indexing copy per tensor (the loader's fast path)."""
        return [make_tensor(a[indices]) for a in self.arrays]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order (``torch.utils.data.Subset``).

    Examples
    --------
    >>> part = Subset(TensorDataset(np.arange(10.0)), [7, 2])
    >>> len(part), part[0]
    (2, (tensor(7.),))
    """

    def __init__(self, dataset: Any, indices: Sequence[int] | ArrayLike) -> None:
        self.dataset = dataset
        self.indices = values(indices).astype(np.intp).reshape(-1)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: Any) -> Any:
        if not isinstance(index, (int, np.integer)):  # a list, an array or a Tensor of positions
            return [self.dataset[int(i)] for i in self.indices[values(index)]]
        return self.dataset[int(self.indices[index])]

    def batch(self, indices: NDArray[np.intp]) -> Any:
        """The collated batch at ``indices``, in one step when the underlying dataset can (see ``DataLoader``)."""
        inner = self.indices[indices]
        if isinstance(self.dataset, (TensorDataset, Subset)):
            return self.dataset.batch(inner)
        from .collate import default_collate  # kept local: collate imports dataset's siblings

        return default_collate([self.dataset[int(i)] for i in inner])


def resolve_generator(generator: Any, seed: int | None, name: str) -> np.random.Generator:
    """The NumPy generator for ``generator=`` (a NumPy Generator or an int seed) or ``seed=``; else the shared one.

    PyTorch passes a ``torch.Generator``; ``ck.Generator().manual_seed(42)`` is
    a NumPy generator with that spelling.  coursekit draws from NumPy, so its
    numbers differ from torch's for the same seed either way.
    """
    if generator is not None and seed is not None:
        raise TypeError(f"{name}: pass generator= or seed=, not both")
    if generator is None:
        return shared_rng() if seed is None else np.random.default_rng(seed)
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise TypeError(
        f"{name}: generator= must be a NumPy generator (ck.Generator().manual_seed(42) or "
        f"np.random.default_rng(42)) or an int seed, got {type(generator).__name__}; ck.manual_seed(42) seeds the "
        "shared generator used by default"
    )


def _split_lengths(n: int, lengths: Sequence[float]) -> list[int]:
    """Whole lengths, or fractions turned into lengths with PyTorch's rounding (floor, then +1 round-robin)."""
    lengths = list(lengths)
    if all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in lengths):
        if any(x < 0 for x in lengths) or sum(lengths) != n:
            raise ValueError(f"random_split: the lengths {lengths} must be >= 0 and add up to the dataset's length {n}")
        return [int(x) for x in lengths]
    if not math.isclose(sum(lengths), 1.0) or any(not 0 <= x <= 1 for x in lengths):
        raise ValueError(f"random_split: fractions must lie in [0, 1] and add up to 1, got {lengths} "
                         f"(or pass whole lengths adding up to {n})")
    sizes = [math.floor(n * f) for f in lengths]
    for i in range(n - sum(sizes)):  # as PyTorch: the remainder, one each, to the first parts
        sizes[i % len(sizes)] += 1
    return sizes


def random_split(dataset: Any, lengths: Sequence[float], generator: Any = None, *, seed: int | None = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random :class:`Subset` s (``torch.utils.data.random_split``).

    Parameters
    ----------
    dataset : dataset
        Anything with ``len`` and indexing.
    lengths : sequence of int or of float
        The parts' lengths (adding up to ``len(dataset)``), or fractions adding
        up to 1, rounded as PyTorch does (floor, then one more to each of the
        first parts until all samples are used).
    generator : numpy.random.Generator or int, optional
        The shuffle's source; default coursekit's shared generator
        (``ck.manual_seed``).  Not a ``torch.Generator``: see
        :func:`resolve_generator`.
    seed : int, optional
        Shorthand for ``generator=np.random.default_rng(seed)``.

    Examples
    --------
    >>> train, val = random_split(TensorDataset(np.arange(10.0)), [0.8, 0.2], generator=np.random.default_rng(0))
    >>> len(train), len(val), sorted(train.indices.tolist() + val.indices.tolist()) == list(range(10))
    (8, 2, True)
    """
    rng = resolve_generator(generator, seed, "random_split")
    sizes = _split_lengths(len(dataset), lengths)
    order = rng.permutation(sum(sizes))
    bounds = np.cumsum([0, *sizes])
    return [Subset(dataset, order[a:b]) for a, b in itertools.pairwise(bounds)]
