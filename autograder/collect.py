"""``collect``: put submissions from a folder or an LMS bulk download into ``submitted/``.

Accepted names (checked in this order, for every file of the folder or zip):

* **Moodle**: ``Full Name_12345_assignsubmission_file_/anything.ipynb`` (one
  folder per participant) or the flat ``Full Name_12345_assignsubmission_file_anything.ipynb``;
  the student id is the participant number (``12345``).
* **Canvas**: ``lastname_userid_attemptid_anything.ipynb`` and late ones
  ``lastname_LATE_userid_attemptid_anything.ipynb``; the student id is the
  Canvas user id, and the highest attempt id wins.
* **Folder**: ``<student>.ipynb``, ``<student>/<anything>.ipynb`` or
  nbgrader's own ``<student>/<assignment>/<anything>.ipynb``.

Each notebook goes to nbgrader's ``submitted/<student>/<assignment>/<assignment>.ipynb``
(written atomically).  Nothing is silently dropped: every file that is not a
usable notebook with a recognised name is listed as unmatched with the
reason, and when one student has several notebooks the later one (highest
Canvas attempt, else newest timestamp) replaces the others with a note.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from .plan import Course
from .rebuild import MAX_NOTEBOOK_BYTES

__all__ = ["CollectReport", "collect", "parse_name"]

_MOODLE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?:file|onlinetext)_(?P<rest>.*)$")
_CANVAS = re.compile(r"^(?P<name>[^_/]+?)(?P<late>_LATE)?_(?P<id>\d+)_(?P<attempt>\d+)_(?P<file>.+)$")
_SAFE_ID = re.compile(r"[^A-Za-z0-9_.@+-]")
_IGNORED_DIRS = {"__MACOSX", ".ipynb_checkpoints"}


@dataclass
class Candidate:
    """One notebook found in the input, with the student it belongs to."""

    name: str  # path inside the folder or zip
    student: str
    scheme: str  # moodle / canvas / folder
    order: tuple  # larger = later
    data: bytes
    late: bool = False


@dataclass
class CollectReport:
    """What ``collect`` did: collected notebooks, notes (replacements, renamed ids) and unmatched files."""

    collected: list[tuple[str, str, str]] = field(default_factory=list)  # (student, input name, scheme)
    notes: list[str] = field(default_factory=list)
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (input name, why)

    def lines(self) -> list[str]:
        out = [f"collected {len(self.collected)} notebook(s), {len(self.unmatched)} unmatched file(s)"]
        for student, name, scheme in self.collected:
            out.append(f"  {student:<24} <- {name} ({scheme})")
        for n in self.notes:
            out.append(f"  NOTE {n}")
        for name, why in self.unmatched:
            out.append(f"  UNMATCHED {name}: {why}")
        return out


def _student_id(raw: str) -> str:
    sid = _SAFE_ID.sub("_", raw.strip()).strip("._") or "_"
    return sid[:100]


def parse_name(name: str, assignment: str) -> tuple[str, str, tuple, bool] | str:
    """(student, scheme, order key, late) for a notebook's path in the input, or the reason it is unmatched."""
    parts = PurePosixPath(name).parts
    if name.startswith("/") or ".." in parts:
        return "an unsafe path (absolute or with '..')"
    fname = parts[-1]
    m = _MOODLE.match(parts[0])
    if m:
        return _student_id(m.group("id")), "moodle", (), False
    m = _CANVAS.match(fname)
    if m and len(parts) == 1:
        return _student_id(m.group("id")), "canvas", (int(m.group("attempt")),), bool(m.group("late"))
    if len(parts) == 1:
        stem = fname[: -len(".ipynb")]
        if stem == assignment:
            return f"named like the assignment itself, so the student is unknown (use <student>.ipynb or <student>/{fname})"
        return _student_id(stem), "folder", (), False
    if len(parts) == 2 or (len(parts) == 3 and parts[1] == assignment):
        return _student_id(parts[0]), "folder", (), False
    return "too deep in the folder tree for a known naming scheme"


