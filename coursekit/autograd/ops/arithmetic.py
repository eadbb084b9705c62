"""+ - * / ** and negation.  Broadcasting is handled by the engine, not here."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Context, Function
from .elementwise import log


class Add(Function):
    """a + b;  d/da = 1, d/db = 1."""

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        return a + b

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return grad, grad


class Sub(Function):
    """a - b;  d/da = 1, d/db = -1."""

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        return a - b

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return grad, -grad


class Mul(Function):
    """a * b;  d/da = b, d/db = a."""

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        return a * b

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        a, b = ctx.inputs
        return grad * b, grad * a


class Div(Function):
    """a / b;  d/da = 1/b, d/db = -a/b^2 = -out/b."""

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        return a / b

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        _, b = ctx.inputs
        grad_a = grad / b
        return grad_a, -grad_a * ctx.out


class Neg(Function):
    """-a."""

    @staticmethod
    def forward(ctx: Context, a: Any) -> np.ndarray:
        return -a

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return (-grad,)


class Pow(Function):
    """a ** b;  d/da = b a^(b-1), d/db = a^b log(a)."""

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        return a**b

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad * b * a ** (b - 1) if need_a else None
        grad_b = grad * ctx.out * log(a) if need_b else None
        return grad_a, grad_b
