"""A reverse-mode automatic differentiation engine on NumPy arrays.

Read it in this order: ``tensor.py`` (the data and its operators),
``function.py`` (what one op records), ``ops/`` (forward next to backward for
every op), ``broadcasting.py`` (the one place gradients are summed back to an
input's shape), ``engine.py`` (the backward pass), ``grad_mode.py``
(``no_grad``), ``gradcheck.py`` (finite differences).  Around the core, for
PyTorch's names: ``creation.py``, ``functions.py``, ``dtypes.py``,
``devices.py``, ``numpy_interop.py``, ``generator.py`` (``ck.Generator``).
"""

from .creation import (
    BoolTensor, DoubleTensor, FloatTensor, IntTensor, LongTensor, arange, as_tensor, default_rng, empty, empty_like,
    eye, from_numpy, full, full_like, linspace, manual_seed, normal, ones, ones_like, rand, rand_like, randint, randn,
    randn_like, randperm, seed, tensor, Variable, zeros, zeros_like,
)
from .devices import accelerator, backends, cuda, device, get_default_device, mps, set_default_device
from .dtypes import get_default_dtype, set_default_dtype
from .engine import backward, grad, topological_order
from .function import AccumulateGrad, Context, Function, ShapeError
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck
from .generator import Generator
from .tensor import Tensor

FunctionCtx = Context  # PyTorch's name for ctx's type (torch.autograd.function.FunctionCtx)
