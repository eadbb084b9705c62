"""Issue 21, item by item: what goes wrong in a real term, each through the real command line.

1. the course secret outside any git work tree, mode 600, refused where it could leak (and the old
   in-course secret moved by the printed command), the repository ignoring grading outputs;
2. ``init-course`` refusing the public repository;
3. hand grades and formgrader comments in the feedback (nbgrader's own API writes them);
4. a notebook of another assignment is "not this assignment's notebook" everywhere;
5. allowed code is not an honest zero: ``%%writefile`` modules and ``tqdm.notebook`` pass in
   Jupyter (a real kernel) and in the grader; a forbidden import is explained in the feedback;
6. the LMS's LATE mark without a due date is said, not silently empty;
7. every ``python -m autograder`` command and flag the Teaching part shows exists.

Submissions are made from the bundled a1 solution; grading a few of them takes seconds.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.cli import build_parser
from autograder.feedback import write_feedback
from autograder.gradebook import GradebookWriter, default_db_url
from autograder.identity import not_this_notebook
from autograder.job.imports import forbidden_import_notes
from autograder.rebuild import grade_cells, nbgrader_cells
from autograder.store import ResultsStore

COURSE = ROOT / "assignments"
A1, A2, A3 = "a1_backprop_by_hand", "a2_autograd_engine", "a3_mlp_losses"
SOURCE = {a: json.loads((COURSE / "source" / a / f"{a}.ipynb").read_text()) for a in (A1, A2, A3)}
CELLS = grade_cells(SOURCE[A1])
MAX_AUTO = sum(c["points"] for c in CELLS if c["auto"])
MANUAL = [c for c in CELLS if not c["auto"]]


def cli(course: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m autograder --course COURSE ARGS`` as the instructor runs it."""
    full_env = dict(os.environ if env is None else env, PYTHONPATH=str(ROOT))
    full_env.pop("COURSEKIT_GRADING_SECRET", None)
    full_env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{full_env.get('PATH', '')}"
    return subprocess.run([sys.executable, "-m", "autograder", "--course", str(course), *args],
                          capture_output=True, text=True, env=full_env, cwd=course if course.is_dir() else None,
                          timeout=300, check=False)


def new_course(path: Path, assignments: tuple[str, ...] = (A1,), toml: str = "") -> Path:
    (path / "source").mkdir(parents=True)
    shutil.copy(COURSE / "nbgrader_config.py", path)
    for a in assignments:
        shutil.copytree(COURSE / "source" / a, path / "source" / a)
    if toml:
        (path / "autograder.toml").write_text(toml)
    return path


def put(course: Path, student: str, nb: dict, assignment: str = A1) -> None:
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{assignment}.ipynb").write_text(json.dumps(nb))


