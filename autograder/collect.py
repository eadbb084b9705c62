"""``collect``: put submissions from a folder or an LMS bulk download into ``submitted/``.

Accepted names (checked in this order, for every file of the folder or zip):

* **Moodle**: ``Full Name_12345_assignsubmission_file_/anything.ipynb`` (one
  folder per participant) or the flat ``Full Name_12345_assignsubmission_file_anything.ipynb``;
  the student id is the participant number (``12345``), the number Moodle's
  grading worksheet calls "Participant 12345".  A folder name is read from
  the right (it ends with the marker, so a full name that contains
  ``_101_assignsubmission_file_`` cannot claim participant 101); a flat name
  with two markers, or one that also reads as a Canvas name, is ambiguous
  and unmatched with both readings.
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

Everything in the input is hostile: every entry ends collected or unmatched
with a reason that names it, whatever its bytes (any JSON shape, nesting or
size, invalid UTF-8), whatever the zip does (a bad deflate stream, a wrong
CRC, a truncated or encrypted entry, duplicate names, absurd sizes, an entry
that expands more than ``MAX_RATIO`` times: a zip bomb) and whatever the
folder holds (unreadable folders and files, links, FIFOs, names that are not
UTF-8).  Only a source that cannot be opened at all is an error
(:class:`CollectError`).  Names are shown with control characters escaped.
"""

from __future__ import annotations

import io
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
from .rebuild import MAX_NOTEBOOK_BYTES, NotebookError, NotebookTooLarge, parse_notebook

__all__ = ["MAX_COLLECT_BYTES", "MAX_RATIO", "CollectError", "CollectReport", "collect", "parse_name", "shown", "student_id"]

_MOODLE_MARK = r"_(?P<id>[0-9]+)_assignsubmission_(?:file|onlinetext)_"
# A Moodle folder name ends with the marker: read from the right, the name may hold anything.
_MOODLE_FOLDER = re.compile(rf"^(?P<name>.+){_MOODLE_MARK}$", re.DOTALL)
_MOODLE_ANY = re.compile(rf"(?={_MOODLE_MARK})")  # every marker, overlapping ones too
_CANVAS = re.compile(r"^(?P<name>[^_/]+?)(?P<late>_LATE)?_(?P<id>[0-9]+)_(?P<attempt>[0-9]+)_(?P<file>.+)$", re.DOTALL)
_IGNORED_DIRS = {"__MACOSX", ".ipynb_checkpoints"}
_IGNORED_FILES = {".DS_Store", "Thumbs.db", "desktop.ini"}
_KEEP = set("._-@+")
# Outputs (saved figures) can make an honest notebook larger than the grader's limit for one
# notebook; grading re-executes it, so collect keeps it (with a note) up to this much.
MAX_COLLECT_BYTES = 256 * 2**20
# A zip entry may expand to MAX_RATIO times its compressed size, or RATIO_FLOOR bytes if that is
# more (notebooks compress 2-20 times; a zip bomb 1000 times), and a whole zip to MAX_RATIO times
# its size or ZIP_FLOOR bytes: a hostile zip costs a bounded amount of work and memory.
MAX_RATIO = 100
RATIO_FLOOR = 8 * 2**20
ZIP_FLOOR = 2 * 2**30
_CHUNK = 2**20
_MAX_ID_BYTES = 200  # folder names are limited to 255 bytes; an id is never cut (that would not be lossless)
_RED, _RESET = "\033[31m", "\033[0m"


class CollectError(Exception):
    """The source as a whole cannot be read (not a folder, not a readable zip); the message says why."""


def shown(name: str) -> str:
    """``name`` fit for one line of a terminal or a report: control characters and undecodable bytes escaped.

    Examples
    --------
    >>> shown("ann\\nCOLLISION x.ipynb"), shown("b\\udcff.ipynb")
    ('ann\\\\nCOLLISION x.ipynb', 'b\\\\udcff.ipynb')
    """
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


