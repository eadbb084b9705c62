"""Plan the work: one task per (assignment, student, submission content hash).

The key hashes the grader's version, the instructor's source notebook and the
submitted bytes, so a task is skipped when exactly this submission was
already graded against exactly these tests, and redone when either changes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .identity import course_answer_cells
from .rebuild import MAX_NOTEBOOK_BYTES

__all__ = ["GRADER_VERSION", "Course", "plan_tasks", "submission_path"]

GRADER_VERSION = "autograder/2"  # inputs drawn per student on the trusted side


@dataclass(frozen=True)
class Course:
    """Paths of an nbgrader course directory (the standard layout)."""

    root: Path

    @property
    def source(self) -> Path:
        return self.root / "source"

    @property
    def submitted(self) -> Path:
        return self.root / "submitted"

    @property
    def autograded(self) -> Path:
        return self.root / "autograded"

    @property
    def feedback(self) -> Path:
        return self.root / "feedback"

    @property
    def state(self) -> Path:
        """The autograder's own files (results store); a dot-folder, so nbgrader ignores it."""
        return self.root / "autograded" / ".autograder"

    def assignments(self) -> list[str]:
        return sorted(p.name for p in self.source.iterdir() if (p / f"{p.name}.ipynb").is_file())

    def source_notebook(self, assignment: str) -> Path:
        return self.source / assignment / f"{assignment}.ipynb"

    def students(self, assignment: str) -> list[str]:
        if not self.submitted.is_dir():
            return []
        return sorted(
            p.name for p in self.submitted.iterdir() if (p / assignment).is_dir() and not p.name.startswith(".")
        )


def submission_path(course: Course, assignment: str, student: str) -> Path | None:
    """The submitted notebook; a single notebook under another name is accepted too."""
    folder = course.submitted / student / assignment
    exact = folder / f"{assignment}.ipynb"
    if exact.is_file():
        return exact
    others = [p for p in folder.glob("*.ipynb") if p.is_file()]
    return others[0] if len(others) == 1 else None


def _read_capped(path: Path, h: Any) -> tuple[bytes | None, int]:
    """(the bytes, size) of a notebook within the grader's limit; (None, size) past it, hashed in chunks.

    An over-limit file is never held in memory nor sent to a worker: its task says only its size.
    """
    size = 0
    kept: list[bytes] | None = []
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
            if kept is not None:
                kept.append(chunk)
                if size > MAX_NOTEBOOK_BYTES:
                    kept = None
    return (b"".join(kept) if kept is not None else None), size


def plan_tasks(
    course: Course, assignment: str, done: dict[str, str], *, force: bool = False,
    students: list[str] | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Tasks still to run for ``assignment`` and the students skipped as already graded.

    Parameters
    ----------
    course : Course
    assignment : str
    done : dict
        student -> key of the last finished grading (from the results store).
    force : bool
        Regrade even when the key is unchanged.
    students : list of str, optional
        Only these students.
    """
    source_bytes = course.source_notebook(assignment).read_bytes()
    source = json.loads(source_bytes)
    others = course_answer_cells(course.root)  # names the assignment a wrong notebook belongs to
    tasks, skipped = [], []
    for student in students or course.students(assignment):
        path = submission_path(course, assignment, student)
        h = hashlib.sha256(GRADER_VERSION.encode() + b"\0" + source_bytes + b"\0")
        data, size = _read_capped(path, h) if path is not None else (None, 0)
        if path is None:
            h.update(b"<missing>")
        key = h.hexdigest()
        if not force and done.get(student) == key:
            skipped.append(student)
            continue
        tasks.append(
            {"assignment": assignment, "student": student, "key": key, "source": source,
             "submission": data, "others": others,
             **({"too_large": size} if path is not None and data is None else {})}
        )
    return tasks, skipped
