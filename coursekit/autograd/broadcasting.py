"""Broadcasting, in one place.

NumPy stretches size-1 and missing axes so that shapes fit.  The gradient of a
stretched input is the sum over the axes that were stretched; ``sum_to`` does
that reduction and the engine applies it to every gradient an op returns, so no
backward rule has to think about broadcasting.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .function import Context, Function


def reduce_to_shape(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``x`` over the axes that broadcasting added or stretched, giving ``shape``."""
    lead = x.ndim - len(shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1)
    axes = tuple(range(lead)) + stretched
    if axes:
        x = x.sum(axis=axes, keepdims=True)
    return x.reshape(shape)


class SumTo(Function):
    """Reduce a broadcast gradient back to ``shape``."""

    saves_inputs = False  # only the shape

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        ctx.in_shape = x.shape
        return reduce_to_shape(x, shape)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (broadcast_to(grad, ctx.in_shape),)


class BroadcastTo(Function):
    """Stretch ``x`` to ``shape`` (a read-only view, no copy)."""

    saves_inputs = False  # only the shape

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (grad,)  # the engine sums it back to x's shape


def sum_to(x: Any, shape: tuple[int, ...]) -> Any:
    """Sum a Tensor or array down to ``shape`` (the inverse of broadcasting)."""
    return SumTo.apply(x, shape=shape)


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    """Broadcast a Tensor or array to ``shape``, as ``np.broadcast_to``."""
    return BroadcastTo.apply(x, shape=tuple(shape))