def _storable(text: str) -> str:
    """``text`` as it is when it can be written as UTF-8 (a tab stays a tab), else :func:`shown`."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:  # an undecodable byte of a folder name
        return shown(text)


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
            out.append("".join(f"~{b:02X}" for b in _utf8(ch)))
    return "".join(out) or "~"


def _utf8(ch: str) -> bytes:
    """The bytes of one character; a folder name's undecodable byte (a surrogate escape) is that byte."""
    try:
        return ch.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte
        return ch.encode("utf-8", "surrogatepass")


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
    problem: str | None = None  # why the grader cannot use the bytes (collected all the same)

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
        """The report as text lines; ``color`` prints collisions in red (for a terminal).

        Every name is shown with its control characters escaped, so a file name can never
        start a line of its own (a forged ``COLLISION``) or colour the terminal.
        """
        red, reset = (_RED, _RESET) if color else ("", "")
        out = [(f"collected {len(self.collected)} notebook(s), {len(self.unmatched)} unmatched file(s), "
                f"{len(self.collisions)} collision(s)")]
        for student, name, scheme in self.collected:
            out.append(shown(f"  {student:<24} <- {name} ({scheme})"))
        for n in self.notes:
            out.append(shown(f"  NOTE {n}"))
        for name, why in self.unmatched:
            out.append(shown(f"  UNMATCHED {name}: {why}"))
        for student, names in self.collisions:
            text = shown(f"  COLLISION {student}: {len(names)} different students would share "
                         f"submitted/{student}/, so none of them was collected: {', '.join(names)}. "
                         f"Rename the files (or folders) so that each student has one name, and collect again.")
            out.append(f"{red}{text}{reset}")
        return out


def _moodle(parts: tuple[str, ...]) -> tuple[str, str] | str | None:
    """(participant id, full name) of a Moodle name, why it is ambiguous, or None (not Moodle)."""
    if len(parts) >= 2:
        m = _MOODLE_FOLDER.match(parts[0])
        if m:  # the folder name ends with the marker: the id just before it is the real one
            return m.group("id"), m.group("name")
    marks = [m for m in _MOODLE_ANY.finditer(parts[0])]
    if not marks:
        return None
    if len(marks) > 1:
        ids = " or ".join(f"participant {m.group('id')}" for m in marks)
        return (f"ambiguous Moodle name: it reads as {ids} (a full name or file name holds another "
                "'_<number>_assignsubmission_file_'); download the submissions in folders, or rename the file "
                "so that it holds the marker once, and collect again")
    return marks[0].group("id"), parts[0][:marks[0].start()]


def parse_name(name: str, assignment: str) -> tuple[str, str, str, int, bool, str] | str:
    """(student, source identity, scheme, attempt, late, LMS name) for a notebook's path, or why it is unmatched.

    Examples
    --------
    >>> parse_name("Ann Lee_101_assignsubmission_file_/a1.ipynb", "a1")[:3]
    ('101', 'Moodle participant 101', 'moodle')
    >>> parse_name("Eve_101_assignsubmission_file__555_assignsubmission_file_/a1.ipynb", "a1")[:3]
    ('555', 'Moodle participant 555', 'moodle')
    >>> parse_name("smith_LATE_1111_5009_a1.ipynb", "a1")[:5]
    ('1111', 'Canvas user 1111', 'canvas', 5009, True)
    """
    parts = PurePosixPath(name).parts
    if not parts or name.startswith("/") or ".." in parts:
        return "an unsafe path (absolute or with '..')"
    fname = parts[-1]
    moodle = _moodle(parts)
    canvas = _CANVAS.match(fname) if len(parts) == 1 else None
    if isinstance(moodle, str):
        return moodle
    if moodle and canvas:
        return (f"ambiguous name: it reads as Moodle participant {moodle[0]} and as Canvas user "
                f"{canvas.group('id')}; rename the file to the one scheme of your LMS and collect again")
    if moodle:
        pid, full_name = moodle
        return pid, f"Moodle participant {pid}", "moodle", 0, False, full_name
    if canvas:
        uid = canvas.group("id")
        return (uid, f"Canvas user {uid}", "canvas", int(canvas.group("attempt")), bool(canvas.group("late")),
                canvas.group("name"))
    if len(parts) == 1:
        stem = fname[: -len(".ipynb")]
        if stem == assignment:
            return f"named like the assignment itself, so the student is unknown (use <student>.ipynb or <student>/{fname})"
        return student_id(stem), f"file name {stem!r}", "folder", 0, False, stem
    if len(parts) == 2 or (len(parts) == 3 and parts[1] == assignment):
        return student_id(parts[0]), f"folder {parts[0]!r}", "folder", 0, False, parts[0]
    return "too deep in the folder tree for a known naming scheme"


