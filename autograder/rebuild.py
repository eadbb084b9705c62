"""Build the notebook that is executed: the student's notebook, run the way they ran it.

Which cells run, and in which order
-----------------------------------
The instructor's *source* notebook (which has the hidden tests) sorts its
cells into three kinds, by their nbgrader metadata:

* **answer** cells (``solution``): the student's code or text;
* **instructor** cells (``grade`` without ``solution``, ``locked``, ``task``):
  test cells, read-only setup cells, task descriptions. Only these are
  *trusted*: whatever the student did to them, the source's version runs;
* **open** cells (no nbgrader role): editable, so the student's version runs
  (as in ``nbgrader autograde``).

A cell of the submission belongs to a source cell by ``grade_id`` (else by
cell id). Everything else is the student's own.

1. The student's cells run in the student's order: answer cells, open cells
   and every cell they added (helpers, imports, experiments, copies). A
   ``grade_id`` that appears more than once drops no code: all copies of an
   answer cell run in order, so the last definition wins as in Jupyter, and
   the last copy stands for the answer (it gets the source's id and
   metadata).
2. Each instructor cell runs once, from the source. It keeps the student's
   position when that position is where the source puts it: after the
   nearest preceding answer or open code cell of the source (its last copy)
   and after the instructor cells before it, and before the next such
   answer/open cell. Otherwise (moved, or deleted) it runs at that place in
   the source's order: just before that next answer/open code cell, so the
   student's helper cells written after an answer have run when its test
   does.
3. Of several submission cells carrying an instructor cell's ``grade_id``
   (copy-pasted cells keep their metadata), the one with the source's cell
   id (else the one with unchanged code, else the first) is the
   instructor's cell. An unchanged copy is not run again; a copy with other
   code is the student's code and runs where they put it, without the
   copied metadata.
4. A missing answer cell leaves the release's stub (``raise
   NotImplementedError()``) at its source place, so only that part scores 0.

:attr:`Rebuilt.notes` tells the student what was unusual (duplicate ids,
moved, edited or deleted instructor cells, copied metadata); none of it
costs points. With ``secret`` given (the sandbox copy), every ``seed=<int>``
argument is removed from the hidden tests, so no seed enters the sandbox.

Parsing
-------
:func:`parse_notebook` reads the submitted bytes as hostile (see
:mod:`coursekit.grading.untrusted`) with a generous cap on raw bytes, drops
outputs, attachments and all metadata but nbgrader's (the grader
re-executes, so saved figures never cost a submission), and then limits
what matters: the source characters per cell and in total.

Every limit is checked before the work it bounds is spent: the raw bytes
before decoding, the number of JSON values (``MAX_JSON_VALUES``) before the
parser allocates anything, the number of cells (``MAX_CELLS``) before any
cell is looked at, each cell's source before the total.  A notebook over a
limit raises :class:`NotebookTooLarge` (status ``notebook_too_large``) naming
the limit and the real size; the student's nbgrader metadata keeps only its
known keys with the right types (a list as ``grade_id`` is no ``grade_id``),
and a cell id longer than nbformat's 64 characters is dropped, so nothing
unbounded reaches the rebuilt (and the autograded) notebook.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from .release import release_notebook
from coursekit.grading.untrusted import UntrustedDataError, clean_text, load_json

__all__ = [
    "EXTRA_CELL_PREFIX",
    "MAX_CELLS",
    "MAX_CELL_CHARS",
    "MAX_JSON_VALUES",
    "MAX_NOTEBOOK_BYTES",
    "MAX_SOURCE_CHARS",
    "NotebookError",
    "NotebookTooLarge",
    "Rebuilt",
    "grade_cells",
    "nbgrader_cells",
    "parse_notebook",
    "rebuild",
]

MAX_NOTEBOOK_BYTES = 200 * 2**20  # the raw file, outputs included (they are dropped after parsing)
MAX_CELL_CHARS = 200_000  # source of one cell
MAX_SOURCE_CHARS = 2_000_000  # source of all cells
MAX_CELLS = 3_000  # the assignments have about 60; a student adds some, never thousands
# Array elements and object members in the whole file, outputs included: the parser's work and
# memory (about 0.3 KiB a value at worst). A notebook of 1.6 million empty cells is 6.4 million.
MAX_JSON_VALUES = 1_000_000
_MAX_DEPTH = 100  # widget state and rich outputs nest a few levels; json's parser recurses per level
_MAX_ID_CHARS = 64  # nbformat's limit for a cell id
_NBGRADER_KEYS = {"grade_id": str, "points": (int, float), "grade": bool, "solution": bool, "locked": bool,
                  "task": bool, "schema_version": int}
_CELL_TYPES = ("code", "markdown", "raw")
_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.DOTALL)
# A seed argument, with the comma that joins it to its neighbours.
_SEED = r"seed\s*=\s*[+-]?[\d_]+"
_SEED_ARG = re.compile(rf",\s*{_SEED}(?=\s*[,)])|\b{_SEED}\s*,\s*|\b{_SEED}(?=\s*\))")
EXTRA_CELL_PREFIX = "student-extra-"  # the id of each cell of the student's that is not a source cell


class NotebookError(ValueError):
    """The submission is not a usable notebook (malformed JSON, wrong structure, too large)."""


class NotebookTooLarge(NotebookError):
    """The submission is over one of the grader's size limits; the message names the limit and the real size."""


