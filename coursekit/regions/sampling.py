"""Count activation regions by sampling: works in any input dimension, gives a lower bound."""

from __future__ import annotations

from typing import Any

import numpy as np

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
    net: Any, points: Any, n: int | None = None, chunk: int = 65536, rel_tol: float = 1e-9
) -> int:
    """Number of distinct activation patterns among sample points: a lower bound on the count.

    Regions containing no sample point are missed (thin or small ones, or
    ones outside the samples' hull), so the true count is >= this number.
    A point on a boundary between regions (some pre-activation is zero, up to
    ``rel_tol`` times the size of its terms) is skipped: its pattern belongs to
    the boundary, not to a region, and counting it could exceed the true count
    (grids whose points fall on a sawtooth's dyadic breakpoints do exactly that).

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
    rel_tol : float
        A point is on a boundary when a unit's ``|z| <= rel_tol * (|W| |h| + |b|)``
        (the tolerance of :func:`coursekit.regions.linear_regions`).

    Examples
    --------
    >>> lines = [([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [0.0, 0.0, -1.0])]
    >>> count_regions_by_sampling(lines, ((-2.0, 2.0), (-2.0, 2.0)), n=200)
    7
    >>> count_regions_by_sampling([([[1.0]], [-0.5])], [[0.25], [0.5], [0.75]])  # 0.5: on the kink
    2
    """
    X = grid_points(points, n) if n is not None else np.asarray(points, dtype=float)
    layers = as_layers(net)
    seen = []
    for k in range(0, len(X), chunk):
        P, inside = interior_patterns(layers, X[k : k + chunk], rel_tol)
        seen.append(_unique_rows(_keys(P[inside])))
    return len(_unique_rows(np.concatenate(seen))) if seen else 0


def interior_patterns(net: Any, X: Any, rel_tol: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    """Activation patterns (n, H) of the points X, and which points lie inside a region.

    A point is inside when every pre-activation ``z`` is farther from zero than
    ``rel_tol * (|W| |h| + |b|)``, the rounding scale of its terms; the others sit
    on a boundary between regions.  One exception, as in
    :func:`coursekit.regions.linear_regions`: in a later layer, a unit whose
    terms all vanish (its inputs are all zero and so is its bias) is zero on a
    whole neighbourhood, which is a region where it is inactive, not a boundary.

    Examples
    --------
    >>> P, inside = interior_patterns([([[1.0], [-1.0]], [0.0, 1.0])], [[2.0], [0.0], [1.0]])
    >>> P.tolist(), inside.tolist()
    ([[True, False], [False, True], [True, False]], [True, False, False])
    """
    layers = as_layers(net)
    H = np.asarray(X, dtype=float)
    if H.ndim == 1 and layers and layers[0][0].shape[1] == 1:
        H = H[:, None]
    patterns = []
    inside = np.ones(len(H), dtype=bool)
    for layer, (W, b) in enumerate(layers):
        Z = H @ W.T + b
        scale = np.abs(H) @ np.abs(W).T + np.abs(b)
        on_boundary = np.abs(Z) <= rel_tol * scale
        if layer > 0:
            on_boundary &= scale > 0
        inside &= ~np.any(on_boundary, axis=1)
        patterns.append(Z > 0)
        H = np.maximum(Z, 0.0)
    P = np.concatenate(patterns, axis=1) if patterns else np.zeros((len(H), 0), dtype=bool)
    return P, inside


def _keys(P: np.ndarray) -> np.ndarray:
    """Each boolean pattern row as a few uint64 words (64 units per word), so uniques sort fast."""
    B = np.packbits(P, axis=1)
    words = max(1, -(-B.shape[1] // 8))  # ceil(bytes / 8), at least one word
    B = np.pad(B, ((0, 0), (0, 8 * words - B.shape[1])))
    return np.ascontiguousarray(B).view(np.uint64)


def _unique_rows(K: np.ndarray) -> np.ndarray:
    # One word (<= 64 units, the usual case) is a plain 1-D unique, much faster than axis=0.
    return np.unique(K[:, 0])[:, None] if K.shape[1] == 1 else np.unique(K, axis=0)
