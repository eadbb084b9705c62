"""``Parameter``: a Tensor that a :class:`~coursekit.nn.Module` learns."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.dtypes import get_default_dtype
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
        Integer and boolean data (and Python floats) get the default dtype
        (float64 unless ``ck.set_default_dtype`` changed it), since only
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
        array = np.array(data._data if isinstance(data, Tensor) else data)
        if not np.issubdtype(array.dtype, np.floating):
            array = array.astype(get_default_dtype())
        elif array.dtype == np.float64 and not isinstance(data, Tensor | np.ndarray):
            array = array.astype(get_default_dtype())  # Python floats: the default dtype
        self._init(array, requires_grad)

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="tensor(")
        dtype = "" if self._data.dtype == np.float64 else f", dtype={self._data.dtype}"
        flag = ", requires_grad=True" if self.requires_grad else ""
        return f"Parameter containing:\ntensor({body}{dtype}{flag})"

    def __reduce_ex__(self, protocol: Any) -> Any:
        # Tensor has __slots__ only; rebuild from the values (gradient not kept, as torch).
        return (Parameter, (self._data, self.requires_grad))
