"""Telgarsky's sawtooth: depth buys exponentially many linear pieces.

The tent map ``t(x) = 2 relu(x) - 4 relu(x - 1/2)`` maps [0, 1] onto [0, 1]
(up on [0, 1/2], down on [1/2, 1]).  Composed L times it has 2^L linear pieces
using only 2 units per layer; a one-hidden-layer network needs about 2^L units
for the same count.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .layers import Layer

_READ = np.array([[2.0, -4.0]])  # t = 2 h_1 - 4 h_2 with h = (relu(u), relu(u - 1/2))
_SPLIT = np.array([0.0, -0.5])


def sawtooth_layers(L: int) -> tuple[list[Layer], tuple[np.ndarray, np.ndarray]]:
    """The L-fold tent map as L hidden layers of width 2 plus an affine read-out.

    Layer 1 computes ``(relu(x), relu(x - 1/2))``; each later layer first reads
    the previous tent value ``t = 2 h_1 - 4 h_2`` (folded into its weights) and
    computes ``(relu(t), relu(t - 1/2))``; the read-out is ``2 h_1 - 4 h_2``.

    Returns
    -------
    hidden : list of (W, b)
        ``W`` (2, 1) for the first layer, (2, 2) after.
    readout : (W_out, b_out)
        ``W_out = [[2, -4]]``, ``b_out = [0]``.

    Examples
    --------
    >>> from coursekit.regions import evaluate
    >>> hidden, out = sawtooth_layers(2)
    >>> evaluate(hidden, [[0.0], [0.125], [0.25], [0.5]], output=out)[:, 0].tolist()
    [0.0, 0.5, 1.0, 0.0]
    """
    if L < 1:
        raise ValueError(f"L must be >= 1, got {L}")
    first = (np.ones((2, 1)), _SPLIT.copy())
    later = [(np.ones((2, 1)) @ _READ, _SPLIT.copy()) for _ in range(L - 1)]
    return [first, *later], (_READ.copy(), np.zeros(1))


def sawtooth(L: int) -> Any:
    """Telgarsky's sawtooth as an ``nn.Sequential`` mapping (n, 1) to (n, 1).

    L hidden layers of width 2 with ReLUs, then the affine read-out: 2^L linear
    pieces on [0, 1], values in [0, 1].  The arrays alone: :func:`sawtooth_layers`.

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit.regions import count_linear_regions
    >>> net = sawtooth(3)
    >>> net(ck.tensor([[0.0], [0.0625], [0.125]])).data[:, 0].tolist()
    [0.0, 0.5, 1.0]
    >>> count_linear_regions(net, (0.0, 1.0))
    8
    """
    from .. import nn  # noqa: PLC0415  (regions' maths needs NumPy only; this wrapper needs nn)

    hidden, (w_out, b_out) = sawtooth_layers(L)
    modules: list[Any] = []
    for w, b in hidden + [(w_out, b_out)]:
        layer = nn.Linear(w.shape[1], w.shape[0])
        layer.weight.data[...] = w
        layer.bias.data[...] = b
        modules += [layer, nn.ReLU()]
    return nn.Sequential(*modules[:-1])
