"""Adamax: Adam with the infinity norm in place of the root mean square."""

from __future__ import annotations

from typing import Any

import numpy as np

from .adam import apply_weight_decay, check_betas
from .optimizer import Optimizer, ParamGroup, Params, check_non_negative, lerp_


class Adamax(Optimizer):
    r"""Adamax (Kingma and Ba 2015, section 7.1), as ``torch.optim.Adamax``.

    For each parameter ``theta`` with gradient ``g`` at step ``t = 1, 2, ...``
    (``lr`` the learning rate, ``(beta1, beta2)`` the betas, ``lambda`` the
    weight decay; ``m`` and ``u`` start at zero)::

        g <- -g                                   if maximize
        g <- g + lambda theta                     if lambda != 0
        m <- beta1 m + (1 - beta1) g
        u <- max(beta2 u, |g| + eps)
        theta <- theta - lr / (1 - beta1^t) * m / u

    Adam divides by the root of a moving average of ``g * g`` (an L2 norm of
    past gradients); Adamax lets the exponent go to infinity, which turns the
    average into a decaying maximum of ``|g|``.  ``u`` needs no bias
    correction, and one huge gradient shrinks the steps only until it has
    decayed away by ``beta2^k``.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters or parameter groups (see :class:`Optimizer`).
    lr : float
        Learning rate (note the default 2e-3, twice Adam's).
    betas : (float, float)
        Decay rates of the moving average of ``g`` and of the maximum ``u``.
    eps : float
        Added to ``|g|`` so that ``u`` is never zero.
    weight_decay : float
        ``lambda``: adds ``lambda theta`` to the gradient.
    maximize : bool
        Climb the objective instead of descending.

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit.optim import Adamax
    >>> x = ck.Tensor([1.0, -1.0], requires_grad=True)
    >>> opt = Adamax([x], lr=0.1)
    >>> (x * x * x).sum().backward()      # g = 3: m_hat = 3, u = 3 + eps, so the step is lr
    >>> _ = opt.step()
    >>> x.data.round(6)
    tensor([ 0.9, -1.1])
    """

    def __init__(
        self,
        params: Params,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check(self, options: dict[str, Any]) -> None:
        check_non_negative(options)
        check_betas(options["betas"])

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup) -> None:
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(param), exp_inf=np.zeros_like(param))
        state["step"] += 1
        beta1, beta2 = group["betas"]
        grad = apply_weight_decay(param, grad, group)
        lerp_(state["exp_avg"], grad, 1 - beta1)
        exp_inf = state["exp_inf"]
        exp_inf *= beta2
        np.maximum(exp_inf, np.abs(grad) + group["eps"], out=exp_inf)
        clr = group["lr"] / (1 - beta1 ** state["step"])
        param += (-clr * state["exp_avg"]) / exp_inf
