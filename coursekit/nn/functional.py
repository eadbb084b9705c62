"""Activations and losses as functions, named as in ``torch.nn.functional``.

Losses follow the maximum-likelihood recipe of the course: Gaussian ->
``mse_loss``, Bernoulli -> ``binary_cross_entropy_with_logits``, categorical ->
``cross_entropy``.  The likelihood losses are fused ops whose backward is the
famous short form (``softmax(z) - onehot(y)``), computed without overflow even
for logits of size 1e3.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..autograd.function import Context, Function, ShapeError
from ..autograd.ops import (
    clip, exp, linear, log, logsumexp, maximum, sigmoid,
    log_softmax_parts, tanh, where,
)
from ..autograd.ops import log_softmax as _log_softmax_op
from ..autograd.ops import softmax as _softmax_op
from ..autograd.ops import leaky_relu as _leaky_relu_op
from ..autograd.ops import relu as _relu_op
from ..autograd.ops import softplus as _softplus_op
from ..autograd.tensor import Tensor, _data

__all__ = [
    "relu", "leaky_relu", "sigmoid", "tanh", "softplus", "softmax", "log_softmax", "logsumexp", "linear",
    "hardtanh", "exp", "log", "clip", "where", "maximum", "gelu", "elu", "silu", "one_hot", "relu6",
    "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "cross_entropy", "nll_loss", "kl_div", "hinge", "prelu", "dropout",
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


def implicit_softmax_dim(ndim: int, name: str = "softmax") -> int:
    """PyTorch's rule for a softmax called without ``dim``: axis 0 for 0-, 1- and 3-D input, else axis 1.

    As in PyTorch this warns: on a 3-D input the rule picks axis 0, not the
    last axis, which is rarely what was meant.
    """
    dim = 0 if ndim in (0, 1, 3) else 1
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated (PyTorch's rule, kept by coursekit): "
        f"it uses dim={dim} for a {ndim}-D input. Change the call to include dim=X as an argument.",
        UserWarning,
        stacklevel=3,
    )
    return dim


def softmax(input: Any, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Any:
    """Probabilities ``exp(x_i) / sum_j exp(x_j)`` along ``dim`` (``torch.nn.functional.softmax``).

    Without ``dim``, PyTorch's implicit rule picks axis 0 for 0-, 1- and 3-D
    inputs and axis 1 otherwise, with a warning (never silently the last axis).

    Examples
    --------
    >>> import coursekit as ck
    >>> softmax(ck.tensor([[0.0, 0.0]]), dim=1)
    tensor([[0.5, 0.5]])
    """
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        dim = implicit_softmax_dim(np.ndim(_data(input)), "softmax")
    return _softmax_op(input, dim=dim)


def log_softmax(input: Any, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None) -> Any:
    """``x_i - logsumexp(x)`` along ``dim`` (``torch.nn.functional.log_softmax``); no ``dim``: as :func:`softmax`."""
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        dim = implicit_softmax_dim(np.ndim(_data(input)), "log_softmax")
    return _log_softmax_op(input, dim=dim)


def _in_place(input: Any, fn: Any, name: str) -> Any:
    """``inplace=True`` as PyTorch: ``input``'s values become ``fn(input)`` and ``input`` is returned.

    Recorded on a tensor in the graph (its history continues through ``fn``);
    refused on a leaf that requires grad, and by the backward pass if an op
    saved the overwritten values (both as PyTorch; see the engine's in-place
    rules in ``Tensor``).
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(inplace=True) needs a Tensor to overwrite, got {type(input).__name__}")
    if input._in_graph():
        return input._record_inplace(fn)
    new = _data(fn(input))
    return input._modify(lambda a: np.copyto(a, new, casting="same_kind"))


