"""The Rosenbrock banana: a curved, narrow valley."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Rosenbrock:
    """``f(x, y) = (a - x)^2 + b (y - x^2)^2``, minimum 0 at ``(a, a^2)``.

    ``value`` and ``grad`` accept one point (2,) or a grid (..., 2).

    Examples
    --------
    >>> r = Rosenbrock()
    >>> float(r.value([1.0, 1.0])), r.grad([0.0, 0.0]).tolist()
    (0.0, [-2.0, 0.0])
    """

    a: float = 1.0
    b: float = 100.0

    @property
    def minimum(self) -> np.ndarray:
        return np.array([self.a, self.a**2])

    def value(self, w: Any) -> np.ndarray:
        x, y = np.moveaxis(np.asarray(w, dtype=float), -1, 0)
        return (self.a - x) ** 2 + self.b * (y - x**2) ** 2

    def grad(self, w: Any) -> np.ndarray:
        x, y = np.moveaxis(np.asarray(w, dtype=float), -1, 0)
        valley = y - x**2
        return np.stack([-2 * (self.a - x) - 4 * self.b * x * valley, 2 * self.b * valley], axis=-1)
