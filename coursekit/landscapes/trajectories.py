"""Optimiser trajectories on 2-D landscapes, for plotting paths over contour lines.

The update rules (``g`` = gradient, ``alpha`` = ``lr``):

* ``gd``:        w <- w - alpha g(w)
* ``momentum``:  v <- beta v - alpha g(w);             w <- w + v   (heavy ball)
* ``nesterov``:  v <- beta v - alpha g(w + beta v);    w <- w + v   (look-ahead gradient)
* ``adam``:      m <- b1 m + (1 - b1) g;  s <- b2 s + (1 - b2) g^2;
                 w <- w - alpha (m / (1 - b1^t)) / (sqrt(s / (1 - b2^t)) + eps)

All start from v = m = s = 0.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np


class Trajectory(NamedTuple):
    """Iterates ``w`` (steps + 1, 2), starting point first, and their losses (steps + 1,)."""

    w: np.ndarray
    loss: np.ndarray


def run(
    fn: Any,
    start: Any,
    optimizer: str = "gd",
    lr: float = 0.01,
    beta: float = 0.9,
    steps: int = 100,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
) -> Trajectory:
    """Run ``optimizer`` on a landscape ``fn`` (with ``value(w)`` and ``grad(w)``) from ``start``.

    Parameters
    ----------
    optimizer : {'gd', 'momentum', 'nesterov', 'adam'}
    lr : float
        Step size alpha.
    beta : float
        Momentum of 'momentum' and 'nesterov'.
    betas, eps : Adam's moment decay rates and denominator offset.

    A diverging run keeps going with inf/nan values rather than raising, so a
    widget can show the blow-up.

    Examples
    --------
    >>> from coursekit.landscapes import ill_conditioned_quadratic
    >>> path = run(ill_conditioned_quadratic(kappa=10.0), [1.0, 1.0], "gd", lr=0.1, steps=2)
    >>> path.w.tolist()
    [[1.0, 1.0], [0.9, 0.0], [0.81, 0.0]]
    """
    if optimizer not in ("gd", "momentum", "nesterov", "adam"):
        raise ValueError(f"unknown optimizer {optimizer!r}")
    w = np.array(start, dtype=float)
    v, m, s = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    path = [w.copy()]
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            if optimizer == "gd":
                w = w - lr * fn.grad(w)
            elif optimizer in ("momentum", "nesterov"):
                at = w + beta * v if optimizer == "nesterov" else w
                v = beta * v - lr * fn.grad(at)
                w = w + v
            else:
                g = fn.grad(w)
                m = betas[0] * m + (1 - betas[0]) * g
                s = betas[1] * s + (1 - betas[1]) * g**2
                m_hat, s_hat = m / (1 - betas[0] ** t), s / (1 - betas[1] ** t)
                w = w - lr * m_hat / (np.sqrt(s_hat) + eps)
            path.append(w.copy())
        W = np.array(path)
        return Trajectory(W, np.asarray(fn.value(W), dtype=float))
