"""Goh's analysis of momentum on a quadratic ("Why Momentum Really Works", Distill 2017).

On ``f(w) = 1/2 (w - w*)^T A (w - w*)`` with eigenpairs ``(lambda_i, q_i)``, the
error coordinates ``x_i = q_i^T (w - w*)`` evolve independently.  Goh writes
momentum as ``z <- beta z + grad f(w); w <- w - alpha z`` (the heavy ball
``v <- beta v - alpha g; w <- w + v`` with ``v = -alpha z``), so per direction

    (y_i, x_i)_{k+1} = R_i (y_i, x_i)_k,
    R_i = [[beta, lambda_i], [-alpha beta, 1 - alpha lambda_i]],

with ``y_i = q_i^T z``.  Plain gradient descent is beta = 0: ``x_i <- (1 - alpha lambda_i) x_i``.
The loss splits the same way: ``f(w_k) = sum_i lambda_i x_i^2 / 2``.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def momentum_matrix(alpha: float, beta: float, lam: float) -> np.ndarray:
    """Goh's 2x2 iteration matrix ``R`` for one eigenvalue ``lam``, acting on ``(y, x)``.

    Examples
    --------
    >>> momentum_matrix(0.1, 0.5, 2.0).tolist()
    [[0.5, 2.0], [-0.05, 0.8]]
    """
    return np.array([[beta, lam], [-alpha * beta, 1 - alpha * lam]])


def spectral_radius(alpha: float, beta: float, lam: Any) -> np.ndarray:
    """Largest |eigenvalue| of ``R`` (vectorised over ``lam``): that direction's decay per step.

    R has trace ``tau = 1 + beta - alpha lam`` and determinant ``beta``, so its
    eigenvalues are ``(tau +- sqrt(tau^2 - 4 beta)) / 2``; complex ones both have
    modulus ``sqrt(beta)``.

    Examples
    --------
    >>> spectral_radius(0.1, 0.0, [1.0, 25.0]).tolist()            # beta = 0: |1 - alpha lam|
    [0.9, 1.5]
    """
    tau = 1 + beta - alpha * np.asarray(lam, dtype=float)
    disc = tau**2 - 4 * beta
    real = (np.abs(tau) + np.sqrt(np.maximum(disc, 0.0))) / 2
    return np.where(disc >= 0, real, np.sqrt(beta))


def momentum_rate(alpha: float, beta: float, eigenvalues: Any) -> float:
    """Convergence rate of momentum: ``max_i`` spectral radius of ``R_i`` (< 1 means it converges).

    Examples
    --------
    >>> round(momentum_rate(0.05, 0.9, [1.0, 10.0]), 6)              # complex roots: sqrt(beta)
    0.948683
    """
    return float(np.max(spectral_radius(alpha, beta, eigenvalues)))


def gd_rate(alpha: float, eigenvalues: Any) -> float:
    """Convergence rate of gradient descent: ``max_i |1 - alpha lambda_i|``.

    Examples
    --------
    >>> gd_rate(0.1, [1.0, 10.0])
    0.9
    """
    return float(np.max(np.abs(1 - alpha * np.asarray(eigenvalues, dtype=float))))


def optimal_momentum(eigenvalues: Any) -> tuple[float, float]:
    """Goh's optimal ``(alpha, beta)``, with rate ``(sqrt(kappa) - 1) / (sqrt(kappa) + 1)``.

    ``alpha* = (2 / (sqrt(lambda_1) + sqrt(lambda_n)))^2``,
    ``beta* = ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2``, ``kappa = lambda_n / lambda_1``.

    Examples
    --------
    >>> [round(p * 121, 12) for p in optimal_momentum([1.0, 100.0])]   # (2/11)^2, (9/11)^2
    [4.0, 81.0]
    """
    lam = np.asarray(eigenvalues, dtype=float)
    lo, hi = np.sqrt(lam.min()), np.sqrt(lam.max())
    root_kappa = hi / lo
    return float((2 / (lo + hi)) ** 2), float(((root_kappa - 1) / (root_kappa + 1)) ** 2)


def gd_components(alpha: float, eigenvalues: Any, x0: Any, steps: int) -> np.ndarray:
    """Error along each eigenvector under plain GD: ``x_i^k = (1 - alpha lambda_i)^k x_i^0``.

    Returns an array (steps + 1, n), row k = iteration k.

    Examples
    --------
    >>> gd_components(0.1, [1.0, 10.0], [1.0, 1.0], 2).tolist()
    [[1.0, 1.0], [0.9, 0.0], [0.81, 0.0]]
    """
    factor = 1 - alpha * np.asarray(eigenvalues, dtype=float)
    return np.asarray(x0, dtype=float) * factor ** np.arange(steps + 1)[:, None]


def momentum_components(
    alpha: float, beta: float, eigenvalues: Any, x0: Any, steps: int, y0: Any = 0.0
) -> np.ndarray:
    """Error along each eigenvector under momentum: ``(y_i, x_i)^k = R_i^k (y_i, x_i)^0``.

    ``y0`` is Goh's ``z`` in the eigenbasis (0 when starting at rest).  The
    powers are taken by repeated multiplication, as a widget would.  Returns
    the x part, an array (steps + 1, n).

    Examples
    --------
    >>> momentum_components(0.1, 0.5, [1.0], [1.0], 2)[:, 0].round(6).tolist()
    [1.0, 0.9, 0.76]
    """
    lam = np.asarray(eigenvalues, dtype=float)
    y, x = np.broadcast_to(np.asarray(y0, dtype=float), lam.shape), np.asarray(x0, dtype=float)
    out = [x]
    for _ in range(steps):
        y, x = (
            beta * y + lam * x,
            -alpha * beta * y + (1 - alpha * lam) * x,
        )  # one R_i per direction
        out.append(x)
    return np.array(out)
