"""Checking analytic gradients against central finite differences."""

from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

import numpy as np

from .engine import grad as autograd_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with its finite-difference estimate."""


def _outputs(fn: Callable, inputs: Sequence[Tensor]) -> list[Tensor]:
    out = fn(*inputs)
    return list(out) if isinstance(out, tuple | list) else [out]


def numerical_jacobian(fn: Callable, inputs: Sequence[Tensor], eps: float = 1e-6) -> list[list[np.ndarray]]:
    """J[i][k] = d output_k / d input_i by central differences, shape ``out_k.shape + in_i.shape``.

    Elements are perturbed in place, through their multi-index: a flat view
    (``reshape(-1)``) would be a copy for non-contiguous data, and writing to
    it would change nothing.
    """
    jac = []
    for x in inputs:
        columns = []
        for j in np.ndindex(x.shape):
            orig = x._data[j]
            x._data[j] = orig + eps
            plus = [o._data.copy() for o in _outputs(fn, inputs)]
            x._data[j] = orig - eps
            minus = [o._data.copy() for o in _outputs(fn, inputs)]
            x._data[j] = orig
            columns.append([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
        jac.append([np.stack(col, axis=-1).reshape(col[0].shape + x.shape) for col in zip(*columns)])
    return jac


def analytic_jacobian(fn: Callable, inputs: Sequence[Tensor]) -> list[list[np.ndarray]]:
    """The same Jacobian by backpropagation, one output element at a time."""
    outputs = _outputs(fn, inputs)
    jac = [[np.zeros(o.shape + x.shape) for o in outputs] for x in inputs]
    for k, o in enumerate(outputs):
        if not o.requires_grad:
            continue
        for idx in np.ndindex(o.shape):
            seed = np.zeros(o.shape, dtype=o.dtype)
            seed[idx] = 1
            grads = autograd_grad(o, list(inputs), grad_outputs=seed, retain_graph=True, allow_unused=True)
            for i, g in enumerate(grads):
                if g is not None:
                    jac[i][k][idx] = g._data
    return jac


def gradcheck(
    fn: Callable[..., Any],
    inputs: Tensor | Sequence[Tensor],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Compare backpropagated gradients of ``fn`` with central finite differences.

    Passes when ``|analytic - numeric| <= atol + rtol * |numeric|`` for every
    Jacobian entry of every input with ``requires_grad`` (PyTorch's defaults and
    criterion).  On failure the error names the input, the output, the entry,
    both values and the relative error.  The inputs are not modified.

    Examples
    --------
    >>> import coursekit as ck
    >>> x = ck.tensor([0.3, -1.2], requires_grad=True)
    >>> ck.gradcheck(lambda t: (t.sin() * t).sum(), [x])
    True
    """
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if any(x.requires_grad and x.dtype != np.float64 for x in inputs):
        warnings.warn(
            "gradcheck in a dtype other than float64: finite differences with eps=1e-6 are unreliable "
            "there and may fail for correct code; check with .double() inputs",
            stacklevel=2,
        )
    positions = [i for i, x in enumerate(inputs) if x.requires_grad]
    varied = [Tensor._make(inputs[i]._data.copy(), False, None).requires_grad_() for i in positions]

    def call(*xs: Tensor) -> Any:
        args = list(inputs)
        for i, x in zip(positions, xs):
            args[i] = x
        return fn(*args)

    numeric = numerical_jacobian(call, varied, eps)
    analytic = analytic_jacobian(call, varied)
    for pos, num_i, ana_i in zip(positions, numeric, analytic):
        for k, (num, ana) in enumerate(zip(num_i, ana_i)):
            excess = np.abs(ana - num) - (atol + rtol * np.abs(num))
            if (excess > 0).any():
                where = np.unravel_index(np.argmax(excess), num.shape)
                a, n = ana[where], num[where]
                msg = (
                    f"gradcheck failed for input {pos} (shape {inputs[pos].shape}), output {k}, "
                    f"Jacobian entry {tuple(int(w) for w in where)}: analytic {a:.10g}, numeric {n:.10g}, "
                    f"relative error {abs(a - n) / max(abs(n), 1e-300):.3g} (atol={atol}, rtol={rtol})"
                )
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True
