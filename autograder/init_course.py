"""``init-course DIR``: a private course directory, outside the public repository.

The repository students install from holds the solutions (``source/`` with
``### BEGIN SOLUTION``): an open book shows them on purpose.  An instructor
who wants them private grades from a copy of their own, made here:

* ``source/<id>/<id>.ipynb`` for every bundled assignment (solutions and
  hidden tests), and ``nbgrader_config.py`` with the new course id;
* ``autograder.toml``: time zone, late rule, one commented block per
  assignment (due date, Canvas column), and ``secret_file`` naming the secret;
* the course secret, made now with mode 0600 in the user's configuration
  directory (:mod:`autograder.secret`), never inside ``DIR``;
* a ``.gitignore`` for student data (submissions, LMS downloads, gradebook,
  feedback, exports), so the folder can be a private git repository;
* ``README.md``: what is there and the commands of a term.

``DIR`` inside the public repository's work tree is refused: one ``git add``
there would publish what this command exists to keep private.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from coursekit.grading import SECRET_ENV

from .plan import Course
from .secret import default_secret_path, git_work_tree, load_secret, secret_problems

__all__ = ["GITIGNORE", "InitError", "InitResult", "init_course"]

PUBLIC_ROOT = Path(__file__).resolve().parent.parent  # the repository this autograder came from
BUNDLED = PUBLIC_ROOT / "assignments"

GITIGNORE = """\
# Student data and what grading makes of it: never commit (python -m autograder init-course wrote this)
release/
submitted/
autograded/
feedback/
exports/
gradebook.db
*.zip
.nbgrader.log
.autograder_secret
*.secret
"""


class InitError(RuntimeError):
    """The private course cannot be made there (the message says why and what to do)."""


@dataclass
class InitResult:
    """What ``init-course`` made."""

    root: Path
    assignments: list[str]
    secret: Path
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """What was made and what to do next, for the terminal (never the secret's value)."""
        out = [(f"private course in {self.root}: {len(self.assignments)} assignment(s) with solutions, "
                "autograder.toml, .gitignore, README.md"),
               (f"course secret: {self.secret} (mode 600, outside the course directory; back it up privately: "
                "a new secret changes every student's hidden inputs)")]
        out += [f"NOTE {n}" for n in self.notes]
        out.append(f"next: cd {self.root} && python -m autograder doctor   (then release, collect, grade, "
                   "feedback, export from there)")
        return out


def _toml(course_id: str, secret: Path, assignments: list[str]) -> str:
    blocks = "\n".join(f"""# [assignments.{a}]
# due = 2026-10-14T23:59:00             # a TOML date-time, in `timezone` unless it has an offset
# canvas_column = "{a} (12345)"        # the header of this assignment in Canvas's gradebook export
# late = {{ rule = "zero" }}            # this assignment's own rule, keys as in [late]
""" for a in assignments)
    return f"""# The autograder's settings for course {course_id!r} (data only; see autograder/README.md).
timezone = "UTC"                        # an IANA zone such as "Europe/Zurich": due dates without an offset
secret_file = {json.dumps(str(secret))}   # outside every repository, mode 600; never commit or share it

[late]                                  # the course's late rule
rule = "none"                           # "none", "zero", "percent_per_day" or "percent_per_hour"
# percent = 10                          # of the assignment's maximum, per started day (hour) late
# max_percent = 50                      # the penalty's cap, percent of the maximum
# grace_minutes = 10                    # this long after the due date is still on time

{blocks}"""


def _readme(course_id: str) -> str:
    return f"""# {course_id}: private course directory

Made by `python -m autograder init-course`. It holds the assignments **with
their solutions and hidden tests** (`source/`): keep this folder private (a
private repository is fine; `.gitignore` keeps student data out of it).

The course secret is not in this folder: `autograder.toml` names it
(`secret_file`). Whoever has it can compute every student's hidden inputs.

A term, from this folder:

    python -m autograder doctor                 # sandbox and secret checks
    python -m autograder release                # release/<id>/<id>.ipynb for students
    python -m autograder collect <id> download.zip
    python -m autograder grade <id>
    python -m autograder status <id>
    # written answers: the formgrader (jupyter lab -> Nbgrader -> Formgrader)
    python -m autograder feedback <id>
    python -m autograder export <id>            # exports/: grades.csv, Canvas/Moodle CSVs, report.html
"""


def init_course(directory: Path, course_id: str | None = None, *, source_course: Path = BUNDLED) -> InitResult:
    """Make a private course directory at ``directory`` from the bundled course.

    Parameters
    ----------
    directory : Path
        The new course directory; must not exist, or be empty, and must not be
        inside the public repository's work tree.
    course_id : str, optional
        nbgrader's course id (letters, digits, ``. _ -``); default: the directory's name.
    source_course : Path
        The course to copy (default: the repository's ``assignments/``).

    Returns
    -------
    InitResult

    Raises
    ------
    InitError
        ``directory`` is inside the public repository, is not empty, or the
        course id is not usable; or the secret's place is unsafe.
    """
    root = Path(directory).expanduser().resolve()
    public = git_work_tree(PUBLIC_ROOT) or PUBLIC_ROOT
    if root == public or public in root.parents:
        raise InitError(f"{root} is inside the public repository {public}, which students install from: "
                        f"a commit there would publish the solutions. Choose a folder outside it, e.g. "
                        f"python -m autograder init-course ~/teaching/{root.name}")
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise InitError(f"{root} already exists and is not an empty folder: choose a new one")
    course_id = course_id or root.name
    if not re.fullmatch(r"[A-Za-z0-9][\w.-]*", course_id):
        raise InitError(f"course id {course_id!r} must start with a letter or digit and hold only letters, "
                        "digits, '.', '_' and '-': pass --course-id")
    source = Course(Path(source_course).resolve())
    assignments = source.assignments()
    secret = default_secret_path(course_id)
    root.mkdir(parents=True, exist_ok=True)
    for a in assignments:
        shutil.copytree(source.source / a, root / "source" / a, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    config = (source.root / "nbgrader_config.py").read_text(encoding="utf-8")
    config = re.sub(r"""(c\.CourseDirectory\.course_id\s*=\s*)["'][^"']*["']""", rf'\g<1>"{course_id}"', config)
    (root / "nbgrader_config.py").write_text(config, encoding="utf-8")
    (root / "autograder.toml").write_text(_toml(course_id, secret, assignments), encoding="utf-8")
    (root / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    (root / "README.md").write_text(_readme(course_id), encoding="utf-8")
    problems = secret_problems(root)
    if problems:
        raise InitError("the course was written, but its secret is unsafe: " + "; ".join(problems))
    existed = secret.exists()
    load_secret(root)  # made now (mode 600), so that doctor and grade find it in place
    result = InitResult(root, assignments, secret)
    if os.environ.get(SECRET_ENV):
        result.notes.append(f"${SECRET_ENV} is set in this shell: while it is, grading uses it instead of {secret}")
    if existed:
        result.notes.append(f"{secret} already existed (a course with the id {course_id!r}): it is used as it is")
    tree = git_work_tree(root)
    if tree is not None:
        result.notes.append(f"{root} is inside the git work tree {tree}: keep that repository private "
                            "(it holds the solutions)")
    return result
