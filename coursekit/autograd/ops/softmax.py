"""Normalised exponentials: logsumexp, softmax and log-softmax, all overflow-free.

Subtracting the maximum first changes nothing mathematically
(softmax(z) = softmax(z - c)) but keeps exp from overflowing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Context, Function
from .elementwise import exp
from .reductions import _kept_shape


def _shifted(x: np.ndarray, axis: Any, guard_infinite: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """x - max(x) along axis, and that max (0 where it is infinite, to avoid inf - inf)."""
    # The ufuncs' own reduce (here and below): np.max's and ndarray.sum's Python
    # wrappers cost more than the reduction of a small array.
    if x.size == 0:  # an empty axis: a maximum of -inf, as the empty sum of exponentials is 0
        m = np.maximum.reduce(x, axis=axis, keepdims=True, initial=-np.inf)
    else:
        m = np.maximum.reduce(x, axis=axis, keepdims=True)
    if guard_infinite and not np.isfinite(m).all():
        m = np.where(np.isfinite(m), m, 0)
    return x - m, m


def log_softmax_parts(x: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log softmax of a plain array, with the exponentials ``e`` and their sums ``total`` it came from.

    ``softmax = e / total``, so a loss that needs both computes the shared part
    once.  Rows holding +inf, or only -inf, give NaN, as in PyTorch.
    """
    z, _ = _shifted(x, axis, guard_infinite=False)
    e = np.exp(z)
    total = np.add.reduce(e, axis=axis, keepdims=True)
    return z - _log_total(total, x), e, total


def _log_total(total: np.ndarray, x: np.ndarray) -> np.ndarray:
    """log of a sum of exponentials: -inf for an empty axis (as PyTorch), without log(0)'s warning."""
    return np.log(total) if x.size else np.full(total.shape, -np.inf, dtype=total.dtype)


class LogSumExp(Function):
    """log sum_j e^{x_j};  d/dx_i = softmax(x)_i."""

    torch_name = "LogsumexpBackward0"

    saves_output = True

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
        ctx.kept, ctx.axis = _kept_shape(x.shape, axis), axis
        z, m = _shifted(x, axis)
        out = _log_total(np.add.reduce(np.exp(z), axis=axis, keepdims=True), x) + m
        return out if keepdims else np.squeeze(out, axis=axis)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        x, out = ctx.inputs[0], ctx.out.reshape(ctx.kept)
        return (grad.reshape(ctx.kept) * exp(x - out),)


class Softmax(Function):
    """e^{x_i} / sum_j e^{x_j};  vector-Jacobian product  s * (g - sum(g * s))."""

    saves_inputs, saves_output = False, True  # backward reads the output only

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: int = -1) -> np.ndarray:
        ctx.axis = axis
        e = np.exp(_shifted(x, axis)[0])
        return e / np.add.reduce(e, axis=axis, keepdims=True)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        s = ctx.out
        return (s * (grad - (grad * s).sum(axis=ctx.axis, keepdims=True)),)


class LogSoftmax(Function):
    """x_i - logsumexp(x);  vector-Jacobian product  g - softmax(x) * sum(g)."""

    saves_inputs, saves_output = False, True  # backward reads the output only

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, axis: int = -1) -> np.ndarray:
        ctx.axis = axis
        return log_softmax_parts(x, axis)[0]

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (grad - exp(ctx.out) * grad.sum(axis=ctx.axis, keepdims=True),)


def _pick(axis: Any, dim: Any, default: Any) -> Any:
    if axis is not None and dim is not None:
        raise TypeError("pass either axis or dim, not both")
    return default if axis is None and dim is None else (dim if axis is None else axis)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: bool = False) -> Any:
    """log(sum(exp(x))) along ``axis`` (or ``dim``), without overflow."""
    return LogSumExp.apply(x, axis=_pick(axis, dim, None), keepdims=keepdims or keepdim)


def _required_dim(name: str, axis: Any, dim: Any) -> Any:
    """The axis of a softmax, which has no default: PyTorch's ``softmax(x)`` is a TypeError too."""
    if axis is None and dim is None:
        raise TypeError(f"{name}() missing 1 required positional argument: 'dim' (as in PyTorch); "
                        f"pass the axis to normalise over, e.g. {name}(x, dim=-1) for the last one")
    return _pick(axis, dim, None)


def softmax(x: Any, axis: int | None = None, *, dim: int | None = None) -> Any:
    """Probabilities e^{x_i} / sum_j e^{x_j} along ``axis`` or ``dim`` (required, as in PyTorch).

    Examples
    --------
    >>> import coursekit as ck
    >>> ck.softmax(ck.tensor([3.0, 0.0, 1.0]), dim=-1).data.round(6)
    tensor([0.843795, 0.04201 , 0.114195])
    """
    return Softmax.apply(x, axis=_required_dim("softmax", axis, dim))


def log_softmax(x: Any, axis: int | None = None, *, dim: int | None = None) -> Any:
    """log(softmax(x)) computed as x - logsumexp(x), stable for large |x|; along ``axis``/``dim`` (required)."""
    return LogSoftmax.apply(x, axis=_required_dim("log_softmax", axis, dim))
