"""Exact activation regions of a ReLU network on an interval (1-D) or a box (2-D).

An *activation region* is the set of inputs sharing one activation pattern
(which units are active).  Given the pattern of layers ``< l``, the network up
to layer l is affine, so each unit of layer l is affine on such a set and
splits it along one line (a point in 1-D).  The algorithm follows this:

1. start from the domain (an interval, or the box as a polygon);
2. for each layer l, and each unit i of it, cut every current cell by the zero
   set of unit i's pre-activation, which is affine on the cell; within layer l
   the cells' affine maps do not change, as they depend on layers < l only;
3. after the layer, compose: on each cell, ``h_l(x) = D (W_l h_{l-1}(x) + b_l)``
   with D the 0/1 diagonal of the cell's layer-l pattern.

Every cell is convex (an intersection of half-planes) and carries one pattern,
and different cells carry different patterns, so cells = activation regions.
Neighbouring regions may still compute the same affine function: the count is
of activation regions, which upper-bounds the linear pieces of the function.

Tolerances.  A vertex whose |pre-activation| is at most ``rel_tol`` (1e-9)
times the largest on its cell lies *on* the cutting line; this absorbs
rounding when a line passes exactly through a vertex or along an edge (shared
biases, duplicate units, constructions such as the sawtooth).  Cells of length
or area at most ``rel_measure_tol`` (1e-14) times the domain's are dropped as
zero-measure slivers.  On random 2-16-16-16 networks genuine regions go down to
about 1e-12 of the box area (tiny triangles of nearly concurrent lines), so the
cut-off sits below them, just above rounding noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .intervals import interval_lengths, split_intervals
from .layers import as_layers
from .polygons import polygon_areas, split_polygons


@dataclass(frozen=True)
class Region:
    """One activation region: ``vertices`` (k, d) and its boolean ``pattern`` (H,).

    In 1-D the vertices are the interval's ends, shape (2, 1); in 2-D the
    polygon's corners, counter-clockwise.
    """

    vertices: np.ndarray
    pattern: np.ndarray


def _domain_cell(domain: Any) -> tuple[np.ndarray, Any, Any]:
    box = np.asarray(domain, dtype=float)
    if box.shape == (2,):
        cell, split, measure = box.reshape(2, 1), split_intervals, interval_lengths
    elif box.shape == (2, 2):
        (x0, x1), (y0, y1) = box
        cell, split, measure = (
            np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]),
            split_polygons,
            polygon_areas,
        )
    else:
        raise ValueError(
            f"domain must be (lo, hi) or ((x_lo, x_hi), (y_lo, y_hi)), got shape {box.shape}"
        )
    if not np.all(box.reshape(-1, 2)[:, 1] > box.reshape(-1, 2)[:, 0]):
        raise ValueError(f"domain must have lo < hi on every axis, got {box.tolist()}")
    return cell, split, measure


def _keep(keep: np.ndarray, verts: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop the cells where ``keep`` is False and renumber the rest 0, 1, ..."""
    kept_vertex = keep[owner]
    new_id = np.cumsum(keep) - 1
    return verts[kept_vertex], new_id[owner[kept_vertex]]


def linear_regions(
    net: Any, domain: Any, rel_tol: float = 1e-9, rel_measure_tol: float = 1e-14
) -> list[Region]:
    """The activation regions of a ReLU network on an interval or a box, exactly.

    Parameters
    ----------
    net : list of (W, b) or module-like
        Hidden layers, see :func:`coursekit.regions.as_layers`.
    domain : (lo, hi) or ((x_lo, x_hi), (y_lo, y_hi))
        An interval for 1-D inputs, a box for 2-D inputs.
    rel_tol : float
        A vertex is on a cutting line when ``|s| <= rel_tol * max |s|`` over its
        cell (s = the cutting unit's pre-activation).
    rel_measure_tol : float
        Cells with length/area ``<= rel_measure_tol * |domain|`` are dropped.

    Returns
    -------
    list of Region
        1-D: intervals left to right; 2-D: convex polygons.  Patterns use
        ``z > 0`` for "active", as ReLU'(z) = 1[z > 0].

    Examples
    --------
    >>> net = [([[1.0], [1.0]], [0.0, -0.5])]            # units switch at x = 0 and x = 0.5
    >>> [r.vertices[:, 0].tolist() for r in linear_regions(net, (-1.0, 1.0))]
    [[-1.0, 0.0], [0.0, 0.5], [0.5, 1.0]]
    >>> [r.pattern.tolist() for r in linear_regions(net, (-1.0, 1.0))]
    [[False, False], [True, False], [True, True]]
    """
    layers = as_layers(net)
    verts, split, measure = _domain_cell(domain)
    d = verts.shape[1]
    if layers and layers[0][0].shape[1] != d:
        raise ValueError(
            f"the network takes {layers[0][0].shape[1]} inputs but the domain is {d}-D"
        )
    owner, n = np.zeros(len(verts), dtype=int), 1
    min_measure = rel_measure_tol * measure(verts, owner, 1)[0]
    A, c = np.eye(d)[None], np.zeros((1, d))  # layer input on each cell: h(x) = A x + c
    patterns = np.zeros((1, 0), dtype=bool)
    for W, b in layers:
        G, e = np.einsum("oi,pij->poj", W, A), c @ W.T + b  # pre-activation z = G x + e
        bits = np.zeros((n, len(b)), dtype=bool)
        for i in range(len(b)):
            s = np.einsum("vj,vj->v", G[owner, i], verts) + e[owner, i]
            verts, owner, parent, positive = split(verts, owner, n, s, rel_tol)
            keep = measure(verts, owner, len(parent)) > min_measure
            verts, owner = _keep(keep, verts, owner)
            parent, positive, n = parent[keep], positive[keep], int(keep.sum())
            G, e, bits, patterns = G[parent], e[parent], bits[parent], patterns[parent]
            bits[:, i] = positive
        A, c = G * bits[:, :, None], e * bits
        patterns = np.concatenate([patterns, bits], axis=1)
    starts = np.searchsorted(owner, np.arange(1, n))
    return [Region(v, p) for v, p in zip(np.split(verts, starts), patterns)]


def count_linear_regions(net: Any, domain: Any, **tolerances: float) -> int:
    """Number of full-dimensional activation regions in ``domain`` (see :func:`linear_regions`).

    Examples
    --------
    >>> lines = [([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.0, 0.0, -1.0])]   # x=0, y=0, x+y=1
    >>> count_linear_regions(lines, ((-2.0, 2.0), (-2.0, 2.0)))              # 1 + 3 + C(3, 2)
    7
    """
    return len(linear_regions(net, domain, **tolerances))
