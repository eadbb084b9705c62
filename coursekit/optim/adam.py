"""Adam and AdamW: momentum plus a per-coordinate scale, both bias-corrected."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamGroup, Params, check_beta, check_non_negative, lerp_


class Adam(Optimizer):
    r"""Adam (Kingma and Ba 2015), with the AMSGrad variant, as ``torch.optim.Adam``.

    For each parameter ``theta`` with gradient ``g`` at step ``t = 1, 2, ...``
    (``lr`` the learning rate, ``(beta1, beta2)`` the betas, ``lambda`` the
    weight decay; ``m``, ``v`` and ``v_max`` start at zero)::

        g <- -g                                   if maximize
        theta <- theta (1 - lr lambda)            if decoupled_weight_decay (AdamW)
        g <- g + lambda theta                     otherwise, if lambda != 0
        m <- beta1 m + (1 - beta1) g
        v <- beta2 v + (1 - beta2) g * g
        m_hat <- m / (1 - beta1^t)
        v_max <- max(v_max, v)  and use v_max for v below     if amsgrad
        v_hat <- v / (1 - beta2^t)
        theta <- theta - lr m_hat / (sqrt(v_hat) + eps)

    The course calls ``beta1`` beta, ``beta2`` gamma and ``lr`` alpha.  Because
    ``m_hat / sqrt(v_hat)`` is about +-1 per coordinate (``m = (3, -2, 5)``,
    ``v = (9, 4, 25)`` give ``(1, -1, 1)``), each coordinate moves by about
    ``lr`` whatever the scale of its gradient.

    PyTorch computes the last line as ``theta - (lr / (1 - beta1^t)) * m /
    (sqrt(v) / sqrt(1 - beta2^t) + eps)``; so does this class, to agree to the
    last digits.

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
    amsgrad : bool
        Divide by the largest ``v`` seen so far (Reddi et al. 2018).
    maximize : bool
        Climb the objective instead of descending.
    decoupled_weight_decay : bool
        Shrink the weights by ``lr lambda`` instead of adding ``lambda theta``
        to the gradient: :class:`AdamW`.

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit.optim import Adam
    >>> x = ck.Tensor([1.0, -1.0], requires_grad=True)
    >>> opt = Adam([x], lr=0.1)
    >>> (x * x * x).sum().backward()       # the first step is lr * sign(g)
    >>> _ = opt.step()
    >>> x.data
    tensor([ 0.9, -1.1])
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
            maximize=maximize, decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _check(self, options: dict[str, Any]) -> None:
        check_non_negative(options)
        check_betas(options["betas"])

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup) -> None:
        if not state:
            _init_state(state, param, group["amsgrad"])
        state["step"] += 1
        step = state["step"]
        lr, (beta1, beta2) = group["lr"], group["betas"]
        grad = apply_weight_decay(param, grad, group)
        lerp_(state["exp_avg"], grad, 1 - beta1)
        exp_avg_sq = state["exp_avg_sq"]
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        step_size = lr / (1 - beta1**step)
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
            exp_avg_sq = state["max_exp_avg_sq"]
        denom = np.sqrt(exp_avg_sq) / bias_correction2_sqrt + group["eps"]
        param += (-step_size * state["exp_avg"]) / denom


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov and Hutter 2019), as ``torch.optim.AdamW``.

    The same update as :class:`Adam`, except that weight decay shrinks the
    weights directly instead of entering the gradient::

        theta <- theta (1 - lr lambda)
        (then the Adam step, with g not containing lambda theta)

    With Adam's L2 penalty the decay term is divided by ``sqrt(v_hat)`` like
    the rest of the gradient, so weights with large gradients are barely
    decayed; AdamW decays every weight at the same relative rate.

    Parameters
    ----------
    params, lr, betas, eps, amsgrad, maximize
        As for :class:`Adam`.
    weight_decay : float
        ``lambda``; note the default 1e-2 (Adam's is 0).

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit.optim import AdamW
    >>> x = ck.Tensor([1.0], requires_grad=True)
    >>> opt = AdamW([x], lr=0.1, weight_decay=0.5)
    >>> x.grad = ck.zeros(1)               # no gradient: only the decay acts
    >>> _ = opt.step()
    >>> x.data                             # 1 * (1 - 0.1 * 0.5)
    tensor([0.95])
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, decoupled_weight_decay=True
        )


def check_betas(betas: tuple[float, float]) -> None:
    """Raise ``ValueError`` unless both betas are in ``[0, 1)``."""
    for i, beta in enumerate(betas):
        check_beta(beta, f"beta parameter at index {i}")


def _init_state(state: dict[str, Any], param: np.ndarray, amsgrad: bool) -> None:
    state["step"] = 0
    state["exp_avg"] = np.zeros_like(param)
    state["exp_avg_sq"] = np.zeros_like(param)
    if amsgrad:
        state["max_exp_avg_sq"] = np.zeros_like(param)


def apply_weight_decay(param: np.ndarray, grad: np.ndarray, group: ParamGroup) -> np.ndarray:
    """Apply ``maximize`` and weight decay; shrink ``param`` in place if decoupled."""
    if group["maximize"]:
        grad = -grad
    weight_decay = group["weight_decay"]
    if weight_decay != 0:
        if group.get("decoupled_weight_decay"):  # AdamW, RAdam's option; the others add it to g
            param *= 1 - group["lr"] * weight_decay
        else:
            grad = grad + weight_decay * param
    return grad