@dataclass
class Rebuilt:
    """The notebook to execute and what was taken from the student."""

    notebook: dict[str, Any]
    missing: list[str] = field(default_factory=list)  # answer cells not found in the submission
    extra_cells: int = 0  # code cells of the student's that are not source cells (added or copied)
    notes: list[str] = field(default_factory=list)  # what was unusual, for the student; costs nothing


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    if isinstance(src, list):
        src = "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def _meta(cell: dict[str, Any]) -> dict[str, Any]:
    meta = cell.get("metadata", {})
    nbg = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return nbg if isinstance(nbg, dict) else {}


def _grade_id(cell: dict[str, Any]) -> str | None:
    gid = _meta(cell).get("grade_id")
    return gid if isinstance(gid, str) and gid else None


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number",
            bool: "a boolean", type(None): "null"}.get(type(value), type(value).__name__)


def _name(cell: dict[str, Any], index: int) -> str:
    """How an instructor finds the cell: its index, and its grade_id or id."""
    gid, cid = _grade_id(cell), cell.get("id")
    if gid:
        return f"cells[{index}] (grade_id {clean_text(gid, 60)!r})"
    if isinstance(cid, str):
        return f"cells[{index}] (id {clean_text(cid, 60)!r})"
    return f"cells[{index}]"


def _known_nbgrader(meta: dict[str, Any]) -> dict[str, Any]:
    """nbgrader's keys that the grader reads, each only with its type (a list as grade_id is dropped)."""
    out = {}
    for key, kind in _NBGRADER_KEYS.items():
        value = meta.get(key)
        if isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
            if isinstance(value, str) and len(value) > 200:
                continue
            out[key] = value
    return out


def _stripped(nb: Any) -> dict[str, Any]:
    """The notebook with only what is executed or graded; structure and source sizes checked."""
    if not isinstance(nb, dict):
        raise NotebookError(f"the notebook is {_kind(nb)} in JSON, not an object with a list of cells")
    if "cells" not in nb:
        raise NotebookError("the notebook has no 'cells'")
    if not isinstance(nb["cells"], list):
        raise NotebookError(f"the notebook's 'cells' is {_kind(nb['cells'])}, not a list")
    if len(nb["cells"]) > MAX_CELLS:
        raise NotebookTooLarge(f"the notebook has {len(nb['cells']):,} cells, more than the limit of "
                               f"{MAX_CELLS:,}; delete the empty and unused ones")
    cells, sizes = [], []
    for i, cell in enumerate(nb["cells"]):
        if not isinstance(cell, dict):
            raise NotebookError(f"cells[{i}] is {_kind(cell)}, not a cell (an object)")
        if cell.get("cell_type") not in _CELL_TYPES:
            raise NotebookError(f"cells[{i}] has cell_type {clean_text(repr(cell.get('cell_type')), 40)}, "
                                "not 'code', 'markdown' or 'raw'")
        src = cell.get("source", "")
        if not (isinstance(src, str) or isinstance(src, list) and all(isinstance(s, str) for s in src)):
            raise NotebookError(f"{_name(cell, i)}: its source is {_kind(src)}, not text or a list of lines")
        meta = cell.get("metadata", {})
        if not isinstance(meta, dict) or not isinstance(meta.get("nbgrader", {}), dict):
            raise NotebookError(f"{_name(cell, i)}: its metadata is not an object")
        out: dict[str, Any] = {"cell_type": cell["cell_type"], "metadata": {}, "source": _source(cell)}
        if "nbgrader" in meta:
            out["metadata"]["nbgrader"] = _known_nbgrader(meta["nbgrader"])
        if isinstance(cell.get("id"), str) and 0 < len(cell["id"]) <= _MAX_ID_CHARS:
            out["id"] = cell["id"]
        if cell["cell_type"] == "code":
            out["outputs"], out["execution_count"] = [], None
        if len(out["source"]) > MAX_CELL_CHARS:
            raise NotebookTooLarge(f"{_name(cell, i)} has {len(out['source']):,} characters of source, more than "
                                f"the limit of {MAX_CELL_CHARS:,} per cell")
        sizes.append(len(out["source"]))
        cells.append(out)
    if sum(sizes) > MAX_SOURCE_CHARS:
        big = max(range(len(sizes)), key=sizes.__getitem__)
        raise NotebookTooLarge(f"the cells have {sum(sizes):,} characters of source in total, more than the limit "
                            f"of {MAX_SOURCE_CHARS:,}; the largest is {_name(nb['cells'][big], big)} with "
                            f"{sizes[big]:,}")
    minor = nb.get("nbformat_minor")
    return {"cells": cells, "metadata": {}, "nbformat": 4,
            "nbformat_minor": minor if isinstance(minor, int) and 0 <= minor < 100 else 5}


