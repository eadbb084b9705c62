"""NumPy functions on Tensors: ``np.exp(t)``, ``array * t`` and friends.

NumPy hands every ufunc call that involves a Tensor to
``Tensor.__array_ufunc__``, which lands here.  The ufuncs coursekit can
differentiate run as coursekit ops (so gradients flow); tests such as
``np.isnan`` or ``np.less`` give boolean Tensors, as Tensor comparisons do;
any other ufunc runs on the values when no gradient is being recorded (a
Tensor comes back, as in PyTorch) and is refused otherwise, with a message
naming what to call instead, rather than silently returning an array cut off
from the graph.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import grad_mode, ops
from .tensor import Tensor, _data, _wrap

DIFFERENTIABLE = {
    np.add: ops.Add.apply, np.subtract: ops.Sub.apply, np.multiply: ops.Mul.apply,
    np.true_divide: ops.Div.apply, np.power: ops.Pow.apply, np.negative: ops.Neg.apply,
    np.positive: lambda x: x, np.matmul: ops.MatMul.apply,
    np.exp: ops.exp, np.log: ops.log, np.sqrt: ops.sqrt, np.sin: ops.sin, np.cos: ops.cos,
    np.tanh: ops.tanh, np.absolute: ops.abs, np.maximum: ops.maximum, np.minimum: ops.minimum,
}

NO_GRADIENT = {  # answers about values: booleans, no derivative to lose
    np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal,
    np.isnan, np.isinf, np.isfinite, np.signbit, np.logical_and, np.logical_or, np.logical_not, np.logical_xor,
}


def array_ufunc(ufunc: Any, method: str, inputs: tuple, kwargs: dict) -> Any:
    """Run ``ufunc`` on ``inputs`` (some of them Tensors) the coursekit way, or explain why not."""
    plain = tuple(_data(x) for x in inputs)
    tracked = grad_mode.is_grad_enabled() and any(isinstance(x, Tensor) and x.requires_grad for x in inputs)
    if method == "__call__" and not kwargs:
        if ufunc in DIFFERENTIABLE:
            return DIFFERENTIABLE[ufunc](*inputs)
        if ufunc in NO_GRADIENT or not tracked:
            result = ufunc(*plain)
            if isinstance(result, tuple):
                return tuple(_wrap(r) for r in result)
            return _wrap(result)
    elif "out" in kwargs and not tracked:  # e.g. array += tensor: an update of the array, nothing to record
        kwargs = {k: (tuple(_data(o) for o in v) if k == "out" else v) for k, v in kwargs.items()}
        return getattr(ufunc, method)(*plain, **kwargs)
    call = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    raise TypeError(
        f"{call} on a coursekit Tensor is not supported{' with ' + ', '.join(kwargs) if kwargs else ''}: NumPy "
        "would drop the gradient. Use the Tensor's own method or coursekit function (t.exp(), ck.maximum(a, b), "
        f"t.sum(dim=...), ...), or call {call} on plain numbers: t.detach().numpy()."
    )
