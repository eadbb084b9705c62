"""Optimizers and learning-rate schedules with PyTorch's names and update rules.

Read it in this order: ``optimizer.py`` (parameter groups, state, the step
loop), ``sgd.py`` (plain and momentum SGD), ``adagrad.py``, ``rmsprop.py``,
``adadelta.py``, ``adam.py`` (Adam, AdamW), ``adamax.py``, ``nadam.py``,
``radam.py``, then
``lr_scheduler.py`` and ``batch_size.py``.  README.md next to this file shows
how the course's formulas map onto these classes.

Examples
--------
>>> import coursekit as ck
>>> from coursekit import optim
>>> w = ck.Tensor([3.0, -2.0], requires_grad=True)
>>> opt = optim.SGD([w], lr=0.25)
>>> for _ in range(3):
...     opt.zero_grad()
...     loss = (w * w).sum()
...     loss.backward()
...     _ = opt.step()
>>> w.data                     # each step halves w: w - 0.25 * 2w
tensor([ 0.375, -0.25 ])
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .batch_size import BatchSizeSchedule, batch_size_schedule
from .lr_scheduler import CosineAnnealingLR, ExponentialLR, LRScheduler, StepLR
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "BatchSizeSchedule", "CosineAnnealingLR", "ExponentialLR",
    "LRScheduler", "NAdam", "Optimizer", "RAdam", "RMSprop", "SGD", "StepLR", "batch_size_schedule",
    "lr_scheduler",
]
