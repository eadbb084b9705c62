"""Split many intervals, each at the zero of its own affine function.

The 1-D sibling of :mod:`coursekit.regions.polygons`, with the same flat storage
(interval p is ``verts[2p], verts[2p+1]``, left then right, ``verts`` of shape
(2P, 1)) and the same vertex classification, so the two share one driver.
"""

from __future__ import annotations

import numpy as np


def interval_lengths(verts: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Lengths of the n flat-stored intervals.

    Examples
    --------
    >>> ends = np.array([[0.0], [0.25], [0.25], [1.0]])
    >>> interval_lengths(ends, np.array([0, 0, 1, 1]), 2).tolist()
    [0.25, 0.75]
    """
    return verts[1::2, 0] - verts[0::2, 0]


def split_intervals(
    verts: np.ndarray, owner: np.ndarray, n: int, s: np.ndarray, rel_tol: float = 1e-9
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut each interval where its affine function (values ``s`` at both ends) changes sign.

    An end counts as a zero when ``|s| <= rel_tol * max(|s_left|, |s_right|)``;
    an interval is cut only if one end is clearly positive and the other
    clearly negative.  Returns ``(verts, owner, parent, positive)`` as
    :func:`coursekit.regions.polygons.split_polygons` does.

    Examples
    --------
    >>> v = np.array([[0.0], [1.0]])
    >>> v, o, parent, pos = split_intervals(v, np.array([0, 0]), 1, np.array([-1.0, 3.0]))
    >>> v[:, 0].tolist(), parent.tolist(), pos.tolist()
    ([0.0, 0.25, 0.25, 1.0], [0, 0], [False, True])
    """
    a, b, sa, sb = verts[0::2, 0], verts[1::2, 0], s[0::2], s[1::2]
    eps = rel_tol * np.maximum(np.abs(sa), np.abs(sb))
    side_a = np.where(sa > eps, 1, np.where(sa < -eps, -1, 0))
    side_b = np.where(sb > eps, 1, np.where(sb < -eps, -1, 0))
    cut = side_a * side_b == -1

    parent = np.repeat(np.arange(n), 1 + cut)
    left = np.concatenate([[True], parent[1:] != parent[:-1]])  # first piece of each parent
    x = a[cut] + sa[cut] / (sa[cut] - sb[cut]) * (b[cut] - a[cut])
    lo, hi = a[parent], b[parent]
    lo[~left] = x  # the right piece starts at the crossing ...
    hi[np.flatnonzero(~left) - 1] = x  # ... where the left piece ends
    # A piece is positive if one of its original ends is (a cut moves the other end).
    last = np.concatenate([parent[1:] != parent[:-1], [True]])
    positive = (left & (side_a[parent] > 0)) | (last & (side_b[parent] > 0))
    new_verts = np.stack([lo, hi], axis=1).reshape(-1, 1)
    return new_verts, np.repeat(np.arange(len(parent)), 2), parent, positive
