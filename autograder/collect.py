"""``collect``: put submissions from a folder or an LMS bulk download into ``submitted/``.

Accepted names (checked in this order, for every file of the folder or zip):

* **Moodle**: ``Full Name_12345_assignsubmission_file_/anything.ipynb`` (one
  folder per participant) or the flat ``Full Name_12345_assignsubmission_file_anything.ipynb``;
  the student id is the participant number (``12345``), the number Moodle's
  grading worksheet calls "Participant 12345".
* **Canvas**: ``lastname_userid_attemptid_anything.ipynb`` and late ones
  ``lastname_LATE_userid_attemptid_anything.ipynb``; the student id is the
  Canvas user id (the ``ID`` column of Canvas's gradebook), and the highest
  attempt id wins.
* **Folder**: ``<student>.ipynb``, ``<student>/<anything>.ipynb`` or
  nbgrader's own ``<student>/<assignment>/<anything>.ipynb``.

Student ids are lossless: an LMS id as it is, a folder or file name with
every character other than letters (any script), digits and ``. _ - @ +``
written as ``~XX`` (its UTF-8 bytes in hex), so ``jo smith`` is ``jo~20smith``
and ``jo_smith`` stays itself.  Two different sources that would still share
a folder (names differing only in case or Unicode normalisation, or one
folder name read under two schemes) are a **collision**: neither is
collected and both files are listed.

One submission (a Moodle folder, a Canvas attempt, a student's folder) with
several notebooks gives the one whose file name or nbgrader metadata matches
the assignment, then the newest; the others are listed as unmatched with the
reason.  A later Canvas attempt replaces an earlier one with a note.
Symbolic links, devices and other non-regular entries are skipped with a
reason, never read.  A notebook larger than the grader's limit for one
notebook (saved figures) is still collected, with a note: grading re-runs
it, and a dropped file would leave the student with no submission at all;
only files over ``MAX_COLLECT_BYTES`` (256 MiB) are unmatched, with their size.

Each notebook goes to nbgrader's ``submitted/<student>/<assignment>/<assignment>.ipynb``
(written atomically) with ``timestamp.txt`` (the submission time in UTC,
nbgrader's format, used by the late rule of ``export``) and
``collect.json`` (where it came from: file, scheme, the LMS's name and
whether the LMS marked it late).  The time is the zip entry's (its UTC
extended timestamp when present, else its local time read in the course's
``timezone``), or the file's modification time for a folder.
"""

from __future__ import annotations

import json
import os
import re
import stat
import struct
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path, PurePosixPath

from .config import load_config, missing_due_date
from .identity import wrong_submission
from .late import format_timestamp
from .plan import Course
from .rebuild import MAX_NOTEBOOK_BYTES

__all__ = ["CollectReport", "collect", "parse_name", "student_id"]

_MOODLE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assignsubmission_(?:file|onlinetext)_(?P<rest>.*)$")
_CANVAS = re.compile(r"^(?P<name>[^_/]+?)(?P<late>_LATE)?_(?P<id>\d+)_(?P<attempt>\d+)_(?P<file>.+)$")
_IGNORED_DIRS = {"__MACOSX", ".ipynb_checkpoints"}
_IGNORED_FILES = {".DS_Store", "Thumbs.db", "desktop.ini"}
_KEEP = set("._-@+")
# Outputs (saved figures) can make an honest notebook larger than the grader's limit for one
# notebook; grading re-executes it, so collect keeps it (with a note) up to this much.
MAX_COLLECT_BYTES = 256 * 2**20
_MAX_ID_BYTES = 200  # folder names are limited to 255 bytes; an id is never cut (that would not be lossless)
_RED, _RESET = "\033[31m", "\033[0m"


def student_id(raw: str) -> str:
    """A folder-safe student id from a name, without losing anything (no two names give one id).

    Letters and digits of any script and ``. _ - @ +`` stay; every other
    character (and a leading dot, which would hide the folder) becomes
    ``~XX`` per UTF-8 byte.  The name is NFC-normalised first, so the same
    name typed on two systems gives one id.

    Examples
    --------
    >>> student_id("jo smith"), student_id("jo_smith"), student_id("Zoë"), student_id("Zoé")
    ('jo~20smith', 'jo_smith', 'Zoë', 'Zoé')
    >>> student_id("a/b~c")
    'a~2Fb~7Ec'
    """
    out = []
    for i, ch in enumerate(unicodedata.normalize("NFC", raw)):
        if (ch.isalnum() or ch in _KEEP) and not (i == 0 and ch == "."):
            out.append(ch)
        else:
            out.append("".join(f"~{b:02X}" for b in ch.encode("utf-8")))
    return "".join(out) or "~"


