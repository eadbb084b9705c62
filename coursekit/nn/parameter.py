"""``Parameter``: a Tensor that a :class:`~coursekit.nn.Module` learns."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A Tensor that is a learnable parameter of a module (``torch.nn.Parameter``).

    Assigning a ``Parameter`` to an attribute of a :class:`Module` registers it,
    so it appears in ``module.parameters()`` and ``module.state_dict()``.
    Results of arithmetic on a Parameter are ordinary Tensors.

    Parameters
    ----------
    data : array_like or Tensor
        The initial values, copied (unlike PyTorch, which shares the storage).
        Integer and boolean data are converted to float64, since only
        floating-point tensors can have gradients.
    requires_grad : bool, default True
        Whether backpropagation fills ``.grad``.

    Examples
    --------
    >>> import coursekit as ck
    >>> w = ck.nn.Parameter([1.0, -2.0])
    >>> w.requires_grad, w.shape
    (True, (2,))
    >>> w
    Parameter containing:
    tensor([ 1., -2.], requires_grad=True)
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0)
        if isinstance(data, Tensor):
            data = data.data
        array = np.array(data)
        if not np.issubdtype(array.dtype, np.floating):
            array = array.astype(np.float64)
        super().__init__(array, requires_grad=requires_grad)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        dtype = "" if self.data.dtype == np.float64 else f", dtype={self.data.dtype}"
        flag = ", requires_grad=True" if self.requires_grad else ""
        return f"Parameter containing:\ntensor({body}{dtype}{flag})"

    def __reduce_ex__(self, protocol: Any) -> Any:
        # Tensor has __slots__ only; rebuild from the values (gradient not kept, as torch).
        return (Parameter, (self.data, self.requires_grad))
