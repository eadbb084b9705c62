"""Helpers the assignment checks share: random shapes, reference gradients, finite differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...autograd.tensor import Tensor

__all__ = [
    "broadcastable_pair",
    "central_differences",
    "f64",
    "random_shape",
    "reference_grads",
]


def f64(x: Any) -> np.ndarray:
    """A trusted value as a float64 array (Tensors give their data)."""
    return np.array(x.numpy(force=True) if isinstance(x, Tensor) else x, dtype=np.float64)


def random_shape(
    rng: np.random.Generator, ndim: tuple[int, int] = (1, 2), size: tuple[int, int] = (1, 6)
) -> tuple[int, ...]:
    """A random shape with ``ndim[0]..ndim[1]`` axes of ``size[0]..size[1]`` each."""
    n = int(rng.integers(ndim[0], ndim[1] + 1))
    return tuple(int(s) for s in rng.integers(size[0], size[1] + 1, size=n))


def broadcastable_pair(rng: np.random.Generator) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Two shapes that broadcast against each other, with size-1 and missing axes on either side."""
    full = random_shape(rng, (1, 3), (2, 5))
    a, b = list(full), list(full)
    for i in range(len(full)):
        r = rng.integers(0, 3)
        if r == 1:
            a[i] = 1
        elif r == 2:
            b[i] = 1
    drop = int(rng.integers(0, len(full)))  # b may lose leading axes
    b = b[drop:]
    if rng.random() < 0.5:
        a, b = b, a
    return tuple(a), tuple(b)


def central_differences(
    f: Callable[[dict[str, np.ndarray]], float],
    values: dict[str, Any],
    wrt: Sequence[str],
    eps: float = 1e-6,
) -> dict[str, np.ndarray]:
    """Gradients of the scalar ``f(values)`` w.r.t. ``values[name]`` for each name in ``wrt``, by central differences."""
    values = {k: (np.array(v, dtype=np.float64, order="C") if k in wrt else v) for k, v in values.items()}  # C order: flat writes must land
    grads = {}
    for name in wrt:
        x = values[name]
        g = np.zeros_like(x)
        flat, gflat = x.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            up = float(f(values))
            flat[i] = old - eps
            down = float(f(values))
            flat[i] = old
            gflat[i] = (up - down) / (2 * eps)
        grads[name] = g
    return grads


def reference_grads(
    f: Callable[[dict[str, Any]], Tensor],
    values: dict[str, Any],
    wrt: Sequence[str],
    upstream: Any = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Run ``f`` on coursekit Tensors (those in ``wrt`` require grad), backpropagate ``upstream``.

    Returns
    -------
    (output, grads)
        The output's data and the gradient of each name in ``wrt``.
    """
    tensors = {
        k: (Tensor(np.array(v, dtype=np.float64), requires_grad=True) if k in wrt else v)
        for k, v in values.items()
    }
    out = f(tensors)
    out.backward(None if upstream is None else np.asarray(upstream, dtype=np.float64))
    grads = {}
    for k in wrt:
        g = tensors[k].grad
        grads[k] = np.zeros(np.shape(values[k])) if g is None else np.array(g, dtype=np.float64)
    return f64(out), grads
