"""An ill-conditioned 2-D quadratic bowl, the test bed of momentum."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True, eq=False)  # eq=False: arrays do not compare to one bool
class Quadratic:
    """``f(w) = 1/2 (w - w*)^T A (w - w*)`` with symmetric positive definite ``A``.

    ``value`` and ``grad`` accept one point (2,) or a grid (..., 2).

    Examples
    --------
    >>> q = Quadratic(np.diag([1.0, 10.0]), np.zeros(2))
    >>> float(q.value([1.0, 1.0])), q.grad([1.0, 1.0]).tolist()
    (5.5, [1.0, 10.0])
    """

    A: np.ndarray
    w_star: np.ndarray
    eigenvalues: np.ndarray = field(init=False, repr=False)
    eigenvectors: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        lam, Q = np.linalg.eigh(self.A)  # ascending; columns of Q are the eigenvectors
        object.__setattr__(self, "eigenvalues", lam)
        object.__setattr__(self, "eigenvectors", Q)

    @property
    def minimum(self) -> np.ndarray:
        return self.w_star

    def value(self, w: Any) -> np.ndarray:
        d = np.asarray(w, dtype=float) - self.w_star
        return 0.5 * np.einsum("...i,ij,...j->...", d, self.A, d)

    def grad(self, w: Any) -> np.ndarray:
        return (np.asarray(w, dtype=float) - self.w_star) @ self.A  # A is symmetric

    def to_eigenbasis(self, w: Any) -> np.ndarray:
        """Error coordinates ``x = Q^T (w - w*)`` along the eigenvectors (lambda ascending)."""
        return (np.asarray(w, dtype=float) - self.w_star) @ self.eigenvectors


def ill_conditioned_quadratic(
    kappa: float = 10.0, angle: float = 0.0, lambda_min: float = 1.0, center: Any = (0.0, 0.0)
) -> Quadratic:
    """The quadratic with eigenvalues ``lambda_min``, ``kappa * lambda_min``, rotated by ``angle``.

    ``A = R diag(lambda_min, kappa lambda_min) R^T`` with R the rotation by
    ``angle`` radians, so the flat direction is ``(cos angle, sin angle)``.

    Examples
    --------
    >>> q = ill_conditioned_quadratic(kappa=100.0)
    >>> q.eigenvalues.tolist(), q.A.tolist()
    ([1.0, 100.0], [[1.0, 0.0], [0.0, 100.0]])
    """
    c, s = np.cos(angle), np.sin(angle)
    R = np.array([[c, -s], [s, c]])
    A = R @ np.diag([lambda_min, kappa * lambda_min]) @ R.T
    return Quadratic(
        (A + A.T) / 2, np.asarray(center, dtype=float)
    )  # exact symmetry despite rounding