def cell_of(nb: dict, grade_id: str) -> dict:
    return next(c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def stored(course: Path, assignment: str = A1) -> dict[str, dict]:
    with ResultsStore(course / "autograded" / ".autograder" / "results.sqlite") as store:
        return {r["student"]: r for r in store.rows(assignment)}


@pytest.fixture
def config_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "config-home"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.delenv("COURSEKIT_GRADING_SECRET", raising=False)
    return home


# --- 1. the course secret ------------------------------------------------------------------------

def test_secret_is_made_in_the_config_directory_with_mode_600_and_never_printed(tmp_path, config_home):
    course = new_course(tmp_path / "course")
    proc = cli(course, "grade", "--no-progress")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    path = config_home / "coursekit" / "coursekit" / "secret"
    assert path.is_file() and not (course / ".autograder_secret").exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    doctor = cli(course, "doctor")
    assert doctor.returncode == 0 and f"course secret: {path}" in doctor.stdout
    value = path.read_text().strip()
    assert value not in proc.stdout + proc.stderr + doctor.stdout + doctor.stderr


def test_grade_and_doctor_refuse_a_secret_inside_a_git_work_tree(tmp_path, config_home):
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    course = new_course(tmp_path / "course", toml=f'secret_file = "{repo / "course.secret"}"\n')
    put(course, "ada", SOURCE[A1])
    graded = cli(course, "grade", "--no-progress")
    assert graded.returncode == 2 and "inside the git work tree" in graded.stdout and str(repo) in graded.stdout
    assert not (repo / "course.secret").exists() and not (course / "gradebook.db").exists()  # nothing ran
    doctor = cli(course, "doctor")
    assert doctor.returncode == 1 and "WARNING" in doctor.stdout and "inside the git work tree" in doctor.stdout


def test_grade_refuses_a_secret_others_can_read(tmp_path, config_home):
    course = new_course(tmp_path / "course")
    secret = config_home / "coursekit" / "coursekit" / "secret"
    secret.parent.mkdir(parents=True)
    secret.write_text("0123456789abcdef\n")
    secret.chmod(0o644)
    graded = cli(course, "grade", "--no-progress")
    assert graded.returncode == 2 and "can be read by other users (mode 644)" in graded.stdout
    assert f"chmod 600 '{secret}'" in graded.stdout
    secret.chmod(0o600)
    assert cli(course, "grade", "--no-progress").returncode == 0


def test_an_old_secret_in_the_course_is_refused_with_the_command_that_moves_it(tmp_path, config_home):
    course = new_course(tmp_path / "course")
    old = course / ".autograder_secret"
    old.write_text("the-old-secret\n")
    graded = cli(course, "grade", "--no-progress")
    assert graded.returncode == 2 and "Move it" in graded.stdout
    command = re.search(r"(mkdir -p .*? && mv .*? && chmod 600 '[^']+')", graded.stdout).group(1)
    subprocess.run(["bash", "-c", command], check=True)
    assert not old.exists()
    assert cli(course, "grade", "--no-progress").returncode == 0
    assert (config_home / "coursekit" / "coursekit" / "secret").read_text().strip() == "the-old-secret"


def test_the_public_repository_ignores_secrets_grades_and_exports():
    if not (ROOT / ".git").exists():
        pytest.fail("the test needs the repository's git work tree")
    paths = ["assignments/.autograder_secret", "assignments/exports/grades.csv", "assignments/grades.csv",
             "assignments/canvas_grades.csv", "assignments/moodle_a1_backprop_by_hand.csv",
             "assignments/report.html", "assignments/gradebook.db", "assignments/submitted/1/a1/a1.ipynb",
             "assignments/feedback/1/a1/a1.html", "assignments/autograded/1/a1/a1.ipynb",
             "assignments/canvas-download.zip"]
    proc = subprocess.run(["git", "check-ignore", "--no-index", *paths], cwd=ROOT, capture_output=True, text=True, check=False)
    assert sorted(proc.stdout.split()) == sorted(paths)


# --- 2. the private course ---------------------------------------------------------------------------

def test_init_course_refuses_a_folder_inside_the_public_repository(tmp_path, config_home):
    inside = ROOT / "assignments" / "private-course-test"
    proc = cli(tmp_path, "init-course", str(inside))
    assert proc.returncode == 2 and "inside the public repository" in proc.stdout
    assert not inside.exists() and not config_home.exists()


def test_init_course_makes_a_private_course_whose_gitignore_keeps_student_data_out(tmp_path, config_home):
    private = tmp_path / "nn-2026"
    proc = cli(tmp_path, "init-course", str(private))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    secret = config_home / "coursekit" / "nn-2026" / "secret"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and secret.read_text().strip() not in proc.stdout
    assert "BEGIN SOLUTION" in (private / "source" / A1 / f"{A1}.ipynb").read_text()
    assert 'course_id = "nn-2026"' in (private / "nbgrader_config.py").read_text()
    subprocess.run(["git", "init", "-q", str(private)], check=True)
    student_data = ["submitted/1/a1/a1.ipynb", "gradebook.db", "exports/grades.csv", "feedback/1/a/a.html",
                    "autograded/1/a/a.ipynb", "release/a/a.ipynb", "download.zip"]
    ignored = subprocess.run(["git", "check-ignore", "--no-index", *student_data], cwd=private,
                             capture_output=True, text=True, check=False).stdout.split()
    assert sorted(ignored) == sorted(student_data)
    doctor = cli(private, "doctor")  # the secret is outside the private repository: fine
    assert doctor.returncode == 0 and str(secret) in doctor.stdout


# --- 3. hand grades reach students ------------------------------------------------------------------

def test_feedback_shows_hand_grades_and_comments_from_the_gradebook(tmp_path, config_home):
    from nbgrader.api import Gradebook

    course = new_course(tmp_path / "course")
    cells = [{"grade_id": c["grade_id"], "max_score": c["points"], "auto": c["auto"], "message": "",
              "score": float(c["points"]) if c["auto"] else None, "statuses": {}} for c in CELLS]
    with ResultsStore(course / "autograded" / ".autograder" / "results.sqlite") as store:
        for s in ("ada", "bob"):
            store.put({"assignment": A1, "student": s, "key": s, "status": "graded", "reason": "", "notes": [],
                       "cells": cells, "score": MAX_AUTO, "max_score": MAX_AUTO, "seconds": 1.0})
    with GradebookWriter(default_db_url(course)) as book:
        book.ensure_assignment(A1, nbgrader_cells(SOURCE[A1]))
        for s in ("ada", "bob"):
            book.write_scores(A1, s, {c["grade_id"]: c["score"] for c in cells})
    written = MANUAL[0]["grade_id"]
    with Gradebook(default_db_url(course)) as gb:  # what the formgrader does when the instructor saves
        grade = gb.find_grade(written, A1, A1, "ada")
        grade.manual_score = MANUAL[0]["points"]
        gb.find_comment(written, A1, A1, "ada").manual_comment = "Right: the sign <b>of</b> cos."
        gb.find_comment("toy_chain_forward", A1, A1, "ada").manual_comment = "Tidy code."
        gb.db.commit()
    write_feedback(course, [A1])
    ada = (course / "feedback" / "ada" / A1 / f"{A1}.html").read_text()
    total = MAX_AUTO + MANUAL[0]["points"]
    assert f"Score: <b>{total:g} / {total:g}</b>" in ada
    assert f"{MANUAL[0]['points']:g} / {MANUAL[0]['points']:g}</td><td>graded by hand" in ada
    assert "Right: the sign &lt;b&gt;of&lt;/b&gt; cos." in ada and "Tidy code." in ada
    assert "not graded yet" not in ada
    bob = (course / "feedback" / "bob" / A1 / f"{A1}.html").read_text()
    assert "not graded yet" in bob and f"Autograded score: <b>{MAX_AUTO:g} / {MAX_AUTO:g}</b>" in bob


# --- 4. the wrong notebook ------------------------------------------------------------------------------

def test_not_this_notebook_counts_answer_cells():
    a1, a2 = SOURCE[A1], SOURCE[A2]
    assert not_this_notebook(A1, a1, a1) is None
    reason = not_this_notebook(A1, a1, a2, {A2: a2})
    assert reason.startswith("not this assignment's notebook: it holds none of the 7") and A2 in reason
    one_left = {"cells": [cell_of(a1, "toy_chain_forward")] + a2["cells"]}
    assert "only 1 of the 7" in not_this_notebook(A1, a1, one_left)  # fewer than a quarter: almost none
    two_deleted = {"cells": [c for c in a1["cells"] if c.get("id") not in ("toy_chain_forward", "sigmoid_neuron")]}
    assert not_this_notebook(A1, a1, two_deleted) is None  # a notebook with answers missing is still this one


def test_another_assignments_notebook_is_its_own_outcome_everywhere(tmp_path, config_home):
    course = new_course(tmp_path / "course", (A1, A2))
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "ada.ipynb").write_text(json.dumps(SOURCE[A1]))
    (inbox / "bob.ipynb").write_text(json.dumps(SOURCE[A2]))  # a2's notebook under a1's name
    collected = cli(course, "collect", A1, str(inbox))
    assert collected.returncode == 0
    assert re.search(r"NOTE bob: bob.ipynb is not this assignment's notebook: .*holds 3 answer cell\(s\) of "
                     + A2, collected.stdout), collected.stdout
    assert "ada: " not in collected.stdout.split("NOTE", 1)[-1]
    assert cli(course, "grade", A1, "--no-progress", "--workers", "1").returncode == 0
    rows = stored(course)
    assert rows["bob"]["status"] == "wrong_notebook" and rows["bob"]["score"] == 0
    assert rows["ada"]["status"] == "graded" and rows["ada"]["score"] == MAX_AUTO
    status = cli(course, "status", A1).stdout
    assert "1 graded, 1 not this assignment's notebook" in status
    assert "NOT THIS ASSIGNMENT'S NOTEBOOK bob" in status and "STUDENT CODE FAILED bob" not in status
    assert cli(course, "feedback", A1).returncode == 0
    page = (course / "feedback" / "bob" / A1 / f"{A1}.html").read_text()
    assert "<b>This is not this assignment's notebook</b>" in page
    assert cli(course, "export", A1).returncode == 0
    report = (course / "exports" / "report.html").read_text()
    assert "(1 not this assignment&#x27;s notebook)" in report or "(1 not this assignment's notebook)" in report
    assert "<td>not this assignment&#x27;s notebook</td>" in report


