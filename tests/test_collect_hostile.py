"""``collect`` on hostile input: one upload never stops the collection of the class.

Every input is a real zip or folder built here, collected through the real
CLI (``python -m autograder collect``) where the issue asks for it; a
Hypothesis test throws random zip entries and notebook bytes at ``collect``
itself.  Nothing is graded, so the file runs in about half a minute.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder.collect import CollectError, collect

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "assignments"
A1 = "a1_backprop_by_hand"


def _new_course(path: Path) -> Path:
    path.mkdir(parents=True)
    shutil.copy(COURSE / "nbgrader_config.py", path)
    (path / "source").mkdir()
    shutil.copytree(COURSE / "source" / A1, path / "source" / A1)
    return path


def _nb(tag: str) -> bytes:
    return json.dumps({"cells": [], "metadata": {"tag": tag}, "nbformat": 4, "nbformat_minor": 5}).encode()


def _tag(course: Path, student: str) -> str:
    return json.loads((course / "submitted" / student / A1 / f"{A1}.ipynb").read_bytes())["metadata"]["tag"]


def _students(course: Path) -> set[str]:
    folder = course / "submitted"
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def _cli(course: Path, source: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", "--course", str(course), "collect", A1, str(source),
                           *args], check=False, capture_output=True, text=True, cwd=ROOT, timeout=300)


def _local_data_offset(zip_bytes: bytes, name: str) -> int:
    """Where the (compressed) bytes of entry ``name`` start in the zip."""
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as zf:
        info = zf.getinfo(name)
    off = info.header_offset
    name_len, extra_len = struct.unpack_from("<HH", zip_bytes, off + 26)
    return off + 30 + name_len + extra_len


def _hostile_zip(path: Path) -> Path:
    """A Canvas zip: one honest student, and one student per pathology of the issue."""
    deep = b'{"cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    notebooks = {
        "honest": _nb("honest"),
        "cellsint": b'{"cells": 1}',
        "cellsnull": b'{"cells": null}',
        "listid": json.dumps({"cells": [{"cell_type": "code", "source": "x", "metadata": {
            "nbgrader": {"grade_id": ["test_sigmoid_neuron"], "solution": "yes"}}}]}).encode(),
        "badmeta": json.dumps({"cells": [{"cell_type": "code", "source": "x", "metadata": [1, 2]},
                                         {"cell_type": "code", "source": "y", "metadata": {"nbgrader": 7}}]}).encode(),
        "deep": deep,
        "notutf": b'{"cells": [], "metadata": {"x": "\xff\xfe"}}',
        "toplist": b"[1, 2, 3]",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, (who, data) in enumerate(notebooks.items()):
            zf.writestr(f"{who}_{1000 + i}_{5000 + i}_{A1}.ipynb", data)
        zf.writestr(f"baddeflate_2001_6001_{A1}.ipynb", _nb("baddeflate") * 50)
        zf.writestr(zipfile.ZipInfo(f"badcrc_2002_6002_{A1}.ipynb"), _nb("badcrc"))  # stored
        zf.writestr(f"bomb_2003_6003_{A1}.ipynb", b'{"cells": []' + b" " * (40 * 2**20) + b"}")
        zf.writestr(f"twice_2004_6004_{A1}.ipynb", _nb("twice 1"))
        zf.writestr(f"twice_2004_6004_{A1}.ipynb", _nb("twice 2"))
        zf.writestr(f"secret_2005_6005_{A1}.ipynb", _nb("secret"))
    data = bytearray(buf.getvalue())
    at = _local_data_offset(bytes(data), f"baddeflate_2001_6001_{A1}.ipynb")
    data[at:at + 40] = b"\xff" * 40  # an invalid deflate block: zlib.error
    at = _local_data_offset(bytes(data), f"badcrc_2002_6002_{A1}.ipynb")
    data[at + 5] ^= 0x20  # stored bytes changed: the CRC no longer matches
    name = f"secret_2005_6005_{A1}.ipynb".encode()
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # mark it encrypted, locally and centrally
        start = data.find(sig)
        while start >= 0:
            name_at = start + (30 if sig == b"PK\x03\x04" else 46)
            if data[name_at:name_at + len(name)] == name:
                data[start + flag_at] |= 0x1
            start = data.find(sig, start + 4)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_a_hostile_canvas_zip_never_stops_collect_and_every_entry_is_named(tmp_path):
    course = _new_course(tmp_path / "course")
    z = _hostile_zip(tmp_path / "canvas.zip")
    proc = _cli(course, z)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    out = proc.stdout
    # Every notebook whose bytes could be read is collected (nothing is lost), with a note when
    # the grader will not be able to use it.
    collected = {"1000", "1001", "1002", "1003", "1004", "1005", "1006", "1007"}
    assert _students(course) == collected
    assert _tag(course, "1000") == "honest"
    assert (course / "submitted" / "1005" / A1 / f"{A1}.ipynb").read_bytes().startswith(b'{"cells": [[[[')
    for student, words in (("1001", "not a list"), ("1002", "null"), ("1005", "nested"), ("1006", "UTF-8"),
                           ("1007", "not an object")):
        note = next(ln for ln in out.splitlines() if f"NOTE {student}:" in ln)
        assert words in note, note
    unmatched = {ln.split("UNMATCHED ", 1)[1] for ln in out.splitlines() if "UNMATCHED " in ln}

    def reason(name: str) -> str:
        return next(u for u in unmatched if u.startswith(name))

    assert "damaged" in reason(f"baddeflate_2001_6001_{A1}.ipynb") and "error" in reason(f"baddeflate_2001_6001_{A1}.ipynb")
    assert "CRC" in reason(f"badcrc_2002_6002_{A1}.ipynb")
    assert "zip bomb" in reason(f"bomb_2003_6003_{A1}.ipynb")
    assert "encrypted" in reason(f"secret_2005_6005_{A1}.ipynb")
    twice = [u for u in unmatched if u.startswith(f"twice_2004_6004_{A1}.ipynb")]
    assert len(twice) == 2 and all("2 entries with this name" in u for u in twice)
    assert "2004" not in _students(course)


def test_a_zip_that_cannot_be_opened_is_one_clear_error(tmp_path):
    course = _new_course(tmp_path / "course")
    whole = tmp_path / "whole.zip"
    with zipfile.ZipFile(whole, "w") as zf:
        zf.writestr(f"ann_1_2_{A1}.ipynb", _nb("ann"))
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole.read_bytes()[:-30])  # a truncated download: no end of central directory
    proc = _cli(course, cut)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "not a zip file that can be read" in proc.stderr and "truncated" in proc.stderr


def test_moodle_ids_are_read_from_the_right_and_ambiguity_is_reported(tmp_path):
    """A full name holding ``_101_assignsubmission_file_`` cannot take participant 101's folder."""
    course = _new_course(tmp_path / "course")
    z = tmp_path / "moodle.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr(f"Ann Lee_101_assignsubmission_file_/{A1}.ipynb", _nb("ann"))
        zf.writestr(f"Mal_101_assignsubmission_file__555_assignsubmission_file_/{A1}.ipynb", _nb("mal"))
        # flat names: the file name part is arbitrary, so two markers cannot be told apart
        zf.writestr(f"Eve_102_assignsubmission_file__556_assignsubmission_file_{A1}.ipynb", _nb("eve"))
        zf.writestr(f"Bo_103_assignsubmission_file_{A1}.ipynb", _nb("bo"))
        # a Canvas name whose arbitrary file part holds a Moodle marker
        zf.writestr(f"smith_1111_5001_x_104_assignsubmission_file_{A1}.ipynb", _nb("smith"))
    proc = _cli(course, z)
    assert proc.returncode == 0, proc.stderr
    assert _students(course) == {"101", "555", "103"}
    assert _tag(course, "101") == "ann" and _tag(course, "555") == "mal" and _tag(course, "103") == "bo"
    lines = proc.stdout.splitlines()
    eve = next(ln for ln in lines if "UNMATCHED Eve_102" in ln)
    assert "ambiguous" in eve and "participant 102 or participant 556" in eve
    smith = next(ln for ln in lines if "UNMATCHED smith_1111" in ln)
    assert "Moodle participant 104" in smith and "Canvas user 1111" in smith
    meta = json.loads((course / "submitted" / "555" / A1 / "collect.json").read_text())
    assert meta["lms_name"] == "Mal_101_assignsubmission_file_"
    strict = _cli(course, z, "--strict", "--dry-run")
    assert strict.returncode == 1


