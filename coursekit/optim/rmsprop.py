"""RMSprop: divide the step by a moving average of the gradient's magnitude."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamGroup, Params, check_beta, check_non_negative, lerp_


class RMSprop(Optimizer):
    r"""RMSprop (Hinton's lecture 6e, 2012), as ``torch.optim.RMSprop``.

    For each parameter ``theta`` with gradient ``g`` (``lr`` the learning
    rate, ``alpha`` the smoothing constant, ``mu`` the momentum, ``lambda`` the
    weight decay; ``v``, ``g_avg`` and ``b`` start at zero)::

        g <- -g                                  if maximize
        g <- g + lambda theta                    if lambda != 0
        v <- alpha v + (1 - alpha) g * g
        if centered:
            g_avg <- alpha g_avg + (1 - alpha) g
            d <- sqrt(v - g_avg * g_avg) + eps   (an estimate of the standard deviation)
        else:
            d <- sqrt(v) + eps
        if mu > 0:
            b <- mu b + g / d
            theta <- theta - lr b
        else:
            theta <- theta - lr g / d

    Unlike Adagrad's running sum, the moving average ``v`` forgets old
    gradients, so the rate does not shrink for ever.  There is no bias
    correction: ``v`` starts at zero and the first steps are large
    (``g / sqrt(1 - alpha) |g|``, 10 times the rate for ``alpha = 0.99``).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters or parameter groups (see :class:`Optimizer`).
    lr : float
        Learning rate.
    alpha : float
        Smoothing constant of the moving average ``v``.
    eps : float
        Added to the denominator so nothing is divided by zero.
    weight_decay : float
        ``lambda``: adds ``lambda theta`` to the gradient.
    momentum : float
        ``mu``: momentum on the normalized step.
    centered : bool
        Divide by an estimate of the gradient's standard deviation rather
        than of its root mean square.
    maximize : bool
        Climb the objective instead of descending.

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit.optim import RMSprop
    >>> x = ck.Tensor([1.0], requires_grad=True)
    >>> opt = RMSprop([x], lr=0.01, alpha=0.75)
    >>> (x * x).sum().backward()          # g = 2, v = 0.25 * 4 = 1
    >>> _ = opt.step()
    >>> x.data                            # 1 - 0.01 * 2 / (1 + 1e-8)
    tensor([0.98])
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
            centered=centered, maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check(self, options: dict[str, Any]) -> None:
        check_non_negative(options)
        check_beta(options["alpha"], "alpha value", upper_inclusive=True)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup) -> None:
        if not state:
            _init_state(state, param, group)
        state["step"] += 1
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        alpha = group["alpha"]
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        avg = _denominator(state, grad, alpha, group["centered"]) + group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += grad / avg
            param += -group["lr"] * buf
        else:
            param += (-group["lr"] * grad) / avg


def _init_state(state: dict[str, Any], param: np.ndarray, group: ParamGroup) -> None:
    state["step"] = 0
    state["square_avg"] = np.zeros_like(param)
    if group["momentum"] > 0:
        state["momentum_buffer"] = np.zeros_like(param)
    if group["centered"]:
        state["grad_avg"] = np.zeros_like(param)


def _denominator(state: dict[str, Any], grad: np.ndarray, alpha: float, centered: bool) -> np.ndarray:
    """``sqrt(v)``, or ``sqrt(v - g_avg^2)`` after updating ``g_avg`` if centered."""
    if not centered:
        return np.sqrt(state["square_avg"])
    grad_avg = state["grad_avg"]
    lerp_(grad_avg, grad, 1 - alpha)
    return np.sqrt(state["square_avg"] - grad_avg * grad_avg)