def parse_notebook(data: bytes) -> dict[str, Any]:
    """Parse submitted bytes as a notebook without its outputs, or raise :class:`NotebookError`.

    Parameters
    ----------
    data : bytes
        The submitted ``.ipynb`` file, as read (at most ``MAX_NOTEBOOK_BYTES`` + 1 bytes).

    Returns
    -------
    dict
        The notebook with its cells' type, id, nbgrader metadata and source;
        outputs emptied, attachments and other metadata dropped.

    Raises
    ------
    NotebookError
        With the precise problem: JSON is invalid (line and column) or the
        structure is wrong (which cell).
    NotebookTooLarge
        The file is over the raw-bytes cap, holds too many JSON values or
        cells, or a cell's or all cells' source is too long (the limit, the
        real size, and which cell).

    Examples
    --------
    >>> nb = parse_notebook(b'{"cells": [{"cell_type": "code", "source": ["x = 1"], "outputs": [1]}]}')
    >>> nb["cells"]
    [{'cell_type': 'code', 'metadata': {}, 'source': 'x = 1', 'outputs': [], 'execution_count': None}]
    >>> parse_notebook(b'{"cells": [{"cell_type": "code", "source": "x = 1"}, 7]}')
    Traceback (most recent call last):
    ...
    autograder.rebuild.NotebookError: cells[1] is a number, not a cell (an object)
    """
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise NotebookTooLarge(f"the notebook file is larger than {MAX_NOTEBOOK_BYTES:,} bytes, the most that "
                               "is read (outputs included); clear its outputs and submit it again")
    try:
        nb = load_json(data, max_bytes=MAX_NOTEBOOK_BYTES, max_depth=_MAX_DEPTH, max_items=MAX_JSON_VALUES,
                       max_str=MAX_NOTEBOOK_BYTES)
    except UntrustedDataError as exc:
        reason = str(exc)
        if reason.startswith("more than ") and reason.endswith(" values"):
            raise NotebookTooLarge(f"the notebook holds more than {MAX_JSON_VALUES:,} JSON values (cells, lines "
                                   "and saved outputs), the limit; clear its outputs and delete unused cells") from None
        if reason.startswith("invalid "):
            reason = reason.removeprefix("invalid JSON ")
            raise NotebookError(f"the notebook is not valid JSON: {reason}") from None
        raise NotebookError(f"the notebook cannot be read: {reason}") from None
    return _stripped(nb)


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


def _without_seeds(text: str) -> str:
    """The hidden tests of a trusted cell with every ``seed=<int>`` argument removed (sandbox copy)."""
    return _HIDDEN.sub(lambda m: f"### BEGIN HIDDEN TESTS\n{_SEED_ARG.sub('', m.group(1))}### END HIDDEN TESTS", text)


def _role(cell: dict[str, Any]) -> str:
    m = _meta(cell)
    if m.get("solution"):
        return "answer"
    if m.get("grade") or m.get("locked") or m.get("task"):
        return "instructor"
    return "open"


def _same_code(a: str, b: str) -> bool:
    def norm(s: str) -> list[str]:
        return [line.rstrip() for line in s.strip().splitlines()]
    return norm(a) == norm(b)


@dataclass
class _Entry:
    """One cell of the rebuilt notebook, in the making."""

    cell: dict[str, Any] | None  # None: where the student had an instructor cell (a slot)
    src: int | None = None  # index in the source: answer and open cells (anchors), instructor slots
    anchor: bool = False