_Reader = Callable[[], bytes]
_Entry = tuple[str, "datetime | None", int, "_Reader | str"]


class _Unreadable(Exception):
    """One entry cannot be read; the message is the reason shown with its name."""


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


class _ZipBudget:
    """What all entries of one zip may expand to, together (a zip of many small bombs)."""

    def __init__(self, zip_size: int) -> None:
        self.left = max(MAX_RATIO * zip_size, ZIP_FLOOR)


def _read_zip_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _ZipBudget) -> bytes:
    """The entry's bytes, read in chunks and stopped at the first limit it passes; else :class:`_Unreadable`."""
    cap = min(MAX_COLLECT_BYTES, max(MAX_RATIO * info.compress_size, RATIO_FLOOR))
    chunks: list[bytes] = []
    total = 0
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                total += len(chunk)
                if total > MAX_COLLECT_BYTES:
                    raise _Unreadable(f"more than collect's limit of {MAX_COLLECT_BYTES} bytes when unpacked")
                if total > cap:
                    raise _Unreadable(f"expands to more than {MAX_RATIO} times its {info.compress_size} compressed "
                                      "bytes (a zip bomb?); skipped unread")
                if total > budget.left:
                    raise _Unreadable("the zip as a whole expands to more than collect reads from one zip "
                                      f"({MAX_RATIO} times its size); skipped unread")
                chunks.append(chunk)
    except _Unreadable:
        raise
    except Exception as exc:  # noqa: BLE001  zlib.error, BadZipFile (CRC), EOFError (truncated), NotImplementedError...
        raise _Unreadable(f"could not be unpacked, the zip entry is damaged ({type(exc).__name__}: "
                          f"{str(exc)[:200]})") from None
    budget.left -= total
    return b"".join(chunks)


def _zip_entries(zf: zipfile.ZipFile, tz: tzinfo, zip_size: int) -> Iterator[_Entry]:
    budget = _ZipBudget(zip_size)
    infos = zf.infolist()
    count: dict[str, int] = {}
    for info in infos:
        count[info.filename] = count.get(info.filename, 0) + 1
    seen: dict[str, int] = {}
    for info in infos:
        name = info.filename
        if count[name] > 1:  # which of them the LMS meant is unknown: each is listed, none is collected
            seen[name] = seen.get(name, 0) + 1
            why = (f"the zip holds {count[name]} entries with this name, so which one is the submission is "
                   "unknown; none of them was collected (ask the student, or unpack the zip and rename them)")
            yield f"{name} [entry {seen[name]} of {count[name]} with this name]", None, info.file_size, why
            continue
        if info.is_dir():
            continue
        mode = info.external_attr >> 16
        kind = stat.S_IFMT(mode) if info.create_system == 3 else 0  # only Unix zips record a file type
        if stat.S_ISLNK(mode) and kind:
            yield name, None, info.file_size, "a symbolic link (skipped: links are never followed)"
            continue
        if kind and not stat.S_ISREG(mode):
            yield name, None, info.file_size, f"not a regular file (file type {oct(kind)}; skipped)"
            continue
        if info.flag_bits & 0x1:
            yield name, None, info.file_size, "encrypted (password-protected); ask for the file without a password"
            continue
        utc = _zip_utc_mtime(info.extra)
        try:
            moment = (datetime.fromtimestamp(utc, UTC) if utc is not None
                      else datetime(*info.date_time, tzinfo=tz))
        except (ValueError, OverflowError, OSError, TypeError):
            moment = None
        yield name, moment, info.file_size, (lambda i=info: _read_zip_entry(zf, i, budget))


