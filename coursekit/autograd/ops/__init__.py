"""Every differentiable operation, grouped by idea; each file puts forward next to backward."""

from .arithmetic import Add, Div, Mul, Neg, Pow, Sub
from .elementwise import (
    Abs, Clip, Cos, Exp, LeakyReLU, Log, Maximum, Minimum, ReLU, Sigmoid, Sin, Softplus, Sqrt, Tanh, Where,
    abs, clip, cos, exp, leaky_relu, log, maximum, minimum, relu, sigmoid, sin, softplus, sqrt, tanh, where,
)
from .linalg import Einsum, Linear, MatMul, einsum, linear, matmul
from .reductions import (
    CumSum, Max, Mean, Min, Norm2, Prod, Sum, ValuesIndices, Var, arg_reduce, correction, max_or_min, norm, prod,
    take_along,
)
from .shape import (
    Cast, Clone, Concatenate, GetItem, Reshape, ScatterAdd, Stack, Transpose,
    cat, concatenate, expand, flatten, gather, getitem, normalize_index, repeat, reshape, squeeze, stack, transpose,
    unsqueeze,
)
from .softmax import LogSoftmax, LogSumExp, Softmax, log_softmax, log_softmax_parts, logsumexp, softmax
from ..broadcasting import BroadcastTo, SumTo, broadcast_to, sum_to  # noqa: E402
