"""Functions applied number by number: exp, log, the activations, maximum, where, clip."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dtypes import promote
from ..function import Context, Function
from ..tensor import _data


def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))  # never overflows, unlike exp(-x) for x << 0
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


class Exp(Function):
    """e^x;  derivative e^x, the output itself."""

    saves_inputs, saves_output = False, True  # backward reads the output only

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.exp(x)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (grad * ctx.out,)


class Log(Function):
    """Natural log;  derivative 1/x."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.log(x)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (grad / ctx.inputs[0],)


class Sqrt(Function):
    """sqrt(x);  derivative 1 / (2 sqrt(x))."""

    saves_inputs, saves_output = False, True  # backward reads the output only

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.sqrt(x)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (grad / (2 * ctx.out),)


class Sin(Function):
    """sin(x);  derivative cos(x)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.sin(x)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (grad * cos(ctx.inputs[0]),)


class Cos(Function):
    """cos(x);  derivative -sin(x)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.cos(x)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (-(grad * sin(ctx.inputs[0])),)


class Tanh(Function):
    """tanh(x);  derivative 1 - tanh(x)^2."""

    saves_inputs, saves_output = False, True  # backward reads the output only

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.tanh(x)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        out = ctx.out
        return (grad * (1 - out * out),)


class Sigmoid(Function):
    """1 / (1 + e^-x);  derivative sigma(x) (1 - sigma(x))."""

    saves_inputs, saves_output = False, True  # backward reads the output only

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return _stable_sigmoid(x)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        out = ctx.out
        return (grad * out * (1 - out),)


class ReLU(Function):
    """max(0, x);  derivative 1[x > 0]."""

    torch_name = "ReluBackward0"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.maximum(x, 0)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (grad * (_data(ctx.inputs[0]) > 0),)


class LeakyReLU(Function):
    """x for x > 0, slope * x otherwise."""

    torch_name = "LeakyReluBackward0"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, slope: float) -> np.ndarray:
        ctx.slope = slope
        return np.where(x > 0, x, x * slope)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        x = _data(ctx.inputs[0])
        return (grad * np.where(x > 0, 1, ctx.slope).astype(x.dtype),)


class Softplus(Function):
    """log(1 + e^x), computed without overflow;  derivative sigma(x)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.logaddexp(0, x)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (grad * sigmoid(ctx.inputs[0]),)


class Abs(Function):
    """|x|;  derivative sign(x) (0 at 0, as PyTorch)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.abs(x)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (grad * np.sign(_data(ctx.inputs[0])),)


def _tie_weight(a: Any, b: Any) -> np.ndarray:
    """1 where a wins, 0 where b wins, 1/2 on ties (PyTorch's choice)."""
    a, b = _data(a), _data(b)
    dtype = np.result_type(a, b)
    return ((a > b) + 0.5 * (a == b)).astype(dtype)


class Maximum(Function):
    """Elementwise max(a, b); the gradient goes to the larger input."""

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        if not (type(a) is np.ndarray is type(b) and a.dtype is b.dtype):  # PyTorch's dtype for mixed inputs
            a, b = promote(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        w = _tie_weight(*ctx.inputs)
        return grad * w, grad * (1 - w)


class Minimum(Function):
    """Elementwise min(a, b); the gradient goes to the smaller input."""

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        if not (type(a) is np.ndarray is type(b) and a.dtype is b.dtype):  # PyTorch's dtype for mixed inputs
            a, b = promote(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        w = _tie_weight(*ctx.inputs[::-1])  # 1 where b > a: a is the minimum
        return grad * w, grad * (1 - w)


class Where(Function):
    """``a`` where ``condition`` holds, else ``b``; the condition gets no gradient."""

    @staticmethod
    def forward(ctx: Context, condition: Any, a: Any, b: Any) -> np.ndarray:
        if not (type(a) is np.ndarray is type(b) and a.dtype is b.dtype):  # PyTorch's dtype for mixed inputs
            a, b = promote(a, b)
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        condition = ctx.inputs[0]
        return None, where(condition, grad, 0), where(condition, 0, grad)


class Clip(Function):
    """Limit x to [lo, hi]; gradient 1 inside (bounds included), 0 outside."""

    torch_name = "ClampBackward1"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, lo: Any, hi: Any) -> np.ndarray:
        ctx.lo, ctx.hi = lo, hi
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        x = _data(ctx.inputs[0])
        inside = np.ones(x.shape, dtype=bool)
        if ctx.lo is not None:
            inside &= x >= ctx.lo
        if ctx.hi is not None:
            inside &= x <= ctx.hi
        return (grad * inside,)


exp, log, sqrt, sin, cos, tanh = Exp.apply, Log.apply, Sqrt.apply, Sin.apply, Cos.apply, Tanh.apply
sigmoid, relu, softplus, abs = Sigmoid.apply, ReLU.apply, Softplus.apply, Abs.apply  # noqa: A001
maximum, minimum = Maximum.apply, Minimum.apply


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Any:
    """max(0, x) + negative_slope * min(0, x)."""
    return LeakyReLU.apply(x, slope=negative_slope)


def where(condition: Any, a: Any, b: Any) -> Any:
    """``a`` where ``condition`` is true, else ``b`` (as ``np.where``)."""
    return Where.apply(_data(condition), a, b)


def clip(x: Any, min: Any = None, max: Any = None) -> Any:  # noqa: A002
    """Limit values to [min, max] (either may be None)."""
    return Clip.apply(x, lo=min, hi=max)
