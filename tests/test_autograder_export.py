"""``export``, ``feedback`` and ``status`` on stored results: late rule, LMS CSVs, whose failure it was.

The results store is filled with results of the shape the driver stores
(nothing is graded here, so the file runs in seconds); the submission times
come from a real ``collect`` of a Moodle zip and a Canvas zip.
"""

from __future__ import annotations

import csv
import doctest
import importlib
import json
import shutil
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder.collect import collect
from autograder.config import ConfigError, LateRule, load_config
from autograder.export import export_all
from autograder.feedback import feedback_html, write_feedback
from autograder.late import lateness
from autograder.rebuild import grade_cells
from autograder.status import failure_kind, status_lines
from autograder.store import ResultsStore

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "assignments"
A1 = "a1_backprop_by_hand"
CELLS = grade_cells(json.loads((COURSE / "source" / A1 / f"{A1}.ipynb").read_text()))
AUTO = [c for c in CELLS if c["auto"]]
MAX_AUTO = sum(c["points"] for c in AUTO)
MAX_TOTAL = sum(c["points"] for c in CELLS)
DUE = datetime(2026, 10, 14, 23, 59, tzinfo=UTC)


def _new_course(path: Path, toml: str) -> Path:
    path.mkdir(parents=True)
    shutil.copy(COURSE / "nbgrader_config.py", path)
    (path / "source").mkdir()
    shutil.copytree(COURSE / "source" / A1, path / "source" / A1)
    (path / "autograder.toml").write_text(toml)
    return path


def _result(student: str, status: str = "graded", lost: int = 0, **extra) -> dict:
    """A stored result: every autograded cell full marks except the first ``lost`` ones."""
    cells = []
    for i, c in enumerate(CELLS):
        if not c["auto"]:
            cells.append({"grade_id": c["grade_id"], "max_score": c["points"], "auto": False, "score": None,
                          "message": "graded by hand", "statuses": {}})
        else:
            score = 0.0 if i < lost else float(c["points"])
            cells.append({"grade_id": c["grade_id"], "max_score": c["points"], "auto": True, "score": score,
                          "message": "" if score else "wrong", "statuses": {"visible": ["passed"]}})
    score = sum(c["score"] or 0.0 for c in cells)
    return {"assignment": A1, "student": student, "key": "k-" + student, "status": status,
            "reason": extra.pop("reason", ""), "notes": [], "cells": cells, "score": score,
            "max_score": MAX_AUTO, "seconds": 1.0, **extra}


def _store(course: Path, results: list[dict]) -> None:
    with ResultsStore(course / "autograded" / ".autograder" / "results.sqlite") as store:
        for r in results:
            store.put(r)


def _entry(name: str, when: datetime, data: bytes) -> tuple[zipfile.ZipInfo, bytes]:
    return zipfile.ZipInfo(name, date_time=when.timetuple()[:6]), data


def _nb() -> bytes:
    return json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


@pytest.fixture(scope="module")
def moodle_course(tmp_path_factory):
    """Three Moodle participants: on time, 30 hours late, 10 days late; rule 10 %/day capped at 25 %."""
    tmp_path = tmp_path_factory.mktemp("moodle")
    course = _new_course(tmp_path / "course", f"""
[late]
rule = "percent_per_day"
percent = 10
max_percent = 25

[assignments.{A1}]
due = 2026-10-14T23:59:00Z
canvas_column = "A1 Backprop (48213)"
""")
    z = tmp_path / "moodle.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for name, when in (("Ada Lovelace_101", DUE - timedelta(hours=2)),
                           ("Alan Turing_102", DUE + timedelta(hours=30)),
                           ("Grace Hopper_103", DUE + timedelta(days=10))):
            zf.writestr(*_entry(f"{name}_assignsubmission_file_/{A1}.ipynb", when, _nb()))
    report = collect(course, A1, z)
    assert {s for s, _, _ in report.collected} == {"101", "102", "103"}
    _store(course, [_result("101"), _result("102", lost=1), _result("103")])
    return course


