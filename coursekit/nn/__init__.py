"""Neural-network building blocks with PyTorch's names: modules, layers, activations, losses, init.

>>> import coursekit as ck
>>> from coursekit import nn
>>> ck.manual_seed(0)
>>> model = nn.MLP([2, 64, 64, 3], activation="relu", bias_init=0.1)
>>> loss = nn.CrossEntropyLoss()(model(ck.randn(8, 2)), [0, 1, 2, 0, 1, 2, 0, 1])
>>> loss.backward()
>>> model[0].weight.grad.shape
(64, 2)
"""

from . import functional, init, utils
from .activation import (
    ELU,
    GELU,
    RBF,
    SiLU,
    AbsRectifier,
    Hardtanh,
    Lambda,
    LeakyReLU,
    LogSoftmax,
    Maxout,
    PReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
)
from .container import ModuleDict, ModuleList, Sequential
from .dropout import Dropout
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HingeLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .mlp import MLP
from .module import Module
from .normalization import BatchNorm1d, LayerNorm
from .parameter import Parameter
from .penalty import l1_penalty, l2_penalty

__all__ = [
    "MLP",
    "RBF",
    "AbsRectifier",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "CrossEntropyLoss",
    "Dropout",
    "ELU",
    "GELU",
    "Flatten",
    "Hardtanh",
    "HingeLoss",
    "HuberLoss",
    "Identity",
    "L1Loss",
    "Lambda",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "Maxout",
    "Module",
    "ModuleDict",
    "ModuleList",
    "NLLLoss",
    "PReLU",
    "Parameter",
    "ReLU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "SmoothL1Loss",
    "Softmax",
    "Softplus",
    "Tanh",
    "functional",
    "init",
    "utils",
    "l1_penalty",
    "l2_penalty",
]
