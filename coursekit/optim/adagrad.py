"""Adagrad: a per-coordinate learning rate that shrinks with the sum of squared gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamGroup, Params


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan and Singer 2011), as ``torch.optim.Adagrad``.

    For each parameter ``theta`` with gradient ``g`` at step ``t = 1, 2, ...``
    (``lr`` the learning rate, ``eta`` the lr decay, ``lambda`` the weight
    decay, ``r`` the running sum, started at ``initial_accumulator_value``)::

        g <- -g                           if maximize
        g <- g + lambda theta             if lambda != 0
        lr_t <- lr / (1 + (t - 1) eta)
        r <- r + g * g
        theta <- theta - lr_t g / (sqrt(r) + eps)

    This is the course's ``r <- r + g*g; theta <- theta - eps / (delta + sqrt(r)) * g``
    with ``eps = lr`` and ``delta = eps``.  Coordinates with steep slopes get
    their rate cut fastest; since ``r`` only grows, the rate can become too
    small before training is done.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters or parameter groups (see :class:`Optimizer`).
    lr : float
        Learning rate.
    lr_decay : float
        ``eta``: the rate is divided by ``1 + (t - 1) eta``.
    weight_decay : float
        ``lambda``: adds ``lambda theta`` to the gradient.
    initial_accumulator_value : float
        Starting value of every entry of ``r``.
    eps : float
        Added to ``sqrt(r)`` so nothing is divided by zero.
    maximize : bool
        Climb the objective instead of descending.

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit.optim import Adagrad
    >>> x = ck.Tensor([1.0, -3.0], requires_grad=True)
    >>> opt = Adagrad([x], lr=0.1)
    >>> (x * x).sum().backward()
    >>> _ = opt.step()                    # first step: g / sqrt(g*g) = sign(g)
    >>> x.data
    tensor([ 0.9, -2.9])
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value, eps=eps, maximize=maximize,
        )
        super().__init__(params, defaults)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup) -> None:
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(param, group["initial_accumulator_value"])
        state["step"] += 1
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += grad * grad
        std = np.sqrt(state["sum"]) + group["eps"]
        param += (-clr * grad) / std
