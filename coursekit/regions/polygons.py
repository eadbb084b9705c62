"""Split many convex polygons, each by its own line, in one vectorised step.

Polygons are stored flat, as in a sparse matrix: ``verts`` (V, 2) lists the
vertices of polygon 0 (counter-clockwise), then polygon 1, ...; ``owner`` (V,)
gives each vertex's polygon.  The line cutting polygon p is where an affine
function is zero; ``s`` (V,) holds its value at every vertex.

Per polygon this is one step of Sutherland-Hodgman clipping (the JavaScript
port can loop over polygons and vertices):

* classify each vertex: +1 if s > eps, -1 if s < -eps, else 0 (on the line),
  with ``eps = rel_tol * max |s|`` over the polygon's vertices;
* no +1 vertex: the polygon lies on the negative side, whole; no -1: positive;
* otherwise walk the vertices in order: a vertex goes to the positive piece if
  its class is >= 0 and to the negative piece if <= 0; an edge from a +1 to a -1
  vertex (or back) adds its crossing point to both pieces.
"""

from __future__ import annotations

import numpy as np


def _starts_and_next(owner: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """First vertex of each polygon, and the index of each vertex's successor."""
    counts = np.bincount(owner, minlength=n)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    nxt = np.arange(len(owner)) + 1
    nxt[starts + counts - 1] = starts  # the last vertex closes the loop
    return starts, nxt


def polygon_areas(verts: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Shoelace areas of the n flat-stored counter-clockwise polygons.

    Examples
    --------
    >>> square = np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 1.0], [0.0, 1.0]])
    >>> polygon_areas(square, np.zeros(4, dtype=int), 1).tolist()
    [2.0]
    """
    starts, nxt = _starts_and_next(owner, n)
    # Measure from each polygon's first vertex: no cancellation for boxes far from 0.
    rel = verts - verts[starts][owner]
    cross = rel[:, 0] * rel[nxt, 1] - rel[nxt, 0] * rel[:, 1]
    return 0.5 * np.add.reduceat(cross, starts)


def split_polygons(
    verts: np.ndarray, owner: np.ndarray, n: int, s: np.ndarray, rel_tol: float = 1e-9
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut each polygon by the zero line of its affine function (values ``s`` at the vertices).

    Returns
    -------
    verts, owner : ndarray
        The new flat polygon list.  A cut polygon is replaced, in place, by its
        negative piece followed by its positive piece.
    parent : ndarray of int
        For each new polygon, the index of the polygon it came from.
    positive : ndarray of bool
        For each new polygon, whether the function is > 0 on it.

    Examples
    --------
    >>> square = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    >>> v, o, parent, pos = split_polygons(square, np.zeros(4, dtype=int), 1, square[:, 0] - 0.5)
    >>> parent.tolist(), pos.tolist(), polygon_areas(v, o, 2).tolist()
    ([0, 0], [False, True], [0.5, 0.5])
    """
    starts, nxt = _starts_and_next(owner, n)
    eps = rel_tol * np.maximum.reduceat(np.abs(s), starts)[owner]
    side = np.where(s > eps, 1, np.where(s < -eps, -1, 0))
    has_pos = np.maximum.reduceat(side, starts) > 0
    cut = has_pos & (np.minimum.reduceat(side, starts) < 0)

    # New polygon ids: an uncut polygon keeps one slot, a cut one gets two (neg, pos).
    first = np.concatenate([[0], np.cumsum(1 + cut)[:-1]])
    parent = np.repeat(np.arange(n), 1 + cut)
    positive = has_pos[parent]
    positive[first[cut]] = False  # the negative piece of a cut polygon

    v_cut = cut[owner]
    crossing = v_cut & (side * side[nxt] == -1)
    t = s[crossing] / (s[crossing] - s[nxt[crossing]])
    points = verts[crossing] + t[:, None] * (verts[nxt[crossing]] - verts[crossing])

    # Emit (point, new owner, order key); key 2v keeps vertex v, 2v+1 the crossing after it.
    idx = np.arange(len(owner))
    whole, neg, pos = ~v_cut, v_cut & (side <= 0), v_cut & (side >= 0)
    pieces = [
        (verts[whole], first[owner[whole]], 2 * idx[whole]),
        (verts[neg], first[owner[neg]], 2 * idx[neg]),
        (verts[pos], first[owner[pos]] + 1, 2 * idx[pos]),
        (points, first[owner[crossing]], 2 * idx[crossing] + 1),
        (points, first[owner[crossing]] + 1, 2 * idx[crossing] + 1),
    ]
    new_verts, new_owner, key = (np.concatenate(parts) for parts in zip(*pieces))
    order = np.lexsort((key, new_owner))
    return new_verts[order], new_owner[order], parent, positive
