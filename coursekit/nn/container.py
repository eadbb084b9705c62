"""Containers: ``Sequential`` (modules applied in turn), ``ModuleList`` and ``ModuleDict`` (modules held)."""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Self, overload

from .module import Module, _indent

__all__ = ["ModuleDict", "ModuleList", "Sequential"]


def _checked(module: Any, where: str) -> Module:
    if not isinstance(module, Module):
        raise TypeError(
            f"{where} is a {type(module).__name__}, not a Module "
            "(wrap a function with nn.Lambda, e.g. nn.Lambda(ck.cos))"
        )
    return module


class Sequential(Module):
    """A chain of modules: the output of each is the input of the next (``torch.nn.Sequential``).

    Build it from modules (named ``'0'``, ``'1'``, ...) or from an
    ``OrderedDict`` of named modules.  It can be indexed (an int gives a
    module, a slice a new ``Sequential`` sharing the modules), measured with
    ``len``, iterated over and extended with ``append``.

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit import nn
    >>> net = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
    >>> net
    Sequential(
      (0): Linear(in_features=2, out_features=8, bias=True)
      (1): ReLU()
      (2): Linear(in_features=8, out_features=3, bias=True)
    )
    >>> len(net), net[-1].out_features
    (3, 3)
    >>> net(ck.ones(4, 2)).shape
    (4, 3)
    """

    def __init__(self, *modules: Module | OrderedDict[str, Module]) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, self._checked(module, name))
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), self._checked(module, str(i)))

    @staticmethod
    def _checked(module: Any, name: str) -> Module:
        return _checked(module, f"Sequential: entry {name}")

    def forward(self, x: Any) -> Any:
        for module in self._modules.values():
            x = module(x)
        return x

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    @overload
    def __getitem__(self, index: int) -> Module: ...

    @overload
    def __getitem__(self, index: slice) -> Sequential: ...

    def __getitem__(self, index: int | slice) -> Module | Sequential:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(OrderedDict(items[index]))
        try:
            return items[index][1]
        except IndexError:
            raise IndexError(f"index {index} is out of range for a Sequential of length {len(self)}") from None

    def __setitem__(self, index: int, module: Module) -> None:
        name = list(self._modules)[index]
        self.add_module(name, self._checked(module, name))

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end; returns ``self``."""
        name = str(len(self))
        while name in self._modules:  # after deletions, keep names unique
            name = str(int(name) + 1)
        self.add_module(name, self._checked(module, name))
        return self

    def extend(self, modules: Any) -> Sequential:
        """Append every module of an iterable; returns ``self``."""
        for module in modules:
            self.append(module)
        return self


class ModuleList(Module):
    """A list of modules whose parameters the owner sees (``torch.nn.ModuleList``).

    A plain Python list of layers hides them: ``parameters()`` does not look
    inside lists, so an optimizer would never train them.  A ``ModuleList``
    registers each entry under its index (``'0'``, ``'1'``, ...).  It has no
    ``forward``: the owner decides how the modules are used.

    Parameters
    ----------
    modules : iterable of Module, optional

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit import nn
    >>> class Deep(nn.Module):
    ...     def __init__(self, width, depth):
    ...         super().__init__()
    ...         self.layers = nn.ModuleList(nn.Linear(width, width) for _ in range(depth))
    ...     def forward(self, x):
    ...         for layer in self.layers:
    ...             x = layer(x).tanh()
    ...         return x
    >>> net = Deep(4, 3)
    >>> [name for name, _ in net.named_parameters()][:3]
    ['layers.0.weight', 'layers.0.bias', 'layers.1.weight']
    >>> net.layers
    ModuleList(
      (0-2): 3 x Linear(in_features=4, out_features=4, bias=True)
    )
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _index(self, index: int) -> int:
        """A non-negative position, or IndexError naming the length."""
        try:
            index = operator.index(index)  # ints and NumPy integers, not floats
        except TypeError:
            raise TypeError(f"ModuleList indices must be integers or slices, not {type(index).__name__}") from None
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"index {index} is out of range for a ModuleList of length {n}")
        return index % n

    @overload
    def __getitem__(self, index: int) -> Module: ...

    @overload
    def __getitem__(self, index: slice) -> ModuleList: ...

    def __getitem__(self, index: int | slice) -> Module | ModuleList:
        if isinstance(index, slice):
            return ModuleList(list(self._modules.values())[index])
        return self._modules[str(self._index(index))]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(str(self._index(index)), _checked(module, f"ModuleList: entry {index}"))

    def __delitem__(self, index: int | slice) -> None:
        kept = list(self._modules.values())
        if isinstance(index, slice):
            del kept[index]
        else:
            del kept[self._index(index)]
        self._renumber(kept)

    def _renumber(self, modules: list[Module]) -> None:
        # Names stay 0, 1, 2 ... in order, as in torch, so state_dict keys do too.
        for name in list(self._modules):
            delattr(self, name)
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._modules.values()))

    def __iadd__(self, modules: Iterable[Module]) -> Self:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *other])

    def append(self, module: Module) -> Self:
        """Add ``module`` at the end; returns ``self``."""
        self.add_module(str(len(self)), _checked(module, f"ModuleList: entry {len(self)}"))
        return self

    def extend(self, modules: Iterable[Module]) -> Self:
        """Append every module of an iterable; returns ``self``."""
        if isinstance(modules, Module) and not isinstance(modules, (ModuleList, Sequential)):
            raise TypeError("ModuleList.extend needs an iterable of modules: use append() for one module")
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``."""
        modules = list(self._modules.values())
        modules.insert(index, _checked(module, f"ModuleList: entry {index}"))
        self._renumber(modules)

    def pop(self, index: int = -1) -> Module:
        """Remove and return the module at ``index`` (the last by default)."""
        module = self[index]
        del self[index]
        return module

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "a ModuleList has no forward(): loop over it in your module's forward, "
            "or use nn.Sequential to apply the modules one after the other"
        )

    def __repr__(self) -> str:
        # Runs of identical entries are printed once, as torch does: "(0-2): 3 x Linear(...)".
        reprs = [repr(m) for m in self]
        if not reprs:
            return "ModuleList()"
        lines, start = [], 0
        for i in range(1, len(reprs) + 1):
            if i == len(reprs) or reprs[i] != reprs[start]:
                label = f"({start}): " if i - start == 1 else f"({start}-{i - 1}): {i - start} x "
                lines.append(_indent(label + reprs[start]))
                start = i
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of named modules whose parameters the owner sees (``torch.nn.ModuleDict``).

    Keys keep their insertion order.  Like :class:`ModuleList` it registers
    its entries and has no ``forward``.

    Parameters
    ----------
    modules : mapping or iterable of (str, Module) pairs, optional

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit import nn
    >>> heads = nn.ModuleDict({"class": nn.Linear(4, 3), "box": nn.Linear(4, 2)})
    >>> list(heads), heads["box"].out_features
    (['class', 'box'], 2)
    >>> [name for name, _ in heads.named_parameters()]
    ['class.weight', 'class.bias', 'box.weight', 'box.bias']
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        try:
            return self._modules[key]
        except KeyError:
            raise KeyError(f"{key!r} is not in this ModuleDict; its keys are {list(self._modules)}") from None

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, _checked(module, f"ModuleDict: entry {key!r}"))

    def __delitem__(self, key: str) -> None:
        self[key]  # the helpful KeyError
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._modules))

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> list[str]:
        """The keys, in insertion order."""
        return list(self._modules)

    def values(self) -> list[Module]:
        """The modules, in insertion order."""
        return list(self._modules.values())

    def items(self) -> list[tuple[str, Module]]:
        """``(key, module)`` pairs, in insertion order."""
        return list(self._modules.items())

    def pop(self, key: str) -> Module:
        """Remove ``key`` and return its module."""
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        """Remove every entry."""
        for key in self.keys():
            del self[key]

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace entries from a mapping or from ``(key, module)`` pairs."""
        pairs = modules.items() if isinstance(modules, (Mapping, ModuleDict)) else modules
        for i, pair in enumerate(pairs):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(
                    f"ModuleDict.update: element {i} should be a (key, module) pair, got {type(pair).__name__}"
                )
            self[pair[0]] = pair[1]

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a ModuleDict has no forward(): pick its modules by key in your module's forward")
