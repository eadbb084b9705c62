"""The record files: what record mode writes, and the strict reader the grader uses.

One call ``check(check_id, ..., hidden=...)`` in record mode writes two files
into ``$COURSEKIT_GRADING_OUT``::

    <check_id>.<variant>.json   statuses (README.md, "The protocol")
    <check_id>.<variant>.npz    the outputs of the cases with status "ok",
                                key "<case>.<index of the output name>", float64 arrays

Both are data only.  The reader trusts nothing in them: it reads regular
files only (no symlinks, FIFOs or directories), caps their sizes, parses the
JSON against the schema, loads the ``.npz`` with ``allow_pickle=False`` and
hands every array to the same strict validation as compare mode.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import stat
import tempfile
from dataclasses import dataclass
from typing import Any

import numpy as np

from .sandbox import EXCEPTION, FORBIDDEN, OK, STATUSES, WRONG_TYPE, Outcome

__all__ = [
    "MAX_JSON_BYTES",
    "MAX_NPZ_BYTES",
    "PROTOCOL",
    "RecordError",
    "Recorded",
    "read_record",
    "record_paths",
    "write_record",
]

PROTOCOL = "coursekit-grading-record/1"
MAX_JSON_BYTES = 1 << 20
MAX_NPZ_BYTES = 64 << 20
_MAX_TEXT = 2000


class RecordError(Exception):
    """A record is missing or malformed (the message says which and why)."""


@dataclass(frozen=True)
class Recorded:
    """One variant's record, read back and checked for form (not for correctness)."""

    check_id: str
    variant: str
    seed: int
    outcomes: list[Outcome]


def record_paths(directory: str, check_id: str, variant: str) -> tuple[str, str]:
    """The JSON and NPZ paths of one record."""
    stem = os.path.join(directory, f"{check_id}.{variant}")
    return stem + ".json", stem + ".npz"


def _atomic_write(path: str, write: Any) -> None:
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _text(value: str | None) -> str | None:
    return None if value is None else str(value)[:_MAX_TEXT]


def write_record(
    directory: str, check_id: str, variant: str, seed: int, outcomes: list[Outcome]
) -> tuple[str, str]:
    """Write one variant's outcomes (student side, record mode); a later call replaces an earlier one.

    Returns
    -------
    (json_path, npz_path)
    """
    os.makedirs(directory, exist_ok=True)
    json_path, npz_path = record_paths(directory, check_id, variant)
    arrays: dict[str, np.ndarray] = {}
    cases = []
    for k, o in enumerate(outcomes):
        case: dict[str, Any] = {
            "status": o.status,
            "seconds": round(float(o.seconds), 6),
            "printed_chars": len(o.printed),
            "warnings": len(o.warnings),
        }
        if o.status == OK:
            case["outputs"] = list(o.outputs)
            for i, value in enumerate(o.outputs.values()):
                arrays[f"{k}.{i}"] = np.array(
                    value, dtype=np.float64, order="C"
                )  # keeps 0-d arrays 0-d
        elif o.status == EXCEPTION:
            case.update(
                error_type=_text(o.error_type),
                error_message=_text(o.error_message),
                location=_text(o.location),
            )
        elif o.status == WRONG_TYPE:
            case["error_message"] = _text(o.error_message)
        elif o.status == FORBIDDEN:
            case["used"] = list(o.used)
        cases.append(case)
    document = {
        "protocol": PROTOCOL,
        "check_id": check_id,
        "variant": variant,
        "seed": int(seed),
        "cases": cases,
    }
    _atomic_write(npz_path, lambda f: np.savez(f, **arrays))
    _atomic_write(json_path, lambda f: f.write(json.dumps(document, indent=1).encode()))
    return json_path, npz_path


def _read_regular(path: str, limit: int) -> bytes:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise RecordError(f"missing record file {os.path.basename(path)}") from None
    if not stat.S_ISREG(info.st_mode):
        raise RecordError(f"{os.path.basename(path)} is not a regular file")
    if info.st_size > limit:
        raise RecordError(f"{os.path.basename(path)} is larger than {limit} bytes")
    with open(path, "rb") as f:
        return f.read(limit + 1)


def _string(case: dict[str, Any], key: str, required: bool = False) -> str | None:
    value = case.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise RecordError(f"field {key!r} must be a string")
    return value[:_MAX_TEXT]


