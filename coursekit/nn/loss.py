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
``'none'`` (one loss per example).
"""

from __future__ import annotations

from typing import Any

from . import functional as F
from .module import Module

__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "HingeLoss", "L1Loss", "MSELoss", "NLLLoss"]

_REDUCTIONS = ("mean", "sum", "none")


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
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

    def forward(self, input: Any, target: Any) -> Any:
        return F.binary_cross_entropy(input, target, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of 0/1 targets given logits (the sigmoid is built in, overflow-free)."""

    def forward(self, input: Any, target: Any) -> Any:
        return F.binary_cross_entropy_with_logits(input, target, reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy of logits ``(N, C)`` and integer class indices ``(N,)`` (or class probabilities).

    Examples
    --------
    >>> import coursekit as ck
    >>> loss = CrossEntropyLoss()(ck.tensor([[0.0, 0.0]]), [1])
    >>> round(loss.item(), 6)     # log 2
    0.693147
    """

    def forward(self, input: Any, target: Any) -> Any:
        return F.cross_entropy(input, target, reduction=self.reduction)


class NLLLoss(_Loss):
    """Negative log-likelihood of class indices given log-probabilities (after ``LogSoftmax``)."""

    def forward(self, input: Any, target: Any) -> Any:
        return F.nll_loss(input, target, reduction=self.reduction)


class HingeLoss(_Loss):
    """Hinge loss ``max(0, margin - y s)`` for labels -1/+1, or the multi-class form for class indices.

    The multi-class form is ``torch.nn.MultiMarginLoss``; see
    :func:`coursekit.nn.functional.hinge`.
    """

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input: Any, target: Any) -> Any:
        return F.hinge(input, target, margin=self.margin, reduction=self.reduction)

    def extra_repr(self) -> str:
        extra = super().extra_repr()
        return f"margin={self.margin}" + (f", {extra}" if extra else "")