@dataclass
class Candidate:
    """One notebook found in the input, with the student it belongs to."""

    name: str  # path inside the folder or zip
    student: str  # the folder under submitted/
    source: str  # who the input says this is ("moodle participant 12345", "file name 'jo smith'")
    scheme: str  # moodle / canvas / folder
    attempt: int  # Canvas attempt id, else 0
    time: datetime | None
    read: Callable[[], bytes]  # the bytes, read again when written (a class's notebooks never all sit in memory)
    size: int
    lms_name: str = ""
    late: bool = False
    match: tuple[bool, bool] = (False, False)  # (file name, nbgrader metadata) match the assignment

    @property
    def submission(self) -> tuple[str, int]:
        """Notebooks of one submission compete by match and time; a later attempt replaces an earlier one."""
        return (self.source, self.attempt)

    def rank(self) -> tuple:
        stamp = self.time.timestamp() if self.time else 0.0
        return (sum(self.match), stamp, self.name)


@dataclass
class CollectReport:
    """What ``collect`` did: collected notebooks, notes, unmatched files and collisions."""

    collected: list[tuple[str, str, str]] = field(default_factory=list)  # (student, input name, scheme)
    notes: list[str] = field(default_factory=list)
    unmatched: list[tuple[str, str]] = field(default_factory=list)  # (input name, why)
    collisions: list[tuple[str, list[str]]] = field(default_factory=list)  # (student folder, input names)

    def lines(self, color: bool = False) -> list[str]:
        """The report as text lines; ``color`` prints collisions in red (for a terminal)."""
        red, reset = (_RED, _RESET) if color else ("", "")
        out = [(f"collected {len(self.collected)} notebook(s), {len(self.unmatched)} unmatched file(s), "
                f"{len(self.collisions)} collision(s)")]
        for student, name, scheme in self.collected:
            out.append(f"  {student:<24} <- {name} ({scheme})")
        for n in self.notes:
            out.append(f"  NOTE {n}")
        for name, why in self.unmatched:
            out.append(f"  UNMATCHED {name}: {why}")
        for student, names in self.collisions:
            out.append(f"{red}  COLLISION {student}: {len(names)} different students would share "
                       f"submitted/{student}/, so none of them was collected: {', '.join(names)}. "
                       f"Rename the files (or folders) so that each student has one name, and collect again.{reset}")
        return out


def parse_name(name: str, assignment: str) -> tuple[str, str, str, int, bool, str] | str:
    """(student, source identity, scheme, attempt, late, LMS name) for a notebook's path, or why it is unmatched."""
    parts = PurePosixPath(name).parts
    if name.startswith("/") or ".." in parts:
        return "an unsafe path (absolute or with '..')"
    fname = parts[-1]
    m = _MOODLE.match(parts[0])
    if m:
        pid = m.group("id")
        return pid, f"Moodle participant {pid}", "moodle", 0, False, m.group("name")
    m = _CANVAS.match(fname)
    if m and len(parts) == 1:
        uid = m.group("id")
        return uid, f"Canvas user {uid}", "canvas", int(m.group("attempt")), bool(m.group("late")), m.group("name")
    if len(parts) == 1:
        stem = fname[: -len(".ipynb")]
        if stem == assignment:
            return f"named like the assignment itself, so the student is unknown (use <student>.ipynb or <student>/{fname})"
        return student_id(stem), f"file name {stem!r}", "folder", 0, False, stem
    if len(parts) == 2 or (len(parts) == 3 and parts[1] == assignment):
        return student_id(parts[0]), f"folder {parts[0]!r}", "folder", 0, False, parts[0]
    return "too deep in the folder tree for a known naming scheme"


_Reader = Callable[[], bytes]


def _zip_utc_mtime(extra: bytes) -> float | None:
    """The UTC modification time of a zip entry's "extended timestamp" field (0x5455), when present."""
    i = 0
    while i + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, i)
        body = extra[i + 4:i + 4 + size]
        if tag == 0x5455 and len(body) >= 5 and body[0] & 1:
            return float(struct.unpack_from("<i", body, 1)[0])
        i += 4 + size
    return None


