"""Count activation regions by sampling: works in any input dimension, gives a lower bound."""

from __future__ import annotations

from typing import Any

import numpy as np

from .forward import activation_patterns
from .layers import as_layers


def grid_points(domain: Any, n: int) -> np.ndarray:
    """Centres of an ``n``-per-axis grid over a box ``((lo, hi), ...)`` or an interval ``(lo, hi)``.

    Cell centres (not the box edges) keep every point strictly inside the box.

    Examples
    --------
    >>> grid_points((0.0, 1.0), 4)[:, 0].tolist()
    [0.125, 0.375, 0.625, 0.875]
    >>> grid_points(((0.0, 1.0), (0.0, 2.0)), 2).tolist()
    [[0.25, 0.5], [0.25, 1.5], [0.75, 0.5], [0.75, 1.5]]
    """
    box = np.asarray(domain, dtype=float).reshape(-1, 2)
    axes = [lo + (np.arange(n) + 0.5) * (hi - lo) / n for lo, hi in box]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(box))


def count_regions_by_sampling(
    net: Any, points: Any, n: int | None = None, chunk: int = 65536
) -> int:
    """Number of distinct activation patterns among sample points: a lower bound on the count.

    Regions containing no sample point are missed (thin or small ones, or
    ones outside the samples' hull), so the true count is >= this number.

    Parameters
    ----------
    net : list of (W, b) or module-like
        Hidden layers, see :func:`coursekit.regions.as_layers`.
    points : array (N, d), or a domain
        The sample points; or, if ``n`` is given, a box ``((lo, hi), ...)`` /
        interval ``(lo, hi)`` sampled on the regular grid of :func:`grid_points`
        (``n`` points per axis, so ``n**d`` in all).
    chunk : int
        Points per forward pass, to bound memory on fine grids.

    Examples
    --------
    >>> lines = [([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.0, 0.0, -1.0])]
    >>> count_regions_by_sampling(lines, ((-2.0, 2.0), (-2.0, 2.0)), n=200)
    7
    """
    X = grid_points(points, n) if n is not None else np.asarray(points, dtype=float)
    layers = as_layers(net)
    seen = [
        _unique_rows(_keys(activation_patterns(layers, X[k : k + chunk])))
        for k in range(0, len(X), chunk)
    ]
    return len(_unique_rows(np.concatenate(seen))) if seen else 0


def _keys(P: np.ndarray) -> np.ndarray:
    """Each boolean pattern row as a few uint64 words (64 units per word), so uniques sort fast."""
    B = np.packbits(P, axis=1)
    words = max(1, -(-B.shape[1] // 8))  # ceil(bytes / 8), at least one word
    B = np.pad(B, ((0, 0), (0, 8 * words - B.shape[1])))
    return np.ascontiguousarray(B).view(np.uint64)


def _unique_rows(K: np.ndarray) -> np.ndarray:
    # One word (<= 64 units, the usual case) is a plain 1-D unique, much faster than axis=0.
    return np.unique(K[:, 0])[:, None] if K.shape[1] == 1 else np.unique(K, axis=0)
