"""The instructor's journey, run for real on a demo course while the book builds.

`book/build.py` calls :func:`run_demo`. It makes a small nbgrader course in
`book/_build/teaching-demo/course/` (the bundled `nbgrader_config.py` and the
source notebook of assignment 1), a Canvas-style bulk-download zip with four
students' notebooks made from the bundled solution (one correct, two with a
deliberate bug each, one handed in unanswered) and a stray file, with the
course's `autograder.toml` (due date, late rule, Canvas column) and upload
times in the zip (student 1002 is a day and a half late, and Canvas marks the
file LATE), and then runs the commands an instructor runs:

    python -m autograder release / collect / grade / status / feedback / export

Between `status` and `feedback` it grades 1002's written answer by hand the way
the formgrader does (nbgrader's gradebook API: a manual score and a comment),
so the feedback page and the export show a hand grade and a late penalty.

Each command's output is saved as `<step>.txt` (the course path shortened to
`.`) for the pages to include, and the pictures the pages show are copied
out: the score histogram of `report.html` (`report-total.png`), `report.html`
itself and one student's feedback page (under `_course/teaching/`, served at
`<site>/_course/teaching/` through `html_extra_path`).

Before anything is written, the outputs are checked against what the pages
say about them (full marks for the solution, exactly the bug's points lost,
zero for the unanswered notebook); any surprise raises :class:`DemoError` and
the build fails instead of showing stale or wrong output. A digest of every
input (the source notebook, the autograder, coursekit's grading code, this
file) is stored with the outputs: an unchanged demo is not run again.
Not part of coursekit: the book's own helper.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = "a1_backprop_by_hand"
# Relative to a book folder.
WORK = "_build/teaching-demo"
OUT = "_build/teaching-demo/out"  # included by the pages ({literalinclude}, {figure})
SITE = "_build/course-site/_course/teaching"  # copied into the HTML as <site>/_course/teaching/
STAMP = "_build/teaching-demo/out/.inputs.sha256"
# A fixed secret so that the demo's hidden inputs, and so its output, are the
# same on every build (a real course keeps its secret private).
SECRET = "coursekit-book-demo"

# student -> (Canvas file name in the zip, [(solution cell, old text, new text)]).
# Canvas names files `<name>[_LATE]_<user id>_<attempt>_<file>`; collect uses the user id.
STUDENTS: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "1001": ("lovelace_1001_5301_a1_backprop_by_hand.ipynb", []),
    # the sign of d sin/dz flipped: only toy_chain_backward's check fails
    "1002": (
        "turing_LATE_1002_5302_a1_backprop_by_hand.ipynb",
        [("toy_chain_backward", 'd_f0 = np.cos(v["f0"])', 'd_f0 = -np.cos(v["f0"])')],
    ),
    # the sigmoid's derivative taken at the pre-activation s instead of at f = sigmoid(s)
    "1003": (
        "noether_1003_5303_a1_backprop_by_hand.ipynb",
        [("sigmoid_neuron", "df_ds = f * (1.0 - f)", "df_ds = s * (1.0 - s)")],
    ),
    "1004": ("hopper_1004_5304_a1_backprop_by_hand.ipynb", []),  # the release, unanswered
}
UNANSWERED = "1004"
# The student whose feedback page the book shows.
FEEDBACK_STUDENT = "1002"
STRAY = "hopper_1004_5305_notes.txt"  # not a notebook: collect reports it as unmatched

# The course's settings, shown on the Teaching page as they are: the due date is local time in
# `timezone`; the late rule takes 10 % of the maximum per started day, at most 50 %.
CONFIG = """\
timezone = "Europe/Zurich"

[late]
rule = "percent_per_day"
percent = 10
max_percent = 50
grace_minutes = 10

