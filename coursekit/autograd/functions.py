"""Tensor methods as functions, PyTorch's way: ``ck.sum(x, dim=1)`` is ``x.sum(dim=1)``.

Each takes NumPy's ``axis``/``keepdims`` or PyTorch's ``dim``/``keepdim``.
Given plain arrays instead of Tensors, the differentiable ones return plain
arrays (they run the same op, unrecorded).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import ops
from .tensor import Axis, Tensor, _axis, _data, _wrap


def _as_tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor._make(np.asarray(x), False, None)


def sum(x: Any, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False) -> Any:  # noqa: A001
    """Sum over ``axis`` (int, tuple or None for all).

    Examples
    --------
    >>> import coursekit as ck
    >>> ck.sum(ck.tensor([[1.0, 2.0], [3.0, 4.0]]), dim=1)
    tensor([3., 7.])
    """
    return ops.Sum.apply(x, axis=_axis(axis, dim), keepdims=keepdims or keepdim)


def mean(x: Any, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False) -> Any:
    """Mean over ``axis``."""
    return ops.Mean.apply(x, axis=_axis(axis, dim), keepdims=keepdims or keepdim)


def prod(x: Any, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
         keepdim: bool = False) -> Any:
    """Product over one ``axis`` (or all elements)."""
    return ops.prod(x, _axis(axis, dim), keepdims or keepdim)


def max(x: Any, axis: Any = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False) -> Any:  # noqa: A001
    """The largest value; with an integer ``dim``, ``(values, indices)``; with a tensor, the elementwise maximum.

    Examples
    --------
    >>> import coursekit as ck
    >>> values, indices = ck.max(ck.tensor([[1.0, 5.0], [7.0, 2.0]]), dim=1)
    >>> values, indices
    (tensor([5., 7.]), tensor([1, 0]))
    """
    return ops.max_or_min(x, _axis(axis, dim), keepdims or keepdim, ops.Max)


def min(x: Any, axis: Any = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False) -> Any:  # noqa: A001
    """The smallest value; with an integer ``dim``, ``(values, indices)``; with a tensor, the elementwise minimum."""
    return ops.max_or_min(x, _axis(axis, dim), keepdims or keepdim, ops.Min)


def amax(x: Any, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False) -> Any:
    """The largest values over ``axis`` (ties share the gradient)."""
    return ops.Max.apply(x, axis=_axis(axis, dim), keepdims=keepdims or keepdim)


def amin(x: Any, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None, keepdim: bool = False) -> Any:
    """The smallest values over ``axis`` (ties share the gradient)."""
    return ops.Min.apply(x, axis=_axis(axis, dim), keepdims=keepdims or keepdim)


def argmax(x: Any, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
           keepdim: bool = False) -> Tensor:
    """Index of the largest value (of the flattened tensor when no axis is given)."""
    return ops.arg_reduce(np.argmax, x, _axis(axis, dim), keepdims or keepdim)


def argmin(x: Any, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
           keepdim: bool = False) -> Tensor:
    """Index of the smallest value (of the flattened tensor when no axis is given)."""
    return ops.arg_reduce(np.argmin, x, _axis(axis, dim), keepdims or keepdim)


def var(x: Any, axis: Axis = None, keepdims: bool = False, ddof: int | None = None, *, dim: Axis = None,
        keepdim: bool = False, correction: int | None = None, unbiased: bool | None = None) -> Any:
    """Variance, unbiased by default as in PyTorch (``correction=1``); ``ddof=0`` is NumPy's default."""
    return ops.Var.apply(x, axis=_axis(axis, dim), keepdims=keepdims or keepdim,
                         ddof=ops.correction(ddof, correction, unbiased))


