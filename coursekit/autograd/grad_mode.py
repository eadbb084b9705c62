"""Switching graph recording on and off: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``."""

from __future__ import annotations

import contextlib
import functools
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_enabled = True


def is_grad_enabled() -> bool:
    """Return True when new operations are recorded for backpropagation."""
    return _enabled


class set_grad_enabled(contextlib.ContextDecorator):
    """Turn graph recording on or off inside a ``with`` block or a decorated function.

    Examples
    --------
    >>> import coursekit as ck
    >>> x = ck.tensor(2.0, requires_grad=True)
    >>> with ck.set_grad_enabled(False):
    ...     y = x * 3
    >>> y.requires_grad
    False
    """

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self.prev: list[bool] = []

    def __enter__(self) -> None:
        global _enabled
        self.prev.append(_enabled)
        _enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        global _enabled
        _enabled = self.prev.pop()

    def __call__(self, fn: F) -> F:  # a fresh object per call keeps nesting and recursion safe
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(set_grad_enabled):
    """Do not record operations (evaluation, parameter updates); a decorator too, with or without ().

    Examples
    --------
    >>> import coursekit as ck
    >>> w = ck.tensor([1.0, 2.0], requires_grad=True)
    >>> with ck.no_grad():
    ...     w -= 0.1          # an in-place update that must not enter the graph
    >>> w.is_leaf
    True
    >>> @ck.no_grad
    ... def predict(x):
    ...     return w * x
    >>> predict(2.0).requires_grad
    False
    """

    def __new__(cls, fn: Any = None) -> Any:
        if fn is not None:  # @no_grad without parentheses: decorate fn at once
            return cls()(fn)
        return super().__new__(cls)

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Record operations again inside a ``no_grad`` region (a decorator too, with or without ())."""

    def __new__(cls, fn: Any = None) -> Any:
        if fn is not None:
            return cls()(fn)
        return super().__new__(cls)

    def __init__(self) -> None:
        super().__init__(True)


class inference_mode(set_grad_enabled):
    """``torch.inference_mode``: here the same as ``no_grad`` (``mode=False`` records as usual).

    Examples
    --------
    >>> import coursekit as ck
    >>> x = ck.tensor(1.0, requires_grad=True)
    >>> with ck.inference_mode():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # @inference_mode without parentheses
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        super().__init__(not mode)
