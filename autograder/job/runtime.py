"""The student runtime: the only packages a graded notebook can import.

The sandbox's Python starts without ``site`` (``python -S``) and gets one
site directory, ``/student-site``, made of read-only binds of exactly:

* the distributions of the modules the assignment allows
  (:func:`coursekit.grading.allowed_imports`, e.g. NumPy and matplotlib) and
  everything they require;
* IPython and its requirements (the runner executes the cells in its shell);
* ``coursekit`` reduced to its grading harness (``coursekit.grading``: run the
  student's code, send outputs; NumPy only) and, where allowed,
  ``coursekit.data``.

Every other site directory on the machine (the venv's, the base Python's,
Debian's ``dist-packages``) is covered by an empty read-only tmpfs, so
``import torch`` or ``import coursekit.autograd`` fails inside the job.
Without bubblewrap the same directory is a folder of symlinks and nothing is
hidden: the student's code can still reach the rest, and the autograder says
so loudly.
"""

from __future__ import annotations

import atexit
import functools
import glob
import os
import re
import shutil
import site
import sys
import sysconfig
import tempfile
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement

import coursekit

__all__ = ["SITE", "harness_tree", "hidden_site_dirs", "site_entries", "symlink_site"]

SITE = "/student-site"
RUNNER_NEEDS = ("ipython",)
_COURSEKIT = Path(coursekit.__file__).resolve().parent


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@functools.lru_cache(maxsize=1)
def _distributions() -> dict[str, metadata.Distribution]:
    return {_canonical(d.metadata["Name"]): d for d in metadata.distributions() if d.metadata["Name"]}


def _closure(names: list[str]) -> list[metadata.Distribution]:
    """The installed distributions ``names`` and everything they require (markers evaluated, no extras)."""
    env = default_environment()
    env["extra"] = ""
    dists, seen, todo = [], set(), [_canonical(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen or name == "coursekit":
            continue
        seen.add(name)
        dist = _distributions().get(name)
        if dist is None:
            continue
        dists.append(dist)
        for line in dist.requires or []:
            try:
                req = Requirement(line)
            except InvalidRequirement:
                continue
            if req.marker is None or req.marker.evaluate(env):
                todo.append(_canonical(req.name))
    return dists


def _distribution_of(module: str) -> list[str]:
    top = module.split(".", 1)[0]
    return metadata.packages_distributions().get(top, [top])


@functools.lru_cache(maxsize=16)
def site_entries(allowed: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """(host path, name in the student site) of every top-level entry to mount, coursekit excluded."""
    names = [d for m in allowed if not m.startswith("coursekit") for d in _distribution_of(m)]
    entries: dict[str, str] = {}
    for dist in _closure(names + list(RUNNER_NEEDS)):
        for file in dist.files or []:
            top = file.parts[0]
            if top in ("..", "__pycache__") or top.endswith(".pth") or top in entries:
                continue
            path = Path(dist.locate_file(top))
            if path.exists():
                entries[top] = str(path.resolve())
    return tuple(sorted((path, name) for name, path in entries.items()))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@functools.lru_cache(maxsize=16)
def harness_tree(allowed: tuple[str, ...]) -> str:
    """A folder holding the sandbox's ``coursekit`` package (built once per process, world-readable)."""
    root = Path(tempfile.mkdtemp(prefix="coursekit-harness-"))
    atexit.register(shutil.rmtree, root, True)
    package = root / "coursekit"
    _write(package / "__init__.py", '"""coursekit inside the grading sandbox: the harness only."""\n')
    shutil.copytree(_COURSEKIT / "grading" / "harness", package / "grading" / "harness",
                    ignore=shutil.ignore_patterns("__pycache__"))
    _write(package / "grading" / "__init__.py",
           '"""The grading harness (``check`` runs your code on the grader\'s inputs; nothing compares here)."""\n\n'
           "from .harness.record import check, visible_inputs\n\n"
           '__all__ = ["check", "visible_inputs"]\n')
    if "coursekit.data" in allowed:
        shutil.copytree(_COURSEKIT / "data", package / "data", ignore=shutil.ignore_patterns("__pycache__"))
    for dirpath, _, files in os.walk(root):
        os.chmod(dirpath, 0o755)
        for name in files:
            os.chmod(os.path.join(dirpath, name), 0o644)
    return str(package)


@functools.lru_cache(maxsize=1)
def hidden_site_dirs() -> list[str]:
    """Every site directory of this machine's Pythons that the sandbox must cover."""
    candidates = set(site.getsitepackages() + site.getsitepackages([sys.base_prefix]))
    candidates |= {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    for pattern in ("/usr/lib/python3*/dist-packages", "/usr/lib/python3*/site-packages",
                    "/usr/local/lib/python3*/dist-packages", "/usr/local/lib/python3*/site-packages"):
        candidates |= set(glob.glob(pattern))
    return sorted(p for p in candidates if os.path.isdir(p))


@functools.lru_cache(maxsize=16)
def symlink_site(allowed: tuple[str, ...]) -> str:
    """The student site as a folder of symlinks (the sandbox without bubblewrap; hides nothing)."""
    root = Path(tempfile.mkdtemp(prefix="coursekit-student-site-"))
    atexit.register(shutil.rmtree, root, True)
    for path, name in site_entries(allowed):
        (root / name).symlink_to(path)
    (root / "coursekit").symlink_to(harness_tree(allowed))
    os.chmod(root, 0o755)
    return str(root)
