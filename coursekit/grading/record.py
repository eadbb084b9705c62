"""The strict reader of records: what the sandboxed harness sent back, parsed as hostile data.

A record (protocol ``coursekit-grading-record/2``, written by
:func:`coursekit.grading.harness.wire.record_bytes`) is one JSON document of
per-case statuses and one ``.npz`` archive of the outputs of the cases that
returned.  The reader trusts nothing: sizes are capped before parsing, the
JSON is parsed by :func:`~coursekit.grading.untrusted.load_json` (depth, number
and string limits) and checked against the schema, the archive's members are
checked for size before they are decompressed, arrays are loaded with
``allow_pickle=False``, and every value is validated later by the judge.
"""

from __future__ import annotations

import io
import math
import zipfile
from typing import Any

import numpy as np

from .harness.run import EXCEPTION, FORBIDDEN, OK, STATUSES, WRONG_TYPE, Outcome
from .harness.wire import PROTOCOL
from .untrusted import UntrustedDataError, load_json

__all__ = ["MAX_JSON_BYTES", "MAX_NPZ_BYTES", "PROTOCOL", "RecordError", "parse_record"]

MAX_JSON_BYTES = 1 << 20
MAX_NPZ_BYTES = 64 << 20
_MAX_TEXT = 2000


class RecordError(Exception):
    """A record is missing or malformed (the message says which and why)."""


def _string(case: dict[str, Any], key: str, required: bool = False) -> str | None:
    value = case.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise RecordError(f"field {key!r} must be a string")
    return value[:_MAX_TEXT]


def _seconds(case: dict[str, Any]) -> float:
    value = case.get("seconds", 0.0)
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return min(max(float(value), 0.0), 1e6) if ok else 0.0


def _parse_case(case: Any) -> Outcome:
    if not isinstance(case, dict):
        raise RecordError("every case must be a JSON object")
    status = case.get("status")
    if status not in STATUSES or status == FORBIDDEN:
        raise RecordError(f"unknown case status {str(status)[:40]!r}")
    seconds = _seconds(case)
    if status == OK:
        names = case.get("outputs")
        if not isinstance(names, list) or len(names) > 200 or not all(
            isinstance(n, str) and 0 < len(n) <= 200 for n in names
        ):
            raise RecordError("an 'ok' case needs 'outputs': a list of names")
        if len(set(names)) != len(names):
            raise RecordError("output names repeat")
        return Outcome(status=OK, outputs=dict.fromkeys(names), seconds=seconds)
    if status == EXCEPTION:
        return Outcome(
            status=EXCEPTION,
            error_type=_string(case, "error_type", True) or "Exception",
            error_message=_string(case, "error_message") or "",
            location=_string(case, "location"),
            seconds=seconds,
        )
    return Outcome(status=WRONG_TYPE, error_message=_string(case, "error_message") or "", seconds=seconds)


def _archive(raw: bytes, wanted: set[str]) -> zipfile.ZipFile:
    """The ``.npz`` as a zip whose members are exactly ``wanted`` and small enough once unpacked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        infos = archive.infolist()
    except Exception as err:  # noqa: BLE001  (a malformed file, whatever the reason)
        raise RecordError(f"the outputs are not a readable .npz archive ({type(err).__name__})") from None
    names = {i.filename.removesuffix(".npy") for i in infos}
    if len(infos) != len(names) or names != wanted:
        raise RecordError(f"the archive holds {sorted(names)[:20]}, the record lists {sorted(wanted)[:20]}")
    if sum(i.file_size for i in infos) > 4 * MAX_NPZ_BYTES:
        raise RecordError("the outputs unpack to more than allowed")
    return archive


def _load_array(archive: zipfile.ZipFile, key: str) -> np.ndarray:
    with archive.open(key + ".npy") as fh:
        return np.lib.format.read_array(io.BytesIO(fh.read(4 * MAX_NPZ_BYTES + 1)), allow_pickle=False)


def parse_record(json_bytes: bytes, npz_bytes: bytes, check_id: str, variant: str) -> list[Outcome]:
    """The outcomes of one record, checked for form (not for correctness).

    An array that cannot be loaded without pickle (e.g. an object array)
    turns its case into a ``"wrong_type"`` outcome.

    Raises
    ------
    RecordError
        If a part is too large or does not follow the protocol.
    """
    if len(json_bytes) > MAX_JSON_BYTES or len(npz_bytes) > MAX_NPZ_BYTES:
        raise RecordError("the record is larger than allowed")
    try:
        document = load_json(json_bytes, max_bytes=MAX_JSON_BYTES, max_depth=8, max_str=_MAX_TEXT * 2)
    except UntrustedDataError as err:
        raise RecordError(f"the record is not valid ({err})") from None
    if not isinstance(document, dict) or document.get("protocol") != PROTOCOL:
        raise RecordError(f"the record does not follow protocol {PROTOCOL}")
    if document.get("check_id") != check_id or document.get("variant") != variant:
        raise RecordError("the record names another check or variant")
    cases = document.get("cases")
    if not isinstance(cases, list) or not cases or len(cases) > 1000:
        raise RecordError("'cases' must be a non-empty list")
    outcomes = [_parse_case(c) for c in cases]
    wanted = {f"{k}.{i}": (k, name) for k, o in enumerate(outcomes) if o.status == OK
              for i, name in enumerate(o.outputs)}
    archive = _archive(npz_bytes, set(wanted))
    with archive:
        for key, (k, name) in wanted.items():
            if outcomes[k].status != OK:
                continue
            try:
                outcomes[k].outputs[name] = _load_array(archive, key)
            except Exception as err:  # noqa: BLE001  (object arrays raise ValueError; anything else too)
                outcomes[k] = Outcome(
                    status=WRONG_TYPE,
                    error_message=f"output {name[:200]!r} is not plain numeric data ({type(err).__name__})",
                )
    return outcomes
