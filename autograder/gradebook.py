"""The single writer of nbgrader's gradebook (SQLite by default, PostgreSQL via ``db_url``).

Only the driver process writes; workers return records.  The driver keeps
one :class:`GradebookWriter` open for the whole run (opening nbgrader's
``Gradebook`` costs ~0.2 s, more than scoring a submission) and commits
once per submission, so a killed run loses nothing it reported as graded.
A locked database (another nbgrader command, the formgrader) is retried
with back-off instead of aborting the class run.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any, Self, TypeVar

from sqlalchemy.exc import OperationalError, SAWarning

# nbformat (imported by nbgrader) pulls in jsonschema, which builds an IRI grammar
# from rfc3987_syntax on import (~1 s) for a format check notebooks never use.
sys.modules.setdefault("rfc3987_syntax", None)

__all__ = ["GradebookWriter", "default_db_url", "read_hand_grading", "with_retry"]

T = TypeVar("T")


def _venv_on_path() -> None:
    """nbgrader's Gradebook runs ``alembic`` (a venv executable) when it creates the database."""
    bin_dir = os.path.dirname(sys.executable)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def default_db_url(course_root) -> str:
    """nbgrader's default: ``gradebook.db`` in the course directory."""
    return f"sqlite:///{course_root / 'gradebook.db'}"


def with_retry(fn: Callable[[], T], attempts: int = 30, delay: float = 0.2,
               on_retry: Callable[[], None] | None = None) -> T:
    """Run ``fn``; on a locked database call ``on_retry``, wait and retry (up to ~1 minute), then re-raise."""
    for i in range(attempts):
        try:
            return fn()
        except OperationalError as exc:
            if "locked" not in str(exc).lower() or i == attempts - 1:
                raise
            if on_retry:
                on_retry()
            time.sleep(min(delay * (1.5**i), 3.0))
    raise AssertionError("unreachable")


class GradebookWriter:
    """One open nbgrader ``Gradebook`` for a grading run.

    Examples
    --------
    >>> with GradebookWriter("sqlite:///gradebook.db") as gb:  # doctest: +SKIP
    ...     gb.ensure_assignment("a1", nbgrader_cells(source_notebook))
    ...     gb.write_scores("a1", "alice", {"test_forward": 2.0, "written_answer": None})
    """

    def __init__(self, db_url: str):
        from nbgrader.api import Gradebook

        _venv_on_path()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)
            self._gb = with_retry(lambda: Gradebook(db_url))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._gb.close()

    def _transaction(self, body: Callable[[Any], None]) -> None:
        """Run ``body(gradebook)`` and commit; a locked database rolls back and tries again."""

        def go() -> None:
            # nbgrader's own API triggers SQLAlchemy autoflush warnings; they are not ours to fix.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SAWarning)
                body(self._gb)
                self._gb.db.commit()

        with_retry(go, on_retry=self._gb.db.rollback)

    def ensure_assignment(self, assignment: str, cells: list[dict[str, Any]]) -> None:
        """Register the assignment and its cells, as ``generate_assignment`` does.

        ``cells`` is :func:`autograder.rebuild.nbgrader_cells` of the source
        notebook.  Grade, solution and task cells are all registered: the
        formgrader and ``nbgrader generate_feedback`` look up a grade or a
        comment for each.
        """

        def body(gb) -> None:
            gb.update_or_create_assignment(assignment)
            gb.update_or_create_notebook(assignment, assignment)
            for c in cells:
                name, scored = c["grade_id"], {"max_score": c["points"], "cell_type": c["cell_type"]}
                if c["grade"]:
                    gb.update_or_create_grade_cell(name, assignment, assignment, **scored)
                if c["solution"]:
                    gb.update_or_create_solution_cell(name, assignment, assignment)
                if c["task"]:
                    gb.update_or_create_task_cell(name, assignment, assignment, **scored)

        self._transaction(body)

    def write_scores(self, assignment: str, student: str, scores: dict[str, float | None]) -> None:
        """Write the auto scores of one submission (``None``: a written answer for the formgrader).

        Like nbgrader, a manual score an instructor already gave is kept, and the
        cell then still needs a look.
        """

        def body(gb) -> None:
            gb.update_or_create_student(student)
            gb.update_or_create_submission(assignment, student)
            for grade_id, score in scores.items():
                grade = gb.find_grade(grade_id, assignment, assignment, student)
                grade.auto_score = score
                grade.needs_manual_grade = grade.manual_score is not None or score is None

        self._transaction(body)


def read_hand_grading(db_url: str, assignment: str, students: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """What the instructor entered by hand (formgrader, or nbgrader's API) for each student's submission.

    Parameters
    ----------
    db_url : str
        The gradebook.
    assignment : str
        The assignment (its one notebook has the assignment's name, as ``grade`` registers it).
    students : list of str
        The students to read.

    Returns
    -------
    dict
        student -> ``{"scores": {grade_id: manual score}, "comments": {cell name: comment}}``, holding
        only what was entered (a score of None and empty comments are left out). A student without a
        submission in the gradebook, or a gradebook that does not exist yet, gives nothing.
    """
    from nbgrader.api import Gradebook, MissingEntry

    out: dict[str, dict[str, dict[str, Any]]] = {}
    path = db_url[len("sqlite:///"):] if db_url.startswith("sqlite:///") else None
    if path is not None and not os.path.isfile(path):
        return out  # nbgrader would create an empty gradebook: nothing was graded by hand
    _venv_on_path()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        with Gradebook(db_url) as gb:
            for s in students:
                try:
                    nb = gb.find_submission_notebook(assignment, assignment, s)
                except MissingEntry:
                    continue
                scores = {g.name: float(g.manual_score) for g in nb.grades if g.manual_score is not None}
                comments = {c.name: str(c.manual_comment) for c in nb.comments
                            if c.manual_comment is not None and str(c.manual_comment).strip()}
                if scores or comments:
                    out[s] = {"scores": scores, "comments": comments}
    return out
