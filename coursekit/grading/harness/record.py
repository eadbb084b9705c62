"""``check`` inside the grading sandbox: run the student's code on the grader's inputs, send what it returned.

The grader's trusted side drew this submission's inputs and wrote them as plain
data into ``$COURSEKIT_GRADING_INPUTS``; this module reads them, calls the
student's code on them (:mod:`.calls`), and sends the outputs, as a record,
down the file descriptor ``$COURSEKIT_GRADING_FD``.  It never compares and
never raises because an answer is wrong: it holds no reference, no expected
output and no seed, so patching it can only change what the student claims.
"""

from __future__ import annotations

import json
import os
from typing import Any

from .calls import get_call
from .run import run_call
from .wire import read_inputs, record_bytes

__all__ = ["FD_ENV", "INPUTS_ENV", "check", "send_record", "visible_inputs"]

INPUTS_ENV = "COURSEKIT_GRADING_INPUTS"
FD_ENV = "COURSEKIT_GRADING_FD"


def _inputs_dir() -> str:
    path = os.environ.get(INPUTS_ENV, "")
    if not path:
        raise RuntimeError(f"check() in the grading sandbox needs ${INPUTS_ENV}")
    return path


def send_record(check_id: str, variant: str, json_bytes: bytes, npz_bytes: bytes) -> None:
    """Write one record frame (a JSON header line, then the two payloads) to the report descriptor."""
    header = json.dumps({"record": f"{check_id}.{variant}", "json": len(json_bytes), "npz": len(npz_bytes)})
    data = header.encode() + b"\n" + json_bytes + npz_bytes
    fd = int(os.environ.get(FD_ENV, "-1"))
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def check(check_id: str, student: Any, *, hidden: bool = False, seed: int | None = None) -> None:
    """Run ``student`` on this student's inputs of ``check_id`` and send the outputs to the grader.

    Same signature as the compare-mode ``coursekit.grading.check``; ``seed``
    is ignored (the grader drew the inputs).
    """
    variant = "hidden" if hidden else "visible"
    try:
        cases = read_inputs(_inputs_dir(), check_id, variant)
    except FileNotFoundError:
        raise ValueError(f"the grader has no {variant} inputs for check {check_id!r}") from None
    call = get_call(check_id)
    outcomes = [run_call(call, student, inputs) for inputs in cases]
    send_record(check_id, variant, *record_bytes(check_id, variant, outcomes))


def visible_inputs(check_id: str) -> dict[str, Any]:
    """The inputs of the visible check ``check_id`` (the same for every student)."""
    return read_inputs(_inputs_dir(), check_id, "visible")[0]
