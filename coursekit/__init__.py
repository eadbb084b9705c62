"""coursekit: the reference library of the course, an autograd engine on NumPy and the pieces of an MLP.

The names follow PyTorch (``Tensor.backward``, ``.grad``, ``no_grad``, ``nn``,
``optim``) so that what you learn here transfers.
"""

__version__ = "0.1.0"

from . import autograd, data, landscapes, nn, optim, regions, temperature, train
from . import utils  # torch.utils.data's place: coursekit.utils.data is coursekit.data
from .autograd import (
    Function, GradcheckError, ShapeError, Tensor, arange, as_tensor, empty, empty_like, enable_grad, eye,
    from_numpy, full, full_like, gradcheck, inference_mode, is_grad_enabled, linspace, manual_seed, no_grad, ones,
    ones_like, rand, rand_like, randint, randn, randn_like, set_grad_enabled, tensor, zeros, zeros_like,
)
from .autograd.dtypes import (  # PyTorch's dtype names (NumPy's types)
    bool, double, float, float16, float32, float64, half, int, int8, int16, int32, int64, long, short, uint8,
)
from .autograd.functions import (
    allclose, amax, amin, argmax, argmin, clamp, flatten, isfinite, isinf, isnan, max, mean, min, norm, numel,
    prod, squeeze, std, sum, unsqueeze, var,
)
from .autograd.ops import (
    abs, broadcast_to, cat, clip, concatenate, cos, einsum, exp, leaky_relu, log, log_softmax, logsumexp, matmul,
    maximum, minimum, relu, reshape, sigmoid, sin, softmax, softplus, sqrt, stack, sum_to, tanh, transpose, where,
)
