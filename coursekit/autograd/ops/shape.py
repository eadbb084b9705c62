"""Moving numbers around without changing them: reshape, transpose, indexing, joining, casting."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..function import Context, Function, ShapeError
from ..tensor import Tensor, _data


class Reshape(Function):
    """Same numbers, new shape;  the gradient is reshaped back."""

    torch_name = "ViewBackward0"

    saves_inputs = False  # only their shapes and dtypes, which in-place changes keep

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        return x.reshape(shape)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (grad.reshape(ctx.inputs[0].shape),)


class Transpose(Function):
    """Permute axes (``axes=None`` reverses them);  the gradient is permuted back."""

    torch_name = "PermuteBackward0"

    saves_inputs = False  # only their shapes and dtypes, which in-place changes keep

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
        return index._data
    if isinstance(index, list):
        return np.asarray(index)
    return index


def _is_advanced(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, np.ndarray) for i in parts)


class GetItem(Function):
    """``x[index]`` (basic and advanced);  the gradient is scattered back, repeats adding up."""

    torch_name = "IndexBackward0"

    saves_inputs = False  # only their shapes and dtypes, which in-place changes keep

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, index: Any) -> np.ndarray:
        ctx.index = index
        return x[index]

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (ScatterAdd.apply(grad, index=ctx.index, shape=ctx.inputs[0].shape),)


class ScatterAdd(Function):
    """Zeros of ``shape`` with ``values`` added at ``index`` (the transpose of indexing)."""

    saves_inputs = False  # only their shapes and dtypes, which in-place changes keep

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

    torch_name = "CatBackward0"

    saves_inputs = False  # only their shapes and dtypes, which in-place changes keep

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

    saves_inputs = False  # only their shapes and dtypes, which in-place changes keep

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

    torch_name = "ToCopyBackward0"

    saves_inputs = False  # only their shapes and dtypes, which in-place changes keep

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dtype: np.dtype) -> np.ndarray:
        return x.astype(dtype)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (Cast.apply(grad, dtype=ctx.inputs[0].dtype),)


def reshape(x: Any, shape: Sequence[int]) -> Any:
    return Reshape.apply(x, shape=tuple(shape))


def transpose(x: Any, *dims: Any, axes: Sequence[int] | None = None) -> Any:
    """``np.transpose(x, axes)`` (no axes: reversed), or ``torch.transpose(x, dim0, dim1)`` (two axes swapped)."""
    if len(dims) == 2 and all(isinstance(d, int | np.integer) for d in dims):
        perm = list(range(np.ndim(_data(x))))
        perm[dims[0]], perm[dims[1]] = perm[dims[1]], perm[dims[0]]
        return Transpose.apply(x, axes=tuple(perm))
    if dims:
        axes = dims[0]
    return Transpose.apply(x, axes=None if axes is None else tuple(axes))


def _dim(axis: int | None, dim: int | None, default: int = 0) -> int:
    if axis is not None and dim is not None:
        raise TypeError("pass either axis or dim, not both")
    return default if axis is None and dim is None else (dim if axis is None else axis)


def concatenate(tensors: Sequence[Any], axis: int | None = None, *, dim: int | None = None) -> Any:
    """Join tensors along an existing axis (``np.concatenate``, ``torch.cat``; ``axis`` or ``dim``)."""
    return Concatenate.apply(*tensors, axis=_dim(axis, dim))


def stack(tensors: Sequence[Any], axis: int | None = None, *, dim: int | None = None) -> Any:
    """Join tensors along a new axis (``np.stack``, ``torch.stack``; ``axis`` or ``dim``)."""
    return Stack.apply(*tensors, axis=_dim(axis, dim))


cat = concatenate


class Clone(Function):
    """A copy in fresh memory;  the gradient passes through unchanged."""

    saves_inputs = False

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return x.copy()

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (grad,)


def _sizes(sizes: tuple) -> tuple[int, ...]:
    """``f(2, 3)`` and ``f((2, 3))`` alike."""
    return tuple(sizes[0]) if len(sizes) == 1 and not isinstance(sizes[0], int | np.integer) else tuple(sizes)


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Any:
    """Merge the axes ``start_dim..end_dim`` into one (``torch.flatten``); a number becomes shape (1,)."""
    shape = np.shape(_data(x))
    if not shape:
        return reshape(x, (1,))
    start, end = start_dim % len(shape), end_dim % len(shape)
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {shape}")
    return reshape(x, shape[:start] + (int(np.prod(shape[start:end + 1])),) + shape[end + 1:])


def unsqueeze(x: Any, dim: int) -> Any:
    """Insert an axis of length 1 at ``dim`` (``torch.unsqueeze``, ``np.expand_dims``)."""
    shape = np.shape(_data(x))
    if not -len(shape) - 1 <= dim <= len(shape):
        raise IndexError(f"unsqueeze: dim {dim} is out of range for shape {shape} "
                         f"(expected -{len(shape) + 1} to {len(shape)})")
    d = dim % (len(shape) + 1)
    return reshape(x, shape[:d] + (1,) + shape[d:])


def squeeze(x: Any, dim: Any = None) -> Any:
    """Drop axes of length 1: all of them, or those among ``dim`` (others are kept, as in PyTorch)."""
    shape = np.shape(_data(x))
    if dim is None:
        dims = set(range(len(shape)))
    else:
        dims = {d % max(len(shape), 1) for d in (dim if isinstance(dim, tuple | list) else (dim,))}
    return reshape(x, tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1)))


def expand(x: Any, *sizes: Any) -> Any:
    """Broadcast to ``sizes`` without copying (``torch.Tensor.expand``); -1 keeps an axis's length."""
    from ..broadcasting import broadcast_to  # noqa: PLC0415  (broadcasting imports this package)

    sizes = _sizes(sizes)
    shape = np.shape(_data(x))
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise ShapeError(f"expand: the number of sizes {sizes} must be at least the number of axes of {shape}")
    target = []
    for i, s in enumerate(sizes):
        n = shape[i - lead] if i >= lead else None
        if s == -1:
            if n is None:
                raise ShapeError(f"expand: -1 is not allowed for the new leading axis {i} (sizes {sizes})")
            s = n
        if n is not None and n != 1 and n != s:
            raise ShapeError(f"expand: the size {s} must match the existing size {n} at axis {i - lead} "
                             f"(only axes of length 1 stretch); target sizes {sizes}, tensor shape {shape}")
        target.append(s)
    return broadcast_to(x, tuple(target))


