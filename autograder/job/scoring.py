"""Scoring one run, on the trusted side (the worker's process or the driver's, never the sandbox).

``score(raw, cells, secret)`` turns what a sandboxed run returned (statuses
and record bytes) into the stored result: per test cell points and teaching
messages, notes, per-cell errors, all text made storable.  Workers score
their own runs (so scoring is parallel and reuses the inputs they drew); the
driver scores only what a failed worker could not.
"""

from __future__ import annotations

from typing import Any

from coursekit import grading
from coursekit.grading.redact import student_text

__all__ = ["CELL_ERRORS_SHOWN", "score", "storable"]

CELL_ERRORS_SHOWN = 20
"""First errors of at most this many cells are kept for the feedback (the rest are counted)."""


def storable(value: Any) -> Any:
    """``value`` with every string made storable (lone surrogates and NULs replaced), recursively."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8").replace("\0", "")
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [storable(v) for v in value]
    return value


def _cell_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cells' first errors as the student may see them: few, short, numbers redacted.

    Their text comes from the student's process, which could read this
    attempt's hidden inputs: see :mod:`coursekit.grading.redact`.  The error
    type and the line in the student's cell stay useful.
    """
    kept = [dict(e, error=student_text(e.get("error"))) for e in errors[:CELL_ERRORS_SHOWN]
            if isinstance(e, dict)]
    if len(errors) > CELL_ERRORS_SHOWN:
        kept.append({"cell": "later cells", "error": f"{len(errors) - CELL_ERRORS_SHOWN} more cells failed "
                     "(not shown)", "line": None, "test": False})
    return kept


def score(raw: dict[str, Any], cells: list[dict[str, Any]], secret: str,
          drawn: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    """Score a run's raw result outside the sandbox; returns the stored result (plain JSON, storable text).

    The record bytes are parsed as hostile data by
    ``coursekit.grading.score_records`` against this submission's inputs
    (``drawn``, or drawn again from the secret, the student and the task key
    ``raw["key"]``).  Text from the student's process (cell errors, the
    report reader's problems) is bounded and redacted here, before anything
    stores or shows it.  Written answers get ``None``
    (the formgrader's job).
    """
    prefix = grading.assignment_prefix(raw["assignment"])
    records = raw.get("records") or {}
    results = grading.score_records(records, prefix, secret, raw["student"], drawn, submission=raw["key"])
    by_grade_id = {grading.cell_grade_id(r.check_id): r for r in results}
    missing = set(raw.get("missing_cells", []))
    out_cells = []
    for c in cells:
        entry = {"grade_id": c["grade_id"], "max_score": c["points"], "auto": c["auto"]}
        if not c["auto"]:
            entry.update(score=None, message="graded by hand", statuses={})
        elif c["grade_id"] in by_grade_id:
            r = by_grade_id[c["grade_id"]]
            entry.update(score=float(r.points), message=r.message, statuses=r.statuses, check_id=r.check_id)
            if r.parts:
                entry["parts"] = [dict(name=p.name, points=p.points, max_points=p.max_points, passed=p.passed)
                                  for p in r.parts]
        else:  # a test cell without a registered check: cannot be scored here
            entry.update(score=0.0, message="no check is registered for this cell", statuses={})
        out_cells.append(entry)
    notes = [f"answer cell '{g}' was not found in your notebook (deleted or renamed?): it scores 0"
             for g in sorted(missing)] + list(raw.get("notes", []))
    auto = [c for c in out_cells if c["auto"]]
    return storable({
        "assignment": raw["assignment"], "student": raw["student"], "key": raw["key"],
        "status": raw["status"], "reason": raw.get("reason", ""), "notes": notes,
        "cell_errors": _cell_errors(raw.get("cell_errors") or []),
        "problems": [student_text(p) for p in raw.get("problems") or []],
        "cells": out_cells, "score": sum(c["score"] or 0.0 for c in auto),
        "max_score": sum(c["max_score"] for c in auto), "seconds": float(raw.get("seconds", 0.0)),
        "retried": int(raw.get("retried", 0)),
        "sandbox": raw.get("sandbox", ""), "log_tail": raw.get("log_tail", "")[-2000:],
    })
