"""Plain data across the sandbox wall: the grader's inputs going in, the student's outputs coming out.

Inputs (written by the trusted side, read here) are one JSON document and one
``.npz`` archive per check and variant::

    inputs/<check_id>.<variant>.json   {"check_id", "variant", "cases": [value, ...]}
    inputs/<check_id>.<variant>.npz    the arrays, key "<n>"

A value is JSON (numbers, strings, booleans, null, lists, objects with string
keys) with two tags: ``{"$array": "<n>"}`` (an array of the archive) and
``{"$tuple": [...]}``.  Nothing else can be encoded: no object, no code.

Outputs go back as a *record* (protocol ``coursekit-grading-record/2``): a
JSON document of per-case statuses plus an ``.npz`` of the outputs of the
cases that returned, key ``"<case>.<index of the output name>"``.  The trusted
side parses records as hostile data (``coursekit.grading.record``).
"""

from __future__ import annotations

import io
import json
import math
import os
from typing import Any

import numpy as np

from .run import EXCEPTION, FORBIDDEN, OK, WRONG_TYPE, Outcome

__all__ = ["PROTOCOL", "decode", "encode", "read_inputs", "record_bytes", "write_inputs"]

PROTOCOL = "coursekit-grading-record/2"
_MAX_TEXT = 2000


def encode(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    """``value`` as JSON-ready data; arrays go into ``arrays`` (trusted side).

    Examples
    --------
    >>> arrays = {}
    >>> encode({"x": np.zeros(2), "pair": (1, 2.5)}, arrays)
    {'x': {'$array': '0'}, 'pair': {'$tuple': [1, 2.5]}}
    """
    if isinstance(value, np.ndarray):
        key = str(len(arrays))
        arrays[key] = np.array(value, order="C")  # not ascontiguousarray: it makes 0-d arrays 1-d
        return {"$array": key}
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (np.floating, float)):
        if not math.isfinite(value):
            raise ValueError("inputs must be finite numbers")
        return float(value)
    if value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, tuple):
        return {"$tuple": [encode(v, arrays) for v in value]}
    if isinstance(value, list):
        return [encode(v, arrays) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) and not k.startswith("$") for k in value):
            raise ValueError("input dicts need string keys that do not start with '$'")
        return {k: encode(v, arrays) for k, v in value.items()}
    raise TypeError(f"a grading input must be plain data, got a {type(value).__name__}")


def decode(value: Any, arrays: Any) -> Any:
    """The inverse of :func:`encode`, with the arrays from ``arrays`` (a loaded ``.npz``)."""
    if isinstance(value, list):
        return [decode(v, arrays) for v in value]
    if isinstance(value, dict):
        if set(value) == {"$array"}:
            return np.array(arrays[value["$array"]])
        if set(value) == {"$tuple"}:
            return tuple(decode(v, arrays) for v in value["$tuple"])
        return {k: decode(v, arrays) for k, v in value.items()}
    return value


def write_inputs(directory: str, check_id: str, variant: str, cases: list[dict[str, Any]]) -> None:
    """Write one variant's inputs (trusted side); keys starting with ``_`` are the grader's and stay out."""
    arrays: dict[str, np.ndarray] = {}
    public = [{k: v for k, v in case.items() if not k.startswith("_")} for case in cases]
    document = {"check_id": check_id, "variant": variant, "cases": encode(public, arrays)}
    stem = os.path.join(directory, f"{check_id}.{variant}")
    with open(stem + ".npz", "wb") as fh:
        np.savez(fh, **arrays)
    with open(stem + ".json", "w", encoding="utf-8") as fh:
        json.dump(document, fh)


def read_inputs(directory: str, check_id: str, variant: str) -> list[dict[str, Any]]:
    """The inputs of every case of one variant, as written by :func:`write_inputs`."""
    stem = os.path.join(directory, f"{check_id}.{variant}")
    with open(stem + ".json", encoding="utf-8") as fh:
        document = json.load(fh)
    with np.load(stem + ".npz", allow_pickle=False) as arrays:
        return decode(document["cases"], arrays)


def _text(value: str | None) -> str | None:
    return None if value is None else str(value)[:_MAX_TEXT]


def _case(k: int, o: Outcome, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    case: dict[str, Any] = {
        "status": o.status,
        "seconds": round(float(o.seconds), 6),
        "printed_chars": len(o.printed),
        "warnings": len(o.warnings),
    }
    if o.status == OK:
        case["outputs"] = list(o.outputs)
        for i, value in enumerate(o.outputs.values()):
            arrays[f"{k}.{i}"] = np.array(value, dtype=np.float64, order="C")
    elif o.status == EXCEPTION:
        case.update(error_type=_text(o.error_type), error_message=_text(o.error_message),
                    location=_text(o.location))
    elif o.status == WRONG_TYPE:
        case["error_message"] = _text(o.error_message)
    elif o.status == FORBIDDEN:
        case["used"] = list(o.used)
    return case


def record_bytes(check_id: str, variant: str, outcomes: list[Outcome]) -> tuple[bytes, bytes]:
    """One variant's outcomes as (JSON bytes, NPZ bytes): the record the grader parses."""
    arrays: dict[str, np.ndarray] = {}
    cases = [_case(k, o, arrays) for k, o in enumerate(outcomes)]
    document = {"protocol": PROTOCOL, "check_id": check_id, "variant": variant, "cases": cases}
    npz = io.BytesIO()
    np.savez(npz, **arrays)
    return json.dumps(document).encode(), npz.getvalue()