def _zip_entries(zf: zipfile.ZipFile, tz: tzinfo) -> Iterator[tuple[str, datetime | None, int, _Reader | str]]:
    for info in zf.infolist():
        if info.is_dir():
            continue
        mode = info.external_attr >> 16
        kind = stat.S_IFMT(mode) if info.create_system == 3 else 0  # only Unix zips record a file type
        if stat.S_ISLNK(mode) and kind:
            yield info.filename, None, info.file_size, "a symbolic link (skipped: links are never followed)"
            continue
        if kind and not stat.S_ISREG(mode):
            yield info.filename, None, info.file_size, f"not a regular file (file type {oct(kind)}; skipped)"
            continue
        utc = _zip_utc_mtime(info.extra)
        try:
            moment = (datetime.fromtimestamp(utc, UTC) if utc is not None
                      else datetime(*info.date_time, tzinfo=tz))
        except (ValueError, OverflowError):
            moment = None
        yield info.filename, moment, info.file_size, (lambda i=info: zf.open(i).read(MAX_COLLECT_BYTES + 1))


def _folder_entries(source: Path) -> Iterator[tuple[str, datetime | None, int, _Reader | str]]:
    for dirpath, dirnames, filenames in os.walk(source, followlinks=False):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            p = Path(dirpath, name)
            rel = p.relative_to(source).as_posix()
            st = p.lstat()
            if stat.S_ISLNK(st.st_mode):
                yield rel, None, -1, "a symbolic link (skipped: links are never followed)"
            elif stat.S_ISDIR(st.st_mode):
                continue
            elif not stat.S_ISREG(st.st_mode):
                yield rel, None, -1, f"not a regular file (file type {oct(stat.S_IFMT(st.st_mode))}; skipped)"
            else:
                yield (rel, datetime.fromtimestamp(st.st_mtime, UTC), st.st_size,
                       (lambda p=p: _read_file(p)))


def _read_file(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(MAX_COLLECT_BYTES + 1)


def _entries(source: Path, tz: tzinfo, stack: ExitStack) -> Iterator[tuple[str, datetime | None, int, _Reader | str]]:
    """(name, time, size, reader or the reason it is skipped) for every file of a folder or a zip.

    A zip stays open (in ``stack``) so that the readers work until ``collect`` has written everything.
    """
    if source.is_file() and zipfile.is_zipfile(source):
        yield from _zip_entries(stack.enter_context(zipfile.ZipFile(source)), tz)
        return
    if not source.is_dir():
        raise FileNotFoundError(f"{source} is neither a folder nor a zip file")
    yield from _folder_entries(source)


def _matches(cand_name: str, data: bytes, assignment: str, grade_ids: set[str]) -> tuple[bool, bool]:
    """Does the notebook's file name, or its nbgrader cell metadata, belong to this assignment?"""
    parts = PurePosixPath(cand_name).parts
    stem = parts[-1][: -len(".ipynb")]
    m = _CANVAS.match(stem) if len(parts) == 1 else None
    if m:
        stem = m.group("file")
    rest = stem[len(assignment):]
    by_name = stem.startswith(assignment) and not rest[:1].isalnum() or (len(parts) == 3 and parts[1] == assignment)
    try:
        cells = json.loads(data.decode("utf-8")).get("cells", [])
        ids = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in cells if isinstance(c, dict)}
    except (UnicodeDecodeError, ValueError, AttributeError):
        ids = set()
    return by_name, bool(ids & grade_ids)


