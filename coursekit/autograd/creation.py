"""Making tensors: ``tensor``, ``zeros``, ``ones``, ``full``, ``eye``, ``randn`` ... and the shared random generator."""

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
    """``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` alike."""
    return tuple(shape[0]) if len(shape) == 1 and not isinstance(shape[0], int | np.integer) else tuple(shape)


def zeros(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros(_shape(shape), dtype=dtype), requires_grad=requires_grad)


def ones(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones(_shape(shape), dtype=dtype), requires_grad=requires_grad)


def empty(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """A tensor of ``shape`` to be filled in (zeros here: NumPy's garbage would make runs differ)."""
    return zeros(*shape, dtype=dtype, requires_grad=requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere; the dtype follows the value (float64 for a float), as ``torch.full``."""
    return Tensor(np.full(_shape((size,)), fill_value, dtype=dtype), requires_grad=requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """The identity matrix (``n`` x ``m``, square by default)."""
    return Tensor(np.eye(n, m, dtype=dtype), requires_grad=requires_grad)


def _like(t: Any, dtype: Any) -> tuple[tuple[int, ...], Any]:
    data = t.data if isinstance(t, Tensor) else np.asarray(t)
    return data.shape, data.dtype if dtype is None else dtype


def zeros_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    shape, dtype = _like(t, dtype)
    return Tensor(np.zeros(shape, dtype=dtype), requires_grad=requires_grad)


def ones_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    shape, dtype = _like(t, dtype)
    return Tensor(np.ones(shape, dtype=dtype), requires_grad=requires_grad)


def empty_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return zeros_like(t, dtype=dtype, requires_grad=requires_grad)


def full_like(t: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    shape, dtype = _like(t, dtype)
    return Tensor(np.full(shape, fill_value, dtype=dtype), requires_grad=requires_grad)


def randn(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the generator ``manual_seed`` controls."""
    return Tensor(_rng.standard_normal(_shape(shape)).astype(dtype), requires_grad=requires_grad)


def rand(*shape: Any, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the generator ``manual_seed`` controls."""
    return Tensor(_rng.random(_shape(shape)).astype(dtype), requires_grad=requires_grad)


def randn_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    shape, dtype = _like(t, dtype)
    return randn(shape, dtype=dtype, requires_grad=requires_grad)


def rand_like(t: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    shape, dtype = _like(t, dtype)
    return rand(shape, dtype=dtype, requires_grad=requires_grad)


def randint(low: int, high: int | None = None, size: Any = None, dtype: Any = np.int64) -> Tensor:
    """Integers in [low, high) (``randint(high, size)`` starts at 0), as ``torch.randint``.

    Examples
    --------
    >>> import coursekit as ck
    >>> ck.randint(0, 3, (5,)).shape
    (5,)
    """
    if size is None:
        if high is None or isinstance(high, int):
            raise TypeError("randint needs a size, e.g. ck.randint(0, 10, (3,)) or ck.randint(10, (3,))")
        low, high, size = 0, low, high
    return Tensor(_rng.integers(low, high, size=_shape((size,))).astype(dtype))


def arange(*args: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.arange(*args, dtype=dtype), requires_grad=requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = np.float64, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced numbers from ``start`` to ``end``, both included."""
    return Tensor(np.linspace(start, end, steps, dtype=dtype), requires_grad=requires_grad)


def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    """``data`` as a Tensor: a Tensor of that dtype is returned as it is, an array's memory is shared."""
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    return Tensor._make(np.asarray(data, dtype=dtype), False, None)
