"""Grow the batch size instead of decaying the learning rate.

Smith, Kindermans, Ying and Le (ICLR 2018), "Don't decay the learning rate,
increase the batch size": the noise in minibatch SGD grows with the learning
rate ``lr`` and shrinks with the batch size ``B`` (its scale is about
``lr N / B`` for ``N`` training examples).  Dividing ``lr`` by 5 and
multiplying ``B`` by 5 shrink the noise alike, and the test accuracy curves of
the two schedules are nearly the same; but with the larger batches an epoch
takes 5 times fewer parameter updates (in the run the course cites: from
over 14,000 updates to under 6,000).  Once ``B`` reaches what the hardware (or
about a tenth of the training set) allows, decay ``lr`` for the remaining
factor: :meth:`BatchSizeSchedule.lr_factor`.

PyTorch has no such class; in a training loop rebuild the data loader with
the new batch size at the start of each epoch.
"""

from __future__ import annotations

import math


class BatchSizeSchedule:
    """The batch size of each epoch: ``initial * factor ** (epoch // every)``, at most ``max_size``.

    Parameters
    ----------
    initial : int
        Batch size of the first ``every`` epochs.
    factor : float
        Growth at each increase (>= 1); use the factor a :class:`StepLR` would
        divide the rate by (``1 / gamma``).
    every : int
        Epochs between increases (a ``StepLR``'s ``step_size``).
    max_size : int, optional
        Cap on the batch size.

    Examples
    --------
    >>> from coursekit.optim import BatchSizeSchedule
    >>> sizes = BatchSizeSchedule(initial=32, factor=2, every=10, max_size=128)
    >>> [sizes(epoch) for epoch in (0, 9, 10, 20, 30, 40)]
    [32, 32, 64, 128, 128, 128]
    >>> sizes.lr_factor(30)       # capped at 128 where 256 was due: halve the rate instead
    0.5
    >>> sizes.updates(n_examples=1000, epochs=30)    # 10 epochs each of 32, 16 and 8 steps
    560
    """

    def __init__(self, initial: int, factor: float, every: int, max_size: int | None = None) -> None:
        if int(initial) != initial or initial < 1:
            raise ValueError(f"initial batch size must be a positive integer, got {initial}")
        if not factor >= 1:
            raise ValueError(f"factor must be >= 1 (the batch grows), got {factor}")
        if int(every) != every or every < 1:
            raise ValueError(f"every must be a positive number of epochs, got {every}")
        if max_size is not None and max_size < initial:
            raise ValueError(f"max_size ({max_size}) is smaller than the initial batch size ({initial})")
        self.initial, self.factor, self.every, self.max_size = int(initial), factor, int(every), max_size

    def scheduled(self, epoch: int) -> float:
        """The uncapped size ``initial * factor ** (epoch // every)`` (not rounded)."""
        if epoch < 0:
            raise ValueError(f"epoch must be >= 0, got {epoch}")
        return self.initial * self.factor ** (epoch // self.every)

    def __call__(self, epoch: int) -> int:
        """The batch size for ``epoch`` (counted from 0)."""
        size = round(self.scheduled(epoch))
        return size if self.max_size is None else min(size, self.max_size)

    def lr_factor(self, epoch: int) -> float:
        """Multiply the learning rate by this to make up for the cap (1 until the cap is hit)."""
        return self(epoch) / self.scheduled(epoch)

    def updates(self, n_examples: int, epochs: int, drop_last: bool = False) -> int:
        """Parameter updates in ``epochs`` epochs over ``n_examples`` examples."""
        per_epoch = math.floor if drop_last else math.ceil
        return sum(per_epoch(n_examples / self(epoch)) for epoch in range(epochs))


def batch_size_schedule(
    initial: int, factor: float, every: int, max_size: int | None = None
) -> BatchSizeSchedule:
    """The same as :class:`BatchSizeSchedule`: call the result with an epoch to get its batch size.

    Examples
    --------
    >>> size = batch_size_schedule(64, factor=5, every=30)
    >>> size(0), size(30), size(60)
    (64, 320, 1600)
    """
    return BatchSizeSchedule(initial, factor, every, max_size)
