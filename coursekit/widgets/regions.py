"""Linear regions explorer: a seeded ReLU network's input square coloured by activation region.

The page recomputes in ``regions.js``: the same network (rebuilt from the seed
by the same PRNG, see :mod:`coursekit.widgets.networks`), the exact count by a
port of :func:`coursekit.regions.linear_regions`, and the count of distinct
activation patterns on its drawing grid.  Here the same state is a set of
traitlets and the numbers come from :mod:`coursekit.regions`.

Defaults: a 2-8-8-8 network, seed 29, weight scale 1, on [-1, 1]^2 with a
200 x 200 grid.  They are chosen so that the grid sees every region: both
counts are 54 (also on grids of 136 to 512 points per axis, checked in steps
of 8); for most seeds a 200-grid misses a few tiny regions, and the page says
so.

Examples
--------
>>> w = RegionsExplorer()
>>> w.exact_count == w.grid_count
True
>>> w.preset, w.mode, w.depth = "sawtooth", "1d", 5
>>> w.exact_count
32
"""

from __future__ import annotations

import pathlib

import anywidget
import numpy as np
import traitlets as t

from coursekit.regions import (
    bound_trivial,
    count_linear_regions,
    count_regions_by_sampling,
    evaluate,
    linear_regions,
    montufar_lower_bound,
    serra_upper_bound,
    zaslavsky,
)

from .networks import Layer, explorer_network


class RegionsExplorer(anywidget.AnyWidget):
    """Activation regions of a ReLU network with 1 or 2 inputs: exact count, grid count, bounds.

    Traits (synced with the page): ``mode`` ('2d' square, '1d' interval with
    the network's read-out drawn as a function), ``preset`` ('random' seeded
    network or Telgarsky's 'sawtooth' with L = depth), ``depth``, ``width``,
    ``seed`` (0 .. 2**32 - 1), ``scale`` (weight scale), ``extent`` (the random
    network's domain is [-extent, extent] per axis), ``grid`` (points per axis
    of the drawing grid; in 1-D the interval gets grid**2 points).  The page
    writes its own counts back to ``front_end_counts`` ({'exact', 'grid'})
    when a kernel is connected.
    """

    _esm = pathlib.Path(__file__).with_name("regions.js")

    mode = t.Enum(["2d", "1d"], default_value="2d").tag(sync=True)
    preset = t.Enum(["random", "sawtooth"], default_value="random").tag(sync=True)
    depth = t.Int(3).tag(sync=True)
    width = t.Int(8).tag(sync=True)
    seed = t.Int(29).tag(sync=True)
    scale = t.Float(1.0).tag(sync=True)
    extent = t.Float(1.0).tag(sync=True)
    grid = t.Int(200).tag(sync=True)
    front_end_counts = t.Dict().tag(sync=True)

    @t.validate("depth")
    def _check_depth(self, proposal: dict) -> int:
        if not 1 <= proposal["value"] <= 10:
            raise t.TraitError(f"depth must be in [1, 10], got {proposal['value']}")
        return proposal["value"]

    @t.validate("width")
    def _check_width(self, proposal: dict) -> int:
        if not 1 <= proposal["value"] <= 32:
            raise t.TraitError(f"width must be in [1, 32], got {proposal['value']}")
        return proposal["value"]

    @t.validate("seed")
    def _check_seed(self, proposal: dict) -> int:
        if not 0 <= proposal["value"] <= 2**32 - 1:
            raise t.TraitError(f"seed must be in [0, 2**32 - 1], got {proposal['value']}")
        return proposal["value"]

    @t.validate("scale", "extent")
    def _check_positive(self, proposal: dict) -> float:
        if not 0 < proposal["value"] < np.inf:
            raise t.TraitError(f"{proposal['trait'].name} must be > 0, got {proposal['value']}")
        return proposal["value"]

    @t.validate("grid")
    def _check_grid(self, proposal: dict) -> int:
        if not 2 <= proposal["value"] <= 1024:
            raise t.TraitError(f"grid must be in [2, 1024], got {proposal['value']}")
        return proposal["value"]

    def _built(self) -> tuple[list[Layer], Layer, tuple]:
        return explorer_network(self.mode, self.preset, self.depth, self.width, self.seed,
                                self.scale, self.extent)

    def network(self) -> list[Layer]:
        """The hidden layers ``[(W, b), ...]`` (W of shape (out, in)) the page shows."""
        return self._built()[0]

    @property
    def readout(self) -> Layer:
        """The affine read-out ``(W_out, b_out)`` drawn in 1-D mode."""
        return self._built()[1]

    @property
    def domain(self) -> tuple:
        """``(lo, hi)`` in 1-D, ``((x0, x1), (y0, y1))`` in 2-D."""
        return self._built()[2]

    @property
    def widths(self) -> list[int]:
        return [len(b) for _, b in self.network()]

    @property
    def input_dim(self) -> int:
        return 2 if self.mode == "2d" else 1

    def regions(self) -> list:
        """coursekit's exact activation regions (:func:`coursekit.regions.linear_regions`)."""
        return linear_regions(self.network(), self.domain)

    @property
    def exact_count(self) -> int:
        """coursekit's exact number of activation regions in the domain."""
        return count_linear_regions(self.network(), self.domain)

    @property
    def grid_points_per_axis(self) -> int:
        return self.grid if self.mode == "2d" else self.grid**2

    @property
    def grid_count(self) -> int:
        """Distinct activation patterns on the page's drawing grid (a lower bound)."""
        return count_regions_by_sampling(self.network(), self.domain, n=self.grid_points_per_axis)

    @property
    def bounds(self) -> dict[str, int | None]:
        """The bounds shown next to the counts, for these widths and input dimension.

        ``trivial`` 2^H, ``serra`` (upper bound), ``montufar`` (a lower bound
        that *some* network with these widths attains; None when a width is
        below the input dimension), ``zaslavsky_one_layer`` (all H units in one
        layer, in general position).
        """
        widths, d = self.widths, self.input_dim
        H = sum(widths)
        montufar = montufar_lower_bound(widths, d) if min(widths) >= d else None
        return {"trivial": bound_trivial(H), "serra": serra_upper_bound(widths, d),
                "montufar": montufar, "zaslavsky_one_layer": zaslavsky(H, d)}

    def breakpoints(self) -> np.ndarray:
        """1-D mode: the interior ends of the exact regions (where a unit switches)."""
        if self.mode != "1d":
            raise ValueError("breakpoints are for mode='1d'")
        return np.array([r.vertices[1, 0] for r in self.regions()[:-1]])

    def function_values(self, x: np.ndarray) -> np.ndarray:
        """1-D mode: the read-out ``W_out h_L(x) + b_out`` at the points x."""
        x = np.asarray(x, dtype=float).reshape(-1, 1)
        return evaluate(self.network(), x, output=self.readout)[:, 0]
