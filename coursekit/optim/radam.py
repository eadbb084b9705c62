"""RAdam: Adam that takes plain momentum steps until its variance estimate can be trusted."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .adam import apply_weight_decay, check_betas
from .optimizer import Optimizer, ParamGroup, Params, check_non_negative, lerp_


class RAdam(Optimizer):
    r"""Rectified Adam (Liu et al. 2020), as ``torch.optim.RAdam``.

    For each parameter ``theta`` with gradient ``g`` at step ``t = 1, 2, ...``
    (``lr`` the learning rate, ``(beta1, beta2)`` the betas, ``lambda`` the
    weight decay; ``m`` and ``v`` start at zero)::

        g <- -g                                   if maximize
        theta <- theta (1 - lr lambda)            if decoupled_weight_decay
        g <- g + lambda theta                     otherwise, if lambda != 0
        m <- beta1 m + (1 - beta1) g
        v <- beta2 v + (1 - beta2) g * g
        m_hat <- m / (1 - beta1^t)
        rho_inf <- 2 / (1 - beta2) - 1
        rho_t <- rho_inf - 2 t beta2^t / (1 - beta2^t)
        if rho_t > 5:
            r <- sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
            theta <- theta - lr m_hat r sqrt(1 - beta2^t) / (sqrt(v) + eps)
        else:
            theta <- theta - lr m_hat

    In its first steps Adam divides by a ``v`` averaged over a handful of
    gradients, whose spread is large, so the steps are erratic; that is why
    Adam is often "warmed up" with a small learning rate.  ``rho_t`` is the
    length of the average; while it is 5 or less (the first 5 steps with
    ``beta2 = 0.999``) RAdam takes momentum steps without dividing by ``v``,
    then multiplies Adam's step by ``r``, which grows from near 0 towards 1.

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
        ``lambda``.  Added to the gradient (L2 penalty), or, with
        ``decoupled_weight_decay``, applied to the weights directly.
    decoupled_weight_decay : bool
        Shrink the weights by ``lr lambda`` as AdamW does.
    maximize : bool
        Climb the objective instead of descending.

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit.optim import RAdam
    >>> x = ck.Tensor([1.0], requires_grad=True)
    >>> opt = RAdam([x], lr=0.1)
    >>> (x * x).sum().backward()           # rho_1 = 1 <= 5: a momentum step lr * m_hat = 0.1 * 2
    >>> _ = opt.step()
    >>> x.data
    tensor([0.8])
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
            decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check(self, options: dict[str, Any]) -> None:
        check_non_negative(options)
        check_betas(options["betas"])

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup) -> None:
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(param), exp_avg_sq=np.zeros_like(param))
        state["step"] += 1
        step = state["step"]
        lr, (beta1, beta2) = group["lr"], group["betas"]
        grad = apply_weight_decay(param, grad, group)
        lerp_(state["exp_avg"], grad, 1 - beta1)
        exp_avg_sq = state["exp_avg_sq"]
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        bias_correction2 = 1 - beta2**step
        m_hat = state["exp_avg"] / (1 - beta1**step)
        rho_t, rho_inf = sma_length(beta2, step)
        if rho_t > 5.0:
            # Multiplied in torch's order, so that the results agree to the last digits.
            adaptive_lr = bias_correction2**0.5 / (np.sqrt(exp_avg_sq) + group["eps"])
            param -= m_hat * lr * adaptive_lr * rectification(rho_t, rho_inf)
        else:
            param -= m_hat * lr


def sma_length(beta2: float, step: int) -> tuple[float, float]:
    """``(rho_t, rho_inf)``: the length of the simple moving average that ``v`` approximates.

    Examples
    --------
    >>> [round(sma_length(0.999, t)[0], 3) for t in (1, 5, 6)]
    [1.0, 4.996, 5.994]
    """
    rho_inf = 2 / (1 - beta2) - 1
    return rho_inf - 2 * step * beta2**step / (1 - beta2**step), rho_inf


def rectification(rho_t: float, rho_inf: float) -> float:
    """RAdam's variance rectification ``r`` (needs ``rho_t > 4``); it tends to 1 as ``rho_t -> rho_inf``.

    Examples
    --------
    >>> round(rectification(*sma_length(0.999, 6)), 4)      # the first rectified step is small
    0.0258
    """
    return math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