def _folder_entries(source: Path) -> Iterator[_Entry]:
    """Every file under ``source``, depth first in name order, without recursion and without following links."""
    stack = [""]
    while stack:
        rel_dir = stack.pop()
        folder = Path(source, rel_dir) if rel_dir else source
        try:
            with os.scandir(folder) as it:
                names = sorted(e.name for e in it)
        except OSError as exc:
            yield rel_dir or ".", None, -1, f"a folder that could not be listed ({exc.strerror or exc}); nothing in it was read"
            continue
        subdirs = []
        for name in names:
            rel = f"{rel_dir}/{name}" if rel_dir else name
            try:
                st = os.lstat(folder / name)
            except OSError as exc:
                yield rel, None, -1, f"could not be read ({exc.strerror or exc})"
                continue
            if stat.S_ISLNK(st.st_mode):
                yield rel, None, -1, "a symbolic link (skipped: links are never followed)"
            elif stat.S_ISDIR(st.st_mode):
                subdirs.append(rel)
            elif not stat.S_ISREG(st.st_mode):
                yield rel, None, -1, f"not a regular file (file type {oct(stat.S_IFMT(st.st_mode))}; skipped)"
            else:
                try:
                    moment: datetime | None = datetime.fromtimestamp(st.st_mtime, UTC)
                except (ValueError, OverflowError, OSError):
                    moment = None
                yield rel, moment, st.st_size, (lambda p=folder / name: _read_file(p))
        stack.extend(reversed(subdirs))


