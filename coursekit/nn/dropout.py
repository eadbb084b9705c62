"""``Dropout``: randomly silence units while training, a regularizer against co-adaptation."""

from __future__ import annotations

from typing import Any

from . import functional as F
from .module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """Inverted dropout (``torch.nn.Dropout``).

    In training mode every element is set to zero with probability ``p`` and
    the survivors are scaled by ``1 / (1 - p)``, so the expected output equals
    the input; in evaluation mode (``model.eval()``) the layer is the identity.
    The masks come from coursekit's shared generator (``ck.manual_seed``).

    The original formulation is equivalent in expectation: keep units with
    probability ``1 - p`` *without* rescaling during training, and multiply
    the activations by ``(1 - p)`` at test time::

        train:  h * mask                 (mask_i ~ Bernoulli(1 - p))
        test:   h * (1 - p)

    Inverted dropout moves that factor into training (``h * mask / (1 - p)``),
    so the trained network is used as it is at test time.

    Parameters
    ----------
    p : float, default 0.5
        Probability of zeroing an element, in ``[0, 1]``.

    Examples
    --------
    >>> import coursekit as ck
    >>> ck.manual_seed(0)
    >>> drop = Dropout(p=0.5)
    >>> y = drop(ck.ones(8))
    >>> sorted(set(y.data.tolist()))     # zeros and 1 / (1 - p)
    [0.0, 2.0]
    >>> drop.eval()(ck.ones(3))          # identity at test time
    tensor([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p}")
        self.p = p

    def forward(self, x: Any) -> Any:
        if not self.training or self.p == 0:
            return x
        return F.dropout(x, self.p, True)

    def extra_repr(self) -> str:
        return f"p={self.p}"