@pytest.fixture(scope="module")
def moodle_export(moodle_course):
    """One export (about 20 s on a loaded machine: matplotlib and nbgrader imports, a PNG per question)."""
    return export_all(moodle_course, moodle_course.parent / "out", [A1])


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def test_late_rule_in_grades_csv_and_report(moodle_export):
    out = moodle_export
    header, rows = _read_csv(out.csv)
    assert header[:6] == ["student_id", A1, f"{A1}:raw", f"{A1}:submitted", f"{A1}:hours_late", f"{A1}:penalty"]
    by = {r["student_id"]: r for r in rows}
    first = AUTO[0]["points"]
    # raw: the stored autograded scores (no written answers graded yet)
    assert float(by["101"][f"{A1}:raw"]) == MAX_AUTO and float(by["102"][f"{A1}:raw"]) == MAX_AUTO - first
    # on time: no penalty
    assert float(by["101"][f"{A1}:penalty"]) == 0 and float(by["101"][A1]) == MAX_AUTO
    assert float(by["101"][f"{A1}:hours_late"]) == 0
    # 30 hours late = 2 started days = 20 % of the assignment's maximum (written answers included)
    assert float(by["102"][f"{A1}:hours_late"]) == pytest.approx(30.0)
    assert float(by["102"][f"{A1}:penalty"]) == pytest.approx(0.2 * MAX_TOTAL)
    assert float(by["102"][A1]) == pytest.approx(MAX_AUTO - first - 0.2 * MAX_TOTAL)
    # 10 days late: capped at 25 %
    assert float(by["103"][f"{A1}:penalty"]) == pytest.approx(0.25 * MAX_TOTAL)
    assert by["103"][f"{A1}:submitted"].startswith("2026-10-24 23:59:00")
    page = out.report.read_text()
    assert "hours late" in page and "final score" in page and "1 on time, 2 late" in page
    assert "<td>102</td><td>2026-10-16 05:59:00.000000 UTC</td><td>30.0</td>" in page


def test_moodle_worksheet_and_canvas_import_match_rows_by_the_lms_id(moodle_export):
    out = moodle_export
    (moodle,) = out.moodle
    header, rows = _read_csv(moodle)
    assert header == ["Identifier", "Full name", "Grade", "Maximum grade"]
    _, grades = _read_csv(out.csv)
    finals = {r["student_id"]: r[A1] for r in grades}
    assert {r["Identifier"]: r["Grade"] for r in rows} == {f"Participant {s}": g for s, g in finals.items()}
    assert {r["Full name"] for r in rows} == {"Ada Lovelace", "Alan Turing", "Grace Hopper"}
    assert {float(r["Maximum grade"]) for r in rows} == {MAX_TOTAL}
    header, rows = _read_csv(out.canvas)
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "A1 Backprop (48213)"]
    assert {r["ID"]: r["A1 Backprop (48213)"] for r in rows} == finals
    assert not out.warnings


