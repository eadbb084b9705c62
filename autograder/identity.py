"""Is a submission this assignment's notebook at all?  One answer for ``collect`` and for ``grade``.

A student who uploads another notebook under the assignment's file name (the
previous assignment, a scratch notebook, answers copied into a new notebook)
would otherwise be graded 0 with a note per missing answer cell, and count as
"graded".  A submission that holds none, or almost none (fewer than a
quarter), of the assignment's answer cells is instead its own outcome, *not
this assignment's notebook*: ``collect`` says so, ``grade`` stores the status
``wrong_notebook`` without running it, and ``status``, ``report.html`` and the
feedback name it.  Answer cells are found as the rebuild finds them: by their
nbgrader ``grade_id``, else by their cell id (both survive Jupyter's saving).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

__all__ = ["WRONG_NOTEBOOK", "answer_cells_found", "answer_skeleton", "course_answer_cells", "not_this_notebook", "wrong_submission"]

WRONG_NOTEBOOK = "wrong_notebook"  # the status grade stores


def _cells(nb: Any) -> list[dict[str, Any]]:
    cells = nb.get("cells") if isinstance(nb, dict) else None
    return [c for c in cells if isinstance(c, dict)] if isinstance(cells, list) else []


def _grade_id(cell: dict[str, Any]) -> str | None:
    meta = cell.get("metadata")
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    gid = nbg.get("grade_id") if isinstance(nbg, dict) else None
    return gid if isinstance(gid, str) and gid else None


def _answers(source: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(grade_id, cell id) of every answer cell (nbgrader ``solution``) of a source notebook."""
    out = []
    for cell in _cells(source):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if isinstance(meta, dict) and meta.get("solution") and _grade_id(cell):
            cid = cell.get("id")
            out.append((_grade_id(cell), cid if isinstance(cid, str) else None))
    return out


def answer_skeleton(source: dict[str, Any]) -> dict[str, Any]:
    """The source notebook reduced to what :func:`answer_cells_found` reads (small enough to send with a task)."""
    return {"cells": [{"id": cid, "metadata": {"nbgrader": {"grade_id": gid, "solution": True}}}
                      for gid, cid in _answers(source)]}


def answer_cells_found(source: dict[str, Any], submitted: Any) -> tuple[int, int]:
    """(how many of the source's answer cells the submission holds, how many there are).

    Examples
    --------
    >>> src = {"cells": [{"id": "f", "metadata": {"nbgrader": {"grade_id": "f", "solution": True}}},
    ...                  {"id": "g", "metadata": {"nbgrader": {"grade_id": "g", "solution": True}}}]}
    >>> answer_cells_found(src, {"cells": [{"id": "f", "metadata": {}}]})
    (1, 2)
    >>> answer_cells_found(src, {"cells": "not a list"})
    (0, 2)
    """
    answers = _answers(source)
    cells = _cells(submitted)
    gids = {_grade_id(c) for c in cells} - {None}
    ids = {c.get("id") for c in cells if isinstance(c.get("id"), str)}
    found = sum(1 for gid, cid in answers if gid in gids or (cid is not None and cid in ids))
    return found, len(answers)


def not_this_notebook(assignment: str, source: dict[str, Any], submitted: Any,
                      others: dict[str, dict[str, Any]] | None = None) -> str | None:
    """Why ``submitted`` is not ``assignment``'s notebook, or None when it is (or may be).

    Parameters
    ----------
    assignment : str
        The assignment id.
    source : dict
        Its source notebook.
    submitted : dict
        The submitted notebook (parsed JSON; anything malformed counts as no cells).
    others : dict, optional
        Other assignments' source notebooks by id: the reason names the one the
        submission matches best, when it holds answer cells of one.

    Returns
    -------
    str or None
        The reason, for the instructor and the student, or None.

    Examples
    --------
    >>> src = {"cells": [{"id": "f", "metadata": {"nbgrader": {"grade_id": "f", "solution": True}}}]}
    >>> not_this_notebook("a1", src, {"cells": [{"id": "f", "metadata": {}}]}) is None
    True
    >>> print(not_this_notebook("a1", src, {"cells": []}))
    not this assignment's notebook: it holds none of the 1 answer cell(s) of a1 (it may be another notebook, or answers copied into a new one); submit a1.ipynb as handed out, with your answers in its cells
    """
    found, total = answer_cells_found(source, submitted)
    if total == 0 or found * 4 >= total:
        return None
    held = "none" if found == 0 else f"only {found}"
    guess = ""
    best = max(((answer_cells_found(nb, submitted)[0], a) for a, nb in (others or {}).items() if a != assignment),
               default=(0, ""))
    if best[0] > found:
        guess = f"; it holds {best[0]} answer cell(s) of {best[1]}"
    return (f"not this assignment's notebook: it holds {held} of the {total} answer cell(s) of {assignment}"
            f"{guess or ' (it may be another notebook, or answers copied into a new one)'}; "
            f"submit {assignment}.ipynb as handed out, with your answers in its cells")


@functools.lru_cache(maxsize=32)
def _source_notebook(path: str, mtime_ns: int) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return answer_skeleton(json.load(fh))


def course_answer_cells(course_root: Path) -> dict[str, dict[str, Any]]:
    """Every assignment of the course -> :func:`answer_skeleton` of its source notebook."""
    sources = {}
    for folder in sorted((Path(course_root) / "source").iterdir()):
        path = folder / f"{folder.name}.ipynb"
        if path.is_file():
            sources[folder.name] = _source_notebook(str(path), path.stat().st_mtime_ns)
    return sources


def wrong_submission(course_root: Path, assignment: str, data: bytes) -> str | None:
    """:func:`not_this_notebook` for submitted bytes in a course (other assignments named); None if unreadable.

    An unreadable notebook is not judged here: ``grade`` reports it as malformed, with the reason.
    """
    from .rebuild import NotebookError, parse_notebook  # the bounded parser: these bytes are hostile

    try:
        submitted = parse_notebook(data)
    except NotebookError:
        return None
    sources = course_answer_cells(course_root)
    if assignment not in sources:
        return None
    return not_this_notebook(assignment, sources[assignment], submitted, sources)
