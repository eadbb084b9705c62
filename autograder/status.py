"""``status``: what is graded, pending and failed (and why), per assignment.

A submission that is not the assignment's notebook at all (status
``wrong_notebook``, :mod:`autograder.identity`) is listed on its own.  Any
other failed run is either the student's (their notebook timed out, crashed,
killed its kernel, was malformed, missing or printed too much: the reason
says where and why) or the grader's (status ``error`` or any ``grader_*``:
infrastructure, nothing the student did; run ``grade`` again for them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .identity import WRONG_NOTEBOOK
from .plan import Course, plan_tasks
from .store import ResultsStore

__all__ = ["OK_STATUSES", "failure_kind", "rerun_command", "status_lines"]

OK_STATUSES = ("graded", "output_truncated")


def failure_kind(status: str) -> str:
    """``"ok"``, ``"grader"`` (the grading infrastructure failed) or ``"student"`` (the notebook failed).

    Examples
    --------
    >>> [failure_kind(s) for s in ("graded", "timeout", "kernel_died", "error", "grader_lost_worker")]
    ['ok', 'student', 'student', 'grader', 'grader']
    """
    if status in OK_STATUSES:
        return "ok"
    if status == "error" or status.startswith("grader_"):
        return "grader"
    return "student"


def rerun_command(assignment: str, students: list[str]) -> str:
    """The command that grades these students again (``--force``: their failed result is stored)."""
    who = " ".join(f"--student {s}" for s in students)
    return f"python -m autograder grade {assignment} {who} --force"


def status_lines(course_root: Path, assignments: list[str] | None = None) -> list[str]:
    """Human-readable lines: counts per assignment, then every failed submission with its reason.

    Parameters
    ----------
    course_root : Path
        The nbgrader course directory.
    assignments : list of str, optional
        Default: every assignment of ``source/``.

    Returns
    -------
    list of str
    """
    course = Course(Path(course_root).resolve())
    store = ResultsStore(course.state / "results.sqlite")
    lines = []
    try:
        for a in assignments or course.assignments():
            pending, _ = plan_tasks(course, a, store.done(a))
            present = set(course.students(a))
            rows: list[dict[str, Any]] = [r for r in store.rows(a) if r["student"] in present]
            by_kind: dict[str, list[dict[str, Any]]] = {"ok": [], "student": [], "grader": []}
            for r in rows:
                by_kind[failure_kind(str(r.get("status", "")))].append(r)
            failed_in_grader = {r["student"] for r in by_kind["grader"]}  # retried by grade, listed once
            pending = [t for t in pending if t["student"] not in failed_in_grader]
            wrong = [r for r in by_kind["student"] if r.get("status") == WRONG_NOTEBOOK]
            failed = [r for r in by_kind["student"] if r.get("status") != WRONG_NOTEBOOK]
            lines.append(f"{a}: {len(by_kind['ok'])} graded, {len(wrong)} not this assignment's notebook, "
                         f"{len(failed)} failed in the student's code, {len(by_kind['grader'])} failed in the "
                         f"grader, {len(pending)} pending")
            for r in wrong:  # nothing of it ran: the student must submit the right notebook
                lines.append(f"  NOT THIS ASSIGNMENT'S NOTEBOOK {r['student']}: {r.get('reason') or ''}")
            for r in failed:
                lines.append(f"  STUDENT CODE FAILED {r['student']}: {r['status']} - {r.get('reason') or 'no reason given'}")
            for r in by_kind["grader"]:
                lines.append(f"  GRADER FAILED {r['student']}: {r['status']} - {r.get('reason') or 'no reason given'} "
                             "(not the student's fault)")
            if by_kind["grader"]:
                lines.append(f"  -> grade them again: {rerun_command(a, [r['student'] for r in by_kind['grader']])}")
            for t in pending:
                lines.append(f"  pending {t['student']}")
    finally:
        store.close()
    return lines
