"""Normalise "a network" into the list of hidden ``(W, b)`` pairs the region code uses.

A hidden layer is an affine map followed by a ReLU; ``W`` has shape (out, in)
(PyTorch's convention, ``y = W x + b``).  Only hidden layers create regions, so an
output layer without a ReLU after it is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

Layer = tuple[np.ndarray, np.ndarray]


def as_layers(net: Any) -> list[Layer]:
    """Return the hidden layers of ``net`` as a list of float ``(W, b)`` arrays.

    Parameters
    ----------
    net : list of (W, b) pairs, or a module-like object
        Accepted, in this order of checks:

        1. an object with a ``hidden_layers()`` method (its result is normalised);
        2. a list/tuple of ``(W, b)`` pairs of array-likes, ``W`` of shape (out, in);
        3. a module container (anything with ``children()`` or iterable of modules):
           every module with a 2-D ``weight`` that is followed, anywhere later,
           by a ``ReLU`` module is a hidden layer; a last linear layer with no
           ReLU after it (the read-out) is skipped.  Other activations (tanh,
           leaky ReLU, ...) are not ReLU networks: their layers are not found.

    Returns
    -------
    list of (ndarray, ndarray)
        ``W`` of shape (n_l, n_{l-1}) and ``b`` of shape (n_l,); consecutive
        layers are checked to chain.

    Examples
    --------
    >>> layers = as_layers([([[1.0, 2.0]], [0.5])])
    >>> layers[0][0].shape, layers[0][1].shape
    ((1, 2), (1,))
    """
    if callable(getattr(net, "hidden_layers", None)):
        return as_layers(net.hidden_layers())
    if _is_pair_list(net):
        layers = [(_array(W), _array(b)) for W, b in net]
    else:
        layers = _hidden_from_modules(list(_leaf_modules(net)))
    _check_chain(layers)
    return layers


def _is_pair_list(net: Any) -> bool:
    """True for ``[(W, b), ...]`` where ``W`` is a 2-D array-like (also for ``[]``)."""
    if not isinstance(net, (list, tuple)):
        return False
    return all(isinstance(p, (list, tuple)) and len(p) == 2 and np.ndim(p[0]) == 2 for p in net)


def _leaf_modules(obj: Any) -> Iterator[Any]:
    """Yield the leaf modules of a (possibly nested) container, in forward order."""
    children = getattr(obj, "children", None)
    kids = list(children()) if callable(children) else None
    if kids:
        for kid in kids:
            yield from _leaf_modules(kid)
    elif (
        kids is None
        and isinstance(obj, Iterable)
        and not isinstance(obj, str)
        and not hasattr(obj, "weight")
    ):
        for item in obj:
            yield from _leaf_modules(item)
    else:
        yield obj


def _is_relu(module: Any) -> bool:
    # Duck typing by name keeps this free of any nn import: a ``ReLU`` module
    # instance or a function called ``relu``.  LeakyReLU etc. do not match on
    # purpose (same regions, but a different map on each of them).
    names = (type(module).__name__, getattr(module, "__name__", ""))
    return any(name.lower() == "relu" for name in names)


def _is_affine(module: Any) -> bool:
    # A 2-D weight marks a dense layer; PReLU's 1-D slopes, say, do not count.
    weight = getattr(module, "weight", None)
    return weight is not None and _array(weight).ndim == 2


def _hidden_from_modules(modules: list[Any]) -> list[Layer]:
    if not any(_is_affine(m) for m in modules):
        raise TypeError(f"no (W, b) pairs and no modules with a .weight found in {modules!r:.200}")
    layers = []
    for k, module in enumerate(modules):
        if _is_affine(module) and any(_is_relu(m) for m in modules[k + 1 :]):
            layers.append(_weight_and_bias(module))
    return layers


def _array(value: Any) -> np.ndarray:
    # Tensors of coursekit.autograd and torch Parameters both expose ``.data``;
    # torch's ``.data`` is a grad-free tensor that np.asarray accepts.
    if not isinstance(value, np.ndarray):
        value = getattr(value, "data", value)
    return np.asarray(value, dtype=float)


def _weight_and_bias(module: Any) -> Layer:
    W = _array(module.weight)
    n_in, n_out = getattr(module, "in_features", None), getattr(module, "out_features", None)
    if n_in is not None and n_in != n_out and W.shape == (n_in, n_out):
        W = W.T  # the module stores (in, out), as in ``X @ W + b``; we use (out, in)
    bias = getattr(module, "bias", None)
    b = np.zeros(W.shape[0]) if bias is None else _array(bias).reshape(-1)
    return W, b


def _check_chain(layers: list[Layer]) -> None:
    for l, (W, b) in enumerate(layers):
        if W.ndim != 2 or b.shape != (W.shape[0],):
            raise ValueError(
                f"layer {l}: W must be (out, in) and b (out,), got {W.shape} and {b.shape}"
            )
        if l and W.shape[1] != layers[l - 1][0].shape[0]:
            raise ValueError(
                f"layer {l} expects {W.shape[1]} inputs but layer {l - 1} "
                f"has {layers[l - 1][0].shape[0]} units"
            )