def relu(input: Any, inplace: bool = False) -> Any:
    """``max(0, x)`` (``torch.nn.functional.relu``); ``inplace=True`` overwrites ``input``, as PyTorch.

    Examples
    --------
    >>> import coursekit as ck
    >>> relu(ck.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    if inplace:
        return _in_place(input, _relu_op, "relu")
    return _relu_op(input)


def leaky_relu(input: Any, negative_slope: float = 0.01, inplace: bool = False) -> Any:
    """``max(0, x) + negative_slope * min(0, x)`` (``torch.nn.functional.leaky_relu``)."""
    if inplace:
        return _in_place(input, lambda x: _leaky_relu_op(x, negative_slope), "leaky_relu")
    return _leaky_relu_op(input, negative_slope)


def relu6(input: Any, inplace: bool = False) -> Any:
    """``min(max(0, x), 6)`` (``torch.nn.functional.relu6``)."""
    if inplace:
        return _in_place(input, relu6, "relu6")
    x = _data(input)  # as PyTorch, no gradient at the corners 0 and 6 (clip would pass one there)
    return where((x > 0) & (x < 6), input, np.clip(x, 0.0, 6.0))


def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> Any:
    """``log(1 + exp(beta x)) / beta``, and ``x`` itself where ``beta x > threshold`` (``torch.nn.functional.softplus``).

    The switch to the identity is PyTorch's; below it the formula is the
    overflow-free one.

    Examples
    --------
    >>> import coursekit as ck
    >>> round(softplus(ck.tensor(0.0)).item(), 6)     # log 2
    0.693147
    """
    scaled = input if beta == 1 else input * beta
    smooth = _softplus_op(scaled) if beta == 1 else _softplus_op(scaled) / beta
    return where(_data(scaled) > threshold, input, smooth)


def hardtanh(input: Any, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Any:
    """max(min_val, min(max_val, x)) (``torch.nn.functional.hardtanh``)."""
    if inplace:
        return _in_place(input, lambda x: hardtanh(x, min_val, max_val), "hardtanh")
    return clip(input, min_val, max_val)


def elu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Any:
    """x for x > 0, alpha (e^x - 1) otherwise (``torch.nn.functional.elu``).

    The exponential sees min(x, 0) only, so a large positive x cannot overflow
    into the branch that ``where`` discards (inf * 0 would be NaN in backward).
    """
    if inplace:
        return _in_place(input, lambda x: elu(x, alpha), "elu")
    negative = alpha * (exp(clip(input, None, 0.0)) - 1)
    return where(_data(input) > 0, input, negative)


def silu(input: Any, inplace: bool = False) -> Any:
    """x sigma(x), also called swish (``torch.nn.functional.silu``)."""
    if inplace:
        return _in_place(input, silu, "silu")
    return input * sigmoid(input)


class _Erf(Function):
    """The error function, elementwise (NumPy has none: math.erf per element);  d/dx = 2/sqrt(pi) e^{-x^2}."""

    torch_name = "ErfBackward0"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.vectorize(math.erf, otypes=[x.dtype])(x) if x.size else x.copy()

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        x = ctx.inputs[0]
        return (grad * (2 / math.sqrt(math.pi)) * exp(-(x * x)),)


def gelu(input: Any, approximate: str = "none") -> Any:
    """x Phi(x), Phi the standard normal CDF (``torch.nn.functional.gelu``); ``approximate='tanh'`` as torch's.

    Examples
    --------
    >>> import coursekit as ck
    >>> round(gelu(ck.tensor(1.0)).item(), 6)
    0.841345
    """
    if approximate == "tanh":
        inner = math.sqrt(2 / math.pi) * (input + 0.044715 * input * input * input)
        return 0.5 * input * (1 + tanh(inner))
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return 0.5 * input * (1 + _Erf.apply(input * (1 / math.sqrt(2))))


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """Class indices to rows of 0s with a 1 at the index, int64 (``torch.nn.functional.one_hot``).

    Examples
    --------
    >>> import coursekit as ck
    >>> one_hot(ck.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    index = np.asarray(_data(tensor))
    if index.dtype.kind not in "iu":
        raise TypeError(f"one_hot: class indices must be integers, got {index.dtype}")
    if num_classes == -1:
        num_classes = int(index.max()) + 1 if index.size else 0
    if index.size and (index.min() < 0 or index.max() >= num_classes):
        raise IndexError(f"one_hot: class indices must lie in [0, {num_classes - 1}], "
                         f"got values from {index.min()} to {index.max()}")
    return Tensor._make(np.eye(num_classes, dtype=np.int64)[index], False, None)


def _weighted(loss: Any, weight: Any, input: Any, reduction: Reduction, name: str, mean_over_weights: bool) -> Any:
    """PyTorch's per-element ``weight=`` of the regression losses: ``'mean'`` divides by sum(weight)
    (mse_loss, l1_loss) or by the number of elements (huber_loss), as torch does."""
    _check_reduction(reduction)
    _refuse_reduction_as_weight(weight)
    if np.shape(_data(weight)) != np.shape(_data(input)):
        raise ValueError(f"{name}: weight must have the input's shape {np.shape(_data(input))}, "
                         f"got {np.shape(_data(weight))}")
    loss = loss * _rescale_weight(weight, input)
    if reduction == "mean" and mean_over_weights:
        return loss.sum() / _rescale_weight(weight, input).sum()
    return _reduce(loss, reduction)


def mse_loss(input: Any, target: Any, size_average: None = None, reduce: None = None, reduction: Reduction = "mean",
             weight: Any = None) -> Any:
    """Squared error (y_hat - y)^2: the negative log-likelihood of a Gaussian with fixed variance, up to constants.

    The parameters are PyTorch's, in its order: ``mse_loss(x, y, "sum")`` would
    pass ``"sum"`` as the deprecated ``size_average`` and is refused; write
    ``reduction="sum"``.  ``weight`` (the input's shape) multiplies each
    squared error; ``'mean'`` then divides by the sum of the weights.
    """
    _refuse_legacy(size_average, reduce, "mse_loss")
    _same_shape(input, target, "mse_loss")
    diff = input - target
    if weight is not None:
        return _weighted(diff * diff, weight, input, reduction, "mse_loss", mean_over_weights=True)
    return _reduce(diff * diff, reduction)


def l1_loss(input: Any, target: Any, size_average: None = None, reduce: None = None, reduction: Reduction = "mean",
            weight: Any = None) -> Any:
    """Absolute error |y_hat - y| (Laplace likelihood); parameters and ``weight`` as :func:`mse_loss`."""
    _refuse_legacy(size_average, reduce, "l1_loss")
    _same_shape(input, target, "l1_loss")
    if weight is not None:
        return _weighted(abs(input - target), weight, input, reduction, "l1_loss", mean_over_weights=True)
    return _reduce(abs(input - target), reduction)


def huber_loss(input: Any, target: Any, reduction: Reduction = "mean", delta: float = 1.0, weight: Any = None) -> Any:
    """d^2 / 2 for |d| < delta, delta (|d| - delta/2) beyond: squared near 0, absolute far out (d = input - target).

    ``weight`` (the input's shape) multiplies each element's loss; ``'mean'``
    then averages over the elements, as PyTorch's ``huber_loss``.
    """
    _same_shape(input, target, "huber_loss")
    d = input - target
    size = abs(d)
    loss = where(_data(size) < delta, 0.5 * d * d, delta * (size - 0.5 * delta))
    if weight is not None:
        return _weighted(loss, weight, input, reduction, "huber_loss", mean_over_weights=False)
    return _reduce(loss, reduction)


def smooth_l1_loss(input: Any, target: Any, size_average: None = None, reduce: None = None,
                   reduction: Reduction = "mean", beta: float = 1.0) -> Any:
    """d^2 / (2 beta) for |d| < beta, |d| - beta/2 beyond: Huber's loss divided by beta (PyTorch's parameters)."""
    _refuse_legacy(size_average, reduce, "smooth_l1_loss")
    _same_shape(input, target, "smooth_l1_loss")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    d = input - target
    size = abs(d)
    return _reduce(where(_data(size) < beta, 0.5 * d * d / beta, size - 0.5 * beta), reduction)


def kl_div(input: Any, target: Any, size_average: None = None, reduce: None = None, reduction: str = "mean",
           log_target: bool = False) -> Any:
    """KL divergence sum p (log p - input) for log-probabilities ``input`` and probabilities ``target`` = p.

    As in PyTorch, ``input`` holds log-probabilities, terms with p = 0 count
    0, and ``reduction='batchmean'`` (the sum over classes averaged over the
    batch) is the mathematical KL divergence; ``'mean'`` averages over every
    element.  ``log_target=True`` takes log p as ``target``.
    """
    _refuse_legacy(size_average, reduce, "kl_div")
    _same_shape(input, target, "kl_div")
    if log_target:
        terms = exp(target) * (target - input)
    else:
        safe = where(_data(target) > 0, target, 1)  # 0 log 0 counts 0: the log never sees a 0
        terms = target * (log(safe) - input)
    if reduction == "batchmean":
        shape = np.shape(_data(input))
        return terms.sum() / (shape[0] if shape else 1)
    return _reduce(terms, reduction)


class BCEWithLogits(Function):
    """-[y log sigma(z) + (1-y) log(1 - sigma(z))] = max(z, 0) - z y + log(1 + e^-|z|);  d/dz = sigma(z) - y."""

    torch_name = "BinaryCrossEntropyWithLogitsBackward0"

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


def _probability_target(input: Any, target: Any, name: str) -> Any:
    """``target`` as floats in [0, 1] in the input's dtype, or a clear error (integer labels, values outside)."""
    data = np.asarray(_data(target))
    if data.dtype.kind in "iub":
        raise TypeError(
            f"{name}: the target must hold floating-point probabilities in [0, 1], got {data.dtype} "
            "(as in PyTorch, integer labels are refused); convert them, e.g. y.astype(np.float64) or y.double()"
        )
    if data.size and not ((data >= 0) & (data <= 1)).all():
        raise ValueError(
            f"{name}: the target must lie in [0, 1] (a probability), got values from {np.nanmin(data)} to "
            f"{np.nanmax(data)}; for labels -1/+1 use (y + 1) / 2"
        )
    _same_shape(input, target, name)
    return target if isinstance(target, Tensor) else data.astype(_data(input).dtype, copy=False)


class BCE(Function):
    """-[y log p + (1-y) log(1-p)] with each log clamped at -100 (PyTorch's);  d/dp = (p - y) / max(p (1-p), 1e-12)."""

    torch_name = "BinaryCrossEntropyBackward0"

    @staticmethod
    def forward(ctx: Context, p: np.ndarray, y: np.ndarray, reduction: Reduction) -> np.ndarray:
        ctx.reduction = reduction
        with np.errstate(divide="ignore"):  # log 0 = -inf, clamped next
            log_p, log_q = np.maximum(np.log(p), -100), np.maximum(np.log1p(-p), -100)
        return _reduce(-(y * log_p + (1 - y) * log_q), reduction)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        p, y = ctx.inputs
        g = _scale(grad, np.size(_data(p)), ctx.reduction)
        need_p, need_y = ctx.needs_input_grad
        grad_p = (p - y) / clip(p * (1 - p), 1e-12, None) * g if need_p else None
        grad_y = (log(1 - p) - log(p)) * g if need_y else None
        return grad_p, grad_y


def binary_cross_entropy(input: Any, target: Any, weight: Any = None, size_average: None = None, reduce: None = None,
                         reduction: Reduction = "mean") -> Any:
    """Bernoulli negative log-likelihood of probabilities ``input`` (after a sigmoid) and targets in [0, 1].

    Prefer :func:`binary_cross_entropy_with_logits` on logits: it cannot
    saturate.  Here, as in PyTorch, each log is clamped at -100.  ``weight``
    multiplies each element's loss (broadcast to the input's shape) before the
    reduction.

    Examples
    --------
    >>> import coursekit as ck
    >>> round(binary_cross_entropy(ck.tensor([0.5]), ck.tensor([1.0])).item(), 6)    # log 2
    0.693147
    """
    _refuse_legacy(size_average, reduce, "binary_cross_entropy")
    p = _data(input)
    if p.size and not ((p >= 0) & (p <= 1)).all():
        raise ValueError(f"binary_cross_entropy: the input must be probabilities in [0, 1], got values from "
                         f"{p.min()} to {p.max()}; for logits use binary_cross_entropy_with_logits")
    target = _probability_target(input, target, "binary_cross_entropy")
    _check_reduction(reduction)
    if weight is None:
        return BCE.apply(input, target, reduction=reduction)
    return _reduce(BCE.apply(input, target, reduction="none") * _rescale_weight(weight, input), reduction)


def binary_cross_entropy_with_logits(
    input: Any, target: Any, weight: Any = None, size_average: None = None, reduce: None = None,
    reduction: Reduction = "mean", pos_weight: Any = None,
) -> Any:
    """Bernoulli negative log-likelihood of 0/1 targets given logits (no sigmoid needed before it).

    As in PyTorch, ``pos_weight`` (one number per class, the last axis)
    multiplies the loss of the positive term,
    ``-[pos_weight y log sigma(z) + (1 - y) log(1 - sigma(z))]``, to trade
    recall for precision on unbalanced labels; ``weight`` multiplies each
    element's loss (broadcast to the input's shape) before the reduction.

    Examples
    --------
    >>> import coursekit as ck
    >>> z = ck.tensor([1000.0, -1000.0], requires_grad=True)
    >>> loss = ck.nn.functional.binary_cross_entropy_with_logits(z, [1.0, 1.0])
    >>> loss.item()      # the second answer is confidently wrong
    500.0
    """
    _refuse_legacy(size_average, reduce, "binary_cross_entropy_with_logits")
    target = _probability_target(input, target, "binary_cross_entropy_with_logits")
    _check_reduction(reduction)
    if weight is None and pos_weight is None:
        return BCEWithLogits.apply(input, target, reduction=reduction)
    if pos_weight is None:
        loss = BCEWithLogits.apply(input, target, reduction="none")
    else:  # (1 - y) z + (1 + (pw - 1) y) log(1 + e^-z), the log as softplus(-z): no overflow
        log_weight = 1 + (_rescale_weight(pos_weight, input) - 1) * target
        loss = (1 - target) * input + log_weight * _softplus_op(-input)
    if weight is not None:
        loss = loss * _rescale_weight(weight, input)
    return _reduce(loss, reduction)


def _check_reduction(reduction: Reduction) -> None:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _rescale_weight(weight: Any, input: Any) -> Any:
    """A loss weight (array, list or Tensor) in the input's dtype; a Tensor stays one (it may need a gradient)."""
    if isinstance(weight, Tensor):
        return weight
    _refuse_reduction_as_weight(weight)
    return np.asarray(weight, dtype=_data(input).dtype)


def _refuse_reduction_as_weight(weight: Any) -> None:
    """``loss(x, y, "sum")``: as in PyTorch, a loss's third positional argument is ``weight``."""
    if isinstance(weight, str):
        raise TypeError(f"weight must be a tensor of weights, got the string {weight!r}; as in PyTorch, the "
                        f"third positional argument of a loss is weight: pass reduction={weight!r} by keyword")


def _class_positions(logits: np.ndarray, target: np.ndarray, name: str) -> Any:
    """Where class-index targets sit in the C-order flattening of ``logits``; None for class probabilities.

    Checks the shapes, and that every index lies in [0, C): ``np.ravel_multi_index``
    refuses any other (negative ones too, which indexing would wrap around) in
    the same pass that computes the positions.  Read with ``a.ravel()[positions]``
    (right for any memory layout); write only through :func:`_flat_view`.
    """
    if logits.ndim not in (1, 2):
        raise ShapeError(f"{name}: expected logits of shape (N, C) or (C,), got {logits.shape}; for (N, C, L) move "
                         "the class axis last and flatten: z.permute(0, 2, 1).reshape(-1, C) with y.reshape(-1)")
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
        return np.ravel_multi_index((*rows, target), logits.shape)
    except ValueError:
        raise IndexError(f"{name}: class indices must lie in [0, {logits.shape[-1] - 1}], "
                         f"got values from {target.min()} to {target.max()}") from None


def _one_hot(target: np.ndarray, positions: Any, like: np.ndarray) -> np.ndarray:
    """Class indices (at ``positions``, from :func:`_class_positions`) -> one-hot rows; probabilities pass through."""
    if positions is None:
        return target
    out = np.zeros(like.shape, dtype=like.dtype)
    _flat_view(out)[positions] = 1
    return out


def _flat_view(a: np.ndarray) -> np.ndarray:
    """``a`` as one axis, sharing its memory, so that writes reach ``a``.

    ``a.ravel()`` (or ``reshape(-1)``) silently copies an array that is not
    C-contiguous (``z.T``, a strided slice, or a NumPy result laid out like
    one), and a write into the copy is lost; this refuses instead.
    """
    if not a.flags.c_contiguous:
        raise ValueError(f"_flat_view: an array of shape {a.shape} that is not C-contiguous has no flat view")
    return a.ravel()


class CrossEntropy(Function):
    """-log softmax(z)_y = logsumexp(z) - z_y;  d/dz = softmax(z) - onehot(y)."""

    @staticmethod
    def forward(ctx: Context, z: np.ndarray, target: np.ndarray, reduction: Reduction, positions: Any) -> np.ndarray:
        ctx.reduction, ctx.target, ctx.positions = reduction, target, positions
        log_p, ctx.exp, ctx.total = log_softmax_parts(z)
        if positions is not None:
            loss = -log_p.ravel()[positions]
        else:
            loss = -(target * log_p).sum(axis=-1)
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        z = ctx.inputs[0]
        g = _per_row(grad, ctx.total.size, ctx.reduction)  # total: one number per row
        if isinstance(z, Tensor):  # building a graph of the backward pass: differentiable ops only
            return (_softmax_op(z, dim=-1) * _mass(ctx) - _one_hot(ctx.target, ctx.positions, z.data)) * g, None
        # softmax, from the forward pass's parts, in a fresh C-ordered array (NumPy would lay it
        # out like z: for z.T a flat view would then be impossible)
        d = np.divide(ctx.exp, ctx.total, order="C")
        if ctx.positions is None:  # probability targets need not sum to one
            return (d * _mass(ctx) - ctx.target) * g, None
        _flat_view(d)[ctx.positions] -= 1
        d *= g
        return d, None


def _mass(ctx: Context) -> Any:
    return 1 if ctx.positions is not None else ctx.target.sum(axis=-1, keepdims=True)


def cross_entropy(
    input: Any,
    target: Any,
    weight: Any = None,
    size_average: None = None,
    ignore_index: int = -100,
    reduce: None = None,
    reduction: Reduction = "mean",
    label_smoothing: float = 0.0,
) -> Any:
    """Categorical negative log-likelihood of logits: log_softmax then pick the target class.

    ``target`` holds class indices (integers, shape ``(N,)``) or class
    probabilities (floats, the shape of ``input``), as in PyTorch.  The
    options are ``torch.nn.functional.cross_entropy``'s:

    - ``weight`` (one number per class) scales each example's loss by the
      weight of its class; ``'mean'`` then divides by the sum of those weights
      (a weighted mean), not by N.
    - rows whose target equals ``ignore_index`` count 0 and leave the mean.
    - ``label_smoothing`` = eps trains towards ``(1 - eps) onehot + eps / C``.

    ``size_average`` and ``reduce`` are PyTorch's deprecated spellings of
    ``reduction``; they are refused.

    Examples
    --------
    >>> import coursekit as ck
    >>> z = ck.tensor([[2.0, 0.0, -1.0]], requires_grad=True)
    >>> loss = ck.nn.functional.cross_entropy(z, [0])
    >>> loss.backward()
    >>> z.grad.round(4)     # softmax(z) - onehot(0)
    tensor([[-0.1562,  0.1142,  0.042 ]])
    """
    if size_average is not None or reduce is not None:
        _refuse_legacy(size_average, reduce, "cross_entropy")
    target = _data(target)
    target = np.asarray(target) if not isinstance(target, np.ndarray) else target
    if weight is None and label_smoothing == 0:  # the fused, fast path (the training loop's call)
        logits = _data(input)
        if target.dtype.kind not in "iu":
            positions = _class_positions(logits, target, "cross_entropy")
            return CrossEntropy.apply(input, target, reduction=reduction, positions=positions)
        outside = ignore_index < 0 or ignore_index >= logits.shape[-1]
        if not outside and (target == ignore_index).any():
            pass  # an ignored class index inside [0, C): the general path below
        else:
            try:  # refuses any index outside [0, C), so also an ignore_index there (-100)
                positions = _class_positions(logits, target, "cross_entropy")
            except IndexError:
                if not (target == ignore_index).any():
                    raise
            else:
                return CrossEntropy.apply(input, target, reduction=reduction, positions=positions)
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must lie in [0, 1], got {label_smoothing}")
    log_p = _log_softmax_op(input, dim=-1)
    return _weighted_nll(log_p, target, weight, ignore_index, reduction, label_smoothing, "cross_entropy")


def _refuse_legacy(size_average: Any, reduce: Any, name: str) -> None:
    """Refuse torch's deprecated pair; a string there is ``loss(x, y, "sum")``, the reduction passed by position."""
    if isinstance(size_average, str):
        raise TypeError(f"{name}: the third positional argument is PyTorch's deprecated size_average, got the string "
                        f"{size_average!r}; pass the reduction by keyword: {name}(input, target, "
                        f"reduction={size_average!r})")
    if size_average is not None or reduce is not None:
        raise TypeError(f"{name}: size_average= and reduce= are PyTorch's deprecated options (also deprecated there); "
                        "use reduction='mean', 'sum' or 'none'")


def _weighted_nll(
    log_p: Any, target: np.ndarray, weight: Any, ignore_index: int, reduction: Reduction, smoothing: float, name: str
) -> Any:
    """PyTorch's weighted, smoothed negative log-likelihood, as ``-sum(coef * log_p)`` with constant ``coef``.

    The loss is linear in ``log_p``, so one constant coefficient array per
    call (built here from the targets, the class weights, the ignored rows and
    the smoothing) gives PyTorch's value and gradient: row n of ``coef`` is
    ``(1 - eps) w[y_n] onehot(y_n) + eps / C * w`` for class indices (0 for
    ignored rows), ``((1 - eps) p_n + eps / C) * w`` for class probabilities.
    ``'mean'`` divides by the summed weights of the rows that count
    (class indices) or by the number of rows (class probabilities), as PyTorch.
    """
    logits = _data(log_p)
    if logits.ndim not in (1, 2):
        raise ShapeError(f"{name}: expected input of shape (N, C) or (C,), got {logits.shape}; for (N, C, L) move "
                         "the class axis last and flatten: z.permute(0, 2, 1).reshape(-1, C) with y.reshape(-1)")
    classes = logits.shape[-1]
    dtype = logits.dtype
    _refuse_reduction_as_weight(weight)
    w = np.ones(classes, dtype) if weight is None else np.asarray(_data(weight), dtype=dtype)
    if w.shape != (classes,):
        raise ShapeError(f"{name}: weight must hold one number per class, shape ({classes},), got {w.shape}")
    rows_2d = logits.reshape(-1, classes)
    if target.dtype.kind in "iu":
        if target.shape != logits.shape[:-1]:
            raise ShapeError(f"{name}: class-index target of shape {target.shape} does not fit input {logits.shape}; "
                             f"expected shape {logits.shape[:-1]}")
        flat = target.reshape(-1)
        kept = flat != ignore_index
        bad = kept & ((flat < 0) | (flat >= classes))
        if bad.any():
            raise IndexError(f"{name}: class indices must lie in [0, {classes - 1}] (or be ignore_index="
                             f"{ignore_index}), got {flat[bad][0]}")
        coef = np.zeros(rows_2d.shape, dtype)
        rows = np.flatnonzero(kept)
        coef[rows, flat[rows]] = (1 - smoothing) * w[flat[rows]]
        coef[rows] += smoothing / classes * w
        denominator = w[flat[rows]].sum()
    else:
        if ignore_index != -100:
            raise ValueError(f"{name}: ignore_index is for class-index targets; with class probabilities set "
                             "the ignored rows' probabilities to 0 instead")
        if name != "cross_entropy":
            raise TypeError(f"{name}: target must hold integer class indices, got {target.dtype}")
        if target.shape != logits.shape:
            raise ShapeError(f"{name}: probability target of shape {target.shape} must match input {logits.shape} "
                             "(for class indices use an integer array)")
        coef = ((1 - smoothing) * target.reshape(rows_2d.shape) + smoothing / classes) * w
        denominator = rows_2d.shape[0]
    coef = coef.reshape(logits.shape)
    per_row = -(log_p * coef).sum(axis=-1)
    if reduction == "none":
        return per_row
    total = per_row.sum()
    if reduction == "sum":
        return total
    with np.errstate(invalid="ignore", divide="ignore"):  # every row ignored: nan, as PyTorch
        return total * (1 / dtype.type(denominator)) if denominator else total * dtype.type(np.nan)


class NLLLoss(Function):
    """-logp_y for log-probabilities ``logp``;  d/dlogp = -onehot(y)."""

    torch_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx: Context, logp: np.ndarray, target: np.ndarray, reduction: Reduction, positions: Any) -> np.ndarray:
        ctx.reduction = reduction
        ctx.onehot = _one_hot(target, positions, logp)
        return _reduce(-(ctx.onehot * logp).sum(axis=-1), reduction)

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        logp = _data(ctx.inputs[0])
        return -ctx.onehot * _per_row(grad, logp.size // logp.shape[-1], ctx.reduction), None


def nll_loss(
    input: Any,
    target: Any,
    weight: Any = None,
    size_average: None = None,
    ignore_index: int = -100,
    reduce: None = None,
    reduction: Reduction = "mean",
) -> Any:
    """Negative log-likelihood of class indices given log-probabilities (use after ``log_softmax``).

    ``weight`` and ``ignore_index`` as in :func:`cross_entropy` (and
    ``torch.nn.functional.nll_loss``): ``'mean'`` is the weighted mean over
    the rows that are not ignored.
    """
    _refuse_legacy(size_average, reduce, "nll_loss")
    _check_reduction(reduction)
    target = np.asarray(_data(target))
    if not np.issubdtype(target.dtype, np.integer):
        raise TypeError(f"nll_loss: target must hold integer class indices, got {target.dtype}")
    if weight is not None or (target == ignore_index).any():
        return _weighted_nll(input, target, weight, ignore_index, reduction, 0.0, "nll_loss")
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
        correct = input.reshape(-1)[positions].reshape(-1, 1)
        margins = relu(margin - correct + input) * (1 - _one_hot(target, positions, scores))
        return _reduce(margins.sum(axis=-1) / scores.shape[-1], reduction)
    _same_shape(input, target, "hinge")
    if not np.isin(target, (-1, 1)).all():
        raise ValueError("hinge: binary targets must be -1 or +1 (map 0/1 labels with 2*y - 1)")
    return _reduce(relu(margin - input * target.astype(scores.dtype)), reduction)


class PReLU(Function):
    """max(0, x) + a min(0, x) with a learned slope ``a``;  d/dx = 1 or a,  d/da = min(0, x)."""

    torch_name = "PreluKernelBackward0"

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
    tensor([[-0.5,  3. ]])
    """
    ndim = np.ndim(_data(input))
    if np.size(_data(weight)) > 1 and ndim > 2:  # (N, C, ...): slopes along axis 1
        weight = weight.reshape((-1,) + (1,) * (ndim - 2))
    return PReLU.apply(input, weight)


from ..autograd.creation import default_rng  # a function: it returns the generator manual_seed set


class Dropout(Function):
    """x * mask with a fixed random mask;  d/dx = mask."""

    torch_name = "NativeDropoutBackward0"

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return x * mask

    @staticmethod
    def backward(ctx: Context, grad: Any) -> tuple:
        return grad * ctx.inputs[1], None


def dropout(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Any:
    """Inverted dropout: zero each element with probability ``p``, scale the rest by ``1 / (1 - p)``.

    The identity when ``training`` is False or ``p == 0``.  The mask comes
    from coursekit's shared generator (``ck.manual_seed``).  See
    :class:`coursekit.nn.Dropout`.  ``inplace=True`` overwrites ``input``, as PyTorch.

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
    if inplace:
        return _in_place(input, lambda x: dropout(x, p, training), "dropout")
    data = _data(input)
    dtype = data.dtype if np.issubdtype(data.dtype, np.floating) else np.float64
    if p == 1:
        mask = np.zeros(np.shape(data), dtype=dtype)
    else:
        keep = default_rng().random(np.shape(data)) >= p
        mask = np.multiply(keep, 1.0 / (1.0 - p), dtype=dtype)
    return Dropout.apply(input, mask)
