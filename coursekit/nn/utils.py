"""Gradient clipping and flat parameter vectors, as ``torch.nn.utils``.

``clip_grad_norm_`` rescales all gradients together when their joint norm is
too large (the direction of the step is kept, its length capped): the remedy
for exploding gradients in deep or recurrent networks.  ``clip_grad_value_``
clips each gradient entry separately (the direction changes).

>>> import coursekit as ck
>>> w = ck.tensor([3.0, 4.0], requires_grad=True)
>>> (w * w).sum().backward()          # gradient (6, 8), norm 10
>>> clip_grad_norm_([w], max_norm=1.0).item()
10.0
>>> np.round(np.asarray(w.grad), 6)
array([0.6, 0.8])
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..autograd.ops import cat
from ..autograd.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]


def _as_list(parameters: Tensor | Iterable[Tensor], name: str) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"{name}: expected Tensors (e.g. model.parameters()), got {type(p).__name__}")
    return params


def _storage(t: Any) -> np.ndarray:
    """The array holding ``t``'s numbers, to be written in place (a NumPy array, or a Tensor's storage)."""
    if isinstance(t, np.ndarray):
        return t
    data = t.data
    return data if isinstance(data, np.ndarray) else np.asarray(t)


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: None = None,
) -> Tensor:
    """Scale every gradient by ``min(1, max_norm / (total_norm + 1e-6))``, in place (``torch.nn.utils.clip_grad_norm_``).

    Parameters
    ----------
    parameters : Tensor or iterable of Tensors
        Usually ``model.parameters()``; those without a gradient are skipped.
    max_norm : float
        The largest joint norm the gradients may keep.
    norm_type : float, default 2.0
        Which p-norm; ``float('inf')`` is the largest absolute entry.
    error_if_nonfinite : bool, default False
        Raise if the total norm is nan or inf (otherwise the gradients become nan, as in PyTorch).
    foreach : None
        Accepted for PyTorch code; coursekit has one implementation.

    Returns
    -------
    Tensor
        The total norm of the gradients before clipping, a 0-d Tensor (as PyTorch).
    """
    params = _as_list(parameters, "clip_grad_norm_")
    grads = [_storage(p.grad) for p in params if p.grad is not None]
    norm_type = float(norm_type)
    if not grads:
        return Tensor._make(np.asarray(0.0), False, None)
    dtype = grads[0].dtype
    if math.isinf(norm_type):
        norms = [np.abs(g).max(initial=0.0) for g in grads]
        total = np.max(norms)
    else:
        norms = [np.linalg.norm(g.ravel(), ord=norm_type) for g in grads]
        total = np.linalg.norm(np.asarray(norms), ord=norm_type)
    total = np.asarray(total, dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is {float(total)}, so they "
            "cannot be clipped; set error_if_nonfinite=False to go on anyway"
        )
    coef = min(float(max_norm) / (float(total) + 1e-6), 1.0)
    for g in grads:  # always scaled, like PyTorch (by 1.0 when under the limit)
        g *= dtype.type(coef)
    return Tensor._make(total, False, None)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: None = None) -> None:
    """Clip every gradient entry into ``[-clip_value, clip_value]``, in place (``torch.nn.utils.clip_grad_value_``).

    Examples
    --------
    >>> import coursekit as ck
    >>> w = ck.tensor([1.0, -2.0], requires_grad=True)
    >>> (5 * w).sum().backward()
    >>> clip_grad_value_(w, 1.5)
    >>> np.asarray(w.grad)
    array([1.5, 1.5])
    """
    clip_value = float(clip_value)
    for p in _as_list(parameters, "clip_grad_value_"):
        if p.grad is not None:
            g = _storage(p.grad)
            np.clip(g, -clip_value, clip_value, out=g)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined into one vector (``torch.nn.utils.parameters_to_vector``); differentiable.

    Examples
    --------
    >>> import coursekit as ck
    >>> parameters_to_vector([ck.ones(2, 2), ck.zeros(1)]).shape
    (5,)
    """
    return cat([p.reshape(-1) for p in _as_list(parameters, "parameters_to_vector")])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of ``vec`` into the parameters' values (``torch.nn.utils.vector_to_parameters``)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected a Tensor, got {type(vec).__name__}")
    values = _storage(vec)
    if values.ndim != 1:
        raise ValueError(f"vector_to_parameters: expected a vector, got shape {values.shape}")
    params = _as_list(parameters, "vector_to_parameters")
    needed = sum(int(np.prod(p.shape)) for p in params)
    if needed != values.size:
        raise ValueError(f"vector_to_parameters: the parameters hold {needed} numbers, the vector {values.size}")
    start = 0
    for p in params:
        n = int(np.prod(p.shape))
        _storage(p)[...] = values[start : start + n].reshape(p.shape)  # as PyTorch's p.data = ...: not recorded
        start += n
