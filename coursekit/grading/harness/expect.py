"""Unpacking what the student's functions return, with a clear ``WrongType`` when it has the wrong form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .run import WrongType

__all__ = ["as_float", "expect_dict", "expect_tuple"]


def expect_tuple(value: Any, n: int, what: str) -> tuple:
    """``value`` as a tuple of ``n`` items, or WrongType explaining what was expected.

    Examples
    --------
    >>> expect_tuple([1, 2], 2, "f")
    (1, 2)
    """
    if not isinstance(value, (tuple, list)) or len(value) != n:
        got = f"a {type(value).__name__}" + (
            f" of length {len(value)}" if isinstance(value, (tuple, list)) else ""
        )
        raise WrongType(f"{what} should return a tuple of {n} values, got {got}")
    return tuple(value)


def expect_dict(value: Any, keys: Sequence[str], what: str) -> dict:
    """``value`` as a dict with (at least) ``keys``, or WrongType."""
    if not isinstance(value, dict):
        raise WrongType(
            f"{what} should return a dict with keys {', '.join(keys)}; got a {type(value).__name__}"
        )
    missing = [k for k in keys if k not in value]
    if missing:
        raise WrongType(f"{what}: the returned dict lacks the key(s) {', '.join(missing)}")
    return value


def as_float(value: Any, what: str) -> float:
    """A single real number, or WrongType."""
    try:
        arr = np.asarray(value)
    except Exception:  # noqa: BLE001  (any failure of the student's object)
        arr = np.asarray(None)
    if arr.size != 1 or arr.dtype.kind not in "biuf":
        raise WrongType(f"{what} should be a single number, got {type(value).__name__}")
    return float(arr.reshape(-1)[0])
