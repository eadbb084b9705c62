"""``feedback``: one HTML page per student and assignment, from the results store.

The page shows the run's status and reason, notes (missing answer cells),
and per question the points, whether it passed and the teaching message of
``coursekit.grading.compare_recorded`` (safe to show: shapes and the worst
element, never hidden inputs).  It is built from the stored result only: no
notebook cell, hidden test, seed or log of the run is ever copied into it.
Written to nbgrader's ``feedback/<student>/<assignment>/<assignment>.html``.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from .plan import Course
from .store import ResultsStore

__all__ = ["feedback_html", "write_feedback"]

_CSS = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.4rem;vertical-align:top;text-align:left}
.pass{color:#176b2c}.fail{color:#a3231f}.msg{white-space:pre-wrap;font-family:monospace;font-size:.9em}
.status{padding:.6rem;background:#f4f4f4;border-left:4px solid #888}
"""

_OK_STATUSES = ("graded", "output_truncated")


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:g}"


def _case_summary(statuses: dict[str, list[str]]) -> str:
    parts = []
    for variant, cases in statuses.items():
        ok = sum(1 for s in cases if s == "passed")
        parts.append(f"{variant}: {ok}/{len(cases)} passed")
    return "; ".join(parts)


def feedback_html(result: dict[str, Any]) -> str:
    """The feedback page of one stored result (the dict of :meth:`ResultsStore.rows`)."""
    a, student = result["assignment"], result["student"]
    rows = []
    for c in result["cells"]:
        if not c["auto"]:
            rows.append(f"<tr><td>{_e(c['grade_id'])}</td><td>- / {_fmt(c['max_score'])}</td>"
                        f"<td>graded by hand</td><td class='msg'>your instructor grades this answer</td></tr>")
            continue
        passed = c["score"] is not None and c["score"] >= c["max_score"] > 0
        cls, word = ("pass", "passed") if passed else ("fail", "not passed")
        detail = _case_summary(c.get("statuses") or {})
        rows.append(
            f"<tr><td>{_e(c['grade_id'])}</td><td>{_fmt(c['score'])} / {_fmt(c['max_score'])}</td>"
            f"<td class='{cls}'>{word}<br><small>{_e(detail)}</small></td>"
            f"<td class='msg'>{_e(c.get('message', ''))}</td></tr>"
        )
    status = result["status"]
    status_text = "graded" if status == "graded" else f"{status}: {result.get('reason', '')}"
    notes = "".join(f"<li>{_e(n)}</li>" for n in result.get("notes", []))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(a)} - feedback for {_e(student)}</title>
<style>{_CSS}</style></head><body>
<h1>{_e(a)}</h1>
<p>Feedback for <b>{_e(student)}</b>. Autograded score: <b>{_fmt(result['score'])} / {_fmt(result['max_score'])}</b>
(written answers are graded by hand and not included).</p>
<p class="status">Run status: {_e(status_text)}</p>
{f'<ul>{notes}</ul>' if notes else ''}
<table><thead><tr><th>question</th><th>points</th><th>result</th><th>message</th></tr></thead>
<tbody>
{''.join(rows)}
</tbody></table>
<p><small>Each question is all or nothing: every visible and hidden case must pass.
Hidden cases use inputs you have not seen; the messages show shapes and the worst element only.</small></p>
</body></html>
"""


def write_feedback(course_root: Path, assignments: list[str] | None = None,
                   students: list[str] | None = None) -> list[Path]:
    """Write the feedback pages of every stored result; returns the files written."""
    course = Course(Path(course_root).resolve())
    store_path = course.state / "results.sqlite"
    if not store_path.is_file():
        return []
    store = ResultsStore(store_path)
    written = []
    try:
        for a in assignments or course.assignments():
            for row in store.rows(a):
                if students and row["student"] not in students:
                    continue
                folder = course.feedback / row["student"] / a
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / f"{a}.html"
                tmp = folder / f".{a}.html.tmp"
                tmp.write_text(feedback_html(row), encoding="utf-8")
                tmp.replace(path)
                written.append(path)
    finally:
        store.close()
    return written