def _match(source: list[dict], cells: list[dict]) -> dict[int, list[int]]:
    """Source index -> the submission's cells that belong to it, by grade_id, else by cell id."""
    by_gid = {_grade_id(c): i for i, c in enumerate(source) if _grade_id(c)}
    by_id = {c.get("id"): i for i, c in enumerate(source) if isinstance(c.get("id"), str)}
    out: dict[int, list[int]] = {}
    for j, cell in enumerate(cells):
        gid = _grade_id(cell)
        i = by_gid.get(gid) if gid else None
        if i is None:
            i = by_id.get(cell.get("id"))
            # An id match with a grade_id of another source cell is a different cell.
            if i is not None and _grade_id(source[i]) and gid and gid != _grade_id(source[i]):
                i = None
        if i is not None:
            out.setdefault(i, []).append(j)
    return out


def rebuild(source: dict[str, Any], submitted: dict[str, Any], secret: str | None) -> Rebuilt:
    """The notebook to execute: the student's cells in their order, instructor cells from ``source``.

    Parameters
    ----------
    source : dict
        The instructor's source notebook (solutions and hidden tests).
    submitted : dict
        The student's notebook (untrusted), as returned by :func:`parse_notebook`.
    secret : str or None
        Given for the copy that runs in the sandbox: every ``seed=<int>``
        argument is then removed from the hidden tests. None: the hidden
        tests stay as in the source (the instructor's copy).

    Returns
    -------
    Rebuilt
        The notebook, the answer cells that were missing, the number of the
        student's own code cells, and notes on what was unusual.

    Raises
    ------
    NotebookError
        The submission's structure is wrong or its sources are too long.

    Examples
    --------
    >>> src = {"cells": [
    ...     {"cell_type": "code", "id": "a", "metadata": {"nbgrader": {"grade_id": "a", "solution": True}},
    ...      "source": "def f(): ...  # stub"},
    ...     {"cell_type": "code", "id": "t", "metadata": {"nbgrader": {"grade_id": "t", "grade": True}},
    ...      "source": "assert f() == 2"}]}
    >>> sub = {"cells": [{"cell_type": "code", "id": "t", "metadata": {}, "source": "pass"},
    ...                  {"cell_type": "code", "id": "a", "metadata": {}, "source": "def f(): return 2"}]}
    >>> [c["source"] for c in rebuild(src, sub, None).notebook["cells"]]
    ['def f(): return 2', 'assert f() == 2']
    """
    submitted = _stripped(submitted)
    scells, cells = source["cells"], submitted["cells"]
    matches = _match(scells, cells)
    designated, dropped, notes = _designate(scells, cells, matches)
    entries, extra = _student_order(scells, cells, designated, dropped)
    missing = [_grade_id(s) or str(s.get("id")) for i, s in enumerate(scells)
               if _role(s) == "answer" and i not in designated]
    notes += _place_instructor_cells(entries, scells, designated, secret)
    nb = {"cells": [e.cell for e in entries], "metadata": copy.deepcopy(source.get("metadata", {})),
          "nbformat": 4, "nbformat_minor": source.get("nbformat_minor", 5)}
    return Rebuilt(nb, missing, extra, notes)


def _label(cell: dict[str, Any]) -> str:
    return _grade_id(cell) or str(cell.get("id"))


def _release_source(cell: dict[str, Any]) -> str:
    """What the student's copy of a source cell shows: solutions stubbed, hidden tests removed."""
    return release_notebook({"cells": [copy.deepcopy(cell)]})["cells"][0]["source"]


