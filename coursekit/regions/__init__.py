"""Linear (activation) regions of ReLU networks: exact in 1-D and 2-D, sampled, and bounds.

A network is a list of hidden layers ``(W, b)``, ``W`` of shape (out, in), each
followed by a ReLU (see :func:`as_layers` for module objects).
"""

from .bounds import bound_trivial, montufar_lower_bound, serra_upper_bound, zaslavsky
from .exact import Region, count_linear_regions, linear_regions
from .forward import activation_patterns, evaluate, pre_activations
from .layers import as_layers
from .sampling import count_regions_by_sampling, grid_points, interior_patterns
from .sawtooth import sawtooth, sawtooth_layers

__all__ = [
    "Region",
    "activation_patterns",
    "as_layers",
    "bound_trivial",
    "count_linear_regions",
    "count_regions_by_sampling",
    "evaluate",
    "grid_points",
    "interior_patterns",
    "linear_regions",
    "montufar_lower_bound",
    "pre_activations",
    "sawtooth",
    "sawtooth_layers",
    "serra_upper_bound",
    "zaslavsky",
]
