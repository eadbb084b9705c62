"""Matrix products: ``matmul`` (1-D, 2-D, batched), the fused dense layer ``linear``, and ``einsum``.

For C = A @ B with upstream gradient G:  grad_A = G @ B^T,  grad_B = A^T @ G.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..function import Context, Function, ShapeError


def _check_inner(a: np.ndarray, b: np.ndarray, op: str) -> None:
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(f"{op}: both operands need at least one dimension, got shapes {a.shape} and {b.shape}")
    if a.shape[-1] != b.shape[0 if b.ndim == 1 else -2]:
        raise ShapeError(
            f"{op}: shapes {a.shape} and {b.shape} do not fit: the last axis of the first "
            f"({a.shape[-1]}) must equal the {'only' if b.ndim == 1 else 'second-to-last'} axis of the second "
            f"({b.shape[0 if b.ndim == 1 else -2]})"
        )


class MixedDtypeWarning(UserWarning):
    """float32 meets float64 in a matrix product (PyTorch refuses; coursekit computes in float64 and warns)."""


def _check_dtypes(a: np.ndarray, b: np.ndarray, op: str) -> None:
    """Warn when float32 data meets float64 (coursekit's default) where PyTorch would raise."""
    kinds = {a.dtype, b.dtype}
    if len(kinds) == 2 and kinds <= {np.dtype(np.float32), np.dtype(np.float64)}:
        warnings.warn(
            f"{op}: float32 meets float64 (shapes {a.shape} and {b.shape}); PyTorch would raise "
            "'expected both to have the same dtype'. coursekit's default dtype is float64, not PyTorch's "
            "float32, so models and Python-float tensors are float64 here and the result is float64. "
            "Convert the data with .double() (or np.float64), or build the model after "
            "ck.set_default_dtype(ck.float32), or call model.float().",
            MixedDtypeWarning, stacklevel=4,
        )


class MatMul(Function):
    """a @ b with NumPy's rules: 1-D operands are promoted to matrices and back."""

    torch_name = "MmBackward0"

    @staticmethod
    def backward_name(ctx: Context) -> str:
        """torch's names: DotBackward0 for vector @ vector, MvBackward0 for matrix @ vector, else MmBackward0."""
        if ctx.arrays is None:  # released by a backward pass: the shapes are gone
            return "MmBackward0"
        ndims = tuple(np.ndim(a) for a in ctx.arrays)
        return {(1, 1): "DotBackward0", (2, 1): "MvBackward0"}.get(ndims, "MmBackward0")

    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a_, b_ = np.asarray(a), np.asarray(b)
        _check_inner(a_, b_, "matmul")
        if a_.dtype is not b_.dtype:
            _check_dtypes(a_, b_, "matmul")
        return a @ b

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        a, b = ctx.inputs
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:  # dot product
            return grad * b if need_a else None, grad * a if need_b else None
        # Promote 1-D operands to matrices so that one rule serves every case.
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b
        g2 = grad.reshape(grad.shape[:-1] + (1,) + grad.shape[-1:]) if a.ndim == 1 else grad
        g2 = g2.reshape(g2.shape + (1,)) if b.ndim == 1 else g2
        grad_a = grad_b = None
        if need_a:
            grad_a = g2 @ b2.swapaxes(-1, -2)
            if a.ndim == 1:
                grad_a = grad_a.reshape(grad_a.shape[:-2] + grad_a.shape[-1:])
        if need_b:
            grad_b = a2.swapaxes(-1, -2) @ g2
            if b.ndim == 1:
                grad_b = grad_b.reshape(grad_b.shape[:-1])
        return grad_a, grad_b  # batch axes are summed by the engine


class Linear(Function):
    """y = x @ W^T + b, with W of shape (out_features, in_features), as ``torch.nn.functional.linear``.

    One node instead of three (transpose, matmul, add): the same maths, less overhead.
    """

    torch_name = "AddmmBackward0"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
        if weight.ndim != 2 or x.shape[-1] != weight.shape[1]:
            raise ShapeError(
                f"linear: input of shape {x.shape} does not fit weight of shape {weight.shape}: "
                f"the input's last axis must equal in_features = weight.shape[1]"
            )
        if x.dtype is not weight.dtype:
            _check_dtypes(x, weight, "linear")
        y = x @ weight.T
        if bias is not None:
            y += bias
        return y

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        x, weight, bias = ctx.inputs
        need_x, need_w, need_b = ctx.needs_input_grad
        batched = grad.ndim != 2  # fold leading axes into one batch axis
        g2 = grad.reshape(-1, weight.shape[0]) if batched else grad
        x2 = x.reshape(g2.shape[0], weight.shape[1]) if batched else x  # not -1: in_features may be 0
        grad_x = grad @ weight if need_x else None
        grad_w = g2.T @ x2 if need_w else None
        grad_b = g2.sum(axis=0) if need_b else None
        return grad_x, grad_w, grad_b


def matmul(input: Any, other: Any) -> Any:  # noqa: A002  (PyTorch's argument names: matmul(input=x, other=w))
    """Matrix product with NumPy's broadcasting rules (``input @ other``)."""
    return MatMul.apply(input, other)


def linear(x: Any, weight: Any, bias: Any = None) -> Any:
    """Dense layer x @ weight^T + bias (``torch.nn.functional.linear``)."""
    return Linear.apply(x, weight, bias)


def _parse_einsum(equation: str, count: int) -> tuple[list[str], str]:
    """Subscripts of each operand and of the output (implicit output: letters used once, sorted)."""
    equation = equation.replace(" ", "")
    if "." in equation:
        raise ValueError(f"einsum: '...' is not supported here, write every axis's letter: {equation!r}")
    inputs, arrow, output = equation.partition("->")
    subs = inputs.split(",")
    if len(subs) != count:
        raise ValueError(f"einsum: {equation!r} names {len(subs)} operands but {count} were given")
    if not arrow:
        letters = "".join(subs)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    for s in subs:
        if len(set(s)) != len(s):
            raise ValueError(f"einsum: a letter repeated within one operand ({s!r}, a diagonal) is not supported")
    return subs, output


class Einsum(Function):
    """Einstein summation;  the gradient of operand k is the einsum of the upstream gradient with the others.

    A letter of operand k that appears nowhere else was summed away; its
    gradient is the same along that axis, so it is broadcast back.
    """

    @staticmethod
    def forward(ctx: Context, *operands: np.ndarray, equation: str) -> np.ndarray:
        ctx.subs, ctx.output = _parse_einsum(equation, len(operands))
        return np.einsum(f"{','.join(ctx.subs)}->{ctx.output}", *operands)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        from ..broadcasting import broadcast_to  # noqa: PLC0415

        grads = []
        for k, (x, need) in enumerate(zip(ctx.inputs, ctx.needs_input_grad)):
            if not need:
                grads.append(None)
                continue
            others = [(s, o) for i, (s, o) in enumerate(zip(ctx.subs, ctx.inputs)) if i != k]
            present = ctx.output + "".join(s for s, _ in others)
            kept = "".join(c for c in ctx.subs[k] if c in present)
            equation = ",".join([ctx.output] + [s for s, _ in others]) + "->" + kept
            g = Einsum.apply(grad, *(o for _, o in others), equation=equation)
            shape = x.shape
            g = g.reshape(tuple(n if c in present else 1 for c, n in zip(ctx.subs[k], shape)))
            grads.append(broadcast_to(g, shape))
        return tuple(grads)


def einsum(equation: str, *operands: Any) -> Any:
    """Einstein summation, e.g. ``einsum('ij,jk->ik', a, b)`` is ``a @ b`` (``torch.einsum``).

    Examples
    --------
    >>> import coursekit as ck
    >>> a = ck.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> ck.einsum("ij,ij->", a, a).backward()   # sum of squares
    >>> a.grad
    tensor([[2., 4.],
            [6., 8.]])
    """
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    return Einsum.apply(*operands, equation=equation)
