"""The instructor autograder (``python -m autograder``): sandbox, trusted rebuild, scoring, statuses.

One module-scoped course in a temporary directory holds a correct, an empty
and one hostile submission per threat (``tests/autograder_submissions/``) of
the smallest assignment (a1); it is graded once and every test reads the
result.  Sandbox-specific threats (network, reading the course directory)
need bubblewrap: skipped with an install hint when it is missing, except
under CI=true, where they must run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytest.importorskip("nbgrader")
pytest.importorskip("IPython")

from coursekit import grading  # noqa: E402

from autograder.driver import GradeOptions, grade  # noqa: E402
from autograder.job.sandbox import Limits, bwrap_path  # noqa: E402
from autograder.store import ResultsStore  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "assignments"
SUBMISSIONS = Path(__file__).resolve().parent / "autograder_submissions"
A1 = "a1_backprop_by_hand"
FULL = {grading.cell_grade_id(c.id): float(c.points) for c in grading.all_checks("a1")}
HAS_BWRAP = bwrap_path() is not None
needs_bwrap = pytest.mark.skipif(
    not HAS_BWRAP and os.environ.get("CI") != "true",
    reason="bubblewrap is missing: apt-get install bubblewrap (required under CI=true)",
)


def _src(cell: dict) -> str:
    s = cell["source"]
    return s if isinstance(s, str) else "".join(s)


def _apply(nb: dict, snippet: str, release: dict | None = None) -> dict:
    """Apply one submissions/<name>.py snippet (``# replace:`` or ``# after:``) to a notebook.

    ``# base: release`` applies it to the release (nothing implemented) instead.
    """
    if release is not None and re.search(r"^# base: release$", snippet, re.M):
        nb = release
    nb = json.loads(json.dumps(nb))
    where = re.search(r"^# (replace|after): (\S+)$", snippet, re.M)
    assert where, "a snippet needs a '# replace:' or '# after:' line"
    how, gid = where.groups()
    idx = next(i for i, c in enumerate(nb["cells"]) if c["metadata"].get("nbgrader", {}).get("grade_id") == gid)
    if how == "replace":
        nb["cells"][idx]["source"] = snippet
    else:
        nb["cells"].insert(idx + 1, {"cell_type": "code", "id": f"extra-{gid}", "metadata": {},
                                     "execution_count": None, "outputs": [], "source": snippet})
    return nb


def _put(course: Path, student: str, nb: dict | bytes | None) -> None:
    folder = course / "submitted" / student / A1
    folder.mkdir(parents=True, exist_ok=True)
    if nb is not None:
        data = nb if isinstance(nb, bytes) else json.dumps(nb).encode()
        (folder / f"{A1}.ipynb").write_bytes(data)


def _edited_tests(solution: dict) -> dict:
    """Deleted, edited and renamed test cells, changed points, and a wrong sigmoid_neuron."""
    nb = json.loads(json.dumps(solution))
    cells = []
    for c in nb["cells"]:
        gid = c["metadata"].get("nbgrader", {}).get("grade_id")
        if gid == "test_toy_chain_forward":
            continue  # deleted
        if gid == "test_sigmoid_neuron":
            c["source"] = "pass  # no test here"
            c["metadata"]["nbgrader"]["points"] = 100
        if gid == "test_central_difference":
            c["metadata"]["nbgrader"]["grade_id"] = "renamed"
            c["id"] = "renamed"
        if gid == "sigmoid_neuron":
            c["source"] = "def sigmoid_neuron(x, w):\n    return 0.0, x * 0, w * 0\n"
        cells.append(c)
    nb["cells"] = cells
    return nb


def _forged(release: dict, solution: dict) -> dict:
    """The empty release with outputs copied as if every test had passed."""
    nb = json.loads(json.dumps(release))
    for c in nb["cells"]:
        if c["cell_type"] == "code":
            c["execution_count"] = 1
            c["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "passed\n"}]
            c["metadata"].get("nbgrader", {})["points"] = 0
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("autograder")
    course = tmp / "course"
    course.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", course)
    shutil.copytree(COURSE / "source", course / "source")
    solution = json.loads((course / "source" / A1 / f"{A1}.ipynb").read_text())
    from autograder.release import release_notebook

    release = release_notebook(solution)
    home_files = [str(p) for p in sorted(Path.home().iterdir())[:20] if p.is_file()]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    fill = {"{COURSE}": str(course), "{HOME_FILES}": repr(home_files), "{PORT}": str(port)}

    _put(course, "solution", solution)
    _put(course, "release", release)
    wrong = json.loads(json.dumps(solution))
    _put(course, "wrong", _apply(wrong, "# replace: toy_chain_backward\ndef toy_chain_backward(x, y, phi):\n    return {}\n"))
    for path in sorted(SUBMISSIONS.glob("*.py")):
        text = path.read_text()
        for k, v in fill.items():
            text = text.replace(k, v)
        _put(course, path.stem, _apply(solution, text, release))
    _put(course, "edited_tests", _edited_tests(solution))
    _put(course, "forged", _forged(release, solution))
    _put(course, "malformed", b'{"cells": [ not json')
    _put(course, "missing", None)
    before = {p: p.read_bytes() for p in (course / "submitted" / "wrong").rglob("*") if p.is_file()}
    # Generous limits: CI shares its cores, and nothing here may depend on the machine's speed.
    opts = GradeOptions(course=course, assignments=[A1], workers=2, cell_timeout=20,
                        limits=Limits(wall_seconds=120), progress=False)
    summary = grade(opts)
    connections = 0
    try:
        while True:
            listener.accept()[0].close()
            connections += 1
    except OSError:
        pass
    listener.close()
    store = ResultsStore(course / "autograded" / ".autograder" / "results.sqlite")
    rows = {r["student"]: r for r in store.rows(A1)}
    store.close()
    return {"course": course, "opts": opts, "summary": summary, "rows": rows, "before": before,
            "connections": connections}


def _scores(graded, student: str) -> dict[str, float]:
    return {c["grade_id"]: c["score"] for c in graded["rows"][student]["cells"] if c["auto"]}


def _gradebook(course: Path, student: str) -> dict[str, tuple]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(A1, A1, student)
        return {g.name: (g.auto_score, g.max_score) for g in nb.grades}


def _lost(graded, student: str) -> set[str]:
    return {g for g, s in _scores(graded, student).items() if s != FULL[g]}


def test_solution_full_marks_release_zero_wrong_loses_its_part(graded):
    assert _scores(graded, "solution") == FULL
    assert sum(_scores(graded, "release").values()) == 0
    assert _lost(graded, "wrong") == {"test_toy_chain_backward"}
    book = _gradebook(graded["course"], "solution")
    assert book["bug_explanation"][0] is None  # written answer: left to the formgrader
    assert {g: book[g][0] for g in FULL} == FULL


def test_every_submission_gets_a_status_and_the_run_completes(graded):
    assert set(graded["rows"]) >= {p.stem for p in SUBMISSIONS.glob("*.py")} | {"solution", "missing"}
    for row in graded["rows"].values():
        assert row["status"] and (row["status"] in ("graded",) or row["reason"])


def test_monkeypatching_numpy_builtins_and_helpers_changes_nothing(graded):
    # The wrong answer earns nothing; patches that break the student's own kernel only cost them.
    assert "test_toy_chain_forward" in _lost(graded, "monkeypatch")


def test_custom_eq_and_array_subclasses_score_nothing(graded):
    # toy_chain_backward uses the student's forward pass, so it fails with it.
    assert _lost(graded, "custom_eq") == {"test_toy_chain_forward", "test_toy_chain_backward"}


def test_edited_deleted_renamed_test_cells_and_points_change_nothing(graded):
    assert _lost(graded, "edited_tests") == {"test_sigmoid_neuron"}
    assert graded["rows"]["edited_tests"]["max_score"] == sum(FULL.values())


def test_forged_outputs_earn_nothing(graded):
    assert sum(_scores(graded, "forged").values()) == 0


@needs_bwrap
def test_course_dir_gradebook_others_and_home_are_invisible_and_untouched(graded):
    assert _lost(graded, "reads_course") == set()
    for p, data in graded["before"].items():
        assert p.read_bytes() == data
    assert _gradebook(graded["course"], "solution")["test_toy_chain_forward"][0] == 2


@needs_bwrap
def test_no_network(graded):
    assert _lost(graded, "network") == set() and graded["connections"] == 0


def test_infinite_loop_ignoring_sigint_is_killed_and_earlier_parts_count(graded):
    row = graded["rows"]["infinite_loop"]
    assert row["status"] == "timeout" and "infinite loop" in row["reason"]
    assert "a cell you added after 'sigmoid_neuron'" in row["reason"]  # where to look
    assert _lost(graded, "infinite_loop") == {
        "test_sigmoid_neuron", "test_primitive_backward", "test_central_difference",
        "test_find_wrong_gradients"}


def test_memory_and_fork_bombs_are_contained(graded):
    assert _lost(graded, "memory_bomb") == set()
    # Contained: the run goes on, the next submissions on that worker are graded normally (the job uid is
    # reaped), and the bomb costs at most what follows it (forking 1024 copies of a kernel can pass the
    # cell's time limit on a loaded machine).
    row = graded["rows"]["fork_bomb"]
    assert row["status"] == "graded" and _lost(graded, "fork_bomb") == set() or (
        row["status"] == "timeout" and "after 'toy_chain_forward'" in row["reason"]), row["reason"]
    assert _scores(graded, "solution") == FULL


@pytest.mark.parametrize("student", ["os_exit", "segfault"])
def test_kernel_death_is_a_status_and_keeps_the_autograded_folder(graded, student):
    row = graded["rows"][student]
    assert row["status"] == "kernel_died" and "kernel died" in row["reason"]
    assert "a cell you added after 'sigmoid_neuron'" in row["reason"]
    assert _lost(graded, student) == {
        "test_sigmoid_neuron", "test_primitive_backward", "test_central_difference",
        "test_find_wrong_gradients"}
    assert (graded["course"] / "autograded" / student / A1 / "autograder.json").is_file()


def test_gigantic_output_is_cut_without_losing_points(graded):
    row = graded["rows"]["huge_output"]
    assert row["status"] == "output_truncated" and _lost(graded, "huge_output") == set()


def test_coursekit_s_reference_earns_nothing(graded):
    assert _lost(graded, "uses_reference") == {"test_sigmoid_neuron"}
    cell = next(c for c in graded["rows"]["uses_reference"]["cells"] if c["grade_id"] == "test_sigmoid_neuron")
    assert "Your code raised AttributeError" in cell["message"]  # the sandbox's coursekit has no Tensor


@pytest.mark.parametrize("student", ["redefine_check", "patch_harness", "frame_walk"])
def test_attacks_on_the_grading_design_earn_nothing_on_the_release(graded, student):
    row = graded["rows"][student]
    assert row["status"] == "graded" and sum(_scores(graded, student).values()) == 0


def test_an_answer_read_from_the_inputs_is_not_there(graded):
    assert _lost(graded, "reads_answer") == {"test_find_wrong_gradients"}


def test_hostile_report_bytes_cost_only_their_author(graded):
    row = graded["rows"]["hostile_reports"]
    assert row["status"] == "report_corrupted" and any("corrupted" in p for p in row["problems"])
    assert "report channel" in row["reason"]
    assert _lost(graded, "hostile_reports") == set(FULL)  # the stream broke before any record: all lost
    assert _scores(graded, "solution") == FULL  # everybody else graded normally


def test_a_stopped_process_still_meets_the_cell_deadline(graded):
    row = graded["rows"]["sigstop"]
    assert row["status"] == "timeout" and "per-cell time limit" in row["reason"]
    assert "a cell you added after 'sigmoid_neuron'" in row["reason"]


@needs_bwrap
def test_writes_are_capped_in_the_sandbox_and_never_reach_the_host_disk(graded):
    assert _lost(graded, "disk_flood") == set() and graded["rows"]["disk_flood"]["status"] == "graded"


def test_false_zero_prints_and_warnings_cost_nothing(graded):
    assert _lost(graded, "noisy_correct") == set()
    assert graded["rows"]["noisy_correct"]["status"] == "graded"


def test_malformed_and_missing_notebooks_get_a_clear_status(graded):
    assert graded["rows"]["malformed"]["status"] == "malformed_notebook"
    assert "not valid JSON" in graded["rows"]["malformed"]["reason"]
    assert graded["rows"]["missing"]["status"] == "missing_notebook"
    assert sum(_scores(graded, "missing").values()) == 0


def test_regrading_is_idempotent_and_a_killed_run_resumes(graded):
    course, opts = graded["course"], graded["opts"]
    again = grade(opts)
    assert again["graded"] == 0 and again["skipped"] == len(graded["rows"])
    before = _gradebook(course, "wrong")
    # A run killed after the gradebook write but before the store: the row is missing -> redone.
    db = sqlite3.connect(course / "autograded" / ".autograder" / "results.sqlite")
    db.execute("DELETE FROM results WHERE student IN ('wrong', 'solution')")
    db.commit()
    db.close()
    resumed = grade(GradeOptions(**{**opts.__dict__, "students": None}))
    assert resumed["graded"] == 2
    assert _gradebook(course, "wrong") == before


def test_a_locked_gradebook_is_waited_for(graded):
    course, opts = graded["course"], graded["opts"]
    sub = course / "submitted" / "solution" / A1 / f"{A1}.ipynb"
    sub.write_text(sub.read_text() + "\n")  # new content -> regraded
    db = sqlite3.connect(course / "gradebook.db", timeout=1, check_same_thread=False)
    db.execute("BEGIN EXCLUSIVE")
    timer = threading.Timer(3.0, lambda: (db.rollback()))
    timer.start()
    try:
        result = grade(opts)
    finally:
        timer.join()
    assert result["graded"] == 1 and _scores(graded, "solution") == FULL


def test_status_command_lists_failures_with_reasons(graded):
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "--course", str(graded["course"]), "status", A1],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "FAILED infinite_loop: timeout" in proc.stdout and "FAILED missing: missing_notebook" in proc.stdout


def test_autograded_notebook_serves_nbgraders_formgrader_and_feedback(graded):
    """autograded/<student>/<a>/<a>.ipynb: valid, the student's written answer, each test's points."""
    import nbformat

    course = graded["course"]
    path = course / "autograded" / "wrong" / A1 / f"{A1}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    submitted = json.loads((course / "submitted" / "wrong" / A1 / f"{A1}.ipynb").read_text())
    answer = next(_src(c) for c in submitted["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "bug_explanation")
    cells = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    assert cells["bug_explanation"].source == answer
    assert cells["test_toy_chain_backward"].outputs[0]["text"].startswith(f"[autograder] 0 / {FULL['test_toy_chain_backward']:g} points")
    source = json.loads((course / "source" / A1 / f"{A1}.ipynb").read_text())
    tests = {c["metadata"]["nbgrader"]["grade_id"]: _src(c) for c in source["cells"]
             if c["metadata"].get("nbgrader", {}).get("grade", False) and c["cell_type"] == "code"}
    assert {g: cells[g].source for g in tests} == tests  # the course's hidden seeds are not written out
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "generate_feedback", A1, "--student", "wrong", "--force"],
                          cwd=course, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html = (course / "feedback" / "wrong" / A1 / f"{A1}.html").read_text()
    expected = sum(FULL.values()) - FULL["test_toy_chain_backward"]  # the written answer: not graded yet
    total = sum(float(c["metadata"]["nbgrader"]["points"]) for c in source["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade"))
    assert re.search(rf"Score: {expected:.1f} / {total:.1f}", html), re.findall(r"Score: [^<]*", html)[:3]


# ---------------------------------------------------------------------------
# a2, where the exercise is an autograd engine: wrapping a reference engine earns nothing
# ---------------------------------------------------------------------------
A2 = "a2_autograd_engine"
_WRAPPER = '''import threading, sys
sys.setprofile(None)  # the old design's tripwire
threading.setprofile(None)
try:
    from {module} import {name} as _Engine
except ImportError as err:
    raise ImportError(f"{{err}} (the grading sandbox has no reference engine)")


class Tensor:
    """A 'Tensor' that lets {module} do all the work."""

    def __init__(self, data, requires_grad=False, _t=None):
        self._t = _t if _t is not None else _Engine({make}(data, dtype={dtype}), requires_grad=requires_grad)

    data = property(lambda self: self._t.detach().numpy() if hasattr(self._t, "numpy") else self._t.data)
    grad = property(lambda self: None if self._t.grad is None else (self._t.grad.numpy() if hasattr(self._t.grad, "numpy") else self._t.grad))

    def _wrap(self, t):
        return Tensor(None, _t=t)

    def __add__(self, o): return self._wrap(self._t + (o._t if isinstance(o, Tensor) else o))
    __radd__ = __add__
    def __mul__(self, o): return self._wrap(self._t * (o._t if isinstance(o, Tensor) else o))
    __rmul__ = __mul__
    def __matmul__(self, o): return self._wrap(self._t @ o._t)
    def relu(self): return self._wrap(self._t.relu())
    def exp(self): return self._wrap(self._t.exp())
    def log(self): return self._wrap(self._t.log())
    def sum(self, axis=None, keepdims=False):
        return self._wrap(self._t.sum() if axis is None else self._t.sum({axis_kw}=axis, keepdim{s}=keepdims))
    def backward(self, gradient=None):
        threading.Thread(target=lambda: None).start()
        self._t.backward(None if gradient is None else _Engine({make}(gradient, dtype={dtype})))
'''


@pytest.fixture(scope="module")
def graded_a2(tmp_path_factory):
    course = tmp_path_factory.mktemp("autograder_a2") / "course"
    (course / "source").mkdir(parents=True)
    shutil.copytree(COURSE / "source" / A2, course / "source" / A2)
    from autograder.release import release_notebook

    solution = json.loads((course / "source" / A2 / f"{A2}.ipynb").read_text())
    wrappers = {
        "wraps_coursekit": dict(module="coursekit", name="Tensor", make="__import__('numpy').asarray",
                                dtype="float", axis_kw="axis", s="s"),
        "wraps_torch": dict(module="torch", name="tensor", make="__import__('numpy').asarray",
                            dtype="'float64'", axis_kw="dim", s=""),
    }
    subs = {"solution": solution, "release": release_notebook(solution)}
    for student, fill in wrappers.items():
        nb = json.loads(json.dumps(solution))
        cell = next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "Tensor")
        cell["source"] = _WRAPPER.format(**fill)
        subs[student] = nb
    for student, nb in subs.items():
        folder = course / "submitted" / student / A2
        folder.mkdir(parents=True)
        (folder / f"{A2}.ipynb").write_text(json.dumps(nb))
    grade(GradeOptions(course=course, assignments=[A2], workers=2, cell_timeout=30,
                       limits=Limits(wall_seconds=120), progress=False))
    with ResultsStore(course / "autograded" / ".autograder" / "results.sqlite") as store:
        return {r["student"]: r for r in store.rows(A2)}


def test_a2_solution_full_release_zero(graded_a2):
    row = graded_a2["solution"]
    assert row["score"] == row["max_score"] > 0, (row["status"], row["reason"], row["cell_errors"],
                                                  [c["message"] for c in row["cells"] if c["score"] != c["max_score"]])
    assert graded_a2["release"]["score"] == 0


@pytest.mark.parametrize("student", ["wraps_coursekit", "wraps_torch"])
def test_a2_tensor_wrapping_a_reference_engine_earns_nothing(graded_a2, student):
    if not HAS_BWRAP and os.environ.get("CI") != "true":
        pytest.skip("without bubblewrap the sandbox cannot hide coursekit and torch (install bubblewrap)")
    scores = {c["grade_id"]: c["score"] for c in graded_a2[student]["cells"] if c["auto"]}
    tensor_checks = {g for g in scores if g != "test_unbroadcast"}
    assert all(scores[g] == 0 for g in tensor_checks) and scores["test_unbroadcast"] > 0


def test_the_torch_wrapper_is_a_working_engine_outside_the_sandbox():
    """So the test above can fail: on a student's own machine the wrapper passes (torch does the work)."""
    pytest.importorskip("torch")
    namespace: dict = {}
    exec(_WRAPPER.format(module="torch", name="tensor", make="__import__('numpy').asarray", dtype="'float64'",
                         axis_kw="dim", s=""), namespace)
    for check_id in ("a2.add", "a2.mul", "a2.matmul", "a2.sum"):
        grading.check(check_id, namespace["Tensor"])
        grading.check(check_id, namespace["Tensor"], hidden=True, seed=7)
