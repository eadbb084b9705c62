"""The autograder's instructor tools: collect, release, feedback, export, check, and the Dask path.

Kept apart from ``tests/test_autograder.py`` (the security tests) so that
file stays fast.  One small course (a1: a correct, a wrong, a malformed and a
missing submission) is graded once per module; ``check`` grades its own
temporary course (about 30 s or more on a loaded machine).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("nbgrader")
pytest.importorskip("IPython")

from coursekit import grading  # noqa: E402
from coursekit.grading import seeds  # noqa: E402

from autograder.collect import collect  # noqa: E402
from autograder.driver import GradeOptions, course_secret, grade  # noqa: E402
from autograder.export import export  # noqa: E402
from autograder.feedback import write_feedback  # noqa: E402
from autograder.plan import Course  # noqa: E402
from autograder.release import release_notebook  # noqa: E402
from autograder.job.sandbox import Limits  # noqa: E402
from autograder.store import ResultsStore  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "assignments"
A1 = "a1_backprop_by_hand"
FULL = {grading.cell_grade_id(c.id): float(c.points) for c in grading.all_checks("a1")}


def _new_course(path: Path) -> Path:
    path.mkdir(parents=True)
    shutil.copy(COURSE / "nbgrader_config.py", path)
    (path / "source").mkdir()
    shutil.copytree(COURSE / "source" / A1, path / "source" / A1)
    return path


def _solution() -> dict:
    return json.loads((COURSE / "source" / A1 / f"{A1}.ipynb").read_text())


def _wrong(solution: dict) -> dict:
    nb = json.loads(json.dumps(solution))
    for c in nb["cells"]:
        if c["metadata"].get("nbgrader", {}).get("grade_id") == "toy_chain_backward":
            c["source"] = "def toy_chain_backward(x, y, phi):\n    return {}\n"
    return nb


def _put(course: Path, student: str, data: bytes | None) -> None:
    folder = course / "submitted" / student / A1
    folder.mkdir(parents=True, exist_ok=True)
    if data is not None:
        (folder / f"{A1}.ipynb").write_bytes(data)


def _nb_bytes(tag: str) -> bytes:
    return json.dumps({"cells": [], "metadata": {"tag": tag}, "nbformat": 4, "nbformat_minor": 5}).encode()


def _submitted(course: Path, student: str) -> bytes:
    return (course / "submitted" / student / A1 / f"{A1}.ipynb").read_bytes()


# --- collect -----------------------------------------------------------------------------------


def test_collect_folder_layouts_and_unmatched_files(tmp_path):
    course = _new_course(tmp_path / "course")
    src = tmp_path / "in"
    (src / "bob").mkdir(parents=True)
    (src / "carol" / A1).mkdir(parents=True)
    (src / "alice.ipynb").write_bytes(_nb_bytes("alice"))
    (src / "bob" / "my work.ipynb").write_bytes(_nb_bytes("bob"))
    (src / "carol" / A1 / "x.ipynb").write_bytes(_nb_bytes("carol"))
    (src / "notes.txt").write_text("hello")
    (src / f"{A1}.ipynb").write_bytes(_nb_bytes("who?"))
    (src / "a" / "b" / "c").mkdir(parents=True)
    (src / "a" / "b" / "c" / "deep.ipynb").write_bytes(_nb_bytes("deep"))
    report = collect(course, A1, src)
    assert sorted(s for s, _, _ in report.collected) == ["alice", "bob", "carol"]
    for s in ("alice", "bob", "carol"):
        assert json.loads(_submitted(course, s))["metadata"]["tag"] == s
    unmatched = dict(report.unmatched)
    assert set(unmatched) == {"notes.txt", f"{A1}.ipynb", "a/b/c/deep.ipynb"}
    assert "not a notebook" in unmatched["notes.txt"]
    text = "\n".join(report.lines())
    assert "UNMATCHED notes.txt" in text and "UNMATCHED a/b/c/deep.ipynb" in text


def test_collect_canvas_and_moodle_zips_keep_the_latest(tmp_path):
    course = _new_course(tmp_path / "course")
    _put(course, "4242", _nb_bytes("old from last week"))
    z = tmp_path / "bulk.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("smithjane_1111_5001_a1_backprop_by_hand.ipynb", _nb_bytes("jane attempt 1"))
        zf.writestr("smithjane_1111_5009_a1_backprop_by_hand-1.ipynb", _nb_bytes("jane attempt 2"))
        zf.writestr("doejohn_LATE_2222_6001_a1.ipynb", _nb_bytes("john late"))
        zf.writestr("doejohn_2222_6001_report.pdf", b"%PDF")
        zf.writestr("Ada Lovelace_4242_assignsubmission_file_/a1_backprop_by_hand.ipynb", _nb_bytes("ada"))
        zf.writestr("Alan Turing_4343_assignsubmission_file_notebook.ipynb", _nb_bytes("alan"))
        zf.writestr("__MACOSX/._smithjane_1111_5001_a1.ipynb", b"junk")
    report = collect(course, A1, z)
    got = {s: scheme for s, _, scheme in report.collected}
    assert got == {"1111": "canvas", "2222": "canvas", "4242": "moodle", "4343": "moodle"}
    assert json.loads(_submitted(course, "1111"))["metadata"]["tag"] == "jane attempt 2"
    assert json.loads(_submitted(course, "4242"))["metadata"]["tag"] == "ada"
    notes = "\n".join(report.notes)
    assert "1111" in notes and "5001" in notes  # the older attempt is named, not dropped silently
    assert "4242: replaced the earlier submission" in notes
    assert "2222: marked LATE" in notes
    assert dict(report.unmatched) == {"doejohn_2222_6001_report.pdf": "not a notebook (.ipynb)"}


def test_collect_cli_dry_run_writes_nothing(tmp_path):
    course = _new_course(tmp_path / "course")
    src = tmp_path / "in"
    src.mkdir()
    (src / "zoe.ipynb").write_bytes(_nb_bytes("zoe"))
    (src / "readme.md").write_text("x")
    proc = subprocess.run([sys.executable, "-m", "autograder", "--course", str(course), "collect", A1, str(src),
                           "--dry-run", "--strict"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 1 and "UNMATCHED readme.md" in proc.stdout and "zoe" in proc.stdout
    assert not (course / "submitted").exists()


def test_release_command_writes_the_student_version(tmp_path):
    course = _new_course(tmp_path / "course")
    proc = subprocess.run([sys.executable, "-m", "autograder", "--course", str(course), "release"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    text = (course / "release" / A1 / f"{A1}.ipynb").read_text()
    assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
    assert json.loads(text) == release_notebook(_solution())


# --- grade once, then feedback / export / dask ---------------------------------------------------


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = _new_course(tmp_path_factory.mktemp("tools") / "course")
    solution = _solution()
    _put(course, "solution", json.dumps(solution).encode())
    _put(course, "wrong", json.dumps(_wrong(solution)).encode())
    _put(course, "malformed", b'{"cells": [ not json')
    _put(course, "missing", None)
    opts = GradeOptions(course=course, assignments=[A1], workers=2, cell_timeout=30,
                        limits=Limits(wall_seconds=120), progress=False)
    grade(opts)
    store = ResultsStore(course / "autograded" / ".autograder" / "results.sqlite")
    rows = {r["student"]: r for r in store.rows(A1)}
    store.close()
    assert rows["solution"]["score"] == sum(FULL.values()), rows["solution"]
    return {"course": course, "rows": rows, "opts": opts}


def test_feedback_shows_points_and_messages_never_hidden_inputs(graded):
    course = graded["course"]
    written = write_feedback(course, [A1])
    assert {p.parent.parent.name for p in written} == set(graded["rows"])
    page = (course / "feedback" / "wrong" / A1 / f"{A1}.html").read_text()
    row = graded["rows"]["wrong"]
    assert f"{row['score']:g} / {row['max_score']:g}" in page
    assert "test_toy_chain_backward" in page and "0 / 3" in page and "not passed" in page
    assert "graded by hand" in page  # the written answer
    bad = next(c for c in row["cells"] if c["grade_id"] == "test_toy_chain_backward")
    assert bad["message"].split("\n")[0][:40].replace("'", "&#x27;").replace('"', "&quot;") in page
    # Nothing of the source notebook or the hidden seeds leaks into the page.
    secret = course_secret(Course(course), None)
    for c in grading.all_checks("a1"):
        assert str(seeds.student_seed(secret, c.id, "wrong")) not in page
    source = _solution()
    for cell in source["cells"]:
        text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        for seed in re.findall(r"seed\s*=\s*(\d+)", text):
            assert f"seed={seed}" not in page
        if cell["metadata"].get("nbgrader", {}).get("solution") and cell["cell_type"] == "code":
            body = [ln.strip() for ln in text.splitlines() if len(ln.strip()) > 25 and "def " not in ln]
            for line in body[:5]:
                assert line not in page
    for marker in ("BEGIN HIDDEN", "BEGIN SOLUTION", "hidden=True"):
        assert marker not in page
    malformed = (course / "feedback" / "malformed" / A1 / f"{A1}.html").read_text()
    assert "malformed_notebook" in malformed and "not valid JSON" in malformed


def test_export_csv_matches_the_results_store_and_report_has_histograms(graded, tmp_path):
    csv_path, report = export(graded["course"], tmp_path, [A1])
    with open(csv_path, newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames
        lines = {r["student_id"]: r for r in reader}
    assert header[:2] == ["student_id", A1]
    assert set(header) >= {f"{A1}:{g}" for g in FULL} | {f"{A1}:bug_explanation"}
    assert set(lines) == set(graded["rows"])
    for student, row in graded["rows"].items():
        assert float(lines[student][A1]) == row["score"]
        for c in row["cells"]:
            if c["auto"]:
                assert float(lines[student][f"{A1}:{c['grade_id']}"]) == c["score"]
            else:
                assert lines[student][f"{A1}:{c['grade_id']}"] == ""  # not graded by hand yet
    html = report.read_text()
    assert html.count("data:image/png;base64,") == len(FULL) + 1
    assert "Failed submissions (2)" in html and "malformed_notebook" in html and "missing_notebook" in html
    assert "Slowest" in html


def test_grade_on_a_dask_cluster_gives_the_same_gradebook(graded, tmp_path):
    distributed = pytest.importorskip("distributed")
    from nbgrader.api import Gradebook

    course = _new_course(tmp_path / "course")
    # Both courses have the same course id, hence the same secret (in the user's config directory).
    for s in ("solution", "wrong"):
        _put(course, s, _submitted(graded["course"], s))

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        opts = GradeOptions(course=course, assignments=[A1], scheduler=cluster.scheduler_address,
                            cell_timeout=30, limits=Limits(wall_seconds=120), progress=False)
        summary = grade(opts)
    assert summary["graded"] == 2 and summary["statuses"] == {"graded": 2}

    def book(root: Path, student: str) -> dict:
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
            nb = gb.find_submission_notebook(A1, A1, student)
            return {g.name: (g.auto_score, g.max_score) for g in nb.grades}

    for s in ("solution", "wrong"):
        assert book(course, s) == book(graded["course"], s)


# --- check -------------------------------------------------------------------------------------


def test_check_passes_on_a1():
    from autograder.check import format_rows, run_check

    rows = run_check(COURSE, A1, workers=2, cell_timeout=30, wall_seconds=150)  # generous: CI shares its cores
    table = "\n".join(format_rows(rows))
    assert all(r.ok for r in rows), table
    assert {r.name for r in rows} >= {"solution", "release", "infinite_loop", "forged_patched_release",
                                      "replay", "replay: no hidden number shown", "replay_table (next attempt)",
                                      "guess_visible_answer"}