def repeat(x: Any, *sizes: Any) -> Any:
    """Tile: ``sizes[i]`` copies along axis ``i`` (``torch.Tensor.repeat``, ``np.tile``).

    Each axis of length n becomes (r, n), broadcast, then merged to r*n: one
    reshape, one broadcast, one reshape, so the gradient sums the copies.
    """
    from ..broadcasting import broadcast_to  # noqa: PLC0415

    sizes = _sizes(sizes)
    shape = np.shape(_data(x))
    if len(sizes) < len(shape):
        raise ShapeError(f"repeat: give at least one count per axis: {len(sizes)} counts for shape {shape}")
    shape = (1,) * (len(sizes) - len(shape)) + shape
    paired = tuple(n for s in shape for n in (1, s))
    stretched = tuple(n for r, s in zip(sizes, shape) for n in (r, s))
    y = broadcast_to(reshape(x, paired), stretched)
    return reshape(y, tuple(r * s for r, s in zip(sizes, shape)))


def gather(x: Any, dim: int, index: Any) -> Any:
    """``out[i][j] = x[index[i][j]][j]`` for ``dim=0``, and so on (``torch.gather``); differentiable in ``x``."""
    from .reductions import take_along  # noqa: PLC0415

    index = np.asarray(_data(index))
    shape = np.shape(_data(x))
    if index.dtype.kind not in "iu":
        raise TypeError(f"gather: index must hold integers, got {index.dtype}")
    if index.ndim != len(shape):
        raise ShapeError(f"gather: index of shape {index.shape} needs as many axes as the input {shape}")
    if index.size and (index.min() < 0 or index.max() >= shape[dim]):
        raise IndexError(f"gather: indices must lie in [0, {shape[dim] - 1}] along dim {dim}, "
                         f"got {index.min()} to {index.max()}")
    return take_along(x, dim, index)
