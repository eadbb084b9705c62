"""coursekit: the reference library of the course, an autograd engine on NumPy and the pieces of an MLP.

The names follow PyTorch (``Tensor.backward``, ``.grad``, ``no_grad``, ``nn``,
``optim``) so that what you learn here transfers.
"""

__version__ = "0.1.0"

from . import autograd, data, landscapes, nn, optim, regions, temperature, train
from .autograd import (
    Function, GradcheckError, ShapeError, Tensor, arange, enable_grad, from_numpy, gradcheck, is_grad_enabled,
    manual_seed, no_grad, ones, ones_like, rand, randn, set_grad_enabled, tensor, zeros, zeros_like,
)
from .autograd.ops import (
    abs, broadcast_to, cat, clip, concatenate, cos, exp, leaky_relu, log, log_softmax, logsumexp, matmul,
    maximum, minimum, relu, reshape, sigmoid, sin, softmax, softplus, sqrt, stack, sum_to, tanh, transpose, where,
)
from .autograd.ops.reductions import Max, Mean, Min, Sum, Var


def sum(x, axis=None, keepdims=False):  # noqa: A001  (the NumPy/PyTorch name)
    """Sum over ``axis`` (int, tuple or None for all)."""
    return Sum.apply(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis``."""
    return Mean.apply(x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001
    """Largest value over ``axis`` (ties share the gradient)."""
    return Max.apply(x, axis=axis, keepdims=keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    """Smallest value over ``axis`` (ties share the gradient)."""
    return Min.apply(x, axis=axis, keepdims=keepdims)


def var(x, axis=None, keepdims=False, ddof=0):
    """Variance over ``axis`` (NumPy's ``ddof=0`` by default)."""
    return Var.apply(x, axis=axis, keepdims=keepdims, ddof=ddof)
