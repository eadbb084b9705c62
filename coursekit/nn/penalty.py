"""Parameter-norm penalties: the regularization term of the cost ``loss + lam * R(theta)``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..autograd.tensor import Tensor
from .module import Module
from .parameter import Parameter

__all__ = ["l1_penalty", "l2_penalty"]


def _selected(module: Module, weights_only: bool) -> Iterator[Parameter]:
    if not isinstance(module, Module):
        raise TypeError(f"expected an nn.Module, got {type(module).__name__}")
    for name, p in module.named_parameters():
        if weights_only and name.rsplit(".", 1)[-1] == "bias":
            continue
        if p.requires_grad:
            yield p


def _total(terms: Iterator[Any]) -> Tensor:
    total = None
    for term in terms:
        total = term if total is None else total + term
    return Tensor(0.0) if total is None else total


def l2_penalty(module: Module, weights_only: bool = True) -> Tensor:
    """Sum of the squared parameter entries, ``R = sum_j theta_j^2`` (no factor 1/2).

    Its gradient is ``2 theta``, so ``loss + lam * l2_penalty(model)`` is
    weight decay by ``2 lam``.

    Parameters
    ----------
    module : Module
        The model whose parameters are penalised.
    weights_only : bool, default True
        Skip biases (parameters whose name ends in ``bias``): only the weights
        set how sharply the model can vary.  Frozen parameters
        (``requires_grad=False``) are always skipped.

    Returns
    -------
    Tensor
        A scalar that is part of the graph (0.0 if nothing is penalised).

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit import nn
    >>> layer = nn.Linear(2, 1, bias_init=3.0)
    >>> with ck.no_grad():
    ...     layer.weight.data[...] = [[1.0, -2.0]]
    >>> l2_penalty(layer).item(), l2_penalty(layer, weights_only=False).item()
    (5.0, 14.0)
    """
    return _total((p * p).sum() for p in _selected(module, weights_only))


def l1_penalty(module: Module, weights_only: bool = True) -> Tensor:
    """Sum of the absolute parameter entries, ``R = sum_j |theta_j|``; pushes weights to exactly 0.

    Same parameters as :func:`l2_penalty`.

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit import nn
    >>> layer = nn.Linear(2, 1, bias_init=3.0)
    >>> with ck.no_grad():
    ...     layer.weight.data[...] = [[1.0, -2.0]]
    >>> l1_penalty(layer).item()
    3.0
    """
    return _total(p.abs().sum() for p in _selected(module, weights_only))
