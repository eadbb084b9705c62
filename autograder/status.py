"""``status``: what is graded, pending and failed (and why), per assignment."""

from __future__ import annotations

from pathlib import Path

from .plan import Course, plan_tasks
from .store import ResultsStore

__all__ = ["status_lines"]


def status_lines(course_root: Path, assignments: list[str] | None = None) -> list[str]:
    """Human-readable lines: counts per assignment, then every failed submission with its reason."""
    course = Course(Path(course_root).resolve())
    store = ResultsStore(course.state / "results.sqlite")
    lines = []
    try:
        for a in assignments or course.assignments():
            pending, _ = plan_tasks(course, a, store.done(a))
            rows = [r for r in store.rows(a) if r["student"] in set(course.students(a))]
            graded = [r for r in rows if r["status"] in ("graded", "output_truncated")]
            failed = [r for r in rows if r not in graded]
            lines.append(f"{a}: {len(graded)} graded, {len(failed)} failed, {len(pending)} pending")
            for r in failed:
                lines.append(f"  FAILED {r['student']}: {r['status']} - {r['reason']}")
            for t in pending:
                lines.append(f"  pending {t['student']}")
    finally:
        store.close()
    return lines
