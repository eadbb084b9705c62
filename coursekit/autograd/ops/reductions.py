"""Reductions along axes: sum, mean, max, min, var.

Backward rules put the reduced axes back (``keep``) and spread the gradient
over the elements that produced each result.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..broadcasting import broadcast_to
from ..function import Context, Function
from ..tensor import _data


def _kept_shape(shape: tuple[int, ...], axis: Any) -> tuple[int, ...]:
    """``shape`` with the reduced axes set to 1 (what ``keepdims=True`` gives)."""
    if axis is None:
        return (1,) * len(shape)
    axes = {a % len(shape) for a in (axis if isinstance(axis, tuple | list) else (axis,))}
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class _Reduction(Function):
    @staticmethod
    def remember(ctx: Context, x: np.ndarray, axis: Any) -> None:
        ctx.kept = _kept_shape(x.shape, axis)
        ctx.axis = tuple(axis) if isinstance(axis, list) else axis

    @staticmethod
    def keep(ctx: Context, y: Any) -> Any:
        """Reshape a reduced result or gradient so it broadcasts against the input."""
        return y.reshape(ctx.kept)


class Sum(_Reduction):
    """Sum over ``axis``;  every summed element gets the gradient of the sum."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        Sum.remember(ctx, x, axis)
        return x.sum(axis=ctx.axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (broadcast_to(Sum.keep(ctx, grad), ctx.inputs[0].shape),)


class Mean(_Reduction):
    """Mean over ``axis``;  each element gets 1/n of the gradient."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        Mean.remember(ctx, x, axis)
        ctx.count = x.size // max(int(np.prod(ctx.kept)), 1) if x.size else 0
        return x.mean(axis=ctx.axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (broadcast_to(Mean.keep(ctx, grad) / ctx.count, ctx.inputs[0].shape),)


class Max(_Reduction):
    """Largest value over ``axis``;  the gradient is shared by the tied maxima."""

    _reduce = staticmethod(np.max)

    @classmethod
    def forward(cls, ctx: Context, x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        cls.remember(ctx, x, axis)
        return cls._reduce(x, axis=ctx.axis, keepdims=keepdims)

    @classmethod
    def backward(cls, ctx: Context, grad: Any) -> tuple:
        x = _data(ctx.inputs[0])
        winners = x == _data(ctx.out).reshape(ctx.kept)
        share = (winners / winners.sum(axis=ctx.axis, keepdims=True)).astype(x.dtype)
        return (cls.keep(ctx, grad) * share,)


class Min(Max):
    """Smallest value over ``axis``;  the gradient is shared by the tied minima."""

    _reduce = staticmethod(np.min)


class Var(_Reduction):
    """Variance over ``axis`` with ``ddof`` (NumPy's default 0);  d/dx_i = 2 (x_i - mean) / (n - ddof)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> np.ndarray:
        Var.remember(ctx, x, axis)
        ctx.dof = x.size // max(int(np.prod(ctx.kept)), 1) - ddof
        return x.var(axis=ctx.axis, keepdims=keepdims, ddof=ddof)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        x = ctx.inputs[0]
        centred = x - x.mean(axis=ctx.axis, keepdims=True)
        return (Var.keep(ctx, grad) * centred * (2 / ctx.dof),)
