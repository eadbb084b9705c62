"""+ - * / ** and negation.  Broadcasting is handled by the engine, not here.

Operands of different dtypes are first cast to PyTorch's result dtype
(:func:`coursekit.autograd.dtypes.promote`): float32 * int64 stays float32.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dtypes import promote, result_type
from ..function import Context, Function
from ..tensor import Tensor, _data
from .elementwise import log, where


class Add(Function):
    """a + b;  d/da = 1, d/db = 1."""

    saves_inputs = False

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        if not (type(a) is np.ndarray is type(b) and a.dtype is b.dtype):  # the common case costs one check
            a, b = promote(a, b)
        return a + b

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return grad, grad


class Sub(Function):
    """a - b;  d/da = 1, d/db = -1."""

    saves_inputs = False

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        if not (type(a) is np.ndarray is type(b) and a.dtype is b.dtype):  # the common case costs one check
            a, b = promote(a, b)
        return a - b

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return grad, -grad


class Mul(Function):
    """a * b;  d/da = b, d/db = a."""

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        if not (type(a) is np.ndarray is type(b) and a.dtype is b.dtype):  # the common case costs one check
            a, b = promote(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        a, b = ctx.inputs
        return grad * b, grad * a


class Div(Function):
    """a / b;  d/da = 1/b, d/db = -a/b^2 = -out/b."""

    saves_output = True

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        if not (type(a) is np.ndarray is type(b) and a.dtype is b.dtype and a.dtype.kind == "f"):  # the common case costs one check
            a, b = promote(a, b, true_division=True)
        return a / b

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        _, b = ctx.inputs
        grad_a = grad / b
        return grad_a, -grad_a * ctx.out


class Neg(Function):
    """-a."""

    saves_inputs = False

    @staticmethod
    def forward(ctx: Context, a: Any) -> np.ndarray:
        return -a

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (-grad,)


class Pow(Function):
    """a ** b;  d/da = b a^(b-1), d/db = a^b log(a).

    Where those formulas give 0 * inf, PyTorch's limits: d/da = 0 where b = 0
    (x^0 is constant), d/db = 0 where a = 0 and b >= 0.  The log is taken in
    the result's dtype (a float32 base with a float64 exponent gives float64).
    """

    saves_output = True

    @staticmethod
    def backward_name(ctx: Context) -> str:
        """torch's names: tensor ** number is PowBackward0, tensor ** tensor 1, number ** tensor 2."""
        base, exponent = (need is not None for need in ctx.needs_input_grad)  # None: not a Tensor
        return "PowBackward" + ("1" if base and exponent else "2" if exponent else "0")

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        if type(a) is np.ndarray is type(b) and a.dtype is b.dtype and a.dtype.kind == "f":
            return a**b
        a, b = promote(a, b)
        out = np.power(a, b)
        # NumPy raises bools to a power in int8; PyTorch keeps bool (x ** True is x).
        return out.astype(np.bool_) if result_type(a, b) == np.bool_ else out

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        a, b = ctx.inputs
        out = ctx.out
        need_a, need_b = ctx.needs_input_grad
        a_, b_ = _data(a), _data(b)
        with np.errstate(divide="ignore", invalid="ignore"):  # the 0 * inf entries are replaced below
            grad_a = where(b_ == 0, 0, grad * b * a ** (b - 1)) if need_a else None
            grad_b = where((a_ == 0) & (b_ >= 0), 0, grad * out * log(_as_dtype(a, out.dtype))) if need_b else None
        return grad_a, grad_b


def _as_dtype(x: Any, dtype: np.dtype) -> Any:
    """``x`` in ``dtype``: a recorded cast for a Tensor, a plain one for numbers and arrays."""
    if isinstance(x, Tensor):
        return x.astype(dtype)
    return np.asarray(x, dtype=dtype)
