"""Adadelta: RMSprop whose step size is itself a moving average of past steps."""

from __future__ import annotations

from typing import Any

import numpy as np

from .adam import apply_weight_decay
from .optimizer import Optimizer, ParamGroup, Params, check_beta, check_non_negative


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler 2012), as ``torch.optim.Adadelta``.

    For each parameter ``theta`` with gradient ``g`` (``lr`` the learning
    rate, ``rho`` the decay rate, ``lambda`` the weight decay; ``v`` and ``u``
    start at zero)::

        g <- -g                                      if maximize
        g <- g + lambda theta                        if lambda != 0
        v <- rho v + (1 - rho) g * g
        delta <- sqrt(u + eps) / sqrt(v + eps) * g
        u <- rho u + (1 - rho) delta * delta
        theta <- theta - lr delta

    ``v`` is RMSprop's moving average of squared gradients; ``u`` the same for
    squared steps.  The ratio ``sqrt(u) / sqrt(v)`` has the units of
    ``theta`` over those of ``g``, so the step has the units of ``theta`` and
    Zeiler's method needs no learning rate (``lr = 1``, the default).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters or parameter groups (see :class:`Optimizer`).
    lr : float
        Multiplies ``delta``.
    rho : float
        Decay rate of both moving averages.
    eps : float
        Keeps the square roots away from zero (and sets the size of the first steps).
    weight_decay : float
        ``lambda``: adds ``lambda theta`` to the gradient.
    maximize : bool
        Climb the objective instead of descending.

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit.optim import Adadelta
    >>> x = ck.Tensor([1.0], requires_grad=True)
    >>> opt = Adadelta([x], rho=0.75, eps=1e-4)
    >>> (x * x).sum().backward()         # g = 2, v = 1, delta = sqrt(1e-4) / sqrt(1 + 1e-4) * 2
    >>> _ = opt.step()
    >>> x.data.round(6)
    tensor([0.980001])
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _check(self, options: dict[str, Any]) -> None:
        check_non_negative(options)
        check_beta(options["rho"], "rho value", upper_inclusive=True)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup) -> None:
        if not state:
            state.update(step=0, square_avg=np.zeros_like(param), acc_delta=np.zeros_like(param))
        state["step"] += 1
        grad = apply_weight_decay(param, grad, group)
        rho, eps = group["rho"], group["eps"]
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg *= rho
        square_avg += (1 - rho) * grad * grad
        delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * grad
        acc_delta *= rho
        acc_delta += (1 - rho) * delta * delta
        param += -group["lr"] * delta
