"""The course's non-convex example: least squares for the Gabor model on a fixed dataset.

Model: ``f[x, phi] = sin(u) exp(-u^2 / 8)`` with ``u = p0 + 0.06 p1 x``.
Loss: ``L(phi) = sum_k (f[x_k, phi] - y_k)^2``.  It has several valleys; gradient
descent finds the global minimum only when it starts in the right one.

The dataset needs no random generator, so a JavaScript widget rebuilds it
exactly: ``x_k = -15 + 0.75 k`` for k = 0..40, and
``y_k = f[x_k, PHI_TRUE] + 0.1 * (((37 k) mod 17) / 8 - 1)``, a fixed
saw-like "noise" in [-0.1, 0.1].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

PHI_TRUE = np.array([0.0, 8.0])  # gives local minima near (+-5.9, 7.0) besides the global one
ENVELOPE = 8.0  # the outline's exp(-u^2 / 8); Prince's book figure may use another width
GABOR_X = -15.0 + 0.75 * np.arange(41)
PLOT_RANGE = ((-10.0, 10.0), (2.5, 22.5))  # (p0, p1) window showing several valleys


def gabor_model(x: Any, phi: Any) -> np.ndarray:
    """``sin(u) exp(-u^2 / 8)``, ``u = p0 + 0.06 p1 x``; phi (..., 2) and x (N,) give (..., N).

    Examples
    --------
    >>> gabor_model([0.0, 1.0], [1.0, 0.0]).round(6).tolist()     # u = 1: sin(1) exp(-1/8)
    [0.742596, 0.742596]
    """
    u = _argument(x, phi)
    return np.sin(u) * np.exp(-(u**2) / ENVELOPE)


def _argument(x: Any, phi: Any) -> np.ndarray:
    phi = np.asarray(phi, dtype=float)
    return phi[..., 0, None] + 0.06 * phi[..., 1, None] * np.asarray(x, dtype=float)


def _noise(k: np.ndarray) -> np.ndarray:
    return 0.1 * (((37 * k) % 17) / 8 - 1)


GABOR_Y = gabor_model(GABOR_X, PHI_TRUE) + _noise(np.arange(41))


@dataclass(frozen=True, eq=False)  # eq=False: arrays do not compare to one bool
class GaborLoss:
    """Sum of squared errors of :func:`gabor_model` on ``(x, y)`` (the course dataset by default).

    ``value`` and ``grad`` accept one ``phi = (p0, p1)`` or a grid (..., 2).

    Examples
    --------
    >>> loss = GaborLoss()
    >>> bool(loss.value(PHI_TRUE) < 0.2)                # only the fixed noise is left
    True
    """

    x: np.ndarray = field(default_factory=GABOR_X.copy)
    y: np.ndarray = field(default_factory=GABOR_Y.copy)

    def value(self, phi: Any) -> np.ndarray:
        return np.sum((gabor_model(self.x, phi) - self.y) ** 2, axis=-1)

    def grad(self, phi: Any) -> np.ndarray:
        u = _argument(self.x, phi)
        envelope = np.exp(-(u**2) / ENVELOPE)
        residual = np.sin(u) * envelope - self.y
        df_du = envelope * (np.cos(u) - 2 * u / ENVELOPE * np.sin(u))  # d/du [sin(u) exp(-u^2/E)]
        g = 2 * residual * df_du  # dL/du_k; then du/dp0 = 1, du/dp1 = 0.06 x
        return np.stack([g.sum(axis=-1), (g * 0.06 * self.x).sum(axis=-1)], axis=-1)