# --- 5. allowed code is not an honest zero -------------------------------------------------------------

def _with_helper_module(nb: dict) -> dict:
    """central_difference written to mylib.py with %%writefile, its answer cell importing it."""
    nb = json.loads(json.dumps(nb))
    answer = cell_of(nb, "central_difference")
    body = "".join(answer["source"]) if isinstance(answer["source"], list) else answer["source"]
    answer["source"] = "from mylib import central_difference\n"
    at = nb["cells"].index(answer)
    nb["cells"].insert(at, {"cell_type": "code", "id": "write-mylib", "metadata": {}, "execution_count": None,
                            "outputs": [], "source": "%%writefile mylib.py\nimport numpy as np\n\n" + body})
    return nb


def _with_tqdm_notebook(nb: dict) -> dict:
    nb = json.loads(json.dumps(nb))
    answer = cell_of(nb, "sigmoid_neuron")
    body = "".join(answer["source"]) if isinstance(answer["source"], list) else answer["source"]
    answer["source"] = "from tqdm.notebook import trange\n\nfor _ in trange(3):\n    pass\n\n" + body
    return nb


def _runs_in_jupyter(nb: dict, workdir: Path) -> None:
    """Execute the notebook with a real Jupyter kernel of this environment (the student's Jupyter)."""
    import nbclient
    import nbformat

    node = nbformat.reads(json.dumps(nb), as_version=4)
    nbclient.NotebookClient(node, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}}).execute()