def _remove_deep(top: str) -> None:
    """Remove a folder tree of any depth without recursion (shutil.rmtree, and so pytest's clean-up, recurse)."""
    stack = [top]
    while stack:
        with os.scandir(stack[-1]) as it:
            entries = list(it)
        dirs = [e.path for e in entries if e.is_dir(follow_symlinks=False)]
        for e in entries:
            if not e.is_dir(follow_symlinks=False):
                os.unlink(e.path)
        if dirs:
            stack.extend(dirs)
        else:
            os.rmdir(stack.pop())


def test_folder_pathologies_are_listed_not_fatal(tmp_path):
    course = _new_course(tmp_path / "course")
    src = tmp_path / "in"
    src.mkdir()
    (src / "ann.ipynb").write_bytes(_nb("ann"))
    forged = "bob.ipynb\n[autograder]   COLLISION x: forged"
    (src / f"{forged}.ipynb").write_bytes(_nb("newline"))
    os.mkfifo(src / "pipe.ipynb")
    (src / os.fsdecode(b"caf\xe9.ipynb")).write_bytes(_nb("latin-1 name"))  # not UTF-8
    deep = str(src / "d")
    try:
        for _ in range(1100):  # deeper than Python's recursion limit (os.walk recursed once per level)
            os.mkdir(deep)
            deep += "/d"
        Path(deep).with_name("lost.ipynb").write_bytes(_nb("deep"))
        proc = _cli(course, src)
    finally:
        _remove_deep(str(src / "d"))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    students = _students(course)
    assert "ann" in students and "caf~E9" in students and _tag(course, "caf~E9") == "latin-1 name"
    assert any(s.startswith("bob.ipynb~0A") for s in students)
    # the forged line stays inside its own line, escaped
    assert not any(ln.startswith("[autograder]   COLLISION") for ln in proc.stdout.splitlines())
    assert "bob.ipynb\\n[autograder]" in proc.stdout
    assert "UNMATCHED pipe.ipynb: not a regular file" in proc.stdout
    assert "d/d/d/" in proc.stdout and "lost.ipynb" in proc.stdout and "too deep" in proc.stdout