def _read_file(path: Path) -> bytes:
    """A regular file's bytes (capped): opened without following links or blocking on a FIFO put in its place."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _Unreadable(f"could not be read ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _Unreadable("no longer a regular file when it was read (skipped)")
        try:
            return fh.read(MAX_COLLECT_BYTES + 1)
        except OSError as exc:
            raise _Unreadable(f"could not be read ({exc.strerror or exc})") from None


def _without_false_utf8_flags(data: bytes) -> bytes | None:
    """The zip's bytes with the UTF-8 flag cleared on every entry whose name is not UTF-8, or None.

    Python's ``zipfile`` refuses the whole zip when one name flagged as UTF-8 is not; without the
    flag (in the central directory and in the entry's own header, which must agree) the name is
    read as CP437, every byte a character, and the entry is collected or unmatched like any other.
    None when the zip's layout is not the plain one this reads (Zip64, a damaged directory).
    """
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return None
    size_cd, offset_cd = struct.unpack_from("<II", data, end + 12)
    if offset_cd == 0xFFFFFFFF or size_cd == 0xFFFFFFFF:
        return None
    shift = end - size_cd - offset_cd  # bytes in front of the zip (a self-extractor, a concatenation)
    out = bytearray(data)
    at, changed = offset_cd + shift, False
    while 0 <= at < end:
        if data[at:at + 4] != b"PK\x01\x02" or at + 46 > end:
            return None
        flags, = struct.unpack_from("<H", data, at + 8)
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, at + 28)
        local, = struct.unpack_from("<I", data, at + 42)
        name = data[at + 46:at + 46 + name_len]
        if flags & 0x800:
            try:
                name.decode("utf-8")
            except UnicodeDecodeError:
                local += shift
                if data[local:local + 4] != b"PK\x03\x04":
                    return None
                struct.pack_into("<H", out, at + 8, flags & ~0x800)
                local_flags, = struct.unpack_from("<H", data, local + 6)
                struct.pack_into("<H", out, local + 6, local_flags & ~0x800)
                changed = True
        at += 46 + name_len + extra_len + comment_len
    return bytes(out) if changed else None


def _entries(source: Path, tz: tzinfo, stack: ExitStack) -> Iterator[_Entry]:
    """(name, time, size, reader or the reason it is skipped) for every file of a folder or a zip.

    A zip stays open (in ``stack``) so that the readers work until ``collect`` has written everything.

    Raises
    ------
    CollectError
        The source is neither a folder nor a zip file that can be opened.
    """
    if source.is_dir():
        return _folder_entries(source)
    if not source.exists():
        raise CollectError(f"{source} does not exist; give a folder of notebooks or the LMS's bulk-download zip")
    try:
        zip_size = source.stat().st_size
        try:
            zf = stack.enter_context(zipfile.ZipFile(source))
        except UnicodeDecodeError:  # one entry's name: read those names as CP437 instead of losing the zip
            fixed = _without_false_utf8_flags(source.read_bytes())
            if fixed is None:
                raise
            zf = stack.enter_context(zipfile.ZipFile(io.BytesIO(fixed)))
    except UnicodeDecodeError:
        raise CollectError(f"{source}: its list of files holds a name that is not valid UTF-8 although the zip says "
                           "it is (a damaged or forged zip); unpack it with another tool and collect the folder") from None
    except Exception as exc:  # noqa: BLE001  BadZipFile, OSError, EOFError, NotImplementedError, struct.error...
        raise CollectError(f"{source} is not a zip file that can be read ({type(exc).__name__}: {str(exc)[:200]}); "
                           "a truncated download? Download it again, or unpack what you can and collect the "
                           "folder") from None
    return _zip_entries(zf, tz, zip_size)


def _grade_ids(notebook: dict) -> set[str]:
    """The ``grade_id`` of every cell's nbgrader metadata (a parsed notebook: every value has its type)."""
    out = set()
    for cell in notebook["cells"]:
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if isinstance(gid, str):
            out.add(gid)
    return out


def _inspect(cand_name: str, data: bytes, assignment: str, grade_ids: set[str]) -> tuple[tuple[bool, bool], str | None]:
    """Does the notebook's file name, or its nbgrader cell metadata, belong to this assignment?

    Returns the two matches and, for bytes the grader could not use, why (collected all the
    same: nothing is lost, and ``grade`` gives it a status that says so).  The bytes are read with
    the grader's own bounded parser (:func:`autograder.rebuild.parse_notebook`): any JSON shape,
    nesting depth or size costs a bounded amount of work.
    """
    parts = PurePosixPath(cand_name).parts
    stem = parts[-1][: -len(".ipynb")]
    m = _CANVAS.match(stem) if len(parts) == 1 else None
    if m:
        stem = m.group("file")
    rest = stem[len(assignment):]
    by_name = stem.startswith(assignment) and not rest[:1].isalnum() or (len(parts) == 3 and parts[1] == assignment)
    try:
        notebook = parse_notebook(data)
    except NotebookTooLarge as exc:
        return (by_name, False), f"over a limit of the grader ({exc})"
    except NotebookError as exc:
        return (by_name, False), f"not a notebook the grader can read ({exc})"
    return (by_name, bool(_grade_ids(notebook) & grade_ids)), None


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

    Raises
    ------
    CollectError
        No such assignment, or a source that cannot be opened at all (one bad entry never is).
    """
    course = Course(Path(course_root).resolve())
    if not course.source_notebook(assignment).is_file():
        raise CollectError(f"no assignment {assignment!r} in {course.source} (no {assignment}/{assignment}.ipynb there)")
    config = load_config(course.root)
    source_nb = json.loads(course.source_notebook(assignment).read_text(encoding="utf-8"))
    grade_ids = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in source_nb["cells"]} - {None}
    with ExitStack() as stack:
        return _collect(course, assignment, _entries(Path(source), config.timezone, stack), grade_ids, dry_run)


def _candidate(name: str, moment: datetime | None, size: int, read: _Reader | str, assignment: str,
               grade_ids: set[str], report: CollectReport) -> Candidate | None:
    """One entry: a candidate, or None with the reason recorded (unmatched) or a note (system files)."""
    parts = PurePosixPath(name).parts or (name,)
    if any(p in _IGNORED_DIRS for p in parts) or parts[-1] in _IGNORED_FILES:
        report.notes.append(f"skipped system file {name}")
        return None
    if isinstance(read, str):
        report.unmatched.append((name, read))
        return None
    if not name.lower().endswith(".ipynb"):
        report.unmatched.append((name, "not a notebook (.ipynb)"))
        return None
    parsed = parse_name(name, assignment)
    if isinstance(parsed, str):
        report.unmatched.append((name, parsed))
        return None
    if size > MAX_COLLECT_BYTES:
        report.unmatched.append((name, f"{size} bytes, larger than collect's limit of {MAX_COLLECT_BYTES} bytes"))
        return None
    try:
        data = read()
    except _Unreadable as exc:
        report.unmatched.append((name, str(exc)))
        return None
    if len(data) > MAX_COLLECT_BYTES:  # the zip's or the folder's size was wrong
        report.unmatched.append((name, f"more than collect's limit of {MAX_COLLECT_BYTES} bytes"))
        return None
    student, who, scheme, attempt, late, lms_name = parsed
    if len(_utf8_all(student)) > _MAX_ID_BYTES:
        report.unmatched.append((name, f"the student name is too long for a folder ({who}); shorten it"))
        return None
    match, problem = _inspect(name, data, assignment, grade_ids)
    cand = Candidate(name, student, who, scheme, attempt, moment, read, len(data), lms_name, late, match)
    cand.problem = problem
    return cand


def _utf8_all(text: str) -> bytes:
    return b"".join(_utf8(ch) for ch in text) if not text.isascii() else text.encode()


def _collect(course: Course, assignment: str, entries: Iterator, grade_ids: set[str], dry_run: bool) -> CollectReport:
    report = CollectReport()
    found: list[Candidate] = []
    for name, moment, size, read in entries:
        try:
            cand = _candidate(name, moment, size, read, assignment, grade_ids, report)
        except Exception as exc:  # noqa: BLE001  one entry never stops the class: it is listed with the reason
            why = f"collect failed on this entry ({type(exc).__name__}: {str(exc)[:200]}); please report it"
            report.unmatched.append((name, why))
            continue
        if cand is not None:
            found.append(cand)

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
        try:
            _write(course, assignment, cand, report, dry_run)
        except (OSError, _Unreadable) as exc:  # read again, or written: one student's files, not the class's
            report.collected = [c for c in report.collected if c[1] != cand.name]
            report.unmatched.append((cand.name, f"could not be collected ({exc})"))
    report.unmatched.sort()
    return report


def _write(course: Course, assignment: str, cand: Candidate, report: CollectReport, dry_run: bool) -> None:
    """``submitted/<student>/<assignment>/``: the notebook, ``collect.json`` and ``timestamp.txt``, atomically."""
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
    elif cand.problem:
        report.notes.append(f"{cand.student}: {cand.name} is {cand.problem}; collected so that nothing is lost, "
                            "and grade will give it a status that says so")
    if cand.late:
        no_due = missing_due_date(course.root, assignment)
        report.notes.append(f"{cand.student}: marked LATE by the LMS ({cand.name}){', ' + no_due if no_due else ''}")
    wrong = wrong_submission(course.root, assignment, data)  # collected all the same: grade names it
    if wrong:
        report.notes.append(f"{cand.student}: {cand.name} is {wrong}")
    report.collected.append((cand.student, cand.name, cand.scheme))
    if dry_run:
        return
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"file": _storable(cand.name), "scheme": cand.scheme, "source": _storable(cand.source),
            "lms_name": _storable(cand.lms_name), "late_by_lms": cand.late, "attempt": cand.attempt or None,
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
