"""``feedback``: one HTML page per student and assignment, from the results store.

The page says first whether the run worked, and if not whose problem it was:
*your notebook* (it timed out, crashed, killed its kernel, could not be
read...: where and why) or *the grader* (status ``error`` / ``grader_*``:
nothing the student did; the instructor grades it again), or *not this
assignment's notebook* (status ``wrong_notebook``: nothing ran).  The score
line adds what the instructor graded by hand in nbgrader's gradebook
(formgrader): written answers show their points and comment, or "not graded
yet", and the total includes them once graded, as ``export`` does; other
formgrader comments get their own section.  Then the
"Problems in your notebook" section (the result's ``notes`` and
``cell_errors``: the first error of each cell, its cell and line), the
late rule's effect when the course has a due date, and per question the
points, whether it passed, its named parts (partial credit) and the teaching
message of ``coursekit.grading.compare_record`` (safe to show: shapes and
the worst element, never hidden inputs).  Everything shown is escaped; the
page is built from the stored result and the gradebook's manual scores and
comments only: no notebook cell, hidden test,
seed or log of the run is ever copied into it, and a result with missing
keys still gives a page.  Written to nbgrader's
``feedback/<student>/<assignment>/<assignment>.html``.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from .config import CourseConfig, load_config
from .gradebook import default_db_url, read_hand_grading
from .identity import WRONG_NOTEBOOK
from .late import Lateness, lateness, read_timestamp
from .plan import Course
from .rebuild import grade_cells
from .status import failure_kind
from .store import ResultsStore

__all__ = ["feedback_html", "hand_total", "write_feedback"]

_CSS = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1,h2{overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.4rem;vertical-align:top;text-align:left;overflow-wrap:anywhere}
.pass{color:#176b2c}.fail{color:#a3231f}.msg{white-space:pre-wrap;font-family:monospace;font-size:.9em}
.status{padding:.6rem;background:#f4f4f4;border-left:4px solid #888}
.status.student{border-color:#a3231f}.status.grader{border-color:#b07b00}
.parts{margin:.3rem 0 0 1rem;padding:0}
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _fmt(x: Any) -> str:
    if x is None:
        return "-"
    try:
        return f"{float(x):g}"
    except (TypeError, ValueError):
        return _e(x)


def _case_summary(statuses: Any) -> str:
    if not isinstance(statuses, dict):
        return ""
    parts = []
    for variant, cases in statuses.items():
        cases = cases if isinstance(cases, list) else []
        ok = sum(1 for s in cases if s == "passed")
        parts.append(f"{variant}: {ok}/{len(cases)} passed")
    return "; ".join(parts)


def _parts(parts: Any) -> str:
    """Named parts of a check with partial credit, as a list (nothing when absent or malformed)."""
    if not isinstance(parts, list) or not parts:
        return ""
    items = []
    for p in parts:
        if not isinstance(p, dict):
            continue
        cls, word = ("pass", "passed") if p.get("passed") else ("fail", "not passed")
        items.append(f"<li>{_e(p.get('name', 'part'))}: {_fmt(p.get('points'))} / {_fmt(p.get('max_points'))} "
                     f"<span class='{cls}'>{word}</span></li>")
    return f"<ul class='parts'>{''.join(items)}</ul>" if items else ""


def _status_block(result: dict[str, Any]) -> str:
    status = str(result.get("status") or "unknown")
    reason = result.get("reason") or ""
    kind = failure_kind(status)
    if status == WRONG_NOTEBOOK:
        return (f"<p class='status student'><b>This is not this assignment's notebook</b>: {_e(reason)}. Nothing "
                f"in it was run or graded. <small>[{_e(status)}]</small></p>")
    if kind == "ok":
        extra = f" ({_e(reason)})" if reason else ""
        return f"<p class='status'>Run status: your notebook ran to the end and was graded{extra}.</p>"
    if kind == "grader":
        return ("<p class='status grader'><b>The grader failed on your submission</b> (a problem on our side, "
                "not in your code). Your instructor will grade it again; the score below is not final. "
                f"<small>[{_e(status)}]</small></p>")
    return (f"<p class='status student'><b>Your notebook did not run to the end</b>: {_e(reason or status)} "
            f"<small>[{_e(status)}]</small><br>Checks that come after that point scored 0. Run "
            "<i>Restart &amp; Run All</i> in Jupyter to see the same problem, fix it and submit again if you "
            "still can.</p>")


def _problems(result: dict[str, Any]) -> str:
    items = [f"<li>{_e(n)}</li>" for n in result.get("notes") or [] if n]
    for err in result.get("cell_errors") or []:
        if not isinstance(err, dict):
            continue
        where = err.get("cell") or "a cell"
        line = f", line {_e(err['line'])}" if err.get("line") not in (None, "") else ""
        items.append(f"<li>In {_e(where)}{line}: <span class='msg'>{_e(err.get('error', 'an error'))}</span></li>")
    if not items:
        return ""
    return ("<h2>Problems in your notebook</h2><p>The first error of each cell that failed, and what was unusual "
            "about your notebook. An error in one cell often explains a <code>NameError</code> in a later test.</p>"
            f"<ul>{''.join(items)}</ul>")


def _late_block(late: Lateness | None) -> str:
    if late is None or late.due is None:
        return ""
    due = late.due.strftime("%Y-%m-%d %H:%M %Z")
    if late.submitted is None:
        return f"<p>Due {_e(due)}. No submission time was recorded, so no late rule applies.</p>"
    sub = late.submitted.astimezone(late.due.tzinfo).strftime("%Y-%m-%d %H:%M %Z")
    if not late.late:
        return f"<p>Submitted {_e(sub)}, on time (due {_e(due)}).</p>"
    return (f"<p class='status student'>Submitted {_e(sub)}, {late.hours_late:.1f} hours after the due date "
            f"({_e(due)}): the late rule deducts <b>{_fmt(late.penalty)}</b> point(s) from your total "
            "(autograded and written answers).</p>")


def _hand_row(gid: Any, top: Any, hand: dict[str, Any] | None) -> str:
    """A written answer's row: the instructor's points and comment, or "not graded yet"."""
    scores, comments = (hand or {}).get("scores", {}), (hand or {}).get("comments", {})
    note = f"<td class='msg'>{_e(comments[gid])}</td>" if gid in comments else "<td></td>"
    if gid in scores:
        return f"<tr><td>{_e(gid)}</td><td>{_fmt(scores[gid])} / {_fmt(top)}</td><td>graded by hand</td>{note}</tr>"
    return (f"<tr><td>{_e(gid)}</td><td>- / {_fmt(top)}</td><td>not graded yet</td>"
            f"<td class='msg'>graded by hand: your instructor has not graded this answer yet</td></tr>")


def hand_total(result: dict[str, Any], hand: dict[str, Any] | None) -> tuple[float, float, int, int]:
    """(points graded by hand so far, their maximum, written answers graded, written answers) of a result."""
    scores = (hand or {}).get("scores", {})
    manual = [c for c in result.get("cells") or [] if isinstance(c, dict) and not c.get("auto", True)]
    got = sum(float(scores[c.get("grade_id")]) for c in manual if c.get("grade_id") in scores)
    top = sum(float(c.get("max_score") or 0.0) for c in manual)
    return got, top, sum(c.get("grade_id") in scores for c in manual), len(manual)


def _score_line(result: dict[str, Any], hand: dict[str, Any] | None, late: Lateness | None) -> str:
    """The score: autograded plus what was graded by hand (the total the export uses), and what is still open."""
    raw, top = result.get("score"), result.get("max_score")
    got, hand_top, graded, manual = hand_total(result, hand)
    auto = f"{_fmt(raw)} / {_fmt(top)}"
    if raw is None:
        line = f"Autograded score: <b>{auto}</b>"
    elif manual and graded == manual:
        total, total_top = float(raw) + got, float(top or 0.0) + hand_top
        line = (f"Score: <b>{_fmt(total)} / {_fmt(total_top)}</b> (autograded {auto}, "
                f"written answers graded by hand {_fmt(got)} / {_fmt(hand_top)})")
    elif manual:
        so_far = f"; {graded} of {manual} graded so far, {_fmt(got)} point(s), included" if graded else ""
        line = (f"Autograded score: <b>{auto}</b>. Written answers ({_fmt(hand_top)} point(s)): "
                f"<b>not graded yet</b>{so_far}")
        if graded:
            line += f"; total so far {_fmt(float(raw) + got)}"
    else:
        line = f"Score: <b>{auto}</b>"
    if late is not None and late.penalty and raw is not None:
        line += (f". Late penalty: {_fmt(late.penalty)} point(s), final score <b>{_fmt(late.final(float(raw) + got))}</b>")
    return line + "."


def _comments(result: dict[str, Any], hand: dict[str, Any] | None) -> str:
    """Comments the instructor wrote on answer cells (formgrader), other than those shown with a written answer."""
    comments = (hand or {}).get("comments", {})
    shown = {c.get("grade_id") for c in result.get("cells") or [] if isinstance(c, dict) and not c.get("auto", True)}
    items = [f"<li><b>{_e(name)}</b>: <span class='msg'>{_e(text)}</span></li>"
             for name, text in sorted(comments.items()) if name not in shown]
    return f"<h2>Comments from your instructor</h2><ul>{''.join(items)}</ul>" if items else ""


def feedback_html(result: dict[str, Any], late: Lateness | None = None, hand: dict[str, Any] | None = None) -> str:
    """The feedback page of one stored result (the dict of :meth:`ResultsStore.rows`).

    Parameters
    ----------
    result : dict
        A stored result; only ``assignment`` and ``student`` are needed, every other key may be missing.
    late : Lateness, optional
        The late rule's effect, shown when the assignment has a due date.
    hand : dict, optional
        What the instructor entered for this submission (``{"scores": {grade_id: points},
        "comments": {cell: text}}``, :func:`autograder.gradebook.read_hand_grading`): written
        answers show their points and comment, or "not graded yet", and the total includes them.

    Returns
    -------
    str
        A complete HTML page.
    """
    a, student = result.get("assignment", "assignment"), result.get("student", "student")
    rows = []
    for c in result.get("cells") or []:
        if not isinstance(c, dict):
            continue
        gid = c.get("grade_id", "?")
        if not c.get("auto", True):
            rows.append(_hand_row(gid, c.get("max_score"), hand))
            continue
        score, top = c.get("score"), c.get("max_score")
        passed = score is not None and top is not None and score >= top > 0
        cls, word = ("pass", "passed") if passed else ("fail", "not passed")
        detail = _case_summary(c.get("statuses"))
        rows.append(
            f"<tr><td>{_e(gid)}</td><td>{_fmt(score)} / {_fmt(top)}</td>"
            f"<td class='{cls}'>{word}<br><small>{_e(detail)}</small>{_parts(c.get('parts'))}</td>"
            f"<td class='msg'>{_e(c.get('message', ''))}</td></tr>"
        )
    any_parts = any(isinstance(c, dict) and c.get("parts") for c in result.get("cells") or [])
    credit = ("Questions with parts give the points of each part that passed; the others are all or nothing"
              if any_parts else "Each question is all or nothing")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{_e(a)} - feedback for {_e(student)}</title>
<style>{_CSS}</style></head><body>
<h1>{_e(a)}</h1>
<p>Feedback for <b>{_e(student)}</b>. {_score_line(result, hand, late)}</p>
{_status_block(result)}
{_late_block(late)}
{_comments(result, hand)}
{_problems(result)}
<h2>Questions</h2>
<table><thead><tr><th>question</th><th>points</th><th>result</th><th>message</th></tr></thead>
<tbody>
{''.join(rows)}
</tbody></table>
<p><small>{credit}: every visible and hidden case must pass.
Hidden cases use inputs you have not seen; the messages show shapes and the worst element only.</small></p>
</body></html>
"""


