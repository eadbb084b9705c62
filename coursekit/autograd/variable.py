"""``torch.autograd.Variable``, for old tutorials: since PyTorch 0.4 a Variable is just a Tensor.

>>> import coursekit as ck
>>> v = Variable(ck.ones(2), requires_grad=True)
>>> isinstance(v, ck.Tensor), v.requires_grad
(True, True)
"""

from __future__ import annotations

from typing import Any

from .tensor import Tensor

__all__ = ["Variable"]


def Variable(data: Any, requires_grad: bool = False, volatile: bool = False) -> Tensor:  # PyTorch's name
    """The tensor ``data`` (built from it if it is not one), with ``requires_grad`` set when asked, as PyTorch >= 0.4.

    Parameters
    ----------
    data : Tensor or array_like
        A Tensor is returned as an alias sharing its values (and graph); other data is copied into a new Tensor.
    requires_grad : bool, default False
        Make the result a leaf that records operations.
    volatile : bool
        Removed in PyTorch 0.4; only False is accepted (use ``with ck.no_grad():``).
    """
    if volatile:
        raise TypeError("Variable(volatile=True) was removed in PyTorch 0.4; use `with torch.no_grad():` instead")
    tensor = data if isinstance(data, Tensor) else Tensor(data)
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor
