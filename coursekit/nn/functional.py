"""Activations and losses as functions, named as in ``torch.nn.functional``.

Losses follow the maximum-likelihood recipe of the course: Gaussian ->
``mse_loss``, Bernoulli -> ``binary_cross_entropy_with_logits``, categorical ->
``cross_entropy``.  The likelihood losses are fused ops whose backward is the
famous short form (``softmax(z) - onehot(y)``), computed without overflow even
for logits of size 1e3.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Context, Function, ShapeError
from ..autograd.ops import (
    clip, exp, leaky_relu, linear, log, log_softmax, logsumexp, maximum, relu, sigmoid,
    log_softmax_parts, softmax, softplus, tanh, where,
)
from ..autograd.tensor import Tensor, _data

__all__ = [
    "relu", "leaky_relu", "sigmoid", "tanh", "softplus", "softmax", "log_softmax", "logsumexp", "linear",
    "hardtanh", "exp", "log", "clip", "where", "maximum",
    "mse_loss", "l1_loss", "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "hinge",
    "prelu", "dropout",
]

Reduction = str


def _reduce(loss: Any, reduction: Reduction) -> Any:
    if reduction == "mean":  # on arrays, sum / size skips np.mean's Python-level overhead
        return np.add.reduce(loss, axis=None) / loss.size if isinstance(loss, np.ndarray) else loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _scale(grad: Any, n: int, reduction: Reduction) -> Any:
    """The upstream gradient of each of the ``n`` per-example losses."""
    return grad / n if reduction == "mean" else grad


def _per_row(grad: Any, rows: int, reduction: Reduction) -> Any:
    """The upstream gradient of each row's loss, shaped to broadcast across the classes."""
    g = _scale(grad, rows, reduction)
    return g.reshape(g.shape + (1,)) if reduction == "none" else g


def _same_shape(input: Any, target: Any, name: str) -> None:
    if np.shape(input) != np.shape(target):
        raise ShapeError(
            f"{name}: input shape {np.shape(input)} and target shape {np.shape(target)} differ; broadcasting them "
            "would silently compare every prediction with every target. Reshape one, e.g. y.reshape(-1, 1)."
        )


def hardtanh(x: Any, min_val: float = -1.0, max_val: float = 1.0) -> Any:
    """max(min_val, min(max_val, x))."""
    return clip(x, min_val, max_val)


def mse_loss(input: Any, target: Any, reduction: Reduction = "mean") -> Any:
    """Squared error (y_hat - y)^2: the negative log-likelihood of a Gaussian with fixed variance, up to constants."""
    _same_shape(input, target, "mse_loss")
    diff = input - target
    return _reduce(diff * diff, reduction)


def l1_loss(input: Any, target: Any, reduction: Reduction = "mean") -> Any:
    """Absolute error |y_hat - y| (Laplace likelihood)."""
    _same_shape(input, target, "l1_loss")
    return _reduce(abs(input - target), reduction)


class BCEWithLogits(Function):
    """-[y log sigma(z) + (1-y) log(1 - sigma(z))] = max(z, 0) - z y + log(1 + e^-|z|);  d/dz = sigma(z) - y."""

    @staticmethod
    def forward(ctx: Context, z: np.ndarray, y: np.ndarray, reduction: Reduction) -> np.ndarray:
        ctx.reduction = reduction
        loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        z, y = ctx.inputs
        g = _scale(grad, np.size(_data(z)), ctx.reduction)
        return (sigmoid(z) - y) * g, -z * g if ctx.needs_input_grad[1] else None


def binary_cross_entropy_with_logits(input: Any, target: Any, reduction: Reduction = "mean") -> Any:
    """Bernoulli negative log-likelihood of 0/1 targets given logits (no sigmoid needed before it).

    Examples
    --------
    >>> import coursekit as ck
    >>> z = ck.tensor([1000.0, -1000.0], requires_grad=True)
    >>> loss = ck.nn.functional.binary_cross_entropy_with_logits(z, [1.0, 1.0])
    >>> loss.item()      # the second answer is confidently wrong
    500.0
    """
    target = target if isinstance(target, Tensor) else np.asarray(target, dtype=_data(input).dtype)
    _same_shape(input, target, "binary_cross_entropy_with_logits")
    return BCEWithLogits.apply(input, target, reduction=reduction)


def _class_positions(logits: np.ndarray, target: np.ndarray, name: str) -> Any:
    """The index ``(rows, target)`` that picks each row's target class from ``logits``; None for probabilities.

    A tuple of index arrays, not positions in ``logits.ravel()``: ``ravel()``
    copies a non-contiguous array (``z.T``), so writing through it would be
    lost.  Checks the shapes, and that every index lies in [0, C):
    ``np.ravel_multi_index`` refuses any other (negative ones too, which
    indexing would wrap around) in one NumPy call.
    """
    if logits.ndim not in (1, 2):
        raise ShapeError(f"{name}: expected logits of shape (N, C) or (C,), got {logits.shape}")
    if target.dtype.kind not in "iu":
        if target.shape != logits.shape:
            raise ShapeError(f"{name}: probability target of shape {target.shape} must match logits {logits.shape} "
                             "(for class indices use an integer array)")
        return None
    if target.shape != logits.shape[:-1]:
        raise ShapeError(f"{name}: class-index target of shape {target.shape} does not fit logits {logits.shape}; "
                         f"expected shape {logits.shape[:-1]}")
    rows = (np.arange(target.shape[0]),) if target.ndim == 1 else ()
    try:
        np.ravel_multi_index((*rows, target), logits.shape)
        return (*rows, target)
    except ValueError:
        raise IndexError(f"{name}: class indices must lie in [0, {logits.shape[-1] - 1}], "
                         f"got values from {target.min()} to {target.max()}") from None


def _one_hot(target: np.ndarray, positions: Any, like: np.ndarray) -> np.ndarray:
    """Class indices (at ``positions``, from :func:`_class_positions`) -> one-hot rows; probabilities pass through."""
    if positions is None:
        return target
    out = np.zeros(like.shape, dtype=like.dtype)
    out[positions] = 1
    return out


class CrossEntropy(Function):
    """-log softmax(z)_y = logsumexp(z) - z_y;  d/dz = softmax(z) - onehot(y)."""

    @staticmethod
    def forward(ctx: Context, z: np.ndarray, target: np.ndarray, reduction: Reduction, positions: Any) -> np.ndarray:
        ctx.reduction, ctx.target, ctx.positions = reduction, target, positions
        log_p, ctx.exp, ctx.total = log_softmax_parts(z)
        if positions is not None:
            loss = -log_p[positions]
        else:
            loss = -(target * log_p).sum(axis=-1)
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        z = ctx.inputs[0]
        g = _per_row(grad, ctx.total.size, ctx.reduction)  # total: one number per row
        if isinstance(z, Tensor):  # building a graph of the backward pass: differentiable ops only
            return (softmax(z) * _mass(ctx) - _one_hot(ctx.target, ctx.positions, z.data)) * g, None
        d = ctx.exp / ctx.total  # softmax, from the forward pass's parts
        if ctx.positions is None:  # probability targets need not sum to one
            return (d * _mass(ctx) - ctx.target) * g, None
        d[ctx.positions] -= 1  # d is fresh (and may be laid out as z.T: index it, never its ravel())
        d *= g
        return d, None


def _mass(ctx: Context) -> Any:
    return 1 if ctx.positions is not None else ctx.target.sum(axis=-1, keepdims=True)


def cross_entropy(input: Any, target: Any, reduction: Reduction = "mean") -> Any:
    """Categorical negative log-likelihood of logits: log_softmax then pick the target class.

    ``target`` holds class indices (integers, shape ``(N,)``) or class
    probabilities (floats, the shape of ``input``), as in PyTorch.

    Examples
    --------
    >>> import coursekit as ck
    >>> z = ck.tensor([[2.0, 0.0, -1.0]], requires_grad=True)
    >>> loss = ck.nn.functional.cross_entropy(z, [0])
    >>> loss.backward()
    >>> z.grad.round(4)     # softmax(z) - onehot(0)
    array([[-0.1562,  0.1142,  0.042 ]])
    """
    target = _data(target)
    target = np.asarray(target) if not isinstance(target, np.ndarray) else target
    positions = _class_positions(_data(input), target, "cross_entropy")
    return CrossEntropy.apply(input, target, reduction=reduction, positions=positions)