def _why_not(loser: Candidate, winner: Candidate) -> str:
    if sum(winner.match) > sum(loser.match):
        how = " and ".join(w for w, ok in zip(("file name", "nbgrader metadata"), winner.match) if ok)
        return f"not used: {winner.name} (same student) matches the assignment by {how}"
    if winner.rank()[1] > loser.rank()[1]:
        return f"not used: {winner.name} (same student) matches the assignment as well and is newer"
    return f"not used: {winner.name} (same student) matches as well and is as new; the last by file name is used"


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

    Returns
    -------
    CollectReport
        Collected, notes, unmatched files (with reasons) and collisions.
    """
    course = Course(Path(course_root).resolve())
    if not course.source_notebook(assignment).is_file():
        raise FileNotFoundError(f"no assignment {assignment!r} in {course.source}")
    config = load_config(course.root)
    source_nb = json.loads(course.source_notebook(assignment).read_text(encoding="utf-8"))
    grade_ids = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in source_nb["cells"]} - {None}
    with ExitStack() as stack:
        return _collect(course, assignment, _entries(Path(source), config.timezone, stack), grade_ids, dry_run)


def _collect(course: Course, assignment: str, entries: Iterator, grade_ids: set[str], dry_run: bool) -> CollectReport:
    report = CollectReport()
    found: list[Candidate] = []
    for name, moment, size, read in entries:
        parts = PurePosixPath(name).parts
        if any(p in _IGNORED_DIRS for p in parts) or parts[-1] in _IGNORED_FILES:
            report.notes.append(f"skipped system file {name}")
            continue
        if isinstance(read, str):
            report.unmatched.append((name, read))
            continue
        if not name.lower().endswith(".ipynb"):
            report.unmatched.append((name, "not a notebook (.ipynb)"))
            continue
        parsed = parse_name(name, assignment)
        if isinstance(parsed, str):
            report.unmatched.append((name, parsed))
            continue
        too_big = f"{size} bytes, larger than collect's limit of {MAX_COLLECT_BYTES} bytes"
        if size > MAX_COLLECT_BYTES:
            report.unmatched.append((name, too_big))
            continue
        try:
            data = read()
        except (OSError, RuntimeError, zipfile.BadZipFile) as exc:  # encrypted or damaged entry
            report.unmatched.append((name, f"could not be read ({exc})"))
            continue
        if len(data) > MAX_COLLECT_BYTES:  # the zip's or the folder's size was wrong
            report.unmatched.append((name, f"more than collect's limit of {MAX_COLLECT_BYTES} bytes"))
            continue
        student, who, scheme, attempt, late, lms_name = parsed
        if len(student.encode("utf-8")) > _MAX_ID_BYTES:
            report.unmatched.append((name, f"the student name is too long for a folder ({who}); shorten it"))
            continue
        found.append(Candidate(name, student, who, scheme, attempt, moment, read, len(data), lms_name, late,
                               _matches(name, data, assignment, grade_ids)))
        del data

    # Two sources in one folder (names equal up to case, which some file systems ignore) is a collision.
    by_folder: dict[str, list[Candidate]] = {}
    for cand in found:
        by_folder.setdefault(cand.student.casefold(), []).append(cand)
    chosen: list[Candidate] = []
    for group in by_folder.values():
        if len({c.source for c in group}) > 1 or len({c.student for c in group}) > 1:
            names = sorted(f"{c.name} ({c.source})" for c in group)
            report.collisions.append((group[0].student, names))
            continue
        latest = max(c.attempt for c in group)
        for c in group:
            if c.attempt < latest:
                report.notes.append(f"{c.student}: attempt {latest} is later than {c.name} "
                                    f"(attempt {c.attempt}), which is not used")
        best = max((c for c in group if c.attempt == latest), key=Candidate.rank)
        for c in group:
            if c.attempt == latest and c is not best:
                report.unmatched.append((c.name, _why_not(c, best)))
        chosen.append(best)

    for cand in sorted(chosen, key=lambda c: c.student):
        folder = course.submitted / cand.student / assignment
        target = folder / f"{assignment}.ipynb"
        data = cand.read()
        if target.is_file() and target.read_bytes() != data:
            report.notes.append(f"{cand.student}: replaced the earlier submission in submitted/ by {cand.name}")
        if len(data) > MAX_NOTEBOOK_BYTES:
            report.notes.append(
                f"{cand.student}: {cand.name} is {len(data)} bytes, more than the grader's limit of "
                f"{MAX_NOTEBOOK_BYTES} bytes for a notebook (saved outputs?); collected so that nothing is lost. "
                "If grade reports it as too large, clear its outputs (jupyter nbconvert --clear-output) "
                "and collect it again")
        if cand.late:
            no_due = missing_due_date(course.root, assignment)
            report.notes.append(f"{cand.student}: marked LATE by the LMS ({cand.name}){', ' + no_due if no_due else ''}")
        wrong = wrong_submission(course.root, assignment, data)  # collected all the same: grade names it
        if wrong:
            report.notes.append(f"{cand.student}: {cand.name} is {wrong}")
        report.collected.append((cand.student, cand.name, cand.scheme))
        if dry_run:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        meta = {"file": cand.name, "scheme": cand.scheme, "source": cand.source, "lms_name": cand.lms_name,
                "late_by_lms": cand.late, "attempt": cand.attempt or None,
                "time": format_timestamp(cand.time) if cand.time else None}
        files = {f"{assignment}.ipynb": data,
                 "collect.json": (json.dumps(meta, indent=1, ensure_ascii=False) + "\n").encode()}
        if cand.time is not None:
            files["timestamp.txt"] = (format_timestamp(cand.time) + "\n").encode()
        for fname, content in files.items():
            tmp = folder / f".{fname}.tmp"
            tmp.write_bytes(content)
            tmp.replace(folder / fname)
        if cand.time is None:
            (folder / "timestamp.txt").unlink(missing_ok=True)  # an older time would be wrong for this file
    report.unmatched.sort()
    return report
