"""NAdam: Adam with Nesterov momentum (look one momentum step ahead)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .adam import apply_weight_decay, check_betas
from .optimizer import Optimizer, ParamGroup, Params, check_non_negative, lerp_


class NAdam(Optimizer):
    r"""NAdam (Dozat 2016), with PyTorch's momentum schedule, as ``torch.optim.NAdam``.

    For each parameter ``theta`` with gradient ``g`` at step ``t = 1, 2, ...``
    (``lr`` the learning rate, ``(beta1, beta2)`` the betas, ``psi`` the
    momentum decay, ``lambda`` the weight decay; ``m`` and ``v`` start at
    zero, the product ``P`` at one)::

        g <- -g                                       if maximize
        theta <- theta (1 - lr lambda)                if decoupled_weight_decay
        g <- g + lambda theta                         otherwise, if lambda != 0
        mu_t     <- beta1 (1 - 0.5 * 0.96^(t psi))
        mu_{t+1} <- beta1 (1 - 0.5 * 0.96^((t + 1) psi))
        P <- P mu_t                                   (P = mu_1 mu_2 ... mu_t)
        m <- beta1 m + (1 - beta1) g
        v <- beta2 v + (1 - beta2) g * g
        d <- sqrt(v / (1 - beta2^t)) + eps
        theta <- theta - lr (1 - mu_t) / (1 - P) * g / d
                       - lr mu_{t+1} / (1 - P mu_{t+1}) * m / d

    Adam steps along the bias-corrected ``m``; NAdam steps along a mix of the
    current gradient and the momentum *one step ahead* (weight ``mu_{t+1}``),
    which is Nesterov's look-ahead.  ``mu_t`` warms up from ``beta1 / 2``
    towards ``beta1`` as ``t`` grows.

    Unlike PyTorch, which keeps ``P`` in a tensor of the default dtype
    (float32 unless ``torch.set_default_dtype(torch.float64)``), this class
    keeps ``P`` as a Python float (float64).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters or parameter groups (see :class:`Optimizer`).
    lr : float
        Learning rate.
    betas : (float, float)
        Decay rates of the moving averages of ``g`` and ``g * g``.
    eps : float
        Added to the denominator so nothing is divided by zero.
    weight_decay : float
        ``lambda``.
    momentum_decay : float
        ``psi``: how fast ``mu_t`` approaches ``beta1``.
    decoupled_weight_decay : bool
        Shrink the weights directly, as AdamW does (NAdamW).
    maximize : bool
        Climb the objective instead of descending.

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit.optim import NAdam
    >>> x = ck.Tensor([1.0], requires_grad=True)
    >>> opt = NAdam([x], lr=0.1)
    >>> (x * x).sum().backward()
    >>> _ = opt.step()
    >>> x.data.round(6)      # first step: lr (1 + (1 - beta1) mu_2 / (1 - mu_1 mu_2)) sign(g)
    tensor([0.894355])
    """

    def __init__(
        self,
        params: Params,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check(self, options: dict[str, Any]) -> None:
        check_non_negative(options)
        check_betas(options["betas"])

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup) -> None:
        if not state:
            zeros = np.zeros_like
            state.update(step=0, mu_product=1.0, exp_avg=zeros(param), exp_avg_sq=zeros(param))
        state["step"] += 1
        step = state["step"]
        lr, (beta1, beta2) = group["lr"], group["betas"]
        bias_correction2 = 1 - beta2**step
        grad = apply_weight_decay(param, grad, group)
        mu = momentum_coefficient(beta1, step, group["momentum_decay"])
        mu_next = momentum_coefficient(beta1, step + 1, group["momentum_decay"])
        state["mu_product"] *= mu
        mu_product_next = state["mu_product"] * mu_next
        lerp_(state["exp_avg"], grad, 1 - beta1)
        exp_avg_sq = state["exp_avg_sq"]
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        denom = np.sqrt(exp_avg_sq / bias_correction2) + group["eps"]
        param += (-lr * (1.0 - mu) / (1.0 - state["mu_product"]) * grad) / denom
        param += ((-lr * mu_next) / (1.0 - mu_product_next) * state["exp_avg"]) / denom


def momentum_coefficient(beta1: float, step: int, momentum_decay: float) -> float:
    """NAdam's ``mu_t = beta1 (1 - 0.5 * 0.96^(t psi))``.

    Examples
    --------
    >>> round(momentum_coefficient(0.9, 1, 4e-3), 6)
    0.450073
    """
    return beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))