def _parse_case(case: Any) -> Outcome:
    if not isinstance(case, dict):
        raise RecordError("every case must be a JSON object")
    status = case.get("status")
    if status not in STATUSES:
        raise RecordError(f"unknown case status {status!r}")
    seconds = case.get("seconds", 0.0)
    seconds = (
        float(seconds) if isinstance(seconds, (int, float)) and math.isfinite(seconds) else 0.0
    )
    if status == OK:
        names = case.get("outputs")
        if not isinstance(names, list) or not all(
            isinstance(n, str) and 0 < len(n) <= 200 for n in names
        ):
            raise RecordError("an 'ok' case needs 'outputs': a list of names")
        if len(set(names)) != len(names):
            raise RecordError("output names repeat")
        return Outcome(
            status=OK, outputs=dict.fromkeys(names), seconds=seconds
        )  # arrays filled in later
    if status == EXCEPTION:
        return Outcome(
            status=EXCEPTION,
            error_type=_string(case, "error_type", True) or "Exception",
            error_message=_string(case, "error_message") or "",
            location=_string(case, "location"),
            seconds=seconds,
        )
    if status == WRONG_TYPE:
        return Outcome(
            status=WRONG_TYPE, error_message=_string(case, "error_message") or "", seconds=seconds
        )
    used = case.get("used", [])
    if not isinstance(used, list) or not all(isinstance(u, str) for u in used):
        raise RecordError("'used' must be a list of module names")
    return Outcome(status=FORBIDDEN, used=tuple(u[:200] for u in used[:20]), seconds=seconds)


def read_record(directory: str, check_id: str, variant: str) -> Recorded:
    """Read and check the form of one record (grader side).

    Every array is loaded with ``allow_pickle=False``; an array that cannot be
    loaded that way (e.g. an object array) turns its case into a
    ``"wrong_type"`` outcome.  Values are validated later, by
    :func:`coursekit.grading.compare.judge`.

    Raises
    ------
    RecordError
        If a file is missing, is not a regular file, is too large, or the
        JSON does not follow the protocol.
    """
    json_path, npz_path = record_paths(directory, check_id, variant)
    try:
        document = json.loads(_read_regular(json_path, MAX_JSON_BYTES).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RecordError(
            f"{os.path.basename(json_path)} is not valid JSON ({type(err).__name__})"
        ) from None
    if not isinstance(document, dict) or document.get("protocol") != PROTOCOL:
        raise RecordError(f"{os.path.basename(json_path)} does not follow protocol {PROTOCOL}")
    if document.get("check_id") != check_id or document.get("variant") != variant:
        raise RecordError(f"{os.path.basename(json_path)} names another check or variant")
    seed = document.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise RecordError("'seed' must be a non-negative integer")
    cases = document.get("cases")
    if not isinstance(cases, list) or not cases or len(cases) > 1000:
        raise RecordError("'cases' must be a non-empty list")
    outcomes = [_parse_case(c) for c in cases]

    wanted = {
        f"{k}.{i}": (k, name)
        for k, o in enumerate(outcomes)
        if o.status == OK
        for i, name in enumerate(o.outputs)
    }
    raw = _read_regular(npz_path, MAX_NPZ_BYTES)
    try:
        npz = np.load(io.BytesIO(raw), allow_pickle=False)
    except Exception as err:  # noqa: BLE001  (a malformed file, whatever the reason)
        raise RecordError(
            f"{os.path.basename(npz_path)} is not a readable .npz file ({type(err).__name__})"
        ) from None
    with npz:
        if not hasattr(npz, "files"):
            raise RecordError(
                f"{os.path.basename(npz_path)} is a single array, not an .npz archive"
            )
        if set(npz.files) != set(wanted):
            raise RecordError(
                f"{os.path.basename(npz_path)} holds arrays {sorted(npz.files)}, "
                f"the JSON lists {sorted(wanted)}"
            )
        for key, (k, name) in wanted.items():
            if outcomes[k].status != OK:
                continue
            try:
                outcomes[k].outputs[name] = npz[key]
            except Exception as err:  # noqa: BLE001  (object arrays raise ValueError; anything else too)
                outcomes[k] = Outcome(
                    status=WRONG_TYPE,
                    error_message=(
                        f"recorded output {name!r} is not plain numeric data ({type(err).__name__})"
                    ),
                )
    return Recorded(check_id=check_id, variant=variant, seed=seed, outcomes=outcomes)
