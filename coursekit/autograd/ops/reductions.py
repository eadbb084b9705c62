"""Reductions along axes: sum, mean, prod, max, min, var, norm, argmax.

Backward rules put the reduced axes back (``keep``) and spread the gradient
over the elements that produced each result.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..broadcasting import broadcast_to
from ..function import Context, Function
from ..tensor import Tensor, _data


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

    @staticmethod
    def backward_name(ctx: Context) -> str:
        """torch's names: ``x.sum()`` is SumBackward0, ``x.sum(dim)`` SumBackward1 (max/min the other way)."""
        name = ctx.fn.__name__
        if name not in ("Sum", "Mean", "Prod", "Max", "Min"):  # one name for both (VarBackward0 ...)
            return type(ctx).__name__
        whole, over_dim = ("1", "0") if name in ("Max", "Min") else ("0", "1")
        return name + "Backward" + (whole if ctx.axis is None else over_dim)


class Sum(_Reduction):
    """Sum over ``axis``;  every summed element gets the gradient of the sum."""

    saves_inputs = False  # only their shape

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        Sum.remember(ctx, x, axis)
        return x.sum(axis=ctx.axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (broadcast_to(Sum.keep(ctx, grad), ctx.inputs[0].shape),)


class Mean(_Reduction):
    """Mean over ``axis``;  each element gets 1/n of the gradient."""

    saves_inputs = False

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        Mean.remember(ctx, x, axis)
        ctx.count = x.size // max(int(np.prod(ctx.kept)), 1) if x.size else 0
        return x.mean(axis=ctx.axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (broadcast_to(Mean.keep(ctx, grad) / ctx.count, ctx.inputs[0].shape),)


class Max(_Reduction):
    """Largest value over ``axis``;  the gradient is shared by the tied maxima (by the NaNs, if any)."""

    torch_name = "MaxBackward1"

    _reduce = staticmethod(np.max)
    saves_output = True

    @classmethod
    def forward(cls, ctx: Context, x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        cls.remember(ctx, x, axis)
        return cls._reduce(x, axis=ctx.axis, keepdims=keepdims)

    @classmethod
    def backward(cls, ctx: Context, grad: Any) -> tuple:
        x = _data(ctx.inputs[0])
        out = _data(ctx.out).reshape(ctx.kept)
        winners = (x == out) | (np.isnan(x) & np.isnan(out))  # NaN wins a max (as in PyTorch) but != itself
        share = (winners / winners.sum(axis=ctx.axis, keepdims=True)).astype(x.dtype)
        return (cls.keep(ctx, grad) * share,)


class Min(Max):
    """Smallest value over ``axis``;  the gradient is shared by the tied minima."""

    torch_name = "MinBackward1"

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


class Prod(_Reduction):
    """Product over ``axis`` (one axis or all);  d/dx_i = the product of the other elements.

    Not ``out / x_i``, which fails where x_i = 0: the product of the others is
    an exclusive running product from the left times one from the right.
    """

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
        Prod.remember(ctx, x, axis)
        return np.prod(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        x = ctx.inputs[0]
        if ctx.axis is None:
            others = _product_of_others(x.reshape(-1), 0).reshape(x.shape)
        else:
            others = _product_of_others(x, ctx.axis)
        return (Prod.keep(ctx, grad) * others,)


def _product_of_others(x: Any, axis: int) -> Any:
    """Element i: the product of all elements but i along ``axis``."""
    n = x.shape[axis]
    if isinstance(x, Tensor):  # a differentiable version: row i of an n x n table is x with x_i set to 1
        moved = x.swapaxes(axis, -1)
        table = moved.reshape(moved.shape[:-1] + (1, n)).expand(moved.shape[:-1] + (n, n))
        from .elementwise import where  # noqa: PLC0415  (elementwise imports this module's neighbours)

        return Prod.apply(where(np.eye(n, dtype=bool), 1, table), axis=-1).swapaxes(axis, -1)
    xm = np.moveaxis(x, axis, -1)
    if n == 0:
        return np.ones_like(x)
    ones = np.ones(xm.shape[:-1] + (1,), dtype=x.dtype)
    left = np.cumprod(np.concatenate([ones, xm[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, xm[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return np.moveaxis(left * right, -1, axis)


def prod(x: Any, axis: int | None = None, keepdims: bool = False) -> Any:
    """Product of the elements over one ``axis`` (or all), as ``torch.prod``."""
    if axis is not None and not isinstance(axis, int | np.integer):
        raise TypeError(f"prod takes one axis (an int) or None, got {axis!r}; call it once per axis")
    return Prod.apply(x, axis=axis, keepdims=keepdims)


class Norm2(_Reduction):
    """Euclidean norm sqrt(sum x^2);  d/dx = x / norm, and 0 where the norm is 0 (as PyTorch)."""

    torch_name = "LinalgVectorNormBackward0"

    saves_output = True

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        Norm2.remember(ctx, x, axis)
        return np.sqrt((x * x).sum(axis=ctx.axis, keepdims=keepdims))

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        from .elementwise import where  # noqa: PLC0415

        x, out = ctx.inputs[0], Norm2.keep(ctx, ctx.out)
        safe = where(_data(out) == 0, np.inf, out)  # x / inf = 0 for the zero vector
        return (Norm2.keep(ctx, grad) * x / safe,)


def norm(x: Any, p: Any = "fro", dim: Any = None, keepdim: bool = False) -> Any:
    """The ``p``-norm over ``dim``: 2 (``'fro'``) by default, 1, ``inf``, ``-inf`` or any other p > 0."""
    if p in ("fro", 2):
        return Norm2.apply(x, axis=dim, keepdims=keepdim)
    if p == 1:
        return abs(x).sum(axis=dim, keepdims=keepdim)
    if p == np.inf:
        return abs(x).amax(axis=dim, keepdims=keepdim)
    if p == -np.inf:
        return abs(x).amin(axis=dim, keepdims=keepdim)
    if isinstance(p, int | float) and p > 0:
        return (abs(x) ** p).sum(axis=dim, keepdims=keepdim) ** (1.0 / p)
    raise ValueError(f"norm: p must be 'fro', inf, -inf or a number > 0, got {p!r}")


def correction(ddof: int | None, correction: int | None, unbiased: bool | None) -> int:
    """The degrees of freedom subtracted by var/std: PyTorch's default 1, or what one of the three says."""
    given = [(name, v) for name, v in (("ddof", ddof), ("correction", correction), ("unbiased", unbiased))
             if v is not None]
    if len(given) > 1:
        raise TypeError(f"var/std: pass one of ddof, correction or unbiased, got {', '.join(n for n, _ in given)}")
    if not given:
        return 1  # PyTorch's default: the unbiased estimate (NumPy's default would be ddof=0)
    return int(given[0][1])


class ValuesIndices(NamedTuple):
    """What ``x.max(dim)`` and ``x.min(dim)`` return, as ``torch.return_types.max``."""

    values: Any
    indices: Any


def arg_reduce(fn: Any, x: Any, axis: int | None, keepdims: bool) -> Tensor:
    """``np.argmax``/``np.argmin`` as an int64 Tensor (no gradient); ``axis=None`` indexes the flattened tensor."""
    data = _data(x)
    if axis is None:
        index = np.asarray(fn(data))
        return Tensor._make(index.reshape((1,) * data.ndim) if keepdims else index, False, None)
    return Tensor._make(np.asarray(fn(data, axis=axis, keepdims=keepdims)), False, None)


def max_or_min(x: Any, axis: Any, keepdims: bool, op: type[Max]) -> Any:
    """``x.max()``: the value; ``x.max(dim)``: ``(values, indices)``; ``x.max(other)``: elementwise."""
    if isinstance(axis, Tensor | np.ndarray):
        from .elementwise import maximum, minimum  # noqa: PLC0415

        return (maximum if op is Max else minimum)(x, axis)
    if not isinstance(axis, int | np.integer):
        return op.apply(x, axis=axis, keepdims=keepdims)
    indices = arg_reduce(np.argmax if op is Max else np.argmin, x, axis, True)
    # The values are picked at the indices, so the gradient goes to that one element, as in PyTorch.
    values = take_along(x, axis, indices._data)
    if not keepdims:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return ValuesIndices(values, indices)


def take_along(x: Any, axis: int, index: np.ndarray) -> Any:
    """``x`` picked at ``index`` along ``axis`` (``np.take_along_axis``, ``torch.gather``), differentiable."""
    from .shape import getitem  # noqa: PLC0415

    parts = list(np.indices(index.shape, sparse=True))
    parts[axis % max(index.ndim, 1)] = index
    return getitem(x, tuple(parts))


class CumSum(Function):
    """Running sums along ``axis``;  the gradient is the running sum of the gradient taken from the end."""

    torch_name = "CumsumBackward0"

    saves_inputs = False  # only the axis

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: int) -> np.ndarray:
        ctx.axis = axis
        return np.cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        reverse = (slice(None),) * (ctx.axis % grad.ndim) + (slice(None, None, -1),)
        return (CumSum.apply(grad[reverse], axis=ctx.axis)[reverse],)