class NLLLoss(Function):
    """-logp_y for log-probabilities ``logp``;  d/dlogp = -onehot(y)."""

    @staticmethod
    def forward(ctx: Context, logp: np.ndarray, target: np.ndarray, reduction: Reduction, positions: Any) -> np.ndarray:
        ctx.reduction = reduction
        ctx.onehot = _one_hot(target, positions, logp)
        return _reduce(-(ctx.onehot * logp).sum(axis=-1), reduction)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        logp = _data(ctx.inputs[0])
        return -ctx.onehot * _per_row(grad, logp.size // logp.shape[-1], ctx.reduction), None


def nll_loss(input: Any, target: Any, reduction: Reduction = "mean") -> Any:
    """Negative log-likelihood of class indices given log-probabilities (use after ``log_softmax``)."""
    target = np.asarray(_data(target))
    if not np.issubdtype(target.dtype, np.integer):
        raise TypeError(f"nll_loss: target must hold integer class indices, got {target.dtype}")
    positions = _class_positions(_data(input), target, "nll_loss")
    return NLLLoss.apply(input, target, reduction=reduction, positions=positions)


def hinge(input: Any, target: Any, margin: float = 1.0, reduction: Reduction = "mean") -> Any:
    """Hinge loss: max(0, margin - y s) for scores ``s`` and labels y in {-1, +1};
    for (N, C) scores and class indices, the multi-class form
    sum_{j != y} max(0, margin - s_y + s_j) / C (``torch.nn.functional.multi_margin_loss``).
    """
    target = np.asarray(_data(target))
    scores = _data(input)
    if scores.ndim == 2 and np.issubdtype(target.dtype, np.integer):
        positions = _class_positions(scores, target, "hinge")
        correct = input[positions].reshape(-1, 1)
        margins = relu(margin - correct + input) * (1 - _one_hot(target, positions, scores))
        return _reduce(margins.sum(axis=-1) / scores.shape[-1], reduction)
    _same_shape(input, target, "hinge")
    if not np.isin(target, (-1, 1)).all():
        raise ValueError("hinge: binary targets must be -1 or +1 (map 0/1 labels with 2*y - 1)")
    return _reduce(relu(margin - input * target.astype(scores.dtype)), reduction)


class PReLU(Function):
    """max(0, x) + a min(0, x) with a learned slope ``a``;  d/dx = 1 or a,  d/da = min(0, x)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, a: np.ndarray) -> np.ndarray:
        return np.where(x > 0, x, a * x)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        x, a = ctx.inputs
        positive = _data(x) > 0
        need_x, need_a = ctx.needs_input_grad
        grad_x = where(positive, grad, grad * a) if need_x else None
        grad_a = where(positive, 0, grad * x) if need_a else None  # the engine sums it over the batch
        return grad_x, grad_a


def prelu(input: Any, weight: Any) -> Any:
    """Parametric ReLU ``max(0, x) + weight * min(0, x)`` (``torch.nn.functional.prelu``).

    ``weight`` holds one slope, or one per channel; the channel axis is axis 1
    of the input (the last one for a batch of rows ``(N, C)``).

    Examples
    --------
    >>> import coursekit as ck
    >>> prelu(ck.tensor([[-2.0, 3.0]]), ck.tensor([0.25])).data
    array([[-0.5,  3. ]])
    """
    ndim = np.ndim(_data(input))
    if np.size(_data(weight)) > 1 and ndim > 2:  # (N, C, ...): slopes along axis 1
        weight = weight.reshape((-1,) + (1,) * (ndim - 2))
    return PReLU.apply(input, weight)


from ..autograd.creation import default_rng  # a function: it returns the generator manual_seed set


class Dropout(Function):
    """x * mask with a fixed random mask;  d/dx = mask."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return x * mask

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return grad * ctx.inputs[1], None


def dropout(input: Any, p: float = 0.5, training: bool = True) -> Any:
    """Inverted dropout: zero each element with probability ``p``, scale the rest by ``1 / (1 - p)``.

    The identity when ``training`` is False or ``p == 0``.  The mask comes
    from coursekit's shared generator (``ck.manual_seed``).  See
    :class:`coursekit.nn.Dropout`.

    Examples
    --------
    >>> import coursekit as ck
    >>> ck.manual_seed(0)
    >>> sorted(set(dropout(ck.ones(10), p=0.5).data.tolist()))
    [0.0, 2.0]
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p}")
    if not training or p == 0:
        return input
    data = _data(input)
    dtype = data.dtype if np.issubdtype(data.dtype, np.floating) else np.float64
    if p == 1:
        mask = np.zeros(np.shape(data), dtype=dtype)
    else:
        keep = default_rng().random(np.shape(data)) >= p
        mask = np.multiply(keep, 1.0 / (1.0 - p), dtype=dtype)
    return Dropout.apply(input, mask)
