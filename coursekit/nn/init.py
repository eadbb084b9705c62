"""Weight initialisation, with ``torch.nn.init``'s names.

Every function fills a tensor *in place* (hence the trailing underscore) with
numbers from coursekit's shared generator, so ``ck.manual_seed(0)`` makes
initialisation reproducible.  It returns the same tensor.

Why the scales: a layer with ``fan_in`` inputs of unit variance and weights of
variance ``v`` gives outputs of variance ``fan_in * v``.  Xavier/Glorot keeps
variances similar forwards and backwards, ``v = 2 / (fan_in + fan_out)``;
Kaiming/He keeps them for ReLU layers (which zero half the signal),
``v = 2 / fan_in``.  A uniform distribution on ``[-a, a]`` has variance
``a^2 / 3``, so the uniform versions use ``a = sqrt(3 v)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd.creation import default_rng
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor

__all__ = [
    "calculate_gain", "constant_", "kaiming_normal_", "kaiming_uniform_", "normal_", "ones_", "uniform_",
    "xavier_normal_", "xavier_uniform_", "zeros_",
]


def _rng(generator: np.random.Generator | None) -> np.random.Generator:
    return default_rng() if generator is None else generator  # looked up per call: manual_seed replaces it


def _fill(tensor: Tensor, values: Any) -> Tensor:
    with no_grad():
        tensor.data[...] = values
    return tensor


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor by which an activation shrinks the standard deviation, to be undone by the weights.

    ============================  ==================================
    nonlinearity                  gain
    ============================  ==================================
    linear, identity, sigmoid     1
    tanh                          5/3
    relu                          sqrt(2)
    leaky_relu (slope ``param``)  sqrt(2 / (1 + param^2)), param 0.01 by default
    selu                          3/4
    ============================  ==================================

    Examples
    --------
    >>> round(calculate_gain("relu"), 6)
    1.414214
    """
    if nonlinearity in ("linear", "identity", "sigmoid", "conv1d", "conv2d", "conv3d"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """For a weight of shape (out, in, *kernel): fan_in = in * prod(kernel), fan_out = out * prod(kernel)."""
    shape = np.shape(tensor.data)
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out need a tensor with at least 2 dimensions, got shape {shape}")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: np.random.Generator | None = None) -> Tensor:
    """Fill with samples from U(a, b).

    Examples
    --------
    >>> import coursekit as ck
    >>> w = uniform_(ck.zeros(1000), -1.0, 1.0)
    >>> bool(w.data.min() >= -1 and w.data.max() < 1)
    True
    """
    return _fill(tensor, _rng(generator).uniform(a, b, size=np.shape(tensor.data)))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: np.random.Generator | None = None) -> Tensor:
    """Fill with samples from N(mean, std^2).

    Examples
    --------
    >>> import coursekit as ck
    >>> ck.manual_seed(0)
    >>> w = normal_(ck.zeros(10_000), mean=1.0, std=0.01)
    >>> round(float(w.data.mean()), 2)
    1.0
    """
    return _fill(tensor, _rng(generator).normal(mean, std, size=np.shape(tensor.data)))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with the value ``val`` (e.g. a bias of 0.1 that keeps ReLUs active at the start)."""
    return _fill(tensor, val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0."""
    return _fill(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    return _fill(tensor, 1.0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: np.random.Generator | None = None) -> Tensor:
    """Glorot/Xavier uniform: U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    Examples
    --------
    >>> import coursekit as ck
    >>> w = xavier_uniform_(ck.zeros(30, 20))
    >>> bool(abs(w.data).max() <= (6 / 50) ** 0.5)
    True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: np.random.Generator | None = None) -> Tensor:
    """Glorot/Xavier normal: N(0, std^2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Kaiming/He uniform: U(-bound, bound) with ``bound = gain * sqrt(3 / fan)``.

    ``gain = calculate_gain(nonlinearity, a)``, ``a`` being the negative slope
    of a leaky ReLU (0 gives plain ReLU's sqrt(2)).  PyTorch's default for
    ``nn.Linear`` is ``a = sqrt(5)``, which works out to
    ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``.

    Examples
    --------
    >>> import coursekit as ck
    >>> w = kaiming_uniform_(ck.zeros(64, 16), a=5 ** 0.5)
    >>> bool(abs(w.data).max() <= 1 / 16 ** 0.5)
    True
    """
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> Tensor:
    """Kaiming/He normal: N(0, std^2) with ``std = gain / sqrt(fan)`` (``sqrt(2 / fan_in)`` for ReLU)."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)