@pytest.mark.parametrize("make", [_with_helper_module, _with_tqdm_notebook], ids=["writefile-module", "tqdm-notebook"])
def test_code_that_runs_in_jupyter_gets_full_marks_in_the_grader(tmp_path, config_home, make):
    nb = make(SOURCE[A1])
    jupyter = tmp_path / "jupyter"
    jupyter.mkdir()
    _runs_in_jupyter(nb, jupyter)
    course = new_course(tmp_path / "course")
    put(course, "ada", nb)
    assert cli(course, "grade", A1, "--no-progress", "--workers", "1").returncode == 0
    row = stored(course)["ada"]
    assert row["cell_errors"] == [] and row["score"] == MAX_AUTO, (row["cell_errors"], row["score"])


def test_a_forbidden_import_is_explained_in_the_feedback(tmp_path, config_home):
    nb = json.loads(json.dumps(SOURCE[A3]))
    answer = cell_of(nb, "train_mlp")
    answer["source"] = "import coursekit.nn as nn\n\n" + "".join(answer["source"])
    course = new_course(tmp_path / "course", (A3,))
    put(course, "ada", nb, A3)
    assert cli(course, "grade", A3, "--no-progress", "--workers", "1").returncode == 0
    row = stored(course, A3)["ada"]
    train = next(c for c in row["cells"] if c["grade_id"] == "test_train_mlp")
    assert train["score"] == 0
    assert cli(course, "feedback", A3).returncode == 0
    page = (course / "feedback" / "ada" / A3 / f"{A3}.html").read_text()
    assert "imports coursekit.nn, which is not available when the notebook is graded" in page
    assert "may import only numpy, matplotlib, tqdm, coursekit.data, the standard library" in page


