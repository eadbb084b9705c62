"""Every differentiable operation, grouped by idea; each file puts forward next to backward."""

from .arithmetic import Add, Div, Mul, Neg, Pow, Sub
from .elementwise import (
    Abs, Clip, Cos, Exp, LeakyReLU, Log, Maximum, Minimum, ReLU, Sigmoid, Sin, Softplus, Sqrt, Tanh, Where,
    abs, clip, cos, exp, leaky_relu, log, maximum, minimum, relu, sigmoid, sin, softplus, sqrt, tanh, where,
)
from .linalg import Linear, MatMul, linear, matmul
from .reductions import Max, Mean, Min, Sum, Var
from .shape import (
    Cast, Concatenate, GetItem, Reshape, ScatterAdd, Stack, Transpose,
    cat, concatenate, getitem, normalize_index, reshape, stack, transpose,
)
from .softmax import LogSoftmax, LogSumExp, Softmax, log_softmax, log_softmax_parts, logsumexp, softmax
from ..broadcasting import BroadcastTo, SumTo, broadcast_to, sum_to  # noqa: E402
