"""``export``: grades as a CSV ready for LMS import, and an HTML report.

``grades.csv`` (plain CSV, one header row): ``student_id``, then per
assignment its total (``<assignment>``) and one column per question
(``<assignment>:<grade_id>``).  Autograded questions come from the results
store; written answers from the gradebook's manual scores (empty until the
formgrader has a score).  A student without a submission has empty cells.

``report.html``: per assignment, a histogram of the scores of every question
(PNG embedded in the page, matplotlib's Agg backend), the slowest submissions
and every submission that did not grade cleanly, with the reason.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
from pathlib import Path
from typing import Any

from .plan import Course
from .rebuild import grade_cells
from .store import ResultsStore

__all__ = ["export"]

_OK = ("graded", "output_truncated")


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


def export(course_root: Path, out_dir: Path | None = None, assignments: list[str] | None = None,
           *, db_url: str | None = None, slowest: int = 10) -> tuple[Path, Path]:
    """Write ``grades.csv`` and ``report.html`` (default: into the course directory); return their paths."""
    from .gradebook import default_db_url

    course = Course(Path(course_root).resolve())
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
        header += [a] + [f"{a}:{c['grade_id']}" for c in cells_of[a]]
    students = sorted({r["student"] for a in assignments for r in rows[a]})
    table: dict[str, dict[str, str]] = {s: {"student_id": s} for s in students}
    for a in assignments:
        manual_ids = [c["grade_id"] for c in cells_of[a] if not c["auto"]]
        manual = _manual_scores(db_url, a, [r["student"] for r in rows[a]], manual_ids)
        for r in rows[a]:
            line = table[r["student"]]
            by_id = {c["grade_id"]: c for c in r["cells"]}
            total = 0.0
            for c in cells_of[a]:
                got = by_id.get(c["grade_id"], {})
                value = got.get("score") if c["auto"] else manual.get((r["student"], c["grade_id"]))
                if c["auto"] and value is None:
                    value = 0.0
                total += value or 0.0
                line[f"{a}:{c['grade_id']}"] = _num(value)
            line[a] = _num(total)
    csv_path = out_dir / "grades.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header, restval="")
        w.writeheader()
        for s in students:
            w.writerow(table[s])
    report_path = out_dir / "report.html"
    report_path.write_text(_report(assignments, rows, cells_of, slowest), encoding="utf-8")
    return csv_path, report_path


def _report(assignments, rows, cells_of, slowest: int) -> str:
    e = html.escape
    parts = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Autograder report</title>",
             "<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left}.h img{margin:.3rem}</style>",
             "</head><body><h1>Autograder report</h1>"]
    for a in assignments:
        rs = rows[a]
        parts.append(f"<h2>{e(a)}</h2>")
        if not rs:
            parts.append("<p>Nothing graded yet.</p>")
            continue
        ok = [r for r in rs if r["status"] in _OK]
        totals = [r["score"] for r in rs]
        mean = sum(totals) / len(totals)
        parts.append(f"<p>{len(rs)} submissions, {len(ok)} graded cleanly, {len(rs) - len(ok)} failed; "
                     f"mean autograded score {mean:.2f} / {rs[0]['max_score']:g}</p>")
        parts.append("<div class='h'>")
        parts.append(f"<img alt='total' src='data:image/png;base64,{_histogram_png('total (autograded)', totals, rs[0]['max_score'])}'>")
        for c in cells_of[a]:
            if not c["auto"]:
                continue
            vals = [next((x["score"] or 0.0 for x in r["cells"] if x["grade_id"] == c["grade_id"]), 0.0) for r in rs]
            png = _histogram_png(c["grade_id"], vals, c["points"])
            parts.append(f"<img alt='{e(c['grade_id'])}' src='data:image/png;base64,{png}'>")
        parts.append("</div>")
        parts.append(f"<h3>Slowest {min(slowest, len(rs))} submissions</h3><table><tr><th>student</th>"
                     "<th>seconds</th><th>status</th><th>score</th></tr>")
        for r in sorted(rs, key=lambda r: -(r.get("seconds") or 0.0))[:slowest]:
            parts.append(f"<tr><td>{e(r['student'])}</td><td>{r.get('seconds') or 0:.1f}</td>"
                         f"<td>{e(r['status'])}</td><td>{r['score']:g}</td></tr>")
        parts.append("</table>")
        failed = [r for r in rs if r["status"] not in _OK]
        parts.append(f"<h3>Failed submissions ({len(failed)})</h3>")
        if failed:
            parts.append("<table><tr><th>student</th><th>status</th><th>reason</th><th>score</th></tr>")
            for r in failed:
                parts.append(f"<tr><td>{e(r['student'])}</td><td>{e(r['status'])}</td>"
                             f"<td>{e(r.get('reason', ''))}</td><td>{r['score']:g}</td></tr>")
            parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