def test_every_notebook_says_what_it_allows_before_any_answer():
    from coursekit.grading import allowed_imports, assignment_prefix

    for source in sorted((COURSE / "source").glob("*/*.ipynb")):
        nb = json.loads(source.read_text())
        first_answer = next(i for i, c in enumerate(nb["cells"])
                            if c.get("metadata", {}).get("nbgrader", {}).get("solution"))
        before = "\n".join("".join(c["source"]) for c in nb["cells"][:first_answer] if c["cell_type"] == "markdown")
        allowed = allowed_imports(assignment_prefix(source.stem))
        assert "sandbox that has only\n" + ", ".join(f"`{m}`" for m in allowed) in before, source.name
        assert "may use anything" not in before and "including coursekit" not in before, source.name
    assert forbidden_import_notes([{"error": "ModuleNotFoundError: No module named 'mylib'"}], ("numpy",))


# --- 6. a LATE mark without a due date -----------------------------------------------------------------

def test_a_late_mark_without_a_due_date_is_said_in_collect_and_export(tmp_path, config_home):
    course = new_course(tmp_path / "course")
    z = tmp_path / "canvas.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr(f"turing_LATE_1002_5302_{A1}.ipynb", json.dumps(SOURCE[A1]))
    collected = cli(course, "collect", A1, str(z)).stdout
    assert "marked LATE by the LMS" in collected and f"gives {A1} no due date" in collected
    with ResultsStore(course / "autograded" / ".autograder" / "results.sqlite") as store:
        store.put({"assignment": A1, "student": "1002", "key": "k", "status": "graded", "reason": "", "notes": [],
                   "cells": [], "score": 1.0, "max_score": MAX_AUTO, "seconds": 1.0})
    exported = cli(course, "export", A1).stdout
    assert f"WARNING {A1}: the LMS marked 1 submission(s) LATE (1002) but autograder.toml gives" in exported


# --- 7. the Teaching part's commands exist ----------------------------------------------------------

def test_every_autograder_command_and_flag_in_the_teaching_part_exists():
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command").choices
    seen = 0
    for page in sorted((ROOT / "book" / "teaching").glob("*.md")):
        for line in re.findall(r"python -m autograder ([^`\n]*)", page.read_text()):
            words = line.split()
            while words and words[0].startswith("--"):  # global options such as --course DIR
                words = words[2:]
            if not words or words[0] in ("<command>",) or words[0].startswith("<"):
                continue
            command = words[0].rstrip(".,:;)")
            assert command in subparsers, f"{page.name}: python -m autograder {line}"
            flags = {s for a in subparsers[command]._actions for s in a.option_strings}
            for flag in re.findall(r"(--[a-z-]+)", " ".join(words[1:])):
                assert flag in flags, f"{page.name}: {command} has no {flag}"
            seen += 1
    assert seen >= 8


def test_the_formgrader_steps_name_nbgraders_own_screens():
    """Every formgrader label the page names (in italics) is one of nbgrader's own, and grading goes by submission."""
    import nbgrader

    tool = Path(nbgrader.__file__).parent
    texts = [p.read_text(errors="replace") for p in (tool / "server_extensions" / "formgrader").rglob("*")
             if p.is_file() and p.suffix in (".tpl", ".j2", ".js")]
    texts += [p.read_text() for p in (tool / "labextension" / "schemas").rglob("*.json")]
    ui = "\n".join(texts)
    page = (ROOT / "book" / "teaching" / "grading.md").read_text()
    section = page[page.index("## 4. Written answers"):page.index("## 5. Feedback")]
    labels = [" ".join(x.split()) for x in re.findall(r"\*([A-Z][^*]+)\*", section)]
    assert {"Manual Grading", "Next"} <= set(labels), labels
    for label in labels:
        for part in label.split(" > "):
            assert part in ui, f"the formgrader has no {part!r}"
    assert "gradebook_notebook_submissions" in " ".join(p.name for p in (tool / "server_extensions").rglob("*.tpl"))
    assert "one submission at a time" in section and "in turn" not in section


@pytest.mark.parametrize("module", ["autograder.secret", "autograder.identity", "autograder.job.imports",
                                    "autograder.config"])
def test_docstring_examples(module):
    """The autograder is outside the suite's ``--doctest-modules`` paths, so its examples run here."""
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
