"""The graded assignments, end to end with nbgrader, and the grading API they use.

* The source notebooks are up to date with their Markdown sources, have no
  outputs, and have one test cell per registered check with the check's points.
* ``nbgrader generate_assignment`` succeeds for every assignment; the release
  notebooks contain no solutions and no hidden tests.
* ``nbgrader autograde`` (plain, compare mode) of the solution notebooks gives
  full marks on every autograded cell; the unmodified release notebooks score
  zero without crashing; a notebook with one deliberately wrong function loses
  exactly that function's points; printing, warnings and stderr cost nothing;
  answering with coursekit's own implementation earns nothing for that part.
* Unit tests of ``coursekit.grading``'s compare mode: messages, tripwires, seeds.
  The harness and the record protocol are tested in ``test_grading_harness.py``.

nbgrader runs once per assignment set (module-scoped fixtures), from the
venv's executables, in temporary course directories, with a private Jupyter
data directory so that the kernel is the venv's ``python3``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from coursekit import grading
from coursekit.grading import api, seeds
from coursekit.grading.sandbox import Tripwire, run_student

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "assignments"
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(COURSE))
import make_notebooks

ASSIGNMENTS = make_notebooks.assignments()
PREFIX = {a: grading.assignment_prefix(a) for a in ASSIGNMENTS}
SECRET = "test-course-secret"

# One deliberately wrong function per assignment: (solution cell, text, replacement, the test cell that loses).
WRONG = {
    "a1_backprop_by_hand": (
        "toy_chain_backward",
        'd_f0 = np.cos(v["f0"])',
        'd_f0 = -np.cos(v["f0"])',
        "test_toy_chain_backward",
    ),
    "a2_autograd_engine": (
        "Tensor",
        (
            "return unbroadcast(grad * other.data, self.shape), "
            "unbroadcast(grad * self.data, other.shape)"
        ),
        "return grad * other.data, grad * self.data",
        "test_mul",
    ),
    "a3_mlp_losses": (
        "bce_with_logits",
        "loss = np.mean(np.maximum(z, 0.0) - z * y + np.log1p(np.exp(-np.abs(z))))",
        "loss = np.mean(-(y * np.log(sigmoid(z)) + (1 - y) * np.log(1 - sigmoid(z))))",
        "test_bce_with_logits",
    ),
    "a4_optimizers": ("adam_step", "m_hat = m / (1.0 - beta1**t)", "m_hat = m", "test_adam"),
    "a5_regularization": (
        "dropout",
        "mask = keep / (1.0 - p)",
        "mask = keep * (1.0 - p)",
        "test_dropout",
    ),
}

# Harmless noise in a correct function: Python prints, stderr, a warning, a NumPy warning, raw fd 2 output.
NOISY = (
    "a1_backprop_by_hand",
    "toy_chain_forward",
    "    ### BEGIN SOLUTION\n",
    (
        "    ### BEGIN SOLUTION\n    import os, sys, warnings\n    print('debug:', np.shape(x))\n"
        "    print('to stderr', file=sys.stderr)\n    warnings.warn('a harmless warning')\n"
        "    np.log(np.zeros(1))\n    os.write(2, b'raw fd 2 output\\n')\n"
    ),
)
# Answering with coursekit's own optimizer where the exercise is to write it.
CHEAT = (
    "a4_optimizers",
    "momentum_step",
    '''def momentum_step(theta, grad, v, lr, gamma):
    """One heavy-ball step, computed by coursekit.optim.SGD (not allowed here)."""
    import coursekit as ck
    from coursekit.optim import SGD
    p = ck.Tensor(np.array(theta, dtype=float), requires_grad=True)
    opt = SGD([p], lr=lr, momentum=gamma)
    opt.state[p]["momentum_buffer"] = -np.asarray(v, dtype=float) / lr
    p.grad = np.asarray(grad, dtype=float)
    opt.step()
    return p.detach().numpy().copy(), -lr * opt.state[p]["momentum_buffer"]''',
    "test_momentum",
)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def _read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def _cells(nb: dict) -> dict[str, dict]:
    return {c["id"]: c for c in nb["cells"]}


def _replace_cell(nb: dict, cell_id: str, old: str | None, new: str) -> dict:
    nb = json.loads(json.dumps(nb))
    cell = _cells(nb)[cell_id]
    source = _source(cell)
    if old is None:
        source = new
    else:
        assert source.count(old) == 1, f"{cell_id}: {old!r} should occur once"
        source = source.replace(old, new)
    cell["source"] = source
    return nb


def _env(tmp: Path) -> dict[str, str]:
    """Subprocess environment: the venv first, a private Jupyter data dir (so "python3" is the venv's), 1 thread."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("COURSEKIT_GRADING") and k != "JUPYTER_PATH"
    }
    env["PATH"] = str(VENV_BIN) + os.pathsep + env.get("PATH", "")
    for name, sub in (
        ("JUPYTER_DATA_DIR", "jupyter-data"),
        ("JUPYTER_CONFIG_DIR", "jupyter-config"),
        ("IPYTHONDIR", "ipython"),
    ):
        (tmp / sub).mkdir(exist_ok=True)
        env[name] = str(tmp / sub)
    env.update(
        OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONWARNINGS="ignore"
    )
    return env


