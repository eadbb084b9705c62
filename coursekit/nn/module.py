"""``Module``: the base class of layers and networks.

A module owns Parameters and sub-modules.  Assigning either to an attribute
registers it (``self.fc = Linear(2, 3)``), so ``parameters()``,
``state_dict()``, ``train()``/``eval()`` and ``zero_grad()`` reach everything
without any bookkeeping in the subclass.  ``model(x)`` calls ``forward(x)``.
Buffers (``register_buffer``) are state that is saved but not learned, such as
batch normalisation's running averages.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from ..autograd import devices as device_module
from ..autograd.dtypes import as_dtype
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor
from .parameter import Parameter

__all__ = ["IncompatibleKeys", "Module"]


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` skipped (``torch``'s ``_IncompatibleKeys``)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _indent(text: str, spaces: int = 2) -> str:
    lines = text.split("\n")
    return lines[0] + "".join("\n" + " " * spaces + line for line in lines[1:])


class Module:
    """Base class for every layer and network (``torch.nn.Module``).

    Subclasses call ``super().__init__()`` first, assign Parameters and
    sub-modules as attributes and define ``forward``.

    Attributes
    ----------
    training : bool
        True after ``train()`` (the default), False after ``eval()``; layers
        such as :class:`Dropout` behave differently in the two modes.

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit import nn
    >>> class TwoLayer(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = nn.Linear(2, 4)
    ...         self.out = nn.Linear(4, 1)
    ...     def forward(self, x):
    ...         return self.out(self.hidden(x).relu())
    >>> net = TwoLayer()
    >>> [name for name, _ in net.named_parameters()]
    ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
    >>> net(ck.ones(5, 2)).shape
    (5, 1)
    """

    training: bool

    def __init__(self) -> None:
        # object.__setattr__ skips the registration logic below.
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "training", True)

    # ---- calling ---------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ---- registration ----------------------------------------------------
    # Registered objects live in _parameters/_modules (the registry, in order)
    # *and* in the instance __dict__, so ``self.weight`` is a plain attribute
    # lookup in the forward pass.
    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        if params is None:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() call: call super().__init__() first"
            )
        modules, buffers = self.__dict__["_modules"], self.__dict__["_buffers"]
        if isinstance(value, Parameter):
            modules.pop(name, None)
            buffers.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            params.pop(name, None)
            buffers.pop(name, None)
            modules[name] = value
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign {type(value).__name__} as buffer {name!r} (Tensor or None expected)"
                )
            buffers[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} as parameter {name!r} "
                    "(wrap it in nn.Parameter, or assign None)"
                )
            params[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as child module {name!r} (Module or None expected)")
            modules[name] = None
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        self._buffers.pop(name, None)
        self._non_persistent_buffers.discard(name)
        object.__delattr__(self, name)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a buffer: a Tensor the module keeps and saves but does not learn.

        Batch normalisation's running mean is one: ``state_dict()`` holds it
        and ``to(np.float32)`` converts it, but ``parameters()`` leaves it out,
        so no optimizer changes it.  ``persistent=False`` keeps it out of
        ``state_dict()`` too.

        Examples
        --------
        >>> import coursekit as ck
        >>> from coursekit import nn
        >>> m = nn.Module()
        >>> m.register_buffer("count", ck.tensor(0))
        >>> list(m.state_dict()), list(m.parameters())
        (['count'], [])
        """
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"buffer name must be a non-empty string without '.', got {name!r}")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None, got {type(tensor).__name__}")
        if name in self._parameters or name in self._modules:
            raise KeyError(f"attribute {name!r} already exists as a parameter or module")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)
        object.__setattr__(self, name, tensor)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a ``None`` placeholder, e.g. ``bias=False``) under ``name``."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter or None, got {type(param).__name__}")
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under ``name`` (what attribute assignment does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module or None, got {type(module).__name__}")
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"module name must be a non-empty string without '.', got {name!r}")
        self._modules[name] = module
        object.__setattr__(self, name, module)

    # ---- traversal -------------------------------------------------------
    def named_modules(self, prefix: str = "", memo: set[int] | None = None) -> Iterator[tuple[str, Module]]:
        """This module and all below it, with dotted names (each module once)."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(f"{prefix}.{name}" if prefix else name, memo)

    def modules(self) -> Iterator[Module]:
        """This module and all below it, depth first."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct sub-modules with their attribute names."""
        for name, child in self._modules.items():
            if child is not None:
                yield name, child

    def children(self) -> Iterator[Module]:
        """The direct sub-modules."""
        for _, child in self.named_children():
            yield child

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` pairs, e.g. ``('0.weight', ...)``; shared parameters once."""
        seen: set[int] = set()
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for mod_prefix, module in modules:
            for name, p in module._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every learnable parameter, for an optimizer: ``SGD(model.parameters(), lr=0.1)``."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """``(dotted name, buffer)`` pairs, e.g. ``('1.running_mean', ...)``."""
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for mod_prefix, module in modules:
            for name, b in module._buffers.items():
                if b is not None:
                    yield (f"{mod_prefix}.{name}" if mod_prefix else name), b

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer (running averages and such), depth first."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def _state_tensors(self) -> Iterator[tuple[str, Tensor]]:
        """What ``state_dict`` saves, in torch's order: per module its parameters, then its buffers."""
        seen: set[int] = set()
        for prefix, module in self.named_modules():
            dot = f"{prefix}." if prefix else ""
            for name, p in module._parameters.items():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    yield dot + name, p
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent_buffers:
                    yield dot + name, b

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every sub-module and then on this one (e.g. custom initialisation)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients --------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Switch this module and all below it to training mode (or evaluation mode for ``False``)."""
        if not isinstance(mode, bool):
            raise TypeError(f"training mode must be True or False, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Switch to evaluation mode: dropout off.  Same as ``train(False)``."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: ``.grad = None`` (or zeroed in place with ``set_to_none=False``)."""
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                if p.grad.grad_fn is not None:  # a gradient with a graph (create_graph=True): cut it off
                    p.grad = p.grad.detach()
                p.grad.zero_()

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Freeze (``False``) or unfreeze every parameter."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def to(self, *args: Any, dtype: Any = None, device: Any = None, non_blocking: bool = False) -> Module:
        """Convert every parameter and floating-point buffer to ``dtype`` (e.g. ``np.float32``), in place.

        ``model.to("cpu")`` and ``model.to(device)`` are accepted (the CPU is the
        only device; another one is an error saying so).  The Parameter objects
        stay the same, so an optimizer built earlier keeps working.  Gradients
        are dropped.  Integer buffers (a batch counter) stay integers, as in
        PyTorch.  Returns ``self``.

        Examples
        --------
        >>> import numpy as np
        >>> from coursekit import nn
        >>> nn.Linear(2, 3).to(np.float32).weight.dtype
        dtype('float32')
        """
        for a in args:
            if a is None or isinstance(a, str | device_module.device):
                device = a
            elif isinstance(a, Tensor):
                dtype = a.dtype
            else:
                dtype = a
        device_module.check(device)
        if dtype is None:
            return self
        dtype = as_dtype(dtype)
        if not np.issubdtype(dtype, np.floating):
            raise TypeError(f"parameters must stay floating point, got {dtype}")
        for p in self.parameters():
            if p.dtype != dtype:
                p.data = p.numpy(force=True).astype(dtype)
                p.grad = None
        for b in self.buffers():
            if np.issubdtype(b.dtype, np.floating) and b.dtype != dtype:
                b.data = b.numpy(force=True).astype(dtype)
        return self

    astype = to

    def cpu(self) -> Module:
        """Already on the CPU: returns ``self``."""
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> Module:
        """Always an error: coursekit runs on the CPU only (the message says what to write instead)."""
        device_module.check("cuda")
        return self

    def double(self) -> Module:
        """Parameters to float64 (the default here)."""
        return self.to(np.float64)

    def float(self) -> Module:
        """Parameters to float32."""
        return self.to(np.float32)

    # ---- saving and loading ------------------------------------------------
    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Copies of all parameter and buffer arrays, keyed by dotted name.

        Later training does not change the returned arrays, so this is how a
        snapshot ("the best weights so far") is kept.

        Examples
        --------
        >>> from coursekit import nn
        >>> sd = nn.Linear(3, 2).state_dict()
        >>> {k: v.shape for k, v in sd.items()}
        {'weight': (2, 3), 'bias': (2,)}
        """
        return OrderedDict((name, t.numpy(force=True).copy()) for name, t in self._state_tensors())

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy values from ``state_dict`` into the parameters and buffers (in place, so optimizers keep working).

        Parameters
        ----------
        state_dict : mapping of str to array_like
            As returned by :meth:`state_dict`.
        strict : bool, default True
            Raise if keys are missing or unexpected.  Shapes must match in
            either case.

        Returns
        -------
        IncompatibleKeys
            ``(missing_keys, unexpected_keys)``; both empty after a strict load.

        Raises
        ------
        RuntimeError
            Missing or unexpected keys with ``strict=True``, or a shape
            mismatch (naming the parameter and both shapes), as in PyTorch.
            Nothing is loaded then.
        """
        own = dict(self._state_tensors())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            parts = []
            if missing:
                parts.append("missing key(s): " + ", ".join(repr(k) for k in missing))
            if unexpected:
                parts.append("unexpected key(s): " + ", ".join(repr(k) for k in unexpected))
            raise RuntimeError(f"error loading state_dict into {type(self).__name__}: " + "; ".join(parts))
        values = {}
        for name, p in own.items():
            if name not in state_dict:
                continue
            value = state_dict[name]
            value = np.asarray(getattr(value, "data", value))
            if value.shape != p.shape:
                raise RuntimeError(
                    f"error loading state_dict into {type(self).__name__}: size mismatch for {name!r}: "
                    f"the checkpoint has shape {value.shape}, the one in this model has shape {p.shape}"
                )
            values[name] = value
        with no_grad():
            for name, value in values.items():  # all shapes checked first: no half-loaded model
                np.copyto(own[name].numpy(force=True), value, casting="same_kind")
        return IncompatibleKeys(missing, unexpected)

    # ---- printing --------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr (override it)."""
        return ""

    def __repr__(self) -> str:
        lines = [f"({name}): {_indent(repr(child))}" for name, child in self._modules.items()]
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        body = ([extra] if extra else []) + lines
        return type(self).__name__ + "(\n  " + "\n  ".join(body) + "\n)"
