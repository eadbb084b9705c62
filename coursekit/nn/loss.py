"""Loss modules, thin wrappers over :mod:`coursekit.nn.functional` (``torch.nn``'s names).

Which loss goes with which output (maximum likelihood):

=====================  ===========================  =========================
target                 model output                 loss
=====================  ===========================  =========================
real numbers           linear unit(s)               ``MSELoss`` (Gaussian)
0/1                    one logit per label          ``BCEWithLogitsLoss``
0/1                    one probability per label    ``BCELoss``
one of C classes       C logits                     ``CrossEntropyLoss``
one of C classes       C log-probabilities          ``NLLLoss``
-1/+1 or class index   scores                       ``HingeLoss``
=====================  ===========================  =========================

Every loss takes ``reduction='mean'`` (average over examples), ``'sum'`` or
``'none'`` (one loss per example), and the options of its PyTorch namesake
(``weight=``, ``ignore_index=``, ``label_smoothing=``, ``pos_weight=``,
``delta=``, ``beta=``), in PyTorch's order.  PyTorch's deprecated
``size_average=`` and ``reduce=`` are refused with a pointer to ``reduction``.
"""

from __future__ import annotations

from typing import Any

from . import functional as F
from .module import Module

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "HingeLoss", "HuberLoss", "L1Loss", "MSELoss", "NLLLoss",
    "SmoothL1Loss",
]

_REDUCTIONS = ("mean", "sum", "none")


class _Loss(Module):
    def __init__(self, size_average: None = None, reduce: None = None, reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            raise TypeError(
                f"{type(self).__name__}: size_average= and reduce= are PyTorch's deprecated options (also deprecated "
                "there); use reduction='mean', 'sum' or 'none'"
            )
        if reduction not in _REDUCTIONS:
            raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """Squared error ``(input - target)^2``; shapes must match.

    Examples
    --------
    >>> import coursekit as ck
    >>> MSELoss()(ck.tensor([1.0, 2.0]), ck.tensor([1.0, 4.0])).item()
    2.0
    """

    def forward(self, input: Any, target: Any) -> Any:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Absolute error ``|input - target|``; shapes must match."""

    def forward(self, input: Any, target: Any) -> Any:
        return F.l1_loss(input, target, reduction=self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities (after a ``Sigmoid``) and targets in [0, 1].

    ``BCEWithLogitsLoss`` on the logits is the stable choice; this one, as in
    PyTorch, clamps each log at -100 where a probability reaches 0 or 1.

    Examples
    --------
    >>> import coursekit as ck
    >>> round(BCELoss()(ck.tensor([0.5, 0.5]), ck.tensor([0.0, 1.0])).item(), 6)    # log 2
    0.693147
    """

    def __init__(self, weight: Any = None, size_average: None = None, reduce: None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.weight = weight

    def forward(self, input: Any, target: Any) -> Any:
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of 0/1 targets given logits (the sigmoid is built in, overflow-free).

    ``pos_weight`` (one number per class) weighs the positive examples'
    term, ``weight`` each element's loss, as in PyTorch.

    Examples
    --------
    >>> import coursekit as ck
    >>> loss = BCEWithLogitsLoss(pos_weight=ck.tensor([3.0]))
    >>> round(loss(ck.tensor([0.0]), ck.tensor([1.0])).item(), 6)     # 3 log 2
    2.079442
    """

    def __init__(self, weight: Any = None, size_average: None = None, reduce: None = None,
                 reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.weight = weight
        self.pos_weight = pos_weight

    def forward(self, input: Any, target: Any) -> Any:
        return F.binary_cross_entropy_with_logits(
            input, target, weight=self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy of logits ``(N, C)`` and integer class indices ``(N,)`` (or class probabilities).

    ``weight`` (per class), ``ignore_index`` and ``label_smoothing`` as in
    PyTorch; see :func:`coursekit.nn.functional.cross_entropy`.

    Examples
    --------
    >>> import coursekit as ck
    >>> loss = CrossEntropyLoss()(ck.tensor([[0.0, 0.0]]), [1])
    >>> round(loss.item(), 6)     # log 2
    0.693147
    """

    def __init__(self, weight: Any = None, size_average: None = None, ignore_index: int = -100,
                 reduce: None = None, reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.weight = weight
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Any, target: Any) -> Any:
        return F.cross_entropy(input, target, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood of class indices given log-probabilities (after ``LogSoftmax``); ``weight``, ``ignore_index`` as in PyTorch."""

    def __init__(self, weight: Any = None, size_average: None = None, ignore_index: int = -100,
                 reduce: None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.weight = weight
        self.ignore_index = ignore_index

    def forward(self, input: Any, target: Any) -> Any:
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class HuberLoss(_Loss):
    """Huber's loss: ``d^2 / 2`` for ``|d| < delta``, ``delta (|d| - delta / 2)`` beyond (``torch.nn.HuberLoss``).

    Examples
    --------
    >>> import coursekit as ck
    >>> HuberLoss(delta=1.0)(ck.tensor([0.5, 3.0]), ck.tensor([0.0, 0.0])).item()    # (0.125 + 2.5) / 2
    1.3125
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        if delta <= 0:
            raise ValueError(f"HuberLoss: delta must be positive, got {delta}")
        self.delta = delta

    def forward(self, input: Any, target: Any) -> Any:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class SmoothL1Loss(_Loss):
    """``d^2 / (2 beta)`` for ``|d| < beta``, ``|d| - beta / 2`` beyond: Huber's loss over beta (``torch.nn.SmoothL1Loss``)."""

    def __init__(self, size_average: None = None, reduce: None = None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        if beta < 0:
            raise ValueError(f"SmoothL1Loss: beta must be >= 0, got {beta}")
        self.beta = beta

    def forward(self, input: Any, target: Any) -> Any:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HingeLoss(_Loss):
    """Hinge loss ``max(0, margin - y s)`` for labels -1/+1, or the multi-class form for class indices.

    The multi-class form is ``torch.nn.MultiMarginLoss``; see
    :func:`coursekit.nn.functional.hinge`.
    """

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction=reduction)
        self.margin = margin

    def forward(self, input: Any, target: Any) -> Any:
        return F.hinge(input, target, margin=self.margin, reduction=self.reduction)

    def extra_repr(self) -> str:
        extra = super().extra_repr()
        return f"margin={self.margin}" + (f", {extra}" if extra else "")
