"""``get_call(check_id)``: how a check runs the student's code (one module per assignment)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["Call", "get_call"]

Call = Callable[[Any, dict[str, Any]], dict[str, Any]]


def get_call(check_id: str) -> Call:
    """The call of ``check_id`` (e.g. ``"a1.sigmoid_neuron"``), from ``harness/a1.py``.

    Examples
    --------
    >>> get_call("a1.sigmoid_neuron").__name__
    '_neuron'
    """
    prefix = check_id.split(".", 1)[0]
    if not prefix.isidentifier():
        raise KeyError(f"no check {check_id!r}")
    try:
        module = importlib.import_module(f"{__package__}.{prefix}")
        return module.CALLS[check_id]
    except (ImportError, AttributeError, KeyError):
        raise KeyError(f"no check {check_id!r}") from None