def _nbgrader(args: list[str], cwd: Path, env: dict[str, str]) -> None:
    exe = VENV_BIN / "nbgrader"
    proc = subprocess.run(
        [str(exe), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        raise AssertionError(
            f"nbgrader {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n"
            f"{proc.stderr[-5000:]}"
        )


def _write_submission(course: Path, student: str, assignment: str, nb: dict) -> None:
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{assignment}.ipynb").write_text(json.dumps(nb, indent=1), encoding="utf-8")


def _solution_lines(nb: dict) -> list[str]:
    """Distinctive lines inside ### BEGIN/END SOLUTION regions (and model answers) of a source notebook."""
    outside = set()
    lines = []
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        src = _source(cell)
        if cell["cell_type"] == "markdown" and meta.get("solution"):
            lines += [ln.strip() for ln in src.splitlines() if len(ln.strip()) > 20]
            continue
        inside = False
        for line in src.splitlines():
            if "BEGIN SOLUTION" in line:
                inside = True
            elif "END SOLUTION" in line:
                inside = False
            elif inside:
                lines.append(line.strip())
            else:
                outside.add(line.strip())
    return [ln for ln in lines if len(ln) >= 12 and not ln.startswith("#") and ln not in outside]


# ---------------------------------------------------------------------------
# The source notebooks
# ---------------------------------------------------------------------------
def test_five_assignments_with_standard_layout():
    assert len(ASSIGNMENTS) >= 5
    assert (COURSE / "nbgrader_config.py").is_file()
    for a in ASSIGNMENTS:
        files = sorted(p.name for p in (COURSE / "source" / a).iterdir())
        assert files == [f"{a}.ipynb"], f"source/{a} should hold only its notebook, has {files}"


def test_notebooks_are_up_to_date_with_their_markdown_sources():
    for a in ASSIGNMENTS:
        path = make_notebooks.target(a)
        assert path.read_text(encoding="utf-8") == make_notebooks.render(make_notebooks.build(a)), (
            f"{path.relative_to(ROOT)} is out of date: run python assignments/make_notebooks.py"
        )


def test_source_notebooks_have_no_outputs_and_one_test_cell_per_check():
    for a in ASSIGNMENTS:
        nb = _read(make_notebooks.target(a))
        assert nb["metadata"]["kernelspec"]["name"] == "python3"
        graded = {}
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, (
                    f"{a}: {cell['id']} has outputs"
                )
            meta = cell.get("metadata", {}).get("nbgrader")
            if meta and meta.get("grade") and not meta.get("solution"):
                graded[meta["grade_id"]] = meta["points"]
        expected = {grading.cell_grade_id(c.id): c.points for c in grading.all_checks(PREFIX[a])}
        assert graded == expected
        manual = [
            c
            for c in nb["cells"]
            if c["cell_type"] == "markdown"
            and c.get("metadata", {}).get("nbgrader", {}).get("grade")
        ]
        assert manual, f"{a} needs a manually graded written answer"


# ---------------------------------------------------------------------------
# nbgrader, compare mode: generate, then autograde several submissions of every assignment
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def course(tmp_path_factory):
    pytest.importorskip("nbgrader")
    tmp = tmp_path_factory.mktemp("nbgrader")
    root = tmp / "course"
    root.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", root)
    shutil.copytree(COURSE / "source", root / "source")
    env = _env(tmp)
    _nbgrader(["generate_assignment", "*", "--force"], root, env)

    for a in ASSIGNMENTS:
        source = _read(root / "source" / a / f"{a}.ipynb")
        _write_submission(root, "solution", a, source)
        _write_submission(root, "release", a, _read(root / "release" / a / f"{a}.ipynb"))
        cell, old, new, _ = WRONG[a]
        _write_submission(root, "wrong", a, _replace_cell(source, cell, old, new))
    a, cell, old, new = NOISY
    noisy = _replace_cell(_read(root / "source" / a / f"{a}.ipynb"), cell, old, new)
    noisy["cells"].append(
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "kernel-prefix",
            "metadata": {},
            "outputs": [],
            "source": "import sys\nprint('KERNEL PREFIX', sys.prefix)",
        }
    )
    _write_submission(root, "noisy", a, noisy)
    a, cell, new, _ = CHEAT
    _write_submission(
        root, "cheat", a, _replace_cell(_read(root / "source" / a / f"{a}.ipynb"), cell, None, new)
    )

    _nbgrader(["autograde", "*", "--force"], root, env)

    from nbgrader.api import Gradebook

    scores: dict[tuple[str, str], dict[str, tuple[float, float]]] = {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for assignment in gb.assignments:
            for submission in gb.assignment_submissions(assignment.name):
                for nb in submission.notebooks:
                    scores[assignment.name, submission.student_id] = {
                        g.name: (g.score, g.max_score) for g in nb.grades
                    }
    return {"root": root, "scores": scores}


def _autograded(a: str) -> dict[str, float]:
    return {grading.cell_grade_id(c.id): float(c.points) for c in grading.all_checks(PREFIX[a])}


def test_generate_assignment_releases_no_solutions_and_no_hidden_tests(course):
    for a in ASSIGNMENTS:
        release = (course["root"] / "release" / a / f"{a}.ipynb").read_text(encoding="utf-8")
        for marker in (
            "BEGIN SOLUTION",
            "END SOLUTION",
            "BEGIN HIDDEN TESTS",
            "END HIDDEN TESTS",
            "hidden=True",
        ):
            assert marker not in release, f"release of {a} contains {marker!r}"
        source = _read(course["root"] / "source" / a / f"{a}.ipynb")
        hidden = re.findall(
            r"### BEGIN HIDDEN TESTS\n(.*?)\n### END HIDDEN TESTS",
            "\n".join(map(_source, source["cells"])),
            flags=re.DOTALL,
        )
        assert len(hidden) == len(grading.all_checks(PREFIX[a]))
        released = {
            ln.strip()
            for c in _read(course["root"] / "release" / a / f"{a}.ipynb")["cells"]
            for ln in _source(c).splitlines()
        }
        for line in [ln.strip() for block in hidden for ln in block.splitlines()] + _solution_lines(
            source
        ):
            assert line not in released, f"release of {a} contains {line!r}"
        assert "raise NotImplementedError()" in release and "YOUR ANSWER HERE" in release


def test_solution_notebooks_get_full_marks(course):
    for a in ASSIGNMENTS:
        cells = course["scores"][a, "solution"]
        for grade_id, points in _autograded(a).items():
            assert cells[grade_id] == (points, points), f"{a} {grade_id}: {cells[grade_id]}"


def test_release_notebooks_score_zero_without_crashing(course):
    for a in ASSIGNMENTS:
        cells = course["scores"][a, "release"]
        assert set(_autograded(a)) <= set(cells)
        assert sum(score or 0.0 for score, _ in cells.values()) == 0.0, f"{a}: {cells}"
        assert (course["root"] / "autograded" / "release" / a / f"{a}.ipynb").is_file()


def test_one_wrong_function_loses_exactly_its_points(course):
    for a in ASSIGNMENTS:
        lost = WRONG[a][3]
        cells = course["scores"][a, "wrong"]
        for grade_id, points in _autograded(a).items():
            assert cells[grade_id][0] == (0.0 if grade_id == lost else points), (
                f"{a} {grade_id}: {cells[grade_id]}"
            )


def test_prints_warnings_and_stderr_cost_nothing_and_the_kernel_is_the_venv(course):
    a = NOISY[0]
    cells = course["scores"][a, "noisy"]
    for grade_id, points in _autograded(a).items():
        assert cells[grade_id] == (points, points), f"{grade_id}: {cells[grade_id]}"
    graded = _read(course["root"] / "autograded" / "noisy" / a / f"{a}.ipynb")
    out = "".join("".join(o.get("text", "")) for o in _cells(graded)["kernel-prefix"]["outputs"])
    assert f"KERNEL PREFIX {sys.prefix}" in out


def test_coursekit_s_own_implementation_earns_nothing_for_that_part(course):
    a, _, _, lost = CHEAT
    cells = course["scores"][a, "cheat"]
    for grade_id, points in _autograded(a).items():
        assert cells[grade_id][0] == (0.0 if grade_id == lost else points), (
            f"{grade_id}: {cells[grade_id]}"
        )
    graded = _read(course["root"] / "autograded" / "cheat" / a / f"{a}.ipynb")
    error = next(o for o in _cells(graded)[lost]["outputs"] if o["output_type"] == "error")
    assert (
        "coursekit's own implementation (" in error["evalue"]
        and "coursekit.optim" in error["evalue"]
    )


def test_points_per_assignment(course):
    for a in ASSIGNMENTS:
        cells = course["scores"][a, "solution"]
        manual = sum(m for g, (_, m) in cells.items() if not g.startswith("test_"))
        auto = sum(_autograded(a).values())
        assert sum(m for _, m in cells.values()) == auto + manual


# ---------------------------------------------------------------------------
# coursekit.grading itself (in process)
# ---------------------------------------------------------------------------
def _forward(x, phi):
    f0 = phi["b0"] + phi["w0"] * x
    h1 = np.sin(f0)
    f1 = phi["b1"] + phi["w1"] * h1
    h2 = np.exp(f1)
    f2 = phi["b2"] + phi["w2"] * h2
    h3 = np.cos(f2)
    f3 = phi["b3"] + phi["w3"] * h3
    return {"f0": f0, "h1": h1, "f1": f1, "h2": h2, "f2": f2, "h3": h3, "f3": f3}


def _backward(x, y, phi, sign=1.0, fsum=False):
    v = _forward(x, phi)
    d3 = 2 * (v["f3"] - y)
    d2 = -np.sin(v["f2"]) * phi["w3"] * d3
    d1 = np.exp(v["f1"]) * phi["w2"] * d2
    d0 = sign * np.cos(v["f0"]) * phi["w1"] * d1
    h, d = [x, v["h1"], v["h2"], v["h3"]], [d0, d1, d2, d3]
    total = (lambda a: __import__("math").fsum(np.ravel(a)[::-1])) if fsum else np.sum
    return {
        **{f"b{k}": total(d[k]) for k in range(4)},
        **{f"w{k}": total(h[k] * d[k]) for k in range(4)},
    }


def test_compare_mode_passes_and_prints_one_line(capsys):
    grading.check("a1.toy_chain_forward", _forward)
    grading.check("a1.toy_chain_forward", _forward, hidden=True, seed=7)
    out = capsys.readouterr()
    assert out.out.count("check passed") == 2 and out.err == ""


def test_failure_message_teaches_without_hidden_inputs():
    def wrong(x, y, phi):
        return _backward(x, y, phi, sign=-1.0)

    with pytest.raises(AssertionError) as info:
        grading.check("a1.toy_chain_backward", wrong, hidden=True, seed=99)
    message = str(info.value)
    for part in (
        "a1.toy_chain_backward",
        "hidden check",
        "shape",
        "expected",
        "got",
        "relative error",
        "Hint:",
        "dL/db0",
    ):
        assert part in message
    spec = grading.get_check("a1.toy_chain_backward")
    for k in range(spec.hidden_cases):
        inputs = api.case_inputs(spec, "hidden", 99, k)
        values = [*np.ravel(inputs["x"]), *np.ravel(inputs["y"]), *inputs["phi"].values()]
        for v in values:
            for text in (f"{v:.8g}", f"{v:.6f}", repr(float(v))[:8]):
                assert text not in message, f"hidden input {text} leaked"
    assert "def " not in message and "reference_grads" not in message


def test_hidden_exception_messages_are_not_shown_but_visible_ones_are():
    def leaky(x, phi):
        raise ValueError(f"secret input {x.ravel()[0]!r}")

    with pytest.raises(AssertionError) as hidden:
        grading.check("a1.toy_chain_forward", leaky, hidden=True, seed=3)
    assert "ValueError" in str(hidden.value) and "secret input" not in str(hidden.value)
    with pytest.raises(AssertionError) as visible:
        grading.check("a1.toy_chain_forward", leaky)
    assert "secret input" in str(visible.value) and "in leaky, line" in str(visible.value)


def test_not_implemented_and_wrong_type_messages():
    def stub(x, phi):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="Not implemented yet"):
        grading.check("a1.toy_chain_forward", stub)
    with pytest.raises(AssertionError, match="should return a dict"):
        grading.check("a1.toy_chain_forward", lambda x, phi: [1, 2])
    with pytest.raises(AssertionError, match="contains nan"):
        grading.check(
            "a1.toy_chain_forward",
            lambda x, phi: {k: v * np.nan for k, v in _forward(x, phi).items()},
        )
    with pytest.raises(AssertionError, match="expected shape"):
        grading.check(
            "a1.toy_chain_forward",
            lambda x, phi: {k: np.ravel(v)[:1] for k, v in _forward(x, phi).items()},
        )


def _sigmoid_neuron(x, w):
    s = x @ w[:-1] + w[-1]
    f = 1.0 / (1.0 + np.exp(-s))
    return f, f * (1 - f) * w[:-1], f * (1 - f) * np.append(x, 1.0)


def test_tripwires_catch_coursekit_s_implementation_under_any_name():
    import coursekit as ck
    from coursekit.autograd.broadcasting import sum_to as my_sum_to

    spec = grading.get_check("a2.unbroadcast")
    inputs = grading.visible_inputs("a2.unbroadcast")
    assert run_student(spec, lambda g, s: my_sum_to(g, s), inputs).status == "forbidden"
    assert (
        run_student(spec, lambda g, s: g.sum(axis=(0, 2), keepdims=True)[0], inputs).status == "ok"
    )

    class MyTensor(ck.Tensor):
        pass

    with pytest.raises(
        AssertionError, match=r"coursekit's own implementation \(coursekit.autograd"
    ):
        grading.check("a2.add", MyTensor)
    with pytest.raises(AssertionError, match="coursekit's own implementation"):
        grading.check("a1.sigmoid_neuron", lambda x, w: (ck.tensor(0.5), np.zeros(2), np.zeros(3)))
    with Tripwire(("coursekit.optim",)) as wire:
        np.sum(np.ones(3))
    assert wire.used == []


def test_seed_rules():
    assert seeds.resolve_seed("a1.x", 0, False, None) == 0
    assert seeds.resolve_seed("a1.x", 0, True, 42) == 42
    with pytest.raises(ValueError):
        seeds.resolve_seed("a1.x", 0, True, None)
    with pytest.raises(ValueError):
        seeds.resolve_seed("a1.x", 0, False, 3)
    with pytest.raises(KeyError, match="known checks of 'a1'"):
        grading.get_check("a1.nope")


def test_every_reference_agrees_with_its_finite_differences():
    for spec in grading.all_checks():
        if spec.numerical is None:
            continue
        for variant, seed in (("visible", spec.visible_seed), ("hidden", 123)):
            for k in range(spec.n_cases(variant)):
                inputs = api.case_inputs(spec, variant, seed, k)
                ref, num = spec.reference(inputs), spec.numerical(inputs)
                for name, value in num.items():
                    np.testing.assert_allclose(
                        ref[name],
                        value,
                        rtol=1e-5,
                        atol=1e-5 * max(1, np.abs(value).max()),
                        err_msg=f"{spec.id} {variant} {k} {name}",
                    )