def test_lms_csvs_warn_about_ids_they_cannot_match(tmp_path):
    course = _new_course(tmp_path / "course", "")
    src = tmp_path / "in"
    src.mkdir()
    (src / "jo smith.ipynb").write_bytes(_nb())
    collect(course, A1, src)
    _store(course, [_result("jo~20smith")])
    proc = subprocess.run([sys.executable, "-m", "autograder", "--course", str(course), "export", A1,
                           "--out", str(tmp_path / "out")], check=False, capture_output=True, text=True, cwd=ROOT,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "canvas_grades.csv" in proc.stdout and f"moodle_{A1}.csv" in proc.stdout
    warnings = [ln for ln in proc.stdout.splitlines() if "WARNING" in ln]
    text = "\n".join(warnings)
    assert "canvas_column" in text and "not Canvas user ids" in text and "not Moodle participant numbers" in text
    _, rows = _read_csv(tmp_path / "out" / f"moodle_{A1}.csv")
    assert rows == []  # never a row Moodle would mismatch


def test_late_rules():
    rule = LateRule("percent_per_hour", percent=5, max_percent=100, grace_minutes=15)
    assert lateness(DUE + timedelta(minutes=14), DUE, rule, 10.0, 20.0).penalty == 0  # grace
    assert lateness(DUE + timedelta(minutes=16), DUE, rule, 10.0, 20.0).penalty == pytest.approx(1.0)  # 1 started hour
    assert lateness(DUE + timedelta(hours=100), DUE, rule, 10.0, 20.0).final(10.0) == 0  # never negative
    zero = LateRule("zero")
    assert lateness(DUE + timedelta(seconds=1), DUE, zero, 7.0, 20.0).final(7.0) == 0
    assert lateness(DUE - timedelta(days=1), DUE, zero, 7.0, 20.0).final(7.0) == 7.0
    assert lateness(None, DUE, zero, 7.0, 20.0).penalty == 0  # no time recorded: not penalised


@pytest.mark.parametrize("toml, words", [
    ("[late]\nrule = 'percent_per_week'\n", ["percent_per_week", "percent_per_day"]),
    ("[assignments.a1]\ndue = '2026-10-14'\n", ["date-time", "without quotes"]),
    ("timezone = 'Mars/Olympus'\n", ["IANA"]),
    ("[late]\npercent = -1\n", ["percent", ">= 0"]),
    ("[assignments.a1]\ndeadline = 2026-10-14\n", ["deadline", "due"]),
    ("[late\n", ["line 1"]),
])
def test_bad_config_says_what_and_how(tmp_path, toml, words):
    (tmp_path / "autograder.toml").write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    for w in words:
        assert w in str(info.value)


def test_config_local_due_dates_are_in_the_course_time_zone(tmp_path):
    (tmp_path / "autograder.toml").write_text(
        'timezone = "America/New_York"\n[assignments.a1]\ndue = 2026-01-10T23:59:00\n[assignments.a2]\ndue = 2026-01-11\n')
    cfg = load_config(tmp_path)
    assert cfg.assignment("a1").due == datetime(2026, 1, 11, 4, 59, tzinfo=UTC)
    assert cfg.assignment("a2").due == datetime(2026, 1, 12, 4, 59, 59, tzinfo=UTC)  # end of that day
    assert cfg.assignment("a3").due is None


# --- whose failure: status and feedback ----------------------------------------------------------------------


def test_failure_kinds():
    assert [failure_kind(s) for s in ("graded", "output_truncated")] == ["ok", "ok"]
    for s in ("timeout", "crashed", "kernel_died", "malformed_notebook", "missing_notebook", "output_too_large"):
        assert failure_kind(s) == "student"
    for s in ("error", "grader_lost_worker", "grader_sandbox"):
        assert failure_kind(s) == "grader"


@pytest.fixture()
def mixed_course(tmp_path):
    course = _new_course(tmp_path / "course", "")
    results = [
        _result("ok"),
        _result("loop", "timeout", lost=len(AUTO), reason="cell 'toy_chain_backward' ran longer than the per-cell "
                "time limit and was stopped (an infinite loop?)"),
        _result("lost", "error", lost=len(AUTO), reason="the grader failed on this submission (BrokenProcessPool)"),
        _result("infra", "grader_sandbox", lost=len(AUTO), reason="bwrap could not start"),
    ]
    for r in results:
        folder = course / "submitted" / r["student"] / A1
        folder.mkdir(parents=True)
        (folder / f"{A1}.ipynb").write_bytes(_nb())
    _store(course, results)
    return course


def test_status_separates_student_failures_from_grader_failures(mixed_course):
    from autograder.plan import Course, plan_tasks

    course = Course(mixed_course.resolve())
    # status counts only stored keys that match the submission; make the stored keys the planned ones
    with ResultsStore(course.state / "results.sqlite") as store:
        tasks, _ = plan_tasks(course, A1, {})
        for t in tasks:
            row = next(r for r in store.rows(A1) if r["student"] == t["student"])
            store.put({**row, "key": t["key"]})
    text = "\n".join(status_lines(mixed_course, [A1]))
    assert "1 graded, 0 not this assignment's notebook, 1 failed in the student's code, 2 failed in the grader, 0 pending" in text
    assert "STUDENT CODE FAILED loop: timeout - cell 'toy_chain_backward'" in text
    assert "GRADER FAILED lost: error" in text and "GRADER FAILED infra: grader_sandbox" in text
    assert f"grade {A1} --student lost --student infra --force" in text or \
        f"grade {A1} --student infra --student lost --force" in text


def test_feedback_tells_the_student_whose_failure_it_was(mixed_course):
    write_feedback(mixed_course, [A1])
    page = {s: (mixed_course / "feedback" / s / A1 / f"{A1}.html").read_text() for s in ("ok", "loop", "lost", "infra")}
    assert "ran to the end" in page["ok"] and "grader failed" not in page["ok"].lower()
    assert "Your notebook did not run to the end" in page["loop"] and "toy_chain_backward" in page["loop"]
    assert "The grader failed" not in page["loop"]
    for s in ("lost", "infra"):
        assert "The grader failed on your submission" in page[s] and "not in your code" in page[s]
        assert "did not run to the end" not in page[s]


def test_feedback_shows_cell_errors_notes_and_parts_escaped():
    r = _result("sam", notes=["answer cell 'sigmoid' appears twice: both copies ran, in your order"],
                cell_errors=[{"cell": "a cell you added after 'sigmoid'", "error": "NameError: name 'sigma' is not defined",
                              "line": 3},
                             {"cell": "cell '<script>'", "error": "ValueError: <b>bad</b>"}])
    r["cells"][0]["parts"] = [{"name": "forward", "points": 1.0, "max_points": 1.0, "passed": True},
                              {"name": "backward <dz>", "points": 0.0, "max_points": 2.0, "passed": False}]
    page = feedback_html(r)
    assert "Problems in your notebook" in page
    assert "In a cell you added after &#x27;sigmoid&#x27;, line 3: " in page
    assert "NameError: name &#x27;sigma&#x27; is not defined" in page
    assert "appears twice" in page
    assert "<script>" not in page and "&lt;b&gt;bad&lt;/b&gt;" in page and "<b>bad</b>" not in page
    assert "forward: 1 / 1" in page and "backward &lt;dz&gt;: 0 / 2" in page
    assert "Questions with parts give the points of each part" in page
    assert "Problems in your notebook" not in feedback_html(_result("clean"))


@pytest.mark.parametrize("drop", ["status", "reason", "notes", "cells", "score", "max_score", "cell_errors"])
def test_feedback_survives_missing_keys(drop):
    r = _result("pat", cell_errors=[{"error": "KeyError: 1"}])
    r.pop(drop, None)
    page = feedback_html(r)
    assert page.startswith("<!DOCTYPE html>") and "pat" in page
    bare = feedback_html({"cells": [{"grade_id": "x"}, "junk"], "cell_errors": ["junk", {}], "notes": None})
    assert "<table>" in bare


def test_feedback_shows_the_late_penalty(moodle_course):
    write_feedback(moodle_course, [A1])
    late = (moodle_course / "feedback" / "102" / A1 / f"{A1}.html").read_text()
    assert "30.0 hours after the due date" in late and "Late penalty: " in late and "final score" in late
    on_time = (moodle_course / "feedback" / "101" / A1 / f"{A1}.html").read_text()
    assert "on time" in on_time and "late penalty" not in on_time.lower()


@pytest.mark.parametrize("module", ["autograder.config", "autograder.late", "autograder.collect", "autograder.status",
                                    "autograder.export"])
def test_docstring_examples(module):
    """The autograder is outside the suite's ``--doctest-modules`` paths, so its examples run here."""
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
