"""Making tensors: ``tensor``, ``zeros``, ``ones``, ``randn`` ... and the shared random generator."""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor

_rng = np.random.default_rng(0)


def manual_seed(seed: int) -> None:
    """Seed the generator behind ``randn``, ``rand`` and layer initialisation (``torch.manual_seed``)."""
    global _rng
    _rng = np.random.default_rng(seed)


def default_rng() -> np.random.Generator:
    """The generator ``manual_seed`` controls."""
    return _rng


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Build a Tensor from numbers, lists or arrays (copied), as ``torch.tensor``.

    Examples
    --------
    >>> import coursekit as ck
    >>> ck.tensor([[1.0, 2.0]], requires_grad=True).shape
    (1, 2)
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A Tensor sharing ``array``'s memory (no copy)."""
    return Tensor._make(np.asarray(array), False, None)


def _shape(shape: tuple) -> tuple[int, ...]:
    return tuple(shape[0]) if len(shape) == 1 and not isinstance(shape[0], int) else tuple(shape)


def zeros(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros(_shape(shape), dtype=dtype), requires_grad=requires_grad)


def ones(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones(_shape(shape), dtype=dtype), requires_grad=requires_grad)


def zeros_like(t: Any, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(np.asarray(t)), requires_grad=requires_grad)


def ones_like(t: Any, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(np.asarray(t)), requires_grad=requires_grad)


def randn(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the generator ``manual_seed`` controls."""
    return Tensor(_rng.standard_normal(_shape(shape)).astype(dtype), requires_grad=requires_grad)


def rand(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the generator ``manual_seed`` controls."""
    return Tensor(_rng.random(_shape(shape)).astype(dtype), requires_grad=requires_grad)


def arange(*args: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.arange(*args, dtype=dtype), requires_grad=requires_grad)