def _lateness(course: Course, config: CourseConfig, row: dict[str, Any], max_total: float,
              hand: dict[str, Any] | None = None) -> Lateness | None:
    a = row["assignment"]
    settings = config.assignment(a)
    if settings.due is None:
        return None
    when = read_timestamp(course.submitted / row["student"] / a, config.timezone)
    total = float(row.get("score") or 0.0) + hand_total(row, hand)[0]  # what export takes the penalty from
    return lateness(when, settings.due, settings.late, total, max_total)


def write_feedback(course_root: Path, assignments: list[str] | None = None,
                   students: list[str] | None = None, *, db_url: str | None = None) -> list[Path]:
    """Write the feedback pages of every stored result; returns the files written.

    Parameters
    ----------
    course_root : Path
        The nbgrader course directory.
    assignments, students : list of str, optional
        Only these (default: all).
    db_url : str, optional
        nbgrader's gradebook, for what was graded by hand (default: the course's ``gradebook.db``).

    Returns
    -------
    list of Path
    """
    course = Course(Path(course_root).resolve())
    store_path = course.state / "results.sqlite"
    if not store_path.is_file():
        return []
    config = load_config(course.root)
    store = ResultsStore(store_path)
    written = []
    try:
        for a in assignments or course.assignments():
            cells = grade_cells(json.loads(course.source_notebook(a).read_text(encoding="utf-8")))
            max_total = float(sum(c["points"] for c in cells))
            rows = [r for r in store.rows(a) if not students or r["student"] in students]
            by_hand = read_hand_grading(db_url or default_db_url(course.root), a, [r["student"] for r in rows])
            for row in rows:
                hand = by_hand.get(row["student"])
                folder = course.feedback / row["student"] / a
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / f"{a}.html"
                tmp = folder / f".{a}.html.tmp"
                tmp.write_text(feedback_html(row, _lateness(course, config, row, max_total, hand), hand), encoding="utf-8")
                tmp.replace(path)
                written.append(path)
    finally:
        store.close()
    return written