def std(x: Any, axis: Axis = None, keepdims: bool = False, ddof: int | None = None, *, dim: Axis = None,
        keepdim: bool = False, correction: int | None = None, unbiased: bool | None = None) -> Any:
    """Standard deviation (unbiased by default, as :func:`var`)."""
    return ops.sqrt(var(x, axis, keepdims, ddof, dim=dim, keepdim=keepdim, correction=correction,
                        unbiased=unbiased))


def norm(x: Any, p: Any = "fro", dim: Axis = None, keepdim: bool = False) -> Any:
    """The ``p``-norm over ``dim`` (2 by default)."""
    return ops.norm(_as_tensor(x), p, dim, keepdim)


def clamp(x: Any, min: Any = None, max: Any = None) -> Any:  # noqa: A002
    """Limit values to [min, max] (either may be None); ``clip`` in NumPy."""
    return ops.clip(x, min, max)


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Any:
    """Merge the axes ``start_dim..end_dim`` into one."""
    return ops.flatten(x, start_dim, end_dim)


def unsqueeze(x: Any, dim: int) -> Any:
    """Insert an axis of length 1 at ``dim``."""
    return ops.unsqueeze(x, dim)


def squeeze(x: Any, dim: Axis = None) -> Any:
    """Drop axes of length 1 (only those among ``dim`` when given)."""
    return ops.squeeze(x, dim)


def numel(x: Any) -> int:
    return int(np.size(_data(x)))


def isnan(x: Any) -> Tensor:
    """Where ``x`` is NaN, as a boolean Tensor."""
    return _wrap(np.isnan(_data(x)))


def isinf(x: Any) -> Tensor:
    return _wrap(np.isinf(_data(x)))


def isfinite(x: Any) -> Tensor:
    return _wrap(np.isfinite(_data(x)))


def allclose(a: Any, b: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True when ``|a - b| <= atol + rtol * |b|`` everywhere (``torch.allclose``)."""
    return bool(np.allclose(_data(a), _data(b), rtol=rtol, atol=atol, equal_nan=equal_nan))


def pow(x: Any, exponent: Any) -> Any:  # noqa: A001
    """``x ** exponent`` (either may be a number), as ``torch.pow``."""
    return ops.Pow.apply(x, exponent)


def square(x: Any) -> Any:
    """``x * x``."""
    return ops.Mul.apply(x, x)


def mm(a: Any, b: Any) -> Tensor:
    """Matrix product of two 2-D tensors (``torch.mm``)."""
    return _as_tensor(a).mm(b)


def dot(a: Any, b: Any) -> Tensor:
    """Dot product of two 1-D tensors (``torch.dot``)."""
    return _as_tensor(a).dot(b)


def cumsum(x: Any, dim: int, *, dtype: Any = None) -> Tensor:
    """Running sums along ``dim`` (``torch.cumsum``)."""
    return _as_tensor(x).cumsum(dim, dtype=dtype)


def add(a: Any, b: Any, *, alpha: Any = 1) -> Any:
    """``a + alpha * b``."""
    return ops.Add.apply(a, b if alpha == 1 else b * alpha)


def sub(a: Any, b: Any, *, alpha: Any = 1) -> Any:
    """``a - alpha * b``."""
    return ops.Sub.apply(a, b if alpha == 1 else b * alpha)


def mul(a: Any, b: Any) -> Any:
    return ops.Mul.apply(a, b)


def div(a: Any, b: Any) -> Any:
    return ops.Div.apply(a, b)


def neg(x: Any) -> Any:
    return ops.Neg.apply(x)


def round(x: Any, decimals: int = 0) -> Tensor:  # noqa: A001
    """Round to ``decimals`` places (no gradient)."""
    return _as_tensor(x).round(decimals)


def is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)


def eq(a: Any, b: Any) -> Tensor:
    return _as_tensor(a) == b


def equal(a: Any, b: Any) -> bool:
    """True when both have the same shape and the same values (``torch.equal``)."""
    return np.shape(_data(a)) == np.shape(_data(b)) and bool(np.all(_data(a) == _data(b)))
