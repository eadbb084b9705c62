"""``python -m autograder collect``: nobody's work is merged with another's or silently lost.

Every input is a real folder or a real zip file built here; nothing is graded,
so the file runs in a few seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import struct
import subprocess
import sys
import unicodedata
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import autograder.collect as collect_module
from autograder.collect import collect, student_id
from autograder.late import parse_timestamp

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "assignments"
A1 = "a1_backprop_by_hand"


def _new_course(path: Path, toml: str | None = None) -> Path:
    path.mkdir(parents=True)
    shutil.copy(COURSE / "nbgrader_config.py", path)
    (path / "source").mkdir()
    shutil.copytree(COURSE / "source" / A1, path / "source" / A1)
    if toml is not None:
        (path / "autograder.toml").write_text(toml)
    return path


def _nb(tag: str) -> bytes:
    return json.dumps({"cells": [], "metadata": {"tag": tag}, "nbformat": 4, "nbformat_minor": 5}).encode()


def _nb_with_assignment_metadata(tag: str) -> bytes:
    """A notebook that carries the assignment's nbgrader cell metadata (as the released one does)."""
    nb = json.loads((COURSE / "source" / A1 / f"{A1}.ipynb").read_text())
    nb["metadata"]["tag"] = tag
    return json.dumps(nb).encode()


def _tag(course: Path, student: str) -> str:
    return json.loads((course / "submitted" / student / A1 / f"{A1}.ipynb").read_bytes())["metadata"]["tag"]


