"""Forward pass of a ReLU network given as ``(W, b)`` pairs, and its activation patterns."""

from __future__ import annotations

from typing import Any

import numpy as np

from .layers import Layer, as_layers


def _as_inputs(net: list[Layer], X: Any) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim == 1 and net and net[0][0].shape[1] == 1:
        X = X[:, None]  # convenience for 1-D inputs, e.g. the sawtooth on a grid
    return X


def pre_activations(net: Any, X: Any) -> list[np.ndarray]:
    """Pre-activations ``Z_l = H_{l-1} W_l^T + b_l`` of every hidden layer, each (n, n_l).

    Examples
    --------
    >>> [Z.tolist() for Z in pre_activations([([[1.0], [-1.0]], [0.0, 1.0])], [[2.0]])]
    [[[2.0, -1.0]]]
    """
    layers = as_layers(net)
    H = _as_inputs(layers, X)
    out = []
    for W, b in layers:
        Z = H @ W.T + b
        out.append(Z)
        H = np.maximum(Z, 0.0)
    return out


def activation_patterns(net: Any, X: Any) -> np.ndarray:
    """Boolean (n, H) array: unit active where its pre-activation is > 0 (ReLU'(z) = 1[z > 0]).

    Examples
    --------
    >>> activation_patterns([([[1.0], [-1.0]], [0.0, 1.0])], [[2.0], [-3.0]]).tolist()
    [[True, False], [False, True]]
    """
    Zs = pre_activations(net, X)
    if not Zs:
        return np.zeros((len(_as_inputs([], X)), 0), dtype=bool)
    return np.concatenate([Z > 0 for Z in Zs], axis=1)


def evaluate(net: Any, X: Any, output: tuple[Any, Any] | None = None) -> np.ndarray:
    """Run ``net`` on inputs ``X`` (n, d); then the affine ``output = (W_out, b_out)``, if given.

    Returns the last hidden layer's activations (n, n_L) when ``output`` is None,
    else the read-out ``H W_out^T + b_out`` of shape (n, n_out).

    Examples
    --------
    >>> evaluate([([[1.0], [1.0]], [0.0, -0.5])], [[0.75]], output=([[2.0, -4.0]], [0.0])).tolist()
    [[0.5]]
    """
    layers = as_layers(net)
    H = _as_inputs(layers, X)
    for W, b in layers:
        H = np.maximum(H @ W.T + b, 0.0)
    if output is None:
        return H
    W_out, b_out = (np.asarray(a, dtype=float) for a in output)
    return H @ W_out.T + b_out