def _entries(source: Path):
    """(name, mtime, size, reader) for every file in a folder or a zip."""
    if source.is_file() and zipfile.is_zipfile(source):
        zf = zipfile.ZipFile(source)
        for info in zf.infolist():
            if info.is_dir():
                continue
            ts = datetime(*info.date_time).timestamp()
            yield info.filename, ts, info.file_size, (lambda i=info: zf.open(i).read(MAX_NOTEBOOK_BYTES + 1))
        return
    if not source.is_dir():
        raise FileNotFoundError(f"{source} is neither a folder nor a zip file")
    for p in sorted(source.rglob("*")):
        if p.is_file() and not p.is_symlink():
            st = p.stat()
            yield p.relative_to(source).as_posix(), st.st_mtime, st.st_size, (lambda p=p: p.open("rb").read(MAX_NOTEBOOK_BYTES + 1))
        elif p.is_symlink():
            yield p.relative_to(source).as_posix(), 0.0, -1, None


def collect(course_root: Path, assignment: str, source: Path, *, dry_run: bool = False) -> CollectReport:
    """Copy the notebooks of ``source`` (folder or zip) into ``submitted/<student>/<assignment>/``.

    Parameters
    ----------
    course_root : Path
        The nbgrader course directory.
    assignment : str
        Assignment id (its ``source/<id>/`` must exist).
    source : Path
        A folder of notebooks or an LMS bulk-download zip.
    dry_run : bool
        Report only, write nothing.
    """
    course = Course(Path(course_root).resolve())
    if not course.source_notebook(assignment).is_file():
        raise FileNotFoundError(f"no assignment {assignment!r} in {course.source}")
    report = CollectReport()
    best: dict[str, Candidate] = {}
    for name, mtime, size, read in _entries(Path(source)):
        parts = PurePosixPath(name).parts
        if any(p in _IGNORED_DIRS for p in parts) or parts[-1] in (".DS_Store", "Thumbs.db"):
            report.notes.append(f"skipped system file {name}")
            continue
        if read is None:
            report.unmatched.append((name, "a symbolic link (not followed)"))
            continue
        if not name.lower().endswith(".ipynb"):
            report.unmatched.append((name, "not a notebook (.ipynb)"))
            continue
        parsed = parse_name(name, assignment)
        if isinstance(parsed, str):
            report.unmatched.append((name, parsed))
            continue
        if size > MAX_NOTEBOOK_BYTES:
            report.unmatched.append((name, f"larger than {MAX_NOTEBOOK_BYTES} bytes"))
            continue
        data = read()
        if len(data) > MAX_NOTEBOOK_BYTES:
            report.unmatched.append((name, f"larger than {MAX_NOTEBOOK_BYTES} bytes"))
            continue
        student, scheme, order, late = parsed
        cand = Candidate(name, student, scheme, order + (mtime, name), data, late)
        old = best.get(student)
        if old is None:
            best[student] = cand
            continue
        newer, older = (cand, old) if cand.order > old.order else (old, cand)
        best[student] = newer
        report.notes.append(f"{student}: {newer.name} is later than {older.name}, which is not used")
    for student in sorted(best):
        cand = best[student]
        folder = course.submitted / student / assignment
        target = folder / f"{assignment}.ipynb"
        if target.is_file() and target.read_bytes() != cand.data:
            report.notes.append(f"{student}: replaced the earlier submission in submitted/ by {cand.name}")
        if cand.late:
            report.notes.append(f"{student}: marked LATE by the LMS ({cand.name})")
        report.collected.append((student, cand.name, cand.scheme))
        if dry_run:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{assignment}.ipynb.tmp"
        tmp.write_bytes(cand.data)
        tmp.replace(target)
        ts = datetime.fromtimestamp(cand.order[-2]) if cand.order[-2] else None
        if ts is not None:
            (folder / "timestamp.txt").write_text(ts.strftime("%Y-%m-%d %H:%M:%S.%f") + "\n")
    return report
