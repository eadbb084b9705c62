"""2-D loss landscapes with analytic gradients, optimiser paths, and Goh's momentum analysis.

A landscape is any object with ``value(w)`` and ``grad(w)`` taking (..., 2).
"""

from .gabor import GABOR_X, GABOR_Y, PHI_TRUE, GaborLoss, gabor_model
from .momentum import (
    gd_components,
    gd_rate,
    momentum_components,
    momentum_matrix,
    momentum_rate,
    optimal_momentum,
    spectral_radius,
)
from .quadratic import Quadratic, ill_conditioned_quadratic
from .rosenbrock import Rosenbrock
from .trajectories import Trajectory, run

__all__ = [
    "GABOR_X",
    "GABOR_Y",
    "PHI_TRUE",
    "GaborLoss",
    "Quadratic",
    "Rosenbrock",
    "Trajectory",
    "gabor_model",
    "gd_components",
    "gd_rate",
    "ill_conditioned_quadratic",
    "momentum_components",
    "momentum_matrix",
    "momentum_rate",
    "optimal_momentum",
    "run",
    "spectral_radius",
]
