"""Seeded ReLU networks that the regions widget's JavaScript rebuilds bit for bit.

The generator is NumPy's legacy ``np.random.RandomState(seed)`` (Mersenne
Twister MT19937, seeded by ``init_genrand``) and its ``random_sample`` doubles
(53 bits: ``(a >> 5) * 2**26 + (b >> 6)`` over ``2**53``).  ``regions.js`` has a
40-line MT19937 that reproduces them exactly, so no weights travel between
Python and the page: the seed is the network.  Uniform draws keep the rest
exact too (``(2 u - 1) * bound`` is the same IEEE operations in both languages;
a Gaussian would need ``log``/``cos``, which differ in the last bit between
libms).

Hidden layer l has ``W_l ~ U(-a_l, a_l)``, ``a_l = scale * sqrt(6 / n_{l-1})``
(He-uniform: variance ``2 / n_{l-1}`` when ``scale = 1``) and
``b_l ~ U(-bias_bound, bias_bound)``; a read-out ``(1, width)`` is drawn the same
way after the hidden layers.  Draw order: W row by row, then b, layer by
layer.  Only NumPy is needed here (no anywidget).
"""

from __future__ import annotations

import math

import numpy as np

from coursekit.regions import sawtooth_layers

Layer = tuple[np.ndarray, np.ndarray]


def _uniform_layer(rng: np.random.RandomState, n_in: int, n_out: int, bound: float,
                   bias_bound: float) -> Layer:
    W = (2 * rng.random_sample((n_out, n_in)) - 1) * bound
    b = (2 * rng.random_sample(n_out) - 1) * bias_bound
    return W, b


def random_network(seed: int, depth: int, width: int, scale: float = 1.0, input_dim: int = 2,
                   bias_bound: float = 1.0) -> tuple[list[Layer], Layer]:
    """Hidden layers ``[(W, b), ...]`` (W of shape (out, in)) and the read-out ``(W_out, b_out)``.

    Examples
    --------
    >>> hidden, readout = random_network(0, depth=2, width=3)
    >>> [W.shape for W, b in hidden], readout[0].shape
    ([(3, 2), (3, 3)], (1, 3))
    >>> float(hidden[0][0][0, 0]) == (2 * np.random.RandomState(0).random_sample() - 1) * math.sqrt(3)
    True
    """
    if not 0 <= seed <= 2**32 - 1:
        raise ValueError(f"seed must be in [0, 2**32 - 1], got {seed}")
    if depth < 0 or width < 1:
        raise ValueError(f"need depth >= 0 and width >= 1, got {depth}, {width}")
    rng = np.random.RandomState(seed)
    hidden, n_in = [], input_dim
    for _ in range(depth):
        hidden.append(_uniform_layer(rng, n_in, width, scale * math.sqrt(6 / n_in), bias_bound))
        n_in = width
    readout = _uniform_layer(rng, n_in, 1, scale * math.sqrt(6 / n_in), bias_bound)
    return hidden, readout


def sawtooth_network(L: int, input_dim: int = 1) -> tuple[list[Layer], Layer]:
    """:func:`coursekit.regions.sawtooth_layers`; with ``input_dim = 2`` the first layer reads x_1 only.

    Examples
    --------
    >>> hidden, _ = sawtooth_network(3, input_dim=2)
    >>> hidden[0][0].tolist()
    [[1.0, 0.0], [1.0, 0.0]]
    """
    hidden, readout = sawtooth_layers(L)
    if input_dim == 2:
        W, b = hidden[0]
        hidden = [(np.hstack([W, np.zeros((2, 1))]), b), *hidden[1:]]
    elif input_dim != 1:
        raise ValueError(f"input_dim must be 1 or 2, got {input_dim}")
    return hidden, readout


def explorer_network(mode: str, preset: str, depth: int, width: int, seed: int, scale: float,
                     extent: float) -> tuple[list[Layer], Layer, tuple]:
    """The network and domain the regions widget shows for its state (``networkFor`` in regions.js).

    ``mode`` '2d' (box) or '1d' (interval); ``preset`` 'random' (domain
    ``[-extent, extent]`` per axis) or 'sawtooth' (depth = L, domain [0, 1]
    per axis, width ignored).

    Examples
    --------
    >>> hidden, readout, domain = explorer_network("1d", "sawtooth", 4, 8, 0, 1.0, 1.0)
    >>> len(hidden), domain
    (4, (0.0, 1.0))
    """
    input_dim = {"2d": 2, "1d": 1}[mode]
    if preset == "sawtooth":
        hidden, readout = sawtooth_network(depth, input_dim)
        lo, hi = 0.0, 1.0
    elif preset == "random":
        hidden, readout = random_network(seed, depth, width, scale, input_dim)
        lo, hi = -float(extent), float(extent)
    else:
        raise ValueError(f"preset must be 'random' or 'sawtooth', got {preset!r}")
    domain = (lo, hi) if input_dim == 1 else ((lo, hi), (lo, hi))
    return hidden, readout, domain
