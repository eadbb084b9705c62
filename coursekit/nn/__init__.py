"""Neural-network building blocks (modules, layers and losses come with the MLP issue)."""

from . import functional
