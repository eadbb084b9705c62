"""Learning-rate schedules: shrink the step as training goes on.

Use them as in PyTorch: build the scheduler after the optimizer and call
``scheduler.step()`` once per epoch, *after* that epoch's ``optimizer.step()``
calls::

    opt = SGD(model_params, lr=0.1, momentum=0.9)
    sched = StepLR(opt, step_size=30, gamma=0.1)
    for epoch in range(100):
        train_one_epoch(opt)            # many opt.step() calls
        sched.step()                    # lr for the next epoch

A scheduler writes ``group["lr"]`` of every parameter group, and remembers
each group's starting rate in ``group["initial_lr"]``.  The formulas (and the
order of floating-point operations) are PyTorch's, so the rates agree with
``torch.optim.lr_scheduler`` to the last digits.
"""

from __future__ import annotations

import math
from typing import Any

from .optimizer import Optimizer


class LRScheduler:
    """Base class: keeps ``last_epoch`` and the rates; subclasses give :meth:`get_lr`.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer whose ``group["lr"]`` values are scheduled.
    last_epoch : int
        -1 to start fresh (the default).  To resume, pass the index of the
        last finished epoch; then every group needs an ``initial_lr``.

    Attributes
    ----------
    base_lrs : list of float
        The ``initial_lr`` of each group.
    last_epoch : int
        How many times :meth:`step` was called (0 right after construction).
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        _set_initial_lrs(optimizer, last_epoch)
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

    def get_lr(self) -> list[float]:
        """The rates for epoch ``last_epoch`` (already incremented), one per group."""
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The rates the last :meth:`step` set, one per parameter group."""
        return self._last_lr

    def step(self, epoch: int | None = None) -> None:
        """Move to the next epoch and write its rate into every group.

        Passing ``epoch`` (deprecated in PyTorch) jumps to that epoch and uses
        the closed form of the schedule.
        """
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            values = self._get_closed_form_lr()
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
            group["lr"] = lr
        self._last_lr: list[float] = [group["lr"] for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return self.get_lr()

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (save the optimizer on its own)."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved."""
        self.__dict__.update(state_dict)


def _set_initial_lrs(optimizer: Optimizer, last_epoch: int) -> None:
    for i, group in enumerate(optimizer.param_groups):
        if last_epoch == -1:
            group.setdefault("initial_lr", group["lr"])
        elif "initial_lr" not in group:
            raise KeyError(
                f"param 'initial_lr' is not specified in param_groups[{i}] when resuming a scheduler "
                "with last_epoch >= 0: load the optimizer's state_dict first, or use last_epoch=-1"
            )


class StepLR(LRScheduler):
    r"""Multiply the rate by ``gamma`` every ``step_size`` epochs.

    ``lr_epoch = initial_lr * gamma ** (epoch // step_size)``, computed (as in
    PyTorch) by multiplying the current rate by ``gamma`` at epochs
    ``step_size, 2 step_size, ...``.

    Parameters
    ----------
    optimizer : Optimizer
        Its groups' ``lr`` are scheduled.
    step_size : int
        Epochs between decays.
    gamma : float
        Factor applied at each decay.
    last_epoch : int
        -1 to start; see :class:`LRScheduler`.

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit.optim import SGD, StepLR
    >>> opt = SGD([ck.Tensor([1.0], requires_grad=True)], lr=1.0)
    >>> sched = StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(sched.get_last_lr()[0])
    ...     sched.step()
    >>> lrs
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    r"""Multiply the rate by ``gamma`` every epoch: ``lr_epoch = initial_lr * gamma ** epoch``.

    Parameters
    ----------
    optimizer : Optimizer
        Its groups' ``lr`` are scheduled.
    gamma : float
        Factor applied each epoch.
    last_epoch : int
        -1 to start; see :class:`LRScheduler`.

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit.optim import SGD, ExponentialLR
    >>> opt = SGD([ck.Tensor([1.0], requires_grad=True)], lr=1.0)
    >>> sched = ExponentialLR(opt, gamma=0.5)
    >>> sched.step(); sched.step()
    >>> sched.get_last_lr()
    [0.25]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base_lr * self.gamma**self.last_epoch for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    r"""Follow half a cosine from the initial rate down to ``eta_min`` in ``T_max`` epochs.

    The closed form (SGDR without restarts, Loshchilov and Hutter 2017) is::

        lr_t = eta_min + (initial_lr - eta_min) (1 + cos(pi t / T_max)) / 2

    Like PyTorch, :meth:`step` computes it recursively from the current rate::

        lr_t = eta_min + (lr_{t-1} - eta_min) (1 + cos(pi t / T_max)) / (1 + cos(pi (t - 1) / T_max))

    so that another scheduler (or you) may also change the rate.  After
    ``T_max`` the rate climbs back up the cosine (period ``2 T_max``); where
    the recursion would divide by zero (``t = T_max + 1, 3 T_max + 1 ...``)
    PyTorch adds ``(initial_lr - eta_min)(1 - cos(pi / T_max)) / 2`` instead,
    and so does this class.

    Parameters
    ----------
    optimizer : Optimizer
        Its groups' ``lr`` are scheduled.
    T_max : int
        Epochs from the initial rate to ``eta_min``.
    eta_min : float
        The smallest rate.
    last_epoch : int
        -1 to start; see :class:`LRScheduler`.

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit.optim import SGD, CosineAnnealingLR
    >>> opt = SGD([ck.Tensor([1.0], requires_grad=True)], lr=1.0)
    >>> sched = CosineAnnealingLR(opt, T_max=4)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(round(sched.get_last_lr()[0], 4))
    ...     sched.step()
    >>> lrs
    [1.0, 0.8536, 0.5, 0.1464, 0.0]
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if self._step_count == 1 and t > 0:  # resumed with last_epoch >= 0
            return [
                eta_min + (base_lr - eta_min) * (1 + math.cos(t * math.pi / T)) / 2
                for base_lr in self.base_lrs
            ]
        if (t - 1 - T) % (2 * T) == 0:  # the bottom of the cosine: the recursion would divide by zero
            return [
                lr + (base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
                for base_lr, lr in zip(self.base_lrs, self._current_lrs(), strict=True)
            ]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (lr - eta_min) + eta_min for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        return [
            eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * t / T)) / 2 for base_lr in self.base_lrs
        ]
