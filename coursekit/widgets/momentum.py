"""Momentum explorer: optimiser paths on 2-D landscapes, loss on a log scale, Goh's optimum.

In the spirit of Goh, "Why Momentum Really Works" (Distill, 2017).  The page
recomputes in ``momentum.js``; here the same state is a set of traitlets and
the numbers come from :mod:`coursekit.landscapes`.

Examples
--------
>>> w = MomentumExplorer()
>>> alpha, beta = w.optimal()                    # kappa = 20: (2 / (1 + sqrt 20))^2, ...
>>> round(alpha, 4), round(beta, 4)
(0.1336, 0.4026)
>>> w.use_optimal(); round(w.rate, 4) == round(w.optimal_rate, 4)
True
"""

from __future__ import annotations

import math
import pathlib
from typing import Any

import anywidget
import traitlets as t

from coursekit.landscapes import (
    GaborLoss,
    Rosenbrock,
    Trajectory,
    gd_rate,
    ill_conditioned_quadratic,
    momentum_rate,
    optimal_momentum,
    run,
)

#: Plot window ``((x0, x1), (y0, y1))`` and a starting set-up per function
#: (``PRESETS`` in momentum.js; a test checks the two agree).
PRESETS: dict[str, dict[str, Any]] = {
    "quadratic": {"view": [[-2, 2], [-2, 2]], "start": [-1.6, 1.2], "lr": 0.05, "beta": 0.6},
    "rosenbrock": {"view": [[-2, 2], [-1, 3]], "start": [-1.5, 2], "lr": 0.001, "beta": 0.9},
    "gabor": {"view": [[-10, 10], [2.5, 22.5]], "start": [3, 15], "lr": 0.02, "beta": 0.8},
}


class MomentumExplorer(anywidget.AnyWidget):
    """Paths of GD, heavy-ball momentum, Nesterov and Adam on a quadratic, Rosenbrock or Gabor loss.

    Traits (synced with the page): ``function`` ('quadratic', 'rosenbrock',
    'gabor'), ``optimizer`` ('gd', 'momentum', 'nesterov', 'adam'), ``lr``
    (alpha), ``beta``, ``steps``, ``start`` ([x, y]), and for the quadratic
    ``kappa`` (condition number >= 1) and ``angle_deg`` (rotation in degrees).
    """

    _esm = pathlib.Path(__file__).with_name("momentum.js")

    function = t.Enum(list(PRESETS), default_value="quadratic").tag(sync=True)
    optimizer = t.Enum(["gd", "momentum", "nesterov", "adam"], default_value="momentum").tag(sync=True)
    lr = t.Float(PRESETS["quadratic"]["lr"]).tag(sync=True)
    beta = t.Float(PRESETS["quadratic"]["beta"]).tag(sync=True)
    steps = t.Int(100).tag(sync=True)
    start = t.List(t.Float(), default_value=list(PRESETS["quadratic"]["start"]), minlen=2,
                   maxlen=2).tag(sync=True)
    kappa = t.Float(20.0).tag(sync=True)
    angle_deg = t.Float(30.0).tag(sync=True)

    @t.validate("lr")
    def _check_lr(self, proposal: dict) -> float:
        if not proposal["value"] > 0:
            raise t.TraitError(f"lr must be > 0, got {proposal['value']}")
        return proposal["value"]

    @t.validate("beta")
    def _check_beta(self, proposal: dict) -> float:
        if not 0 <= proposal["value"] < 1:
            raise t.TraitError(f"beta must be in [0, 1), got {proposal['value']}")
        return proposal["value"]

    @t.validate("steps")
    def _check_steps(self, proposal: dict) -> int:
        if not 1 <= proposal["value"] <= 5000:
            raise t.TraitError(f"steps must be in [1, 5000], got {proposal['value']}")
        return proposal["value"]

    @t.validate("kappa")
    def _check_kappa(self, proposal: dict) -> float:
        if not 1 <= proposal["value"] < math.inf:
            raise t.TraitError(f"kappa must be >= 1, got {proposal['value']}")
        return proposal["value"]

    def landscape(self) -> Any:
        """The coursekit landscape of the current state (``value(w)``, ``grad(w)``)."""
        if self.function == "quadratic":
            return ill_conditioned_quadratic(self.kappa, self.angle_deg * math.pi / 180)
        if self.function == "rosenbrock":
            return Rosenbrock()
        return GaborLoss()

    @property
    def view(self) -> list[list[float]]:
        """The plotted window ``[[x0, x1], [y0, y1]]``."""
        return PRESETS[self.function]["view"]

    def trajectory(self) -> Trajectory:
        """``coursekit.landscapes.run`` for the current state: iterates ``w`` and ``loss``."""
        return run(self.landscape(), self.start, self.optimizer, lr=self.lr, beta=self.beta,
                   steps=self.steps)

    def optimal(self) -> tuple[float, float] | None:
        """Goh's optimal ``(alpha*, beta*)`` for the quadratic (None for the other functions)."""
        if self.function != "quadratic":
            return None
        return optimal_momentum(self.landscape().eigenvalues)

    @property
    def optimal_rate(self) -> float | None:
        """``(sqrt(kappa) - 1) / (sqrt(kappa) + 1)``, the rate at ``(alpha*, beta*)``."""
        optimum = self.optimal()
        return None if optimum is None else math.sqrt(optimum[1])

    @property
    def rate(self) -> float | None:
        """Per-step error decay at the current ``(lr, beta)``: GD or heavy ball on the quadratic, else None."""
        if self.function != "quadratic" or self.optimizer not in ("gd", "momentum"):
            return None
        lam = self.landscape().eigenvalues
        if self.optimizer == "gd":
            return gd_rate(self.lr, lam)
        return momentum_rate(self.lr, self.beta, lam)

    def use_optimal(self) -> None:
        """Set heavy-ball momentum with Goh's ``(alpha*, beta*)`` (the quadratic only)."""
        optimum = self.optimal()
        if optimum is None:
            raise ValueError("the optimal (alpha, beta) needs the quadratic")
        with self.hold_trait_notifications():
            self.optimizer = "momentum"
            self.lr, self.beta = optimum

    def use_preset(self, function: str) -> None:
        """Switch to ``function`` with its preset start, step size and momentum (as the page's menu)."""
        preset = PRESETS[function]
        with self.hold_trait_notifications():
            self.function = function
            self.start = [float(v) for v in preset["start"]]
            self.lr, self.beta = float(preset["lr"]), float(preset["beta"])