# --- fuzz ----------------------------------------------------------------------------------------------------

_names = st.one_of(
    st.builds(lambda n, i, a, f: f"{n}_{i}_{a}_{f}.ipynb", st.text("ab", min_size=1, max_size=3),
              st.integers(0, 30), st.integers(0, 3), st.text("a_1", max_size=4)),
    st.builds(lambda n, i, f: f"{n}_{i}_assignsubmission_file_/{f}.ipynb",
              st.text("ab_1", min_size=1, max_size=6), st.integers(0, 30), st.text("a_1", max_size=4)),
    st.builds(lambda n, i, f: f"{n}_{i}_assignsubmission_file_{f}.ipynb",
              st.text("ab_1", min_size=1, max_size=6), st.integers(0, 30), st.text("a_1", max_size=4)),
    st.text(st.characters(min_codepoint=1, max_codepoint=0x2FF, blacklist_characters="/"), min_size=1,
            max_size=6).map(lambda s: s + ".ipynb"),
    st.sampled_from(["a/b/c/d.ipynb", "../x.ipynb", "x.txt", "__MACOSX/x.ipynb", f"s/{A1}/n.ipynb"]),
)
_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                         st.sampled_from(["cells", "metadata", "nbgrader", "grade_id", "cell_type", "source", "x"]),
                         inner, max_size=4), max_leaves=12)
_bytes = st.one_of(st.binary(max_size=200), _json.map(lambda d: json.dumps(d).encode()),
                   st.builds(lambda n: b'{"cells": ' + b"[" * n + b"]" * n + b"}", st.integers(0, 3000)))


@pytest.mark.filterwarnings("ignore:Duplicate name")
@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(entries=st.lists(st.tuples(_names, _bytes, st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])),
                        max_size=8),
       flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), max_size=3))
def test_fuzz_collect_never_raises_and_accounts_for_every_entry(tmp_path_factory, entries, flips):
    tmp = tmp_path_factory.mktemp("fuzz")
    course = _new_course(tmp / "course")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data, how in entries:
            zf.writestr(zipfile.ZipInfo(name, date_time=(2026, 10, 14, 12, 0, 0)), data, compress_type=how)
    raw = bytearray(buf.getvalue())
    for at, bit in flips:  # damage the bytes of the entries (not the central directory: it names them)
        end = raw.find(b"PK\x01\x02")
        if end > 0:
            raw[at % end] ^= bit
    z = tmp / "in.zip"
    z.write_bytes(bytes(raw))
    try:
        report = collect(course, A1, z)
    except CollectError:
        assert flips  # only a damaged zip can be unreadable as a whole
        return
    accounted = [n for _, n, _ in report.collected] + [n for n, _ in report.unmatched]
    accounted += [n.split(" (")[0] for _, names in report.collisions for n in names]
    text = "\n".join(report.lines())
    for name, _, _ in entries:
        assert any(a == name or a.startswith(name + " [entry") for a in accounted) or name in text, name
    for student in _students(course):
        assert (course / "submitted" / student / A1 / f"{A1}.ipynb").is_file()


def test_a_name_falsely_flagged_utf8_costs_only_its_own_entry(tmp_path):
    """Python's zipfile refuses a whole zip for one such name; collect reads that name as CP437."""
    course = _new_course(tmp_path / "course")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"ann_1001_5001_{A1}.ipynb", _nb("ann"))
        zf.writestr(f"bob_1002_5002_{A1}.ipynb", _nb("bob"))
        zf.writestr(f"café_1003_5003_{A1}.ipynb", _nb("cafe"))  # flagged UTF-8 by zipfile (not ASCII)
    data = buf.getvalue().replace("café".encode(), b"caf\xff\xfe")  # same length, no longer UTF-8
    z = tmp_path / "canvas.zip"
    z.write_bytes(data)
    proc = _cli(course, z)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _students(course) == {"1001", "1002", "1003"}
    assert _tag(course, "1003") == "cafe"