def _students(course: Path) -> set[str]:
    folder = course / "submitted"
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def _zip(path: Path, entries: list[tuple[str, bytes] | zipfile.ZipInfo | tuple[zipfile.ZipInfo, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for e in entries:
            zf.writestr(e[0], e[1])
    return path


def _cli(course: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", "--course", str(course), "collect", A1, *args],
                          check=False, capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


# --- identities ------------------------------------------------------------------------------------


def test_student_ids_are_lossless_and_folder_safe():
    names = ["jo smith", "jo_smith", "jo~20smith", "Zoë", "Zoé", "Zo", "a/b", "a\\b", ".hidden", "..", "x" * 3,
             "日本", "O'Brien", "ana-maría"]
    ids = [student_id(n) for n in names]
    assert len(set(ids)) == len(names)  # injective on these (no two students share an id)
    for sid in ids:
        assert "/" not in sid and "\\" not in sid and "\0" not in sid and not sid.startswith(".")
    assert student_id("Zoë") == "Zoë" and student_id("日本") == "日本"  # letters of any script stay readable


def test_names_that_used_to_collapse_are_now_two_students(tmp_path):
    course = _new_course(tmp_path / "course")
    src = tmp_path / "in"
    src.mkdir()
    for name in ("jo smith", "jo_smith", "Zoë", "Zoé"):
        (src / f"{name}.ipynb").write_bytes(_nb(name))
    report = collect(course, A1, src)
    assert not report.collisions and not report.unmatched
    assert _students(course) == {"jo~20smith", "jo_smith", "Zoë", "Zoé"}
    assert _tag(course, "jo~20smith") == "jo smith" and _tag(course, "jo_smith") == "jo_smith"
    assert _tag(course, "Zoë") == "Zoë" and _tag(course, "Zoé") == "Zoé"


def test_a_collision_collects_neither_and_names_both_files(tmp_path):
    course = _new_course(tmp_path / "course")
    nfc = "Zoë"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfc != nfd
    z = _zip(tmp_path / "bulk.zip", [
        (f"{nfc}.ipynb", _nb("zoe composed")), (f"{nfd}.ipynb", _nb("zoe decomposed")),  # one folder name
        ("Jo.ipynb", _nb("Jo")), ("jo/work.ipynb", _nb("jo")),  # equal on a case-insensitive file system
        ("ann.ipynb", _nb("ann")),
    ])
    report = collect(course, A1, z)
    assert _students(course) == {"ann"}  # nobody of a collision is collected
    assert len(report.collisions) == 2
    listed = {n for _, names in report.collisions for n in names}
    for name in (f"{nfc}.ipynb", f"{nfd}.ipynb", "Jo.ipynb", "jo/work.ipynb"):
        assert any(n.startswith(name + " (") for n in listed), (name, listed)
    text = "\n".join(report.lines(color=True))
    assert text.count("\033[31m  COLLISION") == 2 and "none of them was collected" in text
    assert "\033[31m" not in "\n".join(report.lines())


def test_collision_exit_codes_and_dry_run(tmp_path):
    course = _new_course(tmp_path / "course")
    z = _zip(tmp_path / "bulk.zip", [("Kim.ipynb", _nb("Kim")), ("kim.ipynb", _nb("kim")), ("lee.ipynb", _nb("lee"))])
    strict = _cli(course, str(z), "--strict", "--dry-run")
    assert strict.returncode == 1 and "COLLISION" in strict.stdout and "Kim.ipynb" in strict.stdout
    assert not (course / "submitted").exists()
    default = _cli(course, str(z))
    assert default.returncode == 0 and "COLLISION kim" in default.stdout.replace("COLLISION Kim", "COLLISION kim")
    assert _students(course) == {"lee"}


def test_one_moodle_participant_is_one_student_even_with_two_name_spellings(tmp_path):
    """The LMS id is the identity: a changed display name is not a second student."""
    course = _new_course(tmp_path / "course")
    z = _zip(tmp_path / "moodle.zip", [
        ("Ada Lovelace_4242_assignsubmission_file_/a1_backprop_by_hand.ipynb", _nb("ada")),
        ("Ada King_4242_assignsubmission_file_/scratch.ipynb", _nb("ada scratch")),
    ])
    report = collect(course, A1, z)
    assert not report.collisions and _students(course) == {"4242"} and _tag(course, "4242") == "ada"
    assert [n for n, _ in report.unmatched] == ["Ada King_4242_assignsubmission_file_/scratch.ipynb"]


# --- several notebooks in one submission ---------------------------------------------------------------


def _entry(name: str, when: tuple, data: bytes) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name, date_time=when)
    return info, data


def test_moodle_folder_with_two_notebooks_prefers_the_assignment(tmp_path):
    course = _new_course(tmp_path / "course")
    same = (2026, 10, 14, 21, 0, 0)
    z = _zip(tmp_path / "moodle.zip", [
        # the case: same timestamp, and "scratch" sorts after the assignment's name
        _entry("Ada Lovelace_4242_assignsubmission_file_/a1_backprop_by_hand.ipynb", same, _nb("ada a1")),
        _entry("Ada Lovelace_4242_assignsubmission_file_/scratch.ipynb", same, _nb("ada scratch")),
        # only the nbgrader metadata says which one is the assignment; the scratch file is newer
        _entry("Alan Turing_4343_assignsubmission_file_/my notebook.ipynb", same, _nb_with_assignment_metadata("alan a1")),
        _entry("Alan Turing_4343_assignsubmission_file_/zzz.ipynb", (2026, 10, 14, 22, 0, 0), _nb("alan zzz")),
        # neither matches: the newest wins
        _entry("Grace Hopper_4444_assignsubmission_file_/old.ipynb", (2026, 10, 13, 9, 0, 0), _nb("grace old")),
        _entry("Grace Hopper_4444_assignsubmission_file_/new.ipynb", (2026, 10, 14, 9, 0, 0), _nb("grace new")),
    ])
    report = collect(course, A1, z)
    assert {s: scheme for s, _, scheme in report.collected} == {"4242": "moodle", "4343": "moodle", "4444": "moodle"}
    assert _tag(course, "4242") == "ada a1"
    assert _tag(course, "4343") == "alan a1"
    assert _tag(course, "4444") == "grace new"
    why = dict(report.unmatched)
    assert set(why) == {"Ada Lovelace_4242_assignsubmission_file_/scratch.ipynb",
                        "Alan Turing_4343_assignsubmission_file_/zzz.ipynb",
                        "Grace Hopper_4444_assignsubmission_file_/old.ipynb"}
    assert "file name" in why["Ada Lovelace_4242_assignsubmission_file_/scratch.ipynb"]
    assert "nbgrader metadata" in why["Alan Turing_4343_assignsubmission_file_/zzz.ipynb"]
    assert "newer" in why["Grace Hopper_4444_assignsubmission_file_/old.ipynb"]
    assert "UNMATCHED Ada Lovelace_4242_assignsubmission_file_/scratch.ipynb: not used" in "\n".join(report.lines())


def test_canvas_later_attempt_wins_and_files_of_one_attempt_compete(tmp_path):
    course = _new_course(tmp_path / "course")
    z = _zip(tmp_path / "canvas.zip", [
        ("smithjane_1111_5001_a1_backprop_by_hand.ipynb", _nb("jane attempt 1")),
        ("smithjane_1111_5009_scratch.ipynb", _nb("jane scratch 2")),
        ("smithjane_1111_5009_a1_backprop_by_hand-1.ipynb", _nb("jane attempt 2")),
    ])
    report = collect(course, A1, z)
    assert _tag(course, "1111") == "jane attempt 2"
    assert [n for n, _ in report.unmatched] == ["smithjane_1111_5009_scratch.ipynb"]
    assert any("5001" in n and "not used" in n for n in report.notes)


# --- links and other non-regular entries ------------------------------------------------------------------


def _special(name: str, mode: int, data: bytes) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name, date_time=(2026, 10, 14, 12, 0, 0))
    info.create_system = 3  # Unix: the high 16 bits of external_attr are st_mode
    info.external_attr = mode << 16
    return info, data


def test_symlink_and_special_zip_entries_are_skipped_with_a_reason(tmp_path):
    course = _new_course(tmp_path / "course")
    z = _zip(tmp_path / "bulk.zip", [
        _special("linky.ipynb", stat.S_IFLNK | 0o777, b"../../../../etc/passwd"),
        _special("fifo.ipynb", stat.S_IFIFO | 0o644, b""),
        _special("real.ipynb", stat.S_IFREG | 0o644, _nb("real")),
    ])
    report = collect(course, A1, z)
    assert _students(course) == {"real"}
    why = dict(report.unmatched)
    assert "symbolic link" in why["linky.ipynb"] and "regular file" in why["fifo.ipynb"]


def test_symlinks_in_a_folder_are_never_followed(tmp_path):
    course = _new_course(tmp_path / "course")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.ipynb").write_bytes(_nb("not a submission"))
    src = tmp_path / "in"
    src.mkdir()
    (src / "real.ipynb").write_bytes(_nb("real"))
    os.symlink(elsewhere / "secret.ipynb", src / "linky.ipynb")
    os.symlink(elsewhere, src / "linkdir")
    os.mkfifo(src / "pipe.ipynb")  # reading it would block for ever
    report = collect(course, A1, src)
    assert _students(course) == {"real"}
    why = dict(report.unmatched)
    assert "symbolic link" in why["linky.ipynb"] and "symbolic link" in why["linkdir"]
    assert "regular file" in why["pipe.ipynb"]


# --- timestamps ---------------------------------------------------------------------------------------


def _utc_extra(ts: int) -> bytes:
    """A zip "extended timestamp" field (0x5455) holding the UTC modification time."""
    body = struct.pack("<Bi", 1, ts)
    return struct.pack("<HH", 0x5455, len(body)) + body


def test_timestamps_come_from_the_zip_entry_in_the_course_time_zone(tmp_path):
    course = _new_course(tmp_path / "course", 'timezone = "Europe/Zurich"\n')
    utc_info = zipfile.ZipInfo("Alan Turing_4343_assignsubmission_file_/a1_backprop_by_hand.ipynb",
                               date_time=(1999, 1, 1, 0, 0, 0))
    when = int(datetime(2026, 10, 15, 6, 30, tzinfo=UTC).timestamp())
    utc_info.extra = _utc_extra(when)
    z = _zip(tmp_path / "moodle.zip", [
        _entry("Ada Lovelace_4242_assignsubmission_file_/a1_backprop_by_hand.ipynb", (2026, 10, 14, 23, 30, 0), _nb("ada")),
        (utc_info, _nb("alan")),
    ])
    collect(course, A1, z)
    folder = course / "submitted" / "4242" / A1
    text = (folder / "timestamp.txt").read_text().strip()
    assert text == "2026-10-14 21:30:00.000000 UTC"  # 23:30 in Zurich (summer time) is 21:30 UTC
    alan = parse_timestamp((course / "submitted" / "4343" / A1 / "timestamp.txt").read_text())
    assert alan == datetime(2026, 10, 15, 6, 30, tzinfo=UTC)  # the UTC field beats the local one
    meta = json.loads((folder / "collect.json").read_text())
    assert meta["scheme"] == "moodle" and meta["lms_name"] == "Ada Lovelace" and meta["time"] == text


def test_folder_timestamp_is_the_file_mtime(tmp_path):
    course = _new_course(tmp_path / "course")
    src = tmp_path / "in"
    src.mkdir()
    (src / "ann.ipynb").write_bytes(_nb("ann"))
    when = datetime(2026, 3, 1, 12, 0, 5, tzinfo=UTC)
    os.utime(src / "ann.ipynb", (when.timestamp(), when.timestamp()))
    collect(course, A1, src)
    got = parse_timestamp((course / "submitted" / "ann" / A1 / "timestamp.txt").read_text())
    assert got == when


@pytest.mark.parametrize("text", ["2026-10-14 21:30:00.000000 UTC", "2026-10-14T23:30:00+02:00", "2026-10-14 21:30:00"])
def test_timestamp_formats_nbgrader_and_iso(text):
    assert parse_timestamp(text) == datetime(2026, 10, 14, 21, 30, tzinfo=UTC)


def test_a_notebook_over_the_graders_limit_is_collected_not_lost(tmp_path, monkeypatch):
    """Saved figures can make an honest notebook big: it is collected with a note (the real size), not dropped."""
    monkeypatch.setattr(collect_module, "MAX_NOTEBOOK_BYTES", 2000)
    monkeypatch.setattr(collect_module, "MAX_COLLECT_BYTES", 50_000)
    course = _new_course(tmp_path / "course")
    figure = {"output_type": "display_data", "data": {"image/png": "A" * 10_000}, "metadata": {}}
    big = json.dumps({"cells": [{"cell_type": "code", "source": "plot()", "metadata": {}, "outputs": [figure],
                                 "execution_count": 1}], "metadata": {"tag": "big"}, "nbformat": 4,
                      "nbformat_minor": 5}).encode()
    huge = b" " * 60_000 + _nb("huge")
    z = _zip(tmp_path / "bulk.zip", [("ann.ipynb", big), ("bob.ipynb", huge)])
    report = collect(course, A1, z)
    assert _students(course) == {"ann"} and _tag(course, "ann") == "big"
    assert (course / "submitted" / "ann" / A1 / f"{A1}.ipynb").read_bytes() == big  # unchanged
    note = next(n for n in report.notes if n.startswith("ann:"))
    assert f"is {len(big)} bytes" in note and "2000" in note
    assert dict(report.unmatched)["bob.ipynb"].startswith(f"{len(huge)} bytes")