[assignments.a1_backprop_by_hand]
due = 2026-10-14T23:59:00
canvas_column = "A1 Backprop by hand (48213)"
"""
DUE_LOCAL = (2026, 10, 14, 23, 59, 0)
# Upload times in the zip (local time of the course, as Canvas stamps its entries).
UPLOADED = {"1001": (2026, 10, 14, 18, 2, 0), "1002": (2026, 10, 16, 11, 30, 0),
            "1003": (2026, 10, 14, 23, 41, 0), "1004": (2026, 10, 13, 9, 15, 0)}
LATE_STUDENT = "1002"
# The written answer graded by hand for FEEDBACK_STUDENT, as in the formgrader: (grade id, points, comment).
HAND_GRADE = ("bug_explanation", 2.0, "Right: the derivative of sin is cos, and the check finds the sign.")


class DemoError(RuntimeError):
    """The demo could not run, or its output does not show what the pages say."""


def _inputs_digest() -> str:
    files = [ROOT / "assignments" / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"]
    files += [ROOT / "assignments" / "nbgrader_config.py", Path(__file__)]
    files += sorted((ROOT / "autograder").glob("*.py"))
    files += sorted((ROOT / "coursekit" / "grading").rglob("*.py"))
    h = hashlib.sha256()
    for path in files:
        h.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _edit(nb: dict[str, Any], grade_id: str, old: str, new: str) -> None:
    for cell in nb["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            if old not in src:
                raise DemoError(
                    f"cell {grade_id} of {ASSIGNMENT} no longer contains {old!r}: update STUDENTS in {__file__}"
                )
            cell["source"] = src.replace(old, new)
            return
    raise DemoError(f"{ASSIGNMENT} has no cell {grade_id}: update STUDENTS in {__file__}")


def _canvas_zip(course: Path, path: Path) -> None:
    from autograder.release import release_notebook

    source = json.loads(
        (course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8")
    )
    with zipfile.ZipFile(path, "w") as zf:
        for student, (name, edits) in STUDENTS.items():
            nb = (
                release_notebook(source)
                if student == UNANSWERED
                else json.loads(json.dumps(source))
            )
            for grade_id, old, new in edits:
                _edit(nb, grade_id, old, new)
            zf.writestr(zipfile.ZipInfo(name, date_time=UPLOADED[student]), json.dumps(nb, indent=1))
        zf.writestr(zipfile.ZipInfo(STRAY, date_time=UPLOADED[UNANSWERED]), "my notes\n")


def _run(course: Path, args: list[str], env: dict[str, str]) -> str:
    """Run `python -m autograder <args>` in `course`; its output with the course path shortened."""
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", *args],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    out = (proc.stdout + proc.stderr).replace(str(course) + os.sep, "").replace(str(course), ".")
    if proc.returncode != 0:
        raise DemoError(
            f"`python -m autograder {' '.join(args)}` failed (exit {proc.returncode}):\n{out}"
        )
    return f"$ python -m autograder {' '.join(args)}\n{out.rstrip()}\n"


def _scores(csv_text: str) -> dict[str, dict[str, str]]:
    return {row["student_id"]: row for row in csv.DictReader(io.StringIO(csv_text))}


def _grade_by_hand(course: Path) -> None:
    """What the instructor does in the formgrader for FEEDBACK_STUDENT: a score and a comment, saved."""
    from nbgrader.api import Gradebook

    from autograder.gradebook import _venv_on_path

    _venv_on_path()
    grade_id, points, comment = HAND_GRADE
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        gb.find_grade(grade_id, ASSIGNMENT, ASSIGNMENT, FEEDBACK_STUDENT).manual_score = points
        gb.find_comment(grade_id, ASSIGNMENT, ASSIGNMENT, FEEDBACK_STUDENT).manual_comment = comment
        gb.db.commit()


def _expected_penalty(full_total: float) -> tuple[float, float]:
    """(hours late, penalty) of LATE_STUDENT by the page's rule, worked out here from the dates above."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Europe/Zurich")
    late = datetime(*UPLOADED[LATE_STUDENT], tzinfo=zone) - datetime(*DUE_LOCAL, tzinfo=zone)
    hours = late.total_seconds() / 3600
    days = -(-late.total_seconds() // 86400)  # started days
    return hours, min(0.10 * days, 0.50) * full_total


def _verify(course: Path, grades_csv: str) -> None:
    """The claims the teaching page makes about this run."""
    from coursekit.grading import all_checks, assignment_prefix, cell_grade_id

    checks = all_checks(assignment_prefix(ASSIGNMENT))
    full = sum(c.points for c in checks)
    hours, penalty = _expected_penalty(full + HAND_GRADE[1])
    scores = _scores(grades_csv)
    problems = []
    if sorted(scores) != sorted(STUDENTS):
        problems.append(f"grades.csv lists {sorted(scores)}, expected {sorted(STUDENTS)}")
    for student, (_, edits) in STUDENTS.items():
        row = scores.get(student, {})
        total = float(row.get(ASSIGNMENT) or "nan")
        if student == UNANSWERED:
            expected = 0.0
        else:
            lost = {f"test_{grade_id}" for grade_id, _, _ in edits}
            expected = full - sum(c.points for c in checks if cell_grade_id(c.id) in lost)
            for grade_id in lost:
                if row.get(f"{ASSIGNMENT}:{grade_id}") not in ("0", "0.0"):
                    problems.append(
                        f"student {student}: {grade_id} scored {row.get(f'{ASSIGNMENT}:{grade_id}')!r}, expected 0"
                    )
        if student == FEEDBACK_STUDENT:
            expected += HAND_GRADE[1]
            if row.get(f"{ASSIGNMENT}:{HAND_GRADE[0]}") != f"{HAND_GRADE[1]:g}":
                problems.append(f"student {student}: the hand grade is {row.get(f'{ASSIGNMENT}:{HAND_GRADE[0]}')!r}")
        if student == LATE_STUDENT:
            got = (row.get(f"{ASSIGNMENT}:hours_late") or "", row.get(f"{ASSIGNMENT}:penalty") or "")
            if got != (f"{hours:.2f}", f"{penalty:g}"):
                problems.append(f"student {student}: hours_late, penalty {got}, expected {hours:.2f}, {penalty:g}")
            expected -= penalty
        elif row.get(f"{ASSIGNMENT}:penalty") not in ("0", None):
            problems.append(f"student {student}: a penalty of {row.get(f'{ASSIGNMENT}:penalty')!r}, on time")
        if not abs(total - expected) <= 1e-9:  # a missing total (nan) is a problem too
            problems.append(f"student {student}: total {total:g}, expected {expected:g}")
    feedback = course / "feedback" / FEEDBACK_STUDENT / ASSIGNMENT / f"{ASSIGNMENT}.html"
    if not feedback.is_file():
        problems.append(f"no feedback page {feedback}")
    elif "Late penalty" not in feedback.read_text() or "graded by hand" not in feedback.read_text():
        problems.append(f"the feedback page {feedback} shows no late penalty or no hand grade")
    if problems:
        raise DemoError(
            "the demo grading does not show what the teaching page says:\n  "
            + "\n  ".join(problems)
        )


def _report_png(report_html: str, alt: str = "total") -> bytes:
    m = re.search(rf"<img alt='{alt}' src='data:image/png;base64,([^']+)'", report_html)
    if not m:
        raise DemoError(f"report.html has no histogram <img alt='{alt}'>: update {__file__}")
    return base64.b64decode(m.group(1))


def run_demo(book: Path, force: bool = False) -> bool:
    """Run the demo unless its inputs are unchanged; True when it ran.

    On any failure the previous outputs are deleted first, so a failed demo
    can never leave stale pictures behind, and :class:`DemoError` is raised.
    """
    book = Path(book).resolve()
    out, site, stamp = book / OUT, book / SITE, book / STAMP
    digest = _inputs_digest()
    if (
        not force
        and stamp.is_file()
        and stamp.read_text().strip() == digest
        and (site / "report.html").is_file()
    ):
        return False
    work = book / WORK
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(site, ignore_errors=True)
    try:
        _run_steps(work, out, site)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(site, ignore_errors=True)
        raise
    stamp.write_text(digest + "\n")
    return True


def _run_steps(work: Path, out: Path, site: Path) -> None:
    course = work / "course"
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    shutil.copy(ROOT / "assignments" / "nbgrader_config.py", course)
    shutil.copy(
        ROOT / "assignments" / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
        course / "source" / ASSIGNMENT,
    )
    inbox = work / "canvas-download.zip"
    _canvas_zip(course, inbox)
    shutil.copy(inbox, course / "submissions.zip")
    (course / "autograder.toml").write_text(CONFIG, encoding="utf-8")
    env = dict(os.environ, COURSEKIT_GRADING_SECRET=SECRET, PYTHONPATH=str(ROOT))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    steps = {
        "release": ["release", ASSIGNMENT],
        "collect": ["collect", ASSIGNMENT, "submissions.zip"],
        # one worker: the book build already shares the machine's cores
        "grade": ["grade", ASSIGNMENT, "--no-progress", "--workers", "1"],
        "status": ["status", ASSIGNMENT],
        "feedback": ["feedback", ASSIGNMENT],
        "export": ["export", ASSIGNMENT],
    }
    out.mkdir(parents=True, exist_ok=True)
    texts = {}
    for name, args in steps.items():
        if name == "feedback":
            _grade_by_hand(course)  # step 4 of the page, the formgrader's part
        texts[name] = _run(course, args, env)
    grades_csv = (course / "exports" / "grades.csv").read_text(encoding="utf-8")
    _verify(course, grades_csv)
    report = (course / "exports" / "report.html").read_text(encoding="utf-8")
    (out / "autograder.toml").write_text(CONFIG, encoding="utf-8")
    for name, text in texts.items():
        (out / f"{name}.txt").write_text(text, encoding="utf-8")
    (out / "grades.csv").write_text(grades_csv, encoding="utf-8")
    (out / "report-total.png").write_bytes(_report_png(report))
    (out / "students.json").write_text(
        json.dumps({s: name for s, (name, _) in STUDENTS.items()} | {"stray": STRAY}, indent=1),
        encoding="utf-8",
    )
    site.mkdir(parents=True, exist_ok=True)
    (site / "report.html").write_text(report, encoding="utf-8")
    shutil.copy(
        course / "feedback" / FEEDBACK_STUDENT / ASSIGNMENT / f"{ASSIGNMENT}.html",
        site / "feedback.html",
    )
