"""``Linear``: the dense (fully connected) layer ``y = x @ W.T + b``, and ``Identity``."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd.devices import check as check_device
from ..autograd.dtypes import as_dtype, get_default_dtype
from . import init as nn_init
from .functional import linear
from .module import Module
from .parameter import Parameter

__all__ = ["INIT_SCHEMES", "Identity", "Linear"]

#: Names accepted by ``Linear(init=...)``.
INIT_SCHEMES = ("kaiming_uniform", "kaiming_normal", "xavier_uniform", "xavier_normal", "normal")


class Identity(Module):
    """Return the input unchanged (a placeholder, e.g. "no activation").

    Examples
    --------
    >>> import coursekit as ck
    >>> Identity()(ck.tensor([1.0, -2.0]))
    tensor([ 1., -2.])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # arguments ignored, as in torch
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x


class Linear(Module):
    """Dense layer ``y = x @ weight.T + bias`` (``torch.nn.Linear``).

    ``weight`` has shape ``(out_features, in_features)``: row ``i`` holds the
    incoming weights of output unit ``i`` (the ``y = W x + b`` convention of
    the course, applied to a batch of row vectors).

    Parameters
    ----------
    in_features, out_features : int
        Sizes of each input and output row.
    bias : bool, default True
        Learn an additive bias (``self.bias`` is None otherwise).
    init : str or callable, default "kaiming_uniform"
        How to draw the weights (from the generator ``ck.manual_seed`` seeds):

        - ``"kaiming_uniform"``: PyTorch's default for ``nn.Linear``,
          ``kaiming_uniform_(w, a=sqrt(5))`` = ``U(-1/sqrt(in), 1/sqrt(in))``;
          the bias is ``U(-1/sqrt(in), 1/sqrt(in))`` as well.  A fresh layer
          has the statistics of a fresh ``torch.nn.Linear``.
        - ``"kaiming_normal"``: He initialisation for ReLU layers,
          ``N(0, 2 / in)``.
        - ``"xavier_uniform"``, ``"xavier_normal"``: Glorot, variance
          ``2 / (in + out)``.
        - ``"normal"``: small random numbers, ``N(0, 0.01^2)``.
        - a callable ``f(weight)`` that fills the weight in place, e.g.
          ``lambda w: nn.init.normal_(w, std=0.1)``.

        Except for ``"kaiming_uniform"`` the bias starts at 0.
    bias_init : float, optional
        Start every bias at this constant instead, e.g. 0.1, which keeps
        ReLU units active at the start of training.
    dtype : numpy dtype, optional
        The parameters' dtype; the default dtype (float64 unless ``ck.set_default_dtype`` changed it).
    device : str or device, optional
        Only the CPU.

    Attributes
    ----------
    weight : Parameter of shape (out_features, in_features)
    bias : Parameter of shape (out_features,) or None

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit import nn
    >>> ck.manual_seed(0)
    >>> layer = nn.Linear(2, 3, bias_init=0.1)
    >>> layer
    Linear(in_features=2, out_features=3, bias=True)
    >>> layer.weight.shape, layer.bias.data.tolist()
    ((3, 2), [0.1, 0.1, 0.1])
    >>> layer(ck.ones(5, 2)).shape
    (5, 3)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        init: str | Callable[[Parameter], Any] = "kaiming_uniform",
        bias_init: float | None = None,
        dtype: Any = None,
        device: Any = None,
    ) -> None:
        super().__init__()
        check_device(device)
        dtype = get_default_dtype() if dtype is None else as_dtype(dtype)
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
                raise ValueError(f"Linear: {name} must be a non-negative integer, got {n!r}")
        if not (callable(init) or init in INIT_SCHEMES):
            raise ValueError(f"Linear: init must be one of {', '.join(map(repr, INIT_SCHEMES))} or a callable, got {init!r}")
        if bias_init is not None and not bias:
            raise ValueError("Linear: bias_init given but bias=False")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.init = init
        self.bias_init = bias_init
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty(self.out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights and biases with the layer's ``init`` and ``bias_init``."""
        w, scheme = self.weight, self.init
        if callable(scheme):
            scheme(w)
        elif scheme == "kaiming_uniform":
            nn_init.kaiming_uniform_(w, a=math.sqrt(5))
        elif scheme == "kaiming_normal":
            nn_init.kaiming_normal_(w, nonlinearity="relu")
        elif scheme == "xavier_uniform":
            nn_init.xavier_uniform_(w)
        elif scheme == "xavier_normal":
            nn_init.xavier_normal_(w)
        else:
            nn_init.normal_(w, 0.0, 0.01)
        if self.bias is None:
            return
        if self.bias_init is not None:
            nn_init.constant_(self.bias, self.bias_init)
        elif scheme == "kaiming_uniform":
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            nn_init.uniform_(self.bias, -bound, bound)
        else:
            nn_init.zeros_(self.bias)

    def forward(self, x: Any) -> Any:
        return linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
