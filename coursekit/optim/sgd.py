"""Stochastic gradient descent, with (heavy-ball or Nesterov) momentum and weight decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from .optimizer import Optimizer, ParamGroup, Params, check_non_negative


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum (``torch.optim.SGD``).

    For each parameter ``theta`` with gradient ``g`` at step ``t = 1, 2, ...``
    (``lr`` the learning rate, ``mu`` the momentum, ``tau`` the dampening,
    ``lambda`` the weight decay)::

        g <- -g                           if maximize
        g <- g + lambda theta             if lambda != 0
        if mu != 0:
            b <- g                        at t = 1
            b <- mu b + (1 - tau) g       at t > 1
            g <- g + mu b                 if nesterov
            g <- b                        otherwise
        theta <- theta - lr g

    The course writes heavy-ball momentum as ``v <- gamma v - eps g;
    theta <- theta + v``.  That is the same trajectory: put ``v = -lr b``,
    ``gamma = mu`` and ``eps = lr`` (and ``tau = 0``).  Multiply
    ``b <- mu b + g`` by ``-lr`` to get ``v <- mu v - lr g``, and
    ``theta <- theta - lr b`` is ``theta <- theta + v``.  Both start from zero
    velocity, so the first step is ``-lr g`` in both.  (With a learning rate
    that changes between steps they differ: PyTorch's form rescales the whole
    buffer by the new rate, the course's form only the new gradient.)  With
    ``nesterov=True`` the parameters are the course's look-ahead points
    ``theta + gamma v``, where Nesterov's gradient is taken.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters or parameter groups (see :class:`Optimizer`).
    lr : float
        Learning rate ``lr`` (the course's ``eps`` or ``tau``).
    momentum : float
        ``mu``; 0.9 is typical.  0 turns momentum off (no buffer is kept).
    dampening : float
        ``tau``: the new gradient enters the buffer with weight ``1 - tau``.
    weight_decay : float
        ``lambda``: adds ``lambda theta`` to the gradient (L2 regularization
        ``lambda / 2 * ||theta||^2``).
    nesterov : bool
        Nesterov momentum: step along ``g + mu b`` (needs ``mu > 0`` and ``tau = 0``).
    maximize : bool
        Climb the objective instead of descending.

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit.optim import SGD
    >>> x = ck.Tensor([1.0], requires_grad=True)
    >>> opt = SGD([x], lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.zero_grad()
    ...     (x * x).sum().backward()       # g = 2x
    ...     _ = opt.step()
    >>> x.data                             # 1 - 0.2 = 0.8; b = 0.9*2 + 1.6 = 3.4; 0.8 - 0.34
    tensor([0.46])
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
            nesterov=nesterov, maximize=maximize,
        )
        super().__init__(params, defaults)

    def _check(self, options: dict[str, Any]) -> None:
        check_non_negative(options)
        if options.get("nesterov") and (options["momentum"] <= 0 or options["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any], group: ParamGroup) -> None:
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        momentum = group["momentum"]
        if momentum != 0:
            buf = _momentum_buffer(state, grad, momentum, group["dampening"])
            grad = grad + momentum * buf if group["nesterov"] else buf
        param += -group["lr"] * grad


def _momentum_buffer(
    state: dict[str, Any], grad: np.ndarray, momentum: float, dampening: float
) -> np.ndarray:
    """``b <- g`` the first time, then ``b <- mu b + (1 - tau) g`` in place."""
    buf = state.get("momentum_buffer")
    if buf is None:
        buf = state["momentum_buffer"] = grad.copy()
    else:
        buf *= momentum
        buf += (1 - dampening) * grad
    return buf
