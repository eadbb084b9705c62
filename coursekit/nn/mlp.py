"""``MLP``: a multilayer perceptron built from a list of layer sizes."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Sequence
from typing import Any

from .activation import (
    AbsRectifier,
    Hardtanh,
    Lambda,
    LeakyReLU,
    LogSoftmax,
    PReLU,
    ReLU,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
)
from .container import Sequential
from .dropout import Dropout
from .linear import Identity, Linear
from .module import Module

__all__ = ["ACTIVATIONS", "MLP"]

#: Activation names accepted by ``MLP(activation=...)``.
ACTIVATIONS: dict[str, type[Module]] = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "prelu": PReLU,
    "abs": AbsRectifier,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "softplus": Softplus,
    "hardtanh": Hardtanh,
    "identity": Identity,
    "linear": Identity,
}

_OUTPUTS: dict[str, type[Module]] = {"softmax": Softmax, "log_softmax": LogSoftmax, "sigmoid": Sigmoid}


def _activation(spec: Any, width: int) -> Module:
    """One fresh activation module for a hidden layer of ``width`` units."""
    if spec is None:
        return Identity()
    if isinstance(spec, str):
        try:
            cls = ACTIVATIONS[spec.lower()]
        except KeyError:
            raise ValueError(
                f"MLP: unknown activation {spec!r}; choose one of {', '.join(map(repr, ACTIVATIONS))}, "
                "a Module class or a function"
            ) from None
        return PReLU(num_parameters=width) if cls is PReLU else cls()
    if isinstance(spec, type) and issubclass(spec, Module):
        return spec()
    if isinstance(spec, Module):
        return copy.deepcopy(spec)  # a fresh copy per layer: no shared learned slopes by accident
    if callable(spec):
        return Lambda(spec)
    raise TypeError(f"MLP: activation must be a name, a Module class or instance, or a function, got {spec!r}")


class MLP(Sequential):
    """A multilayer perceptron: ``Linear -> activation [-> Dropout]`` per hidden layer, then a ``Linear``.

    ``MLP([2, 64, 64, 3])`` has two hidden layers of 64 units and 3 outputs;
    it is an ordinary :class:`Sequential`, so it prints, indexes and iterates
    like one::

        z_0 = x,   z_i = act(W_i z_{i-1} + b_i)  (i = 1..D),   f(x) = W_{D+1} z_D + b_{D+1}

    Parameters
    ----------
    sizes : sequence of int
        Input size, hidden sizes, output size (at least two numbers).
    activation : str, Module class, Module or callable, default "relu"
        Hidden activation: one of ``"relu"``, ``"leaky_relu"``, ``"prelu"``
        (one learned slope per unit), ``"abs"``, ``"sigmoid"``, ``"tanh"``,
        ``"softplus"``, ``"hardtanh"``, ``"identity"``/``"linear"``/None (a
        linear network); a Module class such as ``nn.LeakyReLU`` (built with
        its defaults for each layer); a Module (copied for each layer); or a
        function of a tensor (wrapped in :class:`Lambda`).
    output : None, "softmax", "log_softmax" or "sigmoid", default None
        Output activation.  None leaves logits, which is what
        ``CrossEntropyLoss``/``BCEWithLogitsLoss`` expect (and linear outputs
        for regression); ``"log_softmax"`` goes with ``NLLLoss``.
    dropout : float, default 0.0
        Dropout probability after each hidden activation (no layer if 0).
    bias_init : float, optional
        Start every bias at this constant (e.g. 0.1 for ReLU networks).
    init : str or callable, default "kaiming_uniform"
        Weight initialisation of every :class:`Linear` (see there).
    bias : bool, default True
        Give every linear layer a bias.

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit import nn
    >>> ck.manual_seed(0)
    >>> net = nn.MLP([2, 16, 3], activation="tanh", dropout=0.1)
    >>> net
    MLP(
      (0): Linear(in_features=2, out_features=16, bias=True)
      (1): Tanh()
      (2): Dropout(p=0.1)
      (3): Linear(in_features=16, out_features=3, bias=True)
    )
    >>> net(ck.ones(5, 2)).shape
    (5, 3)
    >>> [(type(l).__name__, type(a).__name__) for l, a in net.hidden_layers()]
    [('Linear', 'Tanh')]
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | type[Module] | Module | Callable[[Any], Any] | None = "relu",
        output: str | None = None,
        dropout: float = 0.0,
        bias_init: float | None = None,
        init: str | Callable[[Any], Any] = "kaiming_uniform",
        bias: bool = True,
    ) -> None:
        sizes = [int(n) for n in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"MLP: sizes must list at least an input and an output size, all positive, got {sizes}")
        if output is not None and output not in _OUTPUTS:
            raise ValueError(f"MLP: output must be None, 'softmax', 'log_softmax' or 'sigmoid', got {output!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLP: dropout must lie in [0, 1), got {dropout}")
        layers: list[Module] = []
        for n_in, n_out in itertools.pairwise(sizes[:-1]):
            layers.append(Linear(n_in, n_out, bias=bias, init=init, bias_init=bias_init))
            layers.append(_activation(activation, n_out))
            if dropout > 0:
                layers.append(Dropout(dropout))
        layers.append(Linear(sizes[-2], sizes[-1], bias=bias, init=init, bias_init=bias_init))
        if output is not None:
            layers.append(_OUTPUTS[output](dim=-1) if output != "sigmoid" else _OUTPUTS[output]())
        super().__init__(*layers)
        self.sizes = sizes
        self.output = output

    def hidden_layers(self) -> list[tuple[Linear, Module]]:
        """The hidden ``(Linear, activation)`` pairs in order (the output layer is not included).

        The linear-region tools in :mod:`coursekit.regions` read networks this way.
        """
        modules = list(self)
        pairs = []
        linears = [i for i, m in enumerate(modules) if isinstance(m, Linear)]
        for i in linears[:-1]:
            nxt = modules[i + 1] if i + 1 < len(modules) else Identity()
            pairs.append((modules[i], nxt))
        return pairs
