"""Bounds on the number of linear regions of ReLU networks, in exact integer arithmetic.

Notation: input dimension ``n_0``, hidden widths ``widths = (n_1, ..., n_L)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import comb, prod


def bound_trivial(H: int) -> int:
    """``2**H``: each of H hidden units is on or off, so at most 2^H activation patterns.

    Examples
    --------
    >>> bound_trivial(10)
    1024
    """
    return 2**H


def zaslavsky(n_hyperplanes: int, dim: int) -> int:
    """Regions of ``n`` hyperplanes in general position in R^dim: ``sum_{i=0}^{dim} C(n, i)``.

    This is the exact maximum for one hidden layer of n units on a dim-D input
    (Zaslavsky 1975).  In the plane: ``1 + n + C(n, 2)``.

    Examples
    --------
    >>> zaslavsky(3, 2), zaslavsky(3, 1), zaslavsky(2, 5)
    (7, 4, 4)
    """
    return sum(comb(n_hyperplanes, i) for i in range(dim + 1))


def montufar_lower_bound(widths: Sequence[int], input_dim: int) -> int:
    """Regions some network with these widths attains (Montufar, Pascanu, Cho, Bengio 2014).

    "On the number of linear regions of deep neural networks", NeurIPS 2014,
    Theorem 4: a rectifier network with n_0 inputs and L hidden layers of
    widths n_l >= n_0 can compute functions with at least

        (prod_{l=1}^{L-1} floor(n_l / n_0)^{n_0}) * sum_{j=0}^{n_0} C(n_L, j)

    linear regions (each of the first L-1 layers folds the input space
    floor(n_l / n_0)^{n_0} times onto itself; the last layer adds an arrangement of
    n_L hyperplanes).  Its Corollary 5 gives the course's asymptotic form
    Omega((n / n_0)^{(L-1) n_0} n^{n_0}) for equal widths n.

    Examples
    --------
    >>> montufar_lower_bound([4, 4, 4], 2)          # 2^2 * 2^2 * (1 + 4 + 6)
    176
    """
    if any(n < input_dim for n in widths):
        raise ValueError(
            f"the bound needs every width >= input_dim = {input_dim}, got {list(widths)}"
        )
    *folding, last = widths
    return prod((n // input_dim) ** input_dim for n in folding) * zaslavsky(last, input_dim)


def serra_upper_bound(widths: Sequence[int], input_dim: int) -> int:
    """Upper bound on the regions of any rectifier network with these widths (Serra et al. 2018).

    Serra, Tjandraatmadja, Ramalingam, "Bounding and counting linear regions of
    deep neural networks", ICML 2018, Theorem 1:

        sum_{(j_1..j_L) in J} prod_{l=1}^{L} C(n_l, j_l),
        J = {(j_1..j_L) : 0 <= j_l <= min(n_0, n_1 - j_1, ..., n_{l-1} - j_{l-1}, n_l)}.

    Computed by dynamic programming over ``m_l = min(n_0, n_1 - j_1, ..., n_{l-1} - j_{l-1})``
    (the cap on j_l), which is all the constraint remembers of earlier layers.
    For L = 1 it equals :func:`zaslavsky`, and it is tight there.

    Examples
    --------
    >>> serra_upper_bound([3], 2) == zaslavsky(3, 2)
    True
    >>> serra_upper_bound([2, 2], 1)                # j_l in {0, 1}: (1 + 2)^2
    9
    """
    totals = {input_dim: 1}  # cap m -> sum of products over the layers so far
    for n in widths:
        nxt: dict[int, int] = {}
        for m, total in totals.items():
            for j in range(min(m, n) + 1):
                key = min(m, n - j)
                nxt[key] = nxt.get(key, 0) + total * comb(n, j)
        totals = nxt
    return sum(totals.values())
