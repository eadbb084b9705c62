"""The course secret: where it lives, created private, refused where it could leak.

Whoever has the secret can compute every student's hidden inputs (and, with
coursekit, the expected outputs), so it never sits in a repository:

* its default place is the user's configuration directory,
  ``$XDG_CONFIG_HOME/coursekit/<course id>/secret`` (``~/.config/...`` when
  ``XDG_CONFIG_HOME`` is unset), outside every course and repository; the
  course id is nbgrader's ``course_id`` of ``nbgrader_config.py`` (else the
  course folder's name); ``secret_file = "..."`` in ``autograder.toml`` puts
  it elsewhere;
* it is created on first use with mode 0600 (its folder 0700) and is never
  printed;
* :func:`secret_problems` lists what is wrong with where it is: inside a git
  work tree, readable by group or others, or the old
  ``<course>/.autograder_secret`` still present (with the commands that move
  it, which keeps every student's hidden inputs the same). ``doctor`` prints
  them and ``grade`` refuses to run while there is any.

``$COURSEKIT_GRADING_SECRET`` still overrides the file (nothing on disk then).
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from pathlib import Path

from coursekit.grading import SECRET_ENV

from .config import load_config

__all__ = ["LEGACY_NAME", "SecretError", "course_id", "default_secret_path", "git_work_tree",
           "load_secret", "secret_path", "secret_problems"]

LEGACY_NAME = ".autograder_secret"  # where versions before this one kept it: inside the course directory
_COURSE_ID = re.compile(r"""^\s*c\.CourseDirectory\.course_id\s*=\s*["']([^"']+)["']""", re.MULTILINE)


class SecretError(RuntimeError):
    """The course secret is where it could leak (the message says where and how to fix it)."""


def course_id(course_root: Path) -> str:
    """nbgrader's ``course_id`` from ``nbgrader_config.py`` (read as text, never run), else the folder's name.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()) / "nn-2026"
    >>> d.mkdir()
    >>> course_id(d)
    'nn-2026'
    >>> _ = (d / "nbgrader_config.py").write_text('c.CourseDirectory.course_id = "nn"\\n')
    >>> course_id(d)
    'nn'
    """
    root = Path(course_root).resolve()
    try:
        m = _COURSE_ID.search((root / "nbgrader_config.py").read_text(encoding="utf-8"))
    except OSError:
        m = None
    name = m.group(1) if m else root.name
    return re.sub(r"[^\w.@+-]", "_", name) or "course"


def default_secret_path(course: str) -> Path:
    """``$XDG_CONFIG_HOME/coursekit/<course>/secret`` (``~/.config`` when the variable is unset or empty)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "coursekit" / course / "secret"


def secret_path(course_root: Path) -> Path:
    """Where this course's secret lives: ``secret_file`` of ``autograder.toml``, else the default."""
    config = load_config(Path(course_root))
    if config.secret_file is not None:
        return config.secret_file
    return default_secret_path(course_id(course_root))


def git_work_tree(path: Path) -> Path | None:
    """The top of the git work tree that holds ``path`` (a ``.git`` folder or file above it), or None."""
    here = Path(path).resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _move_commands(old: Path, new: Path) -> str:
    return f"mkdir -p -m 700 '{new.parent}' && mv '{old}' '{new}' && chmod 600 '{new}'"


def secret_problems(course_root: Path) -> list[str]:
    """What is wrong with where the course secret is (empty: nothing); each line says how to fix it.

    Parameters
    ----------
    course_root : Path
        The nbgrader course directory.

    Returns
    -------
    list of str
    """
    if os.environ.get(SECRET_ENV):
        return []
    root = Path(course_root).resolve()
    path = secret_path(root)
    problems = []
    legacy = root / LEGACY_NAME
    if legacy.exists():
        if path.exists():
            problems.append(f"an old course secret {legacy} is still in the course directory, and the secret "
                            f"in use is {path}. If it is no longer needed, delete it: rm '{legacy}'")
        else:
            problems.append(f"the course secret is in the course directory ({legacy}), where a commit or a "
                            f"shared folder can publish it. Move it (the same secret keeps every student's hidden "
                            f"inputs): {_move_commands(legacy, path)}")
    tree = git_work_tree(path)
    if tree is not None:
        problems.append(f"the course secret {path} is inside the git work tree {tree}, where one commit publishes "
                        "it. Keep it outside any repository: remove secret_file from autograder.toml (default "
                        f"{default_secret_path(course_id(root))}) or point it elsewhere")
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            problems.append(f"the course secret {path} can be read by other users (mode {mode:o}): chmod 600 '{path}'")
    return problems


def load_secret(course_root: Path, given: str | None = None) -> str:
    """The course secret: ``given``, ``$COURSEKIT_GRADING_SECRET``, or the file (created on first use, mode 0600).

    Parameters
    ----------
    course_root : Path
        The nbgrader course directory.
    given : str, optional
        A secret passed in directly (e.g. ``check``'s throw-away one).

    Returns
    -------
    str

    Raises
    ------
    SecretError
        When :func:`secret_problems` finds anything: nothing is graded with a secret that may leak.
    """
    if given:
        return given
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV]
    problems = secret_problems(course_root)
    if problems:
        raise SecretError("refusing to grade: " + "; ".join(problems))
    path = secret_path(course_root)
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(16))
    text = path.read_text(encoding="utf-8").strip()
    if not text:
        raise SecretError(f"the course secret {path} is empty: delete it to have a new one made "
                          "(students' hidden inputs change) or restore it from your backup")
    return text
