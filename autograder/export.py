"""``export``: grades as CSV files ready for LMS import, and an HTML report.

``grades.csv`` (plain CSV, one header row): ``student_id``, then per
assignment its final score (``<a>``: after the late penalty), the raw score
(``<a>:raw``), the submission time in UTC (``<a>:submitted``), the hours
after the due date (``<a>:hours_late``, empty without a due date), the
penalty in points (``<a>:penalty``) and one column per question
(``<a>:<grade_id>``).  Autograded questions come from the results store;
written answers from the gradebook's manual scores (empty until the
formgrader has a score).  A student without a submission has empty cells.
Due dates and the late rule come from ``autograder.toml``
(:mod:`autograder.config`), submission times from ``timestamp.txt``.

``canvas_grades.csv``: Canvas's gradebook import (rows matched by Canvas
user id); ``moodle_<a>.csv``: Moodle's offline grading worksheet of each
assignment (rows matched by participant number).  Both carry final scores.

Every cell of every CSV is neutralised against formula injection (OWASP):
a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return gets a leading ``'`` (see :func:`csv_cell`), so a student named
``=HYPERLINK(...)`` is text in a spreadsheet.  A plain number (``-2``,
``-0.5``) is left alone: it is no formula, and a score must stay a number.
The LMS columns that rows are matched by (Canvas's ``ID``, Moodle's
``Identifier``) are digits and ``Participant N``, never changed.

``report.html``: per assignment, a histogram of the scores of every question
(PNG embedded in the page, matplotlib's Agg backend), the late submissions
(raw score, hours late, penalty, final score), the slowest submissions and
every submission that did not grade cleanly, with the reason and whose
failure it was (the student's code, or the grader's: grade again).
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .config import CourseConfig, load_config, missing_due_date
from .identity import WRONG_NOTEBOOK
from .late import Lateness, format_timestamp, lateness, read_timestamp
from .plan import Course
from .rebuild import grade_cells
from .similarity.report import with_similarity_section
from .status import failure_kind, rerun_command
from .store import ResultsStore

__all__ = ["ExportResult", "csv_cell", "export", "export_all"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


def csv_cell(value: object) -> str:
    """One CSV cell, safe to open in a spreadsheet: a would-be formula gets a leading ``'`` (OWASP).

    Parameters
    ----------
    value : object
        The cell's value (``None`` is empty).

    Returns
    -------
    str
        The text, with ``'`` in front when it starts with ``=``, ``+``, ``-``, ``@``, a tab or a
        carriage return and is not a plain number.

    Examples
    --------
    >>> [csv_cell(v) for v in ("=HYPERLINK(1)", "@SUM(1+1)", "+1+1", "-2+3", "\\t=1", "Ada")]
    ["'=HYPERLINK(1)", "'@SUM(1+1)", "'+1+1", "'-2+3", "'\\t=1", 'Ada']
    >>> csv_cell("-2.5"), csv_cell(None), csv_cell(3)
    ('-2.5', '', '3')
    """
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _lms_number(student: str) -> bool:
    """A Canvas user id or Moodle participant number: ASCII digits only (``isdigit`` takes any script's)."""
    return student.isascii() and student.isdigit()


def _write_rows(path: Path, rows: Iterable[list[object]]) -> None:
    """A CSV file of ``rows``, every cell through :func:`csv_cell` (the one way this module writes CSV)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        for row in rows:
            w.writerow([csv_cell(v) for v in row])


def _manual_scores(db_url: str, assignment: str, students: list[str], manual: list[str]) -> dict:
    """(student, grade_id) -> manual score from the gradebook (missing gradebook or rows: nothing)."""
    out: dict[tuple[str, str], float] = {}
    if not manual:
        return out
    try:
        from nbgrader.api import Gradebook, MissingEntry

        from .gradebook import _venv_on_path

        _venv_on_path()
        with Gradebook(db_url) as gb:
            for s in students:
                try:
                    nb = gb.find_submission_notebook(assignment, assignment, s)
                except MissingEntry:
                    continue
                for g in nb.grades:
                    if g.name in manual and g.manual_score is not None:
                        out[(s, g.name)] = float(g.manual_score)
    except Exception:  # noqa: BLE001  (no gradebook yet: written answers stay empty)
        return out
    return out


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def _histogram_png(title: str, values: list[float], max_score: float) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3.2, 2.2), dpi=90)
    top = max(max_score, max(values, default=0.0), 1.0)
    bins = min(20, max(2, int(top) + 1)) if float(top).is_integer() else 10
    ax.hist(values, bins=bins, range=(0, top), color="#4a72b0", edgecolor="white")
    ax.set_title(title, fontsize=8)
    ax.set_xlabel("points", fontsize=7)
    ax.set_ylabel("students", fontsize=7)
    ax.tick_params(labelsize=7)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


@dataclass
class ExportResult:
    """The files ``export`` wrote, and what the instructor should know before importing them."""

    csv: Path
    report: Path
    canvas: Path
    moodle: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _lms_info(course: Course, student: str, assignment: str) -> dict[str, Any]:
    """What ``collect`` recorded about the source of this submission (empty when it came another way)."""
    try:
        info = json.loads((course.submitted / student / assignment / "collect.json").read_text(encoding="utf-8"))
        return info if isinstance(info, dict) else {}
    except (OSError, ValueError):
        return {}


def export_all(course_root: Path, out_dir: Path | None = None, assignments: list[str] | None = None,
               *, db_url: str | None = None, slowest: int = 10) -> ExportResult:
    """Write ``grades.csv``, ``canvas_grades.csv``, ``moodle_<a>.csv`` and ``report.html``.

    Parameters
    ----------
    course_root : Path
        The nbgrader course directory (its ``autograder.toml`` gives due dates,
        late rules and Canvas column headers).
    out_dir : Path, optional
        Where to write (default: the course directory).
    assignments : list of str, optional
        Default: every assignment of ``source/``.
    db_url : str, optional
        The gradebook (for the written answers' manual scores).
    slowest : int
        How many of the slowest submissions the report lists.

    Returns
    -------
    ExportResult
    """
    from .gradebook import default_db_url

    course = Course(Path(course_root).resolve())
    config = load_config(course.root)
    out_dir = Path(out_dir) if out_dir else course.root
    out_dir.mkdir(parents=True, exist_ok=True)
    db_url = db_url or default_db_url(course.root)
    assignments = assignments or course.assignments()
    store_path = course.state / "results.sqlite"
    rows: dict[str, list[dict[str, Any]]] = {a: [] for a in assignments}
    if store_path.is_file():
        store = ResultsStore(store_path)
        try:
            for a in assignments:
                rows[a] = store.rows(a)
        finally:
            store.close()
    header = ["student_id"]
    cells_of: dict[str, list[dict[str, Any]]] = {}
    for a in assignments:
        cells_of[a] = grade_cells(json.loads(course.source_notebook(a).read_text(encoding="utf-8")))
        header += [a, f"{a}:raw", f"{a}:submitted", f"{a}:hours_late", f"{a}:penalty"]
        header += [f"{a}:{c['grade_id']}" for c in cells_of[a]]
    students = sorted({r["student"] for a in assignments for r in rows[a]})
    table: dict[str, dict[str, str]] = {s: {"student_id": s} for s in students}
    finals: dict[tuple[str, str], float] = {}
    late_rows: dict[str, list[tuple[str, Lateness, float]]] = {a: [] for a in assignments}
    names: dict[str, str] = {}
    lms_late: dict[str, list[str]] = {}  # marked LATE by the LMS, but no due date here
    result_warnings: list[str] = []
    for a in assignments:
        manual_ids = [c["grade_id"] for c in cells_of[a] if not c["auto"]]
        manual = _manual_scores(db_url, a, [r["student"] for r in rows[a]], manual_ids)
        settings = config.assignment(a)
        max_total = float(sum(c["points"] for c in cells_of[a]))
        for r in rows[a]:
            student = r["student"]
            line = table[student]
            by_id = {c["grade_id"]: c for c in r.get("cells", [])}
            total = 0.0
            for c in cells_of[a]:
                got = by_id.get(c["grade_id"], {})
                value = got.get("score") if c["auto"] else manual.get((student, c["grade_id"]))
                if c["auto"] and value is None:
                    value = 0.0
                total += value or 0.0
                line[f"{a}:{c['grade_id']}"] = _num(value)
            when = read_timestamp(course.submitted / student / a, config.timezone)
            late = lateness(when, settings.due, settings.late, total, max_total)
            finals[(student, a)] = late.final(total)
            line.update({a: _num(late.final(total)), f"{a}:raw": _num(total),
                         f"{a}:submitted": format_timestamp(when) if when else "",
                         f"{a}:hours_late": f"{late.hours_late:.2f}" if settings.due and when else "",
                         f"{a}:penalty": _num(late.penalty)})
            if settings.due is not None:
                late_rows[a].append((student, late, total))
            info = _lms_info(course, student, a)
            if info.get("late_by_lms") and settings.due is None:
                lms_late.setdefault(a, []).append(student)
            if info.get("lms_name") and student not in names:
                names[student] = str(info["lms_name"])
    for a, late_students in lms_late.items():
        result_warnings.append(f"{a}: the LMS marked {len(late_students)} submission(s) LATE "
                               f"({', '.join(late_students[:5])}{' ...' if len(late_students) > 5 else ''}) "
                               f"{missing_due_date(course.root, a)}")
    csv_path = out_dir / "grades.csv"
    _write_rows(csv_path, [header] + [[table[s].get(h, "") for h in header] for s in students])
    result = ExportResult(csv=csv_path, report=out_dir / "report.html", canvas=out_dir / "canvas_grades.csv",
                          warnings=result_warnings)
    _write_canvas(result, config, assignments, students, finals, names)
    for a in assignments:
        result.moodle.append(_write_moodle(out_dir, a, rows[a], finals, names, cells_of[a], result.warnings))
    report = _report(assignments, rows, cells_of, slowest, late_rows, config)
    report = with_similarity_section(report, course.root, assignments)  # from `similarity`'s saved results
    result.report.write_text(report, encoding="utf-8")
    return result


def export(course_root: Path, out_dir: Path | None = None, assignments: list[str] | None = None,
           *, db_url: str | None = None, slowest: int = 10) -> tuple[Path, Path]:
    """Like :func:`export_all`; returns the paths of ``grades.csv`` and ``report.html``."""
    result = export_all(course_root, out_dir, assignments, db_url=db_url, slowest=slowest)
    return result.csv, result.report


def _write_canvas(result: ExportResult, config: CourseConfig, assignments: list[str], students: list[str],
                  finals: dict[tuple[str, str], float], names: dict[str, str]) -> None:
    """Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then "<name> (<id>)" per assignment.

    Canvas matches rows by ``ID``, its user id, which is the student id that
    ``collect`` takes from Canvas's file names; the other identity columns may
    stay empty.  The assignment columns must be headed exactly as in Canvas's
    own gradebook export (``canvas_column`` in ``autograder.toml``).
    """
    columns = {}
    for a in assignments:
        column = config.assignment(a).canvas_column
        if column is None:
            result.warnings.append(f"canvas_grades.csv: no canvas_column for {a} in autograder.toml, so its column "
                                   f"is headed {a!r} and Canvas would create a new assignment; copy the header of "
                                   "that assignment from Canvas's gradebook export (e.g. \"A1 Backprop (48213)\")")
        columns[a] = column or a
    not_canvas = [s for s in students if not _lms_number(s)]
    if not_canvas:
        result.warnings.append(f"canvas_grades.csv: {len(not_canvas)} student id(s) are not Canvas user ids "
                               f"(not collected from a Canvas zip), Canvas cannot match them: "
                               f"{', '.join(not_canvas[:5])}{' ...' if len(not_canvas) > 5 else ''}")
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"] + [columns[a] for a in assignments]
    _write_rows(result.canvas, [header] + [
        [names.get(s, s), s, "", "", ""] + [_num(finals.get((s, a))) if (s, a) in finals else "" for a in assignments]
        for s in students])


def _write_moodle(out_dir: Path, assignment: str, rows: list[dict[str, Any]], finals: dict[tuple[str, str], float],
                  names: dict[str, str], cells: list[dict[str, Any]], warnings: list[str]) -> Path:
    """Moodle's offline grading worksheet of one assignment: Identifier ("Participant N"), Full name, Grade, Maximum grade.

    Moodle matches rows by ``Identifier``: "Participant" and the participant
    number, which is the student id ``collect`` takes from Moodle's folder
    names.  Upload it in the assignment: "Upload grading worksheet" (the
    assignment needs the "Offline grading worksheet" feedback type).
    """
    path = out_dir / f"moodle_{assignment}.csv"
    max_total = float(sum(c["points"] for c in cells))
    skipped = []
    table: list[list[object]] = [["Identifier", "Full name", "Grade", "Maximum grade"]]
    for r in sorted(rows, key=lambda r: r["student"]):
        s = r["student"]
        if not _lms_number(s):
            skipped.append(s)
            continue
        table.append([f"Participant {s}", names.get(s, ""), _num(finals.get((s, assignment))), _num(max_total)])
    _write_rows(path, table)
    if skipped:
        warnings.append(f"{path.name}: left out {len(skipped)} student id(s) that are not Moodle participant numbers "
                        f"(not collected from a Moodle zip): {', '.join(skipped[:5])}{' ...' if len(skipped) > 5 else ''}")
    return path


def _late_table(late_rows: list[tuple[str, Lateness, float]], due: datetime | None) -> list[str]:
    e = html.escape
    if due is None:
        return []
    out = [f"<h3>Due {e(due.isoformat(sep=' '))}</h3>"]
    late = [(s, lt, raw) for s, lt, raw in late_rows if lt.late or lt.submitted is None]
    on_time = len(late_rows) - len(late)
    out.append(f"<p>{on_time} on time, {sum(lt.late for _, lt, _ in late)} late, "
               f"{sum(lt.submitted is None for _, lt, _ in late)} without a recorded time (not penalised).</p>")
    if late:
        out.append("<table><tr><th>student</th><th>submitted (UTC)</th><th>hours late</th><th>raw score</th>"
                   "<th>penalty</th><th>final score</th></tr>")
        for s, lt, raw in sorted(late, key=lambda x: -x[1].hours_late):
            when = format_timestamp(lt.submitted) if lt.submitted else "no time recorded"
            out.append(f"<tr><td>{e(s)}</td><td>{e(when)}</td><td>{lt.hours_late:.1f}</td><td>{raw:g}</td>"
                       f"<td>{lt.penalty:g}</td><td>{lt.final(raw):g}</td></tr>")
        out.append("</table>")
    return out


def _report(assignments, rows, cells_of, slowest: int, late_rows, config: CourseConfig) -> str:
    e = html.escape
    # Long names and messages wrap in their cells, so the report fits a phone (and the book's iframe).
    parts = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             "<meta name='viewport' content='width=device-width, initial-scale=1'><title>Autograder report</title>",
             "<style>body{font-family:system-ui,sans-serif;margin:2rem}h1,h2{overflow-wrap:anywhere}"
             "table{border-collapse:collapse;max-width:100%}"
             "td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;overflow-wrap:anywhere}"
             ".h img{margin:.3rem;max-width:100%;height:auto}</style>",
             "</head><body><h1>Autograder report</h1>"]
    for a in assignments:
        rs = rows[a]
        parts.append(f"<h2>{e(a)}</h2>")
        if not rs:
            parts.append("<p>Nothing graded yet.</p>")
            continue
        ok = [r for r in rs if failure_kind(r["status"]) == "ok"]
        totals = [r["score"] for r in rs]
        mean = sum(totals) / len(totals)
        wrong = sum(r["status"] == WRONG_NOTEBOOK for r in rs)
        parts.append(f"<p>{len(rs)} submissions, {len(ok)} graded cleanly, {len(rs) - len(ok)} failed "
                     f"({wrong} not this assignment's notebook); "
                     f"mean autograded score {mean:.2f} / {rs[0]['max_score']:g} (before late penalties)</p>")
        parts.append("<div class='h'>")
        parts.append(f"<img alt='total' src='data:image/png;base64,{_histogram_png('total (autograded)', totals, rs[0]['max_score'])}'>")
        for c in cells_of[a]:
            if not c["auto"]:
                continue
            vals = [next((x["score"] or 0.0 for x in r["cells"] if x["grade_id"] == c["grade_id"]), 0.0) for r in rs]
            png = _histogram_png(c["grade_id"], vals, c["points"])
            parts.append(f"<img alt='{e(c['grade_id'])}' src='data:image/png;base64,{png}'>")
        parts.append("</div>")
        parts += _late_table(late_rows[a], config.assignment(a).due)
        parts.append(f"<h3>Slowest {min(slowest, len(rs))} submissions</h3><table><tr><th>student</th>"
                     "<th>seconds</th><th>status</th><th>score</th></tr>")
        for r in sorted(rs, key=lambda r: -(r.get("seconds") or 0.0))[:slowest]:
            parts.append(f"<tr><td>{e(r['student'])}</td><td>{r.get('seconds') or 0:.1f}</td>"
                         f"<td>{e(r['status'])}</td><td>{r['score']:g}</td></tr>")
        parts.append("</table>")
        failed = [r for r in rs if failure_kind(r["status"]) != "ok"]
        parts.append(f"<h3>Failed submissions ({len(failed)})</h3>")
        if failed:
            parts.append("<table><tr><th>student</th><th>whose failure</th><th>status</th><th>reason</th>"
                         "<th>score</th></tr>")
            for r in failed:
                kind = failure_kind(r["status"])
                who = ("the grader's: run grade again" if kind == "grader" else
                       "not this assignment's notebook" if r["status"] == WRONG_NOTEBOOK else "the student's code")
                parts.append(f"<tr><td>{e(r['student'])}</td><td>{e(who)}</td><td>{e(r['status'])}</td>"
                             f"<td>{e(r.get('reason', ''))}</td><td>{r['score']:g}</td></tr>")
            parts.append("</table>")
            grader = [r["student"] for r in failed if failure_kind(r["status"]) == "grader"]
            if grader:
                parts.append(f"<p>To grade the grader's failures again: <code>{e(rerun_command(a, grader))}</code></p>")
    parts.append("</body></html>")
    return "\n".join(parts)
