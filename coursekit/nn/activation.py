"""Activation functions as modules: ``ReLU()``, ``Tanh()``, ... (``torch.nn``'s names).

Each forward pass calls one Tensor method (or one fused function), so a module
costs no more than writing ``x.relu()`` by hand.  The course's generalized
rectifiers ``max(0, z) + alpha min(0, z)`` are here with alpha = 0 (ReLU),
alpha = 0.01 (LeakyReLU), alpha learned (PReLU) and alpha = -1
(AbsRectifier, ``|z|``); also Maxout and the RBF unit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..autograd.devices import check as check_device
from ..autograd.dtypes import as_dtype, get_default_dtype
from ..autograd.function import ShapeError
from . import functional as F
from . import init as nn_init
from .module import Module
from .parameter import Parameter

__all__ = [
    "ELU",
    "GELU",
    "RBF",
    "SiLU",
    "AbsRectifier",
    "Hardtanh",
    "Lambda",
    "LeakyReLU",
    "LogSoftmax",
    "Maxout",
    "PReLU",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
]


class ReLU(Module):
    """Rectified linear unit ``max(0, z)``; derivative ``1[z > 0]``.

    Examples
    --------
    >>> import coursekit as ck
    >>> ReLU()(ck.tensor([-1.0, 0.0, 2.0]))
    tensor([0., 0., 2.])

    ``inplace=True`` overwrites the input and returns it, as PyTorch (refused
    on a leaf that requires grad).
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Any) -> Any:
        return F.relu(x, inplace=True) if self.inplace else x.relu()  # x.relu(): one method call, the fast path

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """``max(0, z) + negative_slope * min(0, z)``: a small slope keeps negative units learning.

    Examples
    --------
    >>> import coursekit as ck
    >>> LeakyReLU(0.1)(ck.tensor([-2.0, 3.0]))
    tensor([-0.2,  3. ])
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, x: Any) -> Any:
        return F.leaky_relu(x, self.negative_slope, inplace=self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class PReLU(Module):
    """Parametric ReLU ``max(0, z) + a * min(0, z)`` with the slope ``a`` learned (``torch.nn.PReLU``).

    Parameters
    ----------
    num_parameters : int, default 1
        1 shares one slope across all units; the number of units (features,
        axis 1 of the input) learns one slope per unit.
    init : float, default 0.25
        Starting slope.

    Attributes
    ----------
    weight : Parameter of shape (num_parameters,)

    Examples
    --------
    >>> import coursekit as ck
    >>> act = PReLU(num_parameters=2)
    >>> act(ck.tensor([[-4.0, 4.0]]))
    tensor([[-1.,  4.]], grad_fn=<PreluKernelBackward0>)
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        check_device(device)
        dtype = get_default_dtype() if dtype is None else as_dtype(dtype)
        if not isinstance(num_parameters, (int, np.integer)) or num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be a positive integer, got {num_parameters!r}")
        self.num_parameters = int(num_parameters)
        self.init = init
        self.weight = Parameter(np.full(self.num_parameters, float(init), dtype=dtype))

    def reset_parameters(self) -> None:
        nn_init.constant_(self.weight, self.init)

    def forward(self, x: Any) -> Any:
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class AbsRectifier(Module):
    """Absolute-value rectifier ``|z|``: the generalized rectifier with alpha = -1.

    Examples
    --------
    >>> import coursekit as ck
    >>> AbsRectifier()(ck.tensor([-3.0, 2.0]))
    tensor([3., 2.])
    """

    def forward(self, x: Any) -> Any:
        return x.abs()


class Sigmoid(Module):
    """Logistic function ``1 / (1 + exp(-z))``; ``sigma(0) = 0.5``, ``sigma'(0) = 0.25``."""

    def forward(self, x: Any) -> Any:
        return x.sigmoid()


class Tanh(Module):
    """``tanh(z) = 2 sigma(2z) - 1``: zero-centred, like the identity near 0."""

    def forward(self, x: Any) -> Any:
        return x.tanh()


