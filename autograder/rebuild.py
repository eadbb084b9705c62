"""Build the notebook that is executed: the instructor's cells plus the student's answers.

The submitted notebook is never executed as it is.  Its test cells, their
metadata and points, and every locked cell come from the instructor's
*source* notebook (which has the hidden tests); only the student's answer
cells (nbgrader ``solution`` cells, matched by ``grade_id``, else by cell id)
and cells the student added are taken from the submission.  Editing,
deleting or renaming a test cell, or changing its points, therefore changes
nothing; a missing or renamed answer cell leaves its stub in place (the
release's ``raise NotImplementedError()``), so only that part scores 0, with
a reason.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["EXTRA_CELL_PREFIX", "Rebuilt", "NotebookError", "parse_notebook", "rebuild", "grade_cells",
           "nbgrader_cells"]

MAX_NOTEBOOK_BYTES = 20 * 2**20
MAX_CELL_CHARS = 200_000
_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.DOTALL)
_SEED_ARG = re.compile(r",\s*seed\s*=\s*\d+")
_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
EXTRA_CELL_PREFIX = "student-extra-"  # the id of each code cell the student added
_SOLUTION = re.compile(r"### BEGIN SOLUTION\n.*?### END SOLUTION\n?", re.DOTALL)


class NotebookError(ValueError):
    """The submission is not a usable notebook (malformed JSON, wrong structure, too large)."""


@dataclass
class Rebuilt:
    """The notebook to execute and what was taken from the student."""

    notebook: dict[str, Any]
    missing: list[str] = field(default_factory=list)  # answer cells not found in the submission
    extra_cells: int = 0  # cells the student added


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    if isinstance(src, list):
        src = "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def _meta(cell: dict[str, Any]) -> dict[str, Any]:
    meta = cell.get("metadata", {})
    nbg = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return nbg if isinstance(nbg, dict) else {}


def parse_notebook(data: bytes) -> dict[str, Any]:
    """Parse submitted bytes as a notebook, or raise :class:`NotebookError` with a clear reason."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise NotebookError(f"the notebook is {len(data)} bytes, more than {MAX_NOTEBOOK_BYTES}")
    try:
        nb = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotebookError(f"the notebook is not valid JSON ({exc})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookError("the notebook has no list of cells")
    return nb


def nbgrader_cells(source: dict[str, Any]) -> list[dict[str, Any]]:
    """Every cell of the source notebook that nbgrader tracks: its grade_id, type, points and roles.

    The roles (``grade``, ``solution``, ``task``) are the flags of nbgrader's
    cell metadata; the gradebook registers a cell for each.
    """
    out = []
    for cell in source["cells"]:
        m = _meta(cell)
        if m.get("grade_id"):
            out.append(
                {"grade_id": m["grade_id"], "cell_type": cell["cell_type"], "points": float(m.get("points", 0)),
                 "grade": bool(m.get("grade")), "solution": bool(m.get("solution")), "task": bool(m.get("task"))}
            )
    return out


def grade_cells(source: dict[str, Any]) -> list[dict[str, Any]]:
    """The graded cells of the source notebook: grade_id, points, and whether they are autograded."""
    return [
        {"grade_id": c["grade_id"], "points": c["points"], "cell_type": c["cell_type"],
         "auto": c["cell_type"] == "code" and not c["solution"]}
        for c in nbgrader_cells(source) if c["grade"]
    ]


def _student_answers(nb: dict[str, Any]) -> tuple[dict[str, dict], dict[str, dict]]:
    by_grade_id: dict[str, dict] = {}
    by_id: dict[str, dict] = {}
    for cell in nb["cells"]:
        if not isinstance(cell, dict):
            continue
        gid = _meta(cell).get("grade_id")
        if isinstance(gid, str):
            by_grade_id.setdefault(gid, cell)
        if isinstance(cell.get("id"), str):
            by_id.setdefault(cell["id"], cell)
    return by_grade_id, by_id


def _with_secret_seeds(text: str, secret: str | None) -> str:
    """The sandbox copy of a test cell: no ``seed=`` (the grader draws every input on its own side)."""
    if not secret:
        return text
    return _HIDDEN.sub(lambda m: "### BEGIN HIDDEN TESTS\n" + _SEED_ARG.sub("", m.group(1)) + "### END HIDDEN TESTS",
                       text)


def rebuild(source: dict[str, Any], submitted: dict[str, Any], secret: str | None) -> Rebuilt:
    """The notebook to execute: trusted cells from ``source``, answers from ``submitted``.

    Parameters
    ----------
    source : dict
        The instructor's source notebook (solutions and hidden tests).
    submitted : dict
        The student's notebook, already parsed (untrusted).
    secret : str or None
        Per-course secret; hidden seeds are derived from it and written into the copy.

    Returns
    -------
    Rebuilt
    """
    by_grade_id, by_id = _student_answers(submitted)
    known_ids = {c.get("id") for c in source["cells"]}
    gid_to_id = {_meta(c)["grade_id"]: c.get("id") for c in source["cells"] if _meta(c).get("grade_id")}
    known_gids = set(gid_to_id)
    missing: list[str] = []
    cells: list[dict[str, Any]] = []
    for cell in source["cells"]:
        cell = copy.deepcopy(cell)
        m = _meta(cell)
        if m.get("solution"):
            gid = m.get("grade_id")
            theirs = by_grade_id.get(gid) or by_id.get(cell.get("id"))
            if theirs is None or theirs.get("cell_type") != cell["cell_type"]:
                missing.append(gid)
                # The release's stub: the answer is absent, that part scores 0.
                cell["source"] = _SOLUTION.sub(_STUB + "\n", _source(cell)) if cell["cell_type"] == "code" else "YOUR ANSWER HERE"
            else:
                cell["source"] = _source(theirs)[:MAX_CELL_CHARS]
        elif cell["cell_type"] == "code":
            cell["source"] = _with_secret_seeds(_source(cell), secret)
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
    # Cells the student added (helpers, imports) run in place, after the trusted cell they followed.
    extra = 0
    anchor = None
    inserts: dict[Any, list[dict]] = {}
    for cell in submitted["cells"]:
        if not isinstance(cell, dict):
            continue
        gid = _meta(cell).get("grade_id")
        if cell.get("id") in known_ids or gid in known_gids:
            anchor = cell.get("id") if cell.get("id") in known_ids else gid_to_id[gid]
            continue
        if cell.get("cell_type") == "code" and not _meta(cell):
            extra += 1
            inserts.setdefault(anchor, []).append(
                {"cell_type": "code", "id": f"{EXTRA_CELL_PREFIX}{extra}", "metadata": {},
                 "execution_count": None, "outputs": [], "source": _source(cell)[:MAX_CELL_CHARS]}
            )
    if inserts:
        out = list(inserts.get(None, []))
        for cell in cells:
            out.append(cell)
            out += inserts.get(cell.get("id"), [])
        cells = out
    nb = {"cells": cells, "metadata": copy.deepcopy(source.get("metadata", {})),
          "nbformat": 4, "nbformat_minor": source.get("nbformat_minor", 5)}
    return Rebuilt(nb, missing, extra)