def _designate(scells: list[dict], cells: list[dict], matches: dict[int, list[int]]
               ) -> tuple[dict[int, int], set[int], list[str]]:
    """Which submission cell stands for each source cell; unchanged copies of instructor cells to skip."""
    designated: dict[int, int] = {}
    dropped: set[int] = set()
    notes: list[str] = []
    for i, js in sorted(matches.items()):
        s, label = scells[i], _label(scells[i])
        same_type = [j for j in js if cells[j]["cell_type"] == s["cell_type"]]
        if _role(s) == "answer":
            if same_type:
                designated[i] = same_type[-1]  # the last copy: its definitions are the ones that count
            if len(same_type) > 1:
                notes.append(f"Your notebook has {len(same_type)} cells with the grade_id {label!r} (a copied "
                             "answer cell?): all of them ran in your order, so the last one's definitions count.")
            notes += [f"A {cells[j]['cell_type']} cell carries the grade_id of the {s['cell_type']} answer "
                      f"{label!r}: it was kept as your own cell, not as the answer." for j in js if j not in same_type]
        elif _role(s) == "open":
            if same_type:  # an open code cell turned into markdown stays the student's markdown
                designated[i] = same_type[0]
        else:
            trusted = (_release_source(s), _source(s))
            unchanged = {j: any(_same_code(cells[j]["source"], t) for t in trusted) for j in js}
            # Jupyter gives a pasted cell a new id; without ids, the copy is the one with other code.
            pool = [j for j in js if cells[j].get("id") == s.get("id")] or js
            original = designated[i] = next((j for j in pool if unchanged[j]), pool[0])
            if not unchanged[original]:
                notes.append(f"The instructor's cell {label!r} was edited: the instructor's version ran instead.")
            for j in js:
                if j != original and unchanged[j]:
                    dropped.add(j)
                    notes.append(f"An unchanged copy of the instructor's cell {label!r} was not run again: "
                                 "the instructor's version runs once, at its place.")
                elif j != original:
                    notes.append(f"A cell carries the metadata of the instructor's cell {label!r} (copied from "
                                 "it?): it ran as your own code where you put it, and the instructor's "
                                 f"{label!r} ran once at its place.")
    return designated, dropped, notes


def _fresh(cell: dict[str, Any]) -> dict[str, Any]:
    if cell["cell_type"] == "code":
        cell["outputs"], cell["execution_count"] = [], None
    return cell


def _student_order(scells: list[dict], cells: list[dict],
                   designated: dict[int, int], dropped: set[int]) -> tuple[list[_Entry], int]:
    """The submission's cells in its order, instructor cells as empty slots; and the count of own code cells."""
    stands_for = {j: i for i, j in designated.items()}
    entries: list[_Entry] = []
    extra = 0
    for j, cell in enumerate(cells):
        if j in dropped:
            continue
        i = stands_for.get(j)
        if i is None:  # the student's own cell: added, copied, or with metadata of no source cell
            extra += cell["cell_type"] == "code"
            entries.append(_Entry(_fresh({"cell_type": cell["cell_type"], "id": f"{EXTRA_CELL_PREFIX}{j + 1}",
                                          "metadata": {}, "source": cell["source"]})))
        elif _role(scells[i]) == "instructor":
            entries.append(_Entry(None, i))
        else:  # an answer or open cell: the source's id and metadata, the student's text
            entries.append(_Entry(_fresh({**copy.deepcopy(scells[i]), "source": cell["source"]}), i,
                                  anchor=scells[i]["cell_type"] == "code"))
    return entries, extra


def _place_instructor_cells(entries: list[_Entry], scells: list[dict], designated: dict[int, int],
                            secret: str | None) -> list[str]:
    """Put each instructor cell (and the stub of each missing answer) into ``entries``, once, in order."""
    notes: list[str] = []
    placed = -1  # position of the last instructor cell placed: they keep the source's order
    for i, s in enumerate(scells):
        role = _role(s)
        if role == "open" or role == "answer" and i in designated:
            continue
        trusted = _fresh(copy.deepcopy(s))
        if role == "answer":  # missing: the release's stub, so only this part scores 0
            trusted["source"] = _release_source(s)
        else:
            trusted["source"] = _source(s) if secret is None else _without_seeds(_source(s))
        slot = next((k for k, e in enumerate(entries) if e.cell is None and e.src == i), None)
        if slot is not None:
            del entries[slot]
            placed -= placed > slot
        # Its window: after the nearest earlier answer/open code cell of the source (that cell's
        # last copy) and the instructor cells before it; up to the next later such cell.
        before = [k for k, e in enumerate(entries) if e.anchor and e.src < i]
        lower = max([placed] + ([max(before, key=lambda k: entries[k].src)] if before else []))
        upper = next((k for k, e in enumerate(entries) if k > lower and e.anchor and e.src > i), len(entries))
        at = slot if slot is not None and lower < slot <= upper else upper
        if role == "instructor" and s["cell_type"] == "code" and at != slot:
            notes.append(f"The instructor's cell {_label(s)!r} was moved: it ran at its place in the assignment."
                         if slot is not None else
                         f"The instructor's cell {_label(s)!r} is missing from your notebook (deleted or "
                         "renamed?): the instructor's version ran at its place.")
        entries.insert(at, _Entry(trusted, i))
        placed = at
    return notes
