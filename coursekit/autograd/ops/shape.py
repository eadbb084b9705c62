"""Moving numbers around without changing them: reshape, transpose, indexing, joining, casting."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..function import Context, Function
from ..tensor import Tensor


class Reshape(Function):
    """Same numbers, new shape;  the gradient is reshaped back."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        return x.reshape(shape)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (grad.reshape(ctx.inputs[0].shape),)


class Transpose(Function):
    """Permute axes (``axes=None`` reverses them);  the gradient is permuted back."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axes: tuple[int, ...] | None) -> np.ndarray:
        ctx.axes = axes
        return x.transpose(axes)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        inverse = None if ctx.axes is None else tuple(np.argsort([a % grad.ndim for a in ctx.axes]))
        return (Transpose.apply(grad, axes=inverse),)


def normalize_index(index: Any) -> Any:
    """Tensors and lists inside an index become arrays, as NumPy expects."""
    if isinstance(index, tuple):
        return tuple(normalize_index(i) for i in index)
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list):
        return np.asarray(index)
    return index


def _is_advanced(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, np.ndarray) for i in parts)


class GetItem(Function):
    """``x[index]`` (basic and advanced);  the gradient is scattered back, repeats adding up."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, index: Any) -> np.ndarray:
        ctx.index = index
        return x[index]

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (ScatterAdd.apply(grad, index=ctx.index, shape=ctx.inputs[0].shape),)


class ScatterAdd(Function):
    """Zeros of ``shape`` with ``values`` added at ``index`` (the transpose of indexing)."""

    @staticmethod
    def forward(ctx: Context, values: np.ndarray, index: Any, shape: tuple[int, ...]) -> np.ndarray:
        ctx.index = index
        out = np.zeros(shape, dtype=values.dtype)
        if _is_advanced(index):
            np.add.at(out, index, values)  # repeated indices must accumulate
        else:
            out[index] = values
        return out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (GetItem.apply(grad, index=ctx.index),)


def getitem(x: Any, index: Any) -> Any:
    return GetItem.apply(x, index=normalize_index(index))


class Concatenate(Function):
    """Join along an existing axis;  each input gets its slice of the gradient."""

    @staticmethod
    def forward(ctx: Context, *xs: np.ndarray, axis: int = 0) -> np.ndarray:
        ctx.axis = axis
        return np.concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        axis = ctx.axis % grad.ndim
        ends = np.cumsum([np.shape(x)[axis] for x in ctx.inputs])
        lead = (slice(None),) * axis
        return tuple(grad[lead + (slice(end - n, end),)] for end, n in zip(ends, np.diff(ends, prepend=0)))


class Stack(Function):
    """Join along a new axis;  each input gets its layer of the gradient."""

    @staticmethod
    def forward(ctx: Context, *xs: np.ndarray, axis: int = 0) -> np.ndarray:
        ctx.axis = axis
        return np.stack(xs, axis=axis)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        lead = (slice(None),) * (ctx.axis % grad.ndim)
        return tuple(grad[lead + (i,)] for i in range(len(ctx.inputs)))


class Cast(Function):
    """Change dtype;  the gradient is cast back to the input's dtype."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dtype: np.dtype) -> np.ndarray:
        return x.astype(dtype)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (Cast.apply(grad, dtype=ctx.inputs[0].dtype),)


def reshape(x: Any, shape: Sequence[int]) -> Any:
    return Reshape.apply(x, shape=tuple(shape))


def transpose(x: Any, axes: Sequence[int] | None = None) -> Any:
    return Transpose.apply(x, axes=None if axes is None else tuple(axes))


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Any:
    """Join tensors along an existing axis (``np.concatenate``, ``torch.cat``)."""
    return Concatenate.apply(*tensors, axis=axis)


def stack(tensors: Sequence[Any], axis: int = 0) -> Any:
    """Join tensors along a new axis (``np.stack``, ``torch.stack``)."""
    return Stack.apply(*tensors, axis=axis)


cat = concatenate
