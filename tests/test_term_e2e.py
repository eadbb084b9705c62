"""A term, end to end, through the instructor's command line (issue 21's "done when").

A private course is made with ``init-course`` in a temporary folder that is a
private git repository; the assignment is released; a Canvas zip with an
on-time, a late (LATE-marked, a day and a half after the due date) and a
wrong-notebook submission is collected and graded; a written answer is graded
and commented through nbgrader's gradebook API (what the formgrader saves);
the feedback shows the hand grade and the comment; the export applies the late
rule.  After every step the course secret is outside every git work tree, and
``git status`` of the private repository never shows student data.
"""

from __future__ import annotations

import csv
import json
import os
import stat
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.rebuild import grade_cells
from autograder.secret import git_work_tree

A1, A2 = "a1_backprop_by_hand", "a2_autograd_engine"
SOURCE = json.loads((ROOT / "assignments" / "source" / A1 / f"{A1}.ipynb").read_text())
CELLS = grade_cells(SOURCE)
MAX_AUTO = sum(c["points"] for c in CELLS if c["auto"])
MAX_TOTAL = sum(c["points"] for c in CELLS)
WRITTEN = next(c for c in CELLS if not c["auto"])
ZONE = "Europe/Zurich"
DUE = (2026, 10, 14, 23, 59, 0)
# Canvas file name -> (upload time in the course's zone, what is in the file)
ON_TIME, LATE, WRONG = "101", "102", "103"
UPLOADS = {
    ON_TIME: (f"lovelace_{ON_TIME}_9001_{A1}.ipynb", (2026, 10, 14, 20, 0, 0)),
    LATE: (f"turing_LATE_{LATE}_9002_{A1}.ipynb", (2026, 10, 16, 11, 30, 0)),
    WRONG: (f"noether_{WRONG}_9003_{A1}.ipynb", (2026, 10, 14, 22, 0, 0)),
}
TOML = f"""
timezone = "{ZONE}"

[late]
rule = "percent_per_day"
percent = 10
max_percent = 50

[assignments.{A1}]
due = {datetime(*DUE).isoformat()}
canvas_column = "A1 Backprop by hand (48213)"
"""


def _cli(cwd: Path, env: dict[str, str], *args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, f"python -m autograder {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _with_bug(nb: dict) -> dict:
    nb = json.loads(json.dumps(nb))
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "toy_chain_backward":
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            assert 'd_f0 = np.cos(v["f0"])' in src
            cell["source"] = src.replace('d_f0 = np.cos(v["f0"])', 'd_f0 = -np.cos(v["f0"])')
    return nb


def test_a_term_from_init_course_to_export(tmp_path):
    config_home = tmp_path / "config"
    env = dict(os.environ, XDG_CONFIG_HOME=str(config_home), PYTHONPATH=str(ROOT))
    env.pop("COURSEKIT_GRADING_SECRET", None)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    course = tmp_path / "nn-2026"
    secret = config_home / "coursekit" / "nn-2026" / "secret"

    def secret_is_safe() -> None:
        assert secret.is_file() and git_work_tree(secret) is None
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=course,
                                capture_output=True, text=True, check=True).stdout
        leaked = [line for line in status.splitlines()
                  if not line[3:].startswith(("source/", "autograder.toml", "nbgrader_config.py", ".gitignore",
                                              "README.md"))]
        assert leaked == [], leaked  # no submission, grade, export, feedback or secret to commit

    made = _cli(tmp_path, env, "init-course", str(course))
    assert secret.read_text().strip() not in made
    subprocess.run(["git", "init", "-q", str(course)], check=True)  # the instructor's private repository
    secret_is_safe()
    config = (course / "autograder.toml").read_text()
    keep = [line for line in config.splitlines() if line.startswith("secret_file")]  # init-course's own
    assert len(keep) == 1 and str(secret) in keep[0]
    (course / "autograder.toml").write_text(keep[0] + "\n" + TOML)
    assert "WARNING" not in _cli(course, env, "doctor")

    _cli(course, env, "release", A1)
    release = (course / "release" / A1 / f"{A1}.ipynb").read_text()
    assert "BEGIN SOLUTION" not in release
    secret_is_safe()

    zone = ZoneInfo(ZONE)
    inbox = tmp_path / "canvas-download.zip"  # outside the course: Canvas's bulk download
    a2_release = json.loads((ROOT / "assignments" / "source" / A2 / f"{A2}.ipynb").read_text())
    with zipfile.ZipFile(inbox, "w") as zf:
        for student, nb in ((ON_TIME, SOURCE), (LATE, _with_bug(SOURCE)), (WRONG, a2_release)):
            name, when = UPLOADS[student]
            zf.writestr(zipfile.ZipInfo(name, date_time=when), json.dumps(nb))
    collected = _cli(course, env, "collect", A1, str(inbox))
    assert f"NOTE {LATE}: marked LATE by the LMS" in collected
    assert f"NOTE {WRONG}: {UPLOADS[WRONG][0]} is not this assignment's notebook" in collected
    secret_is_safe()

    graded = _cli(course, env, "grade", A1, "--no-progress", "--workers", "2")
    assert "graded 3" in graded and "wrong_notebook: 1" in graded
    status = _cli(course, env, "status", A1)
    assert "2 graded, 1 not this assignment's notebook" in status
    secret_is_safe()

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:  # the formgrader's save, for one student
        gb.find_grade(WRITTEN["grade_id"], A1, A1, ON_TIME).manual_score = WRITTEN["points"]
        gb.find_comment(WRITTEN["grade_id"], A1, A1, ON_TIME).manual_comment = "Exactly: cos, not -cos."
        gb.db.commit()

    _cli(course, env, "feedback", A1)
    pages = {s: (course / "feedback" / s / A1 / f"{A1}.html").read_text() for s in UPLOADS}
    assert f"Score: <b>{MAX_TOTAL:g} / {MAX_TOTAL:g}</b>" in pages[ON_TIME]
    assert "Exactly: cos, not -cos." in pages[ON_TIME] and "not graded yet" not in pages[ON_TIME]
    assert "not graded yet" in pages[LATE] and "Late penalty" in pages[LATE]
    assert "This is not this assignment's notebook" in pages[WRONG]
    secret_is_safe()

    exported = _cli(course, env, "export", A1)
    assert "exports/grades.csv" in exported
    with open(course / "exports" / "grades.csv", newline="") as fh:
        rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    late_by = datetime(*UPLOADS[LATE][1], tzinfo=zone) - datetime(*DUE, tzinfo=zone)
    days = -(-late_by.total_seconds() // 86400)
    penalty = min(0.10 * days, 0.50) * MAX_TOTAL
    lost = next(c["points"] for c in CELLS if c["grade_id"] == "test_toy_chain_backward")
    assert float(rows[ON_TIME][A1]) == MAX_TOTAL and rows[ON_TIME][f"{A1}:penalty"] == "0"
    assert float(rows[LATE][f"{A1}:hours_late"]) == round(late_by.total_seconds() / 3600, 2)
    assert float(rows[LATE][f"{A1}:penalty"]) == penalty
    assert float(rows[LATE][A1]) == MAX_AUTO - lost - penalty
    assert float(rows[WRONG][A1]) == 0
    with open(course / "exports" / "canvas_grades.csv", newline="") as fh:
        canvas = list(csv.reader(fh))
    assert canvas[0][-1] == "A1 Backprop by hand (48213)"
    secret_is_safe()
