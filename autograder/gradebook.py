"""The single writer of nbgrader's gradebook (SQLite by default, PostgreSQL via ``db_url``).

Only the driver process calls this module; workers return records and the
driver writes.  A locked database (another nbgrader command, formgrader) is
retried with back-off instead of aborting the class run.
"""

from __future__ import annotations

import time
from typing import Any, Callable, TypeVar

from sqlalchemy.exc import OperationalError

__all__ = ["default_db_url", "ensure_assignment", "write_scores", "with_retry"]

T = TypeVar("T")


def _venv_on_path() -> None:
    """nbgrader's Gradebook runs ``alembic`` (a venv executable) to create or migrate the database."""
    import os
    import sys

    bin_dir = os.path.dirname(sys.executable)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def default_db_url(course_root) -> str:
    """nbgrader's default: ``gradebook.db`` in the course directory."""
    return f"sqlite:///{course_root / 'gradebook.db'}"


def with_retry(fn: Callable[[], T], attempts: int = 30, delay: float = 0.2) -> T:
    """Run ``fn``; on a locked database wait and retry (up to ~1 minute), then re-raise."""
    for i in range(attempts):
        try:
            return fn()
        except OperationalError as exc:
            if "locked" not in str(exc).lower() or i == attempts - 1:
                raise
            time.sleep(min(delay * (1.5**i), 3.0))
    raise AssertionError("unreachable")


def ensure_assignment(db_url: str, assignment: str, cells: list[dict[str, Any]]) -> None:
    """Create or update the assignment, its notebook and its grade cells, as ``generate_assignment`` does."""
    from nbgrader.api import Gradebook

    _venv_on_path()

    def go() -> None:
        with Gradebook(db_url) as gb:
            gb.update_or_create_assignment(assignment)
            gb.update_or_create_notebook(assignment, assignment)
            for c in cells:
                gb.update_or_create_grade_cell(
                    c["grade_id"], assignment, assignment, max_score=c["points"], cell_type=c["cell_type"]
                )
                if not c["auto"]:
                    gb.update_or_create_solution_cell(c["grade_id"], assignment, assignment)

    with_retry(go)


def write_scores(db_url: str, assignment: str, student: str, scores: dict[str, float | None]) -> None:
    """Write the auto scores of one submission (``None``: a written answer for the formgrader).

    Like nbgrader, a manual score an instructor already gave is kept, and the
    cell then still needs a look.
    """
    from nbgrader.api import Gradebook

    _venv_on_path()

    def go() -> None:
        with Gradebook(db_url) as gb:
            gb.update_or_create_student(student)
            gb.update_or_create_submission(assignment, student)
            for grade_id, score in scores.items():
                grade = gb.find_grade(grade_id, assignment, assignment, student)
                grade.auto_score = score
                grade.needs_manual_grade = grade.manual_score is not None or score is None
            gb.db.commit()

    with_retry(go)
