"""coursekit: the reference library of the course, an autograd engine on NumPy and the pieces of an MLP.

The names follow PyTorch (``Tensor.backward``, ``.grad``, ``no_grad``, ``nn``,
``optim``, ``device``, ``cuda.is_available``) so that what you learn here
transfers, and PyTorch teaching code runs with ``import coursekit as torch``.
"""

__version__ = "0.1.0"

from . import autograd, data, landscapes, nn, optim, regions, temperature, train
from . import utils  # torch.utils.data's place: coursekit.utils.data is coursekit.data
from .autograd.generator import Generator  # torch.Generator's spelling of a NumPy generator
from .autograd import (
    BoolTensor, DoubleTensor, FloatTensor, Function, GradcheckError, IntTensor, LongTensor, ShapeError, Tensor, arange,
    accelerator, as_tensor, backends, cuda, device, empty, empty_like, enable_grad, eye, from_numpy, full, full_like,
    get_default_device, get_default_dtype, gradcheck, inference_mode, is_grad_enabled, linspace, manual_seed, mps,
    no_grad, normal, ones, ones_like, rand, rand_like, randint, randn, randn_like, randperm, seed, set_default_device,
    set_default_dtype, set_grad_enabled, tensor, zeros, zeros_like,
)
from .autograd.dtypes import (  # PyTorch's dtype names (NumPy's types)
    bool, double, float, float16, float32, float64, half, int, int8, int16, int32, int64, long, short, uint8,
)
from .autograd.functions import (
    add, allclose, amax, amin, argmax, argmin, clamp, cumsum, div, dot, eq, equal, flatten, is_tensor, isfinite, isinf,
    isnan, max, mean, min, mm, mul, neg, norm, numel, pow, prod, round, square, squeeze, std, sub, sum, unsqueeze,
    var,
)
from .autograd.ops import (
    abs, broadcast_to, cat, clip, concatenate, cos, einsum, exp, leaky_relu, log, log_softmax, logsumexp, matmul,
    maximum, minimum, relu, reshape, sigmoid, sin, softmax, softplus, sqrt, stack, sum_to, tanh, transpose, where,
)
