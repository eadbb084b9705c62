"""Outputs as plain float64 arrays: lenient conversion on the student's side, strict validation on the grader's.

``to_float_array`` runs in the student's interpreter, right after the
student's function returned: it accepts anything NumPy reads as real numbers
(floats, ints, bools, lists, 0-d arrays, arrays of any real dtype) and turns
it into a fresh float64 ``numpy.ndarray``.

``validate_array`` runs on the trusted side, on what was recorded (or
converted): only a plain ``numpy.ndarray`` of native float64 with the expected
shape and finite entries is accepted.  Object arrays, subclasses, other
dtypes, wrong shapes, NaN and infinity are all answers that earn no credit,
with a message saying why.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .harness.run import to_float_array

__all__ = ["describe_inputs", "describe_value", "format_index", "to_float_array", "validate_array"]

FLOAT64 = np.dtype(np.float64)


def describe_value(value: Any) -> str:
    """A short description of a value's kind and shape, never its contents."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}"
    if isinstance(value, (bool, np.bool_)):
        return "a bool"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        if value and all(
            isinstance(v, (int, float, np.integer, np.floating)) for v in value.values()
        ):
            return f"dict of {len(value)} numbers ({', '.join(map(str, value))})"
        return f"dict with keys {', '.join(map(str, value))}"
    if isinstance(value, (list, tuple)):
        kinds = [describe_value(v) for v in value]
        if kinds and all(k.startswith("array of shape") for k in kinds):
            return f"{type(value).__name__} of {len(value)} arrays of shapes " + ", ".join(
                str(v.shape) for v in value
            )
        return f"{type(value).__name__} of {len(value)} items"
    if isinstance(value, np.random.Generator):
        return "a numpy random Generator"
    if callable(value):
        return "a function"
    return type(value).__name__


def describe_inputs(inputs: dict[str, Any]) -> str:
    """``"x: array of shape (3,); phi: dict of 8 numbers (...)"``, shapes only."""
    return "; ".join(
        f"{name}: {describe_value(v)}" for name, v in inputs.items() if not name.startswith("_")
    )


def format_index(index: tuple[int, ...]) -> str:
    """``(2, 1)`` -> ``"[2, 1]"``; ``()`` -> ``"(the single value)"``."""
    return "[" + ", ".join(map(str, index)) + "]" if index else "(the single value)"


def validate_array(value: Any, expected_shape: tuple[int, ...], name: str) -> str | None:
    """None if ``value`` is a plain, finite float64 ndarray of ``expected_shape``, else the reason (trusted side)."""
    if type(value) is not np.ndarray:
        return f"{name} is a {type(value).__name__}, not a plain numpy array of float64"
    if value.dtype != FLOAT64 or value.dtype.names is not None:
        return f"{name} has dtype {value.dtype}, expected float64"
    if value.shape != tuple(expected_shape):
        return f"{name} has shape {value.shape}, expected shape {tuple(expected_shape)}"
    finite = np.isfinite(value)
    if not finite.all():
        index = tuple(int(i) for i in np.argwhere(~finite)[0])
        bad = value[index]
        kind = "nan" if np.isnan(bad) else "inf"
        return f"{name} contains {kind} at index {format_index(index)} (an overflow? see the numerical-stability notes)"
    return None
