"""``Sequential``: modules applied one after the other."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any, overload

from .module import Module

__all__ = ["Sequential"]


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
        if not isinstance(module, Module):
            raise TypeError(
                f"Sequential: entry {name} is a {type(module).__name__}, not a Module "
                "(wrap a function with nn.Lambda, e.g. nn.Lambda(ck.cos))"
            )
        return module

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