class Softplus(Module):
    """Smooth ReLU ``log(1 + exp(beta z)) / beta``, the identity where ``beta z > threshold`` (as PyTorch).

    Examples
    --------
    >>> import coursekit as ck
    >>> np.round(np.asarray(Softplus(beta=2.0)(ck.tensor([0.0, 30.0]))), 6)
    array([ 0.346574, 30.      ])
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, x: Any) -> Any:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class ELU(Module):
    """Exponential linear unit: ``z`` for ``z > 0``, ``alpha (e^z - 1)`` otherwise (``torch.nn.ELU``).

    Examples
    --------
    >>> import coursekit as ck
    >>> np.round(np.asarray(ELU()(ck.tensor([-1.0, 2.0]))), 6)
    array([-0.632121,  2.      ])
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, x: Any) -> Any:
        return F.elu(x, self.alpha, inplace=self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class SiLU(Module):
    """``z sigma(z)``, also called swish (``torch.nn.SiLU``)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Any) -> Any:
        return F.silu(x, inplace=self.inplace)


class GELU(Module):
    """Gaussian error linear unit ``z Phi(z)`` (``torch.nn.GELU``); ``approximate='tanh'`` as PyTorch's.

    Examples
    --------
    >>> import coursekit as ck
    >>> round(GELU()(ck.tensor(1.0)).item(), 6)
    0.841345
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Any) -> Any:
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Hardtanh(Module):
    """``max(min_val, min(max_val, z))``, a piecewise-linear tanh."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if min_val >= max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) must be smaller than max_val ({max_val})")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, x: Any) -> Any:
        return F.hardtanh(x, self.min_val, self.max_val, inplace=self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + (", inplace=True" if self.inplace else "")


class Maxout(Module):
    """Maxout unit: the maximum over groups of ``k`` consecutive features of the last axis.

    An input with ``d`` features gives ``d // k`` outputs; output ``j`` is
    ``max(z[j*k], ..., z[j*k + k-1])``, a convex piecewise-linear function with
    up to ``k`` pieces.  Put it after a ``Linear(n_in, k * n_out)``.

    Examples
    --------
    >>> import coursekit as ck
    >>> Maxout(2)(ck.tensor([[1.0, 3.0, -2.0, -5.0]]))
    tensor([[ 3., -2.]])
    """

    def __init__(self, k: int) -> None:
        super().__init__()
        if not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"Maxout: k must be a positive integer, got {k!r}")
        self.k = int(k)

    def forward(self, x: Any) -> Any:
        shape = x.shape
        if not shape or shape[-1] % self.k:
            raise ShapeError(
                f"Maxout(k={self.k}): the last axis of the input (shape {shape}) must be a multiple of {self.k}"
            )
        return x.reshape(shape[:-1] + (shape[-1] // self.k, self.k)).amax(axis=-1)

    def extra_repr(self) -> str:
        return f"k={self.k}"


class RBF(Module):
    """Radial basis function units ``exp(-||c_i - x||^2 / sigma_i^2)`` with learned centres and widths.

    Unit ``i`` responds most (with 1) to inputs at its centre ``c_i`` and
    fades with the distance, on the length scale ``sigma_i``.

    Parameters
    ----------
    in_features : int
        Size of each input row.
    out_features : int
        Number of units.

    Attributes
    ----------
    centres : Parameter of shape (out_features, in_features)
        Row ``i`` is ``c_i``; drawn from N(0, 1) at construction.
    widths : Parameter of shape (out_features,)
        The ``sigma_i``, starting at 1.

    Examples
    --------
    >>> import coursekit as ck
    >>> rbf = RBF(2, 1)
    >>> rbf(rbf.centres.detach()).data     # an input at the centre gives 1
    tensor([[1.]])
    """

    def __init__(self, in_features: int, out_features: int) -> None:
        super().__init__()
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        self.centres = Parameter(np.empty((self.out_features, self.in_features)))
        self.widths = Parameter(np.ones(self.out_features))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn_init.normal_(self.centres, 0.0, 1.0)
        nn_init.ones_(self.widths)

    def forward(self, x: Any) -> Any:
        shape = x.shape
        diff = x.reshape(shape[:-1] + (1, shape[-1])) - self.centres  # (..., out, in)
        squared = (diff * diff).sum(axis=-1)
        return (-squared / (self.widths * self.widths)).exp()

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}"


class Softmax(Module):
    """``exp(z_i) / sum_j exp(z_j)`` along ``dim``: scores to probabilities (overflow-free).

    Without ``dim``, PyTorch's implicit rule (axis 0 for 0-, 1- and 3-D
    input, else axis 1) with its warning; pass ``dim`` (usually ``dim=1`` or
    ``dim=-1``).
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Any) -> Any:
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``z_i - logsumexp(z)`` along ``dim``: log-probabilities, to be followed by ``NLLLoss``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Any) -> Any:
        return F.log_softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Lambda(Module):
    """Wrap a function of one tensor as a module, e.g. ``Lambda(ck.cos)`` for cosine units.

    Examples
    --------
    >>> import coursekit as ck
    >>> Lambda(ck.cos)
    Lambda(cos)
    """

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        super().__init__()
        if not callable(fn):
            raise TypeError(f"Lambda needs a callable, got {type(fn).__name__}")
        self.fn = fn

    def forward(self, x: Any) -> Any:
        return self.fn(x)

    def extra_repr(self) -> str:
        fn = self.fn
        owner = getattr(fn, "__self__", None)  # ck.cos is Cos.apply: name it after the Function
        if isinstance(owner, type) and getattr(fn, "__name__", "") == "apply":
            return owner.__name__.lower()
        return getattr(fn, "__name__", repr(fn))
