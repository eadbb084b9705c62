"""Replay through feedback (issue 19, item 1), graded through the real CLI (``python -m autograder``).

One student, two attempts, as in the issue:

1. The release with cells that read the job's hidden input files, print the
   numbers (the run's log: the instructor's), raise an exception holding them
   in a cell ("Problems in your notebook") and from the visible check of
   ``toy_chain_forward`` (its message).  It scores 0, and none of the numbers
   the sandbox gave it appears in anything the student sees: the feedback page,
   the autograded notebook (nbgrader's feedback is generated from it), its
   ``autograder.json``, ``status`` or ``report.html``.
2. The solution with ``toy_chain_backward`` answered from a lookup table: the
   visible case and attempt 1's hidden cases, solved "at home" with torch in
   float64.  Hidden inputs are drawn per submission, so its visible case
   passes (the table works) and no hidden case does: the check scores 0.

Before the fix both attacks worked: hidden inputs were the same on every
attempt, and cell errors and visible exception messages carried 500 and 2000
characters of the student's text.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("nbgrader")
torch = pytest.importorskip("torch")

from autograder.release import release_notebook
from autograder.store import ResultsStore
from coursekit import grading

ROOT = Path(__file__).resolve().parent.parent
A1 = "a1_backprop_by_hand"
SECRET = "replay-test-secret"
STUDENT = "mallory"
PARAMS = ("b0", "b1", "b2", "b3", "w0", "w1", "w2", "w3")

EXFILTRATE = r'''
import glob, os
import numpy as np
_folder = os.environ.get("COURSEKIT_GRADING_INPUTS", "/job/inputs")
_numbers = []
for _path in sorted(glob.glob(os.path.join(_folder, "*.hidden.npz"))):
    with np.load(_path) as _z:
        for _k in _z.files:
            _numbers += [repr(float(_v)) for _v in np.ravel(_z[_k])]
for _path in sorted(glob.glob(os.path.join(_folder, "*.hidden.json"))):
    _numbers += re.findall(r"-?\d+\.\d+(?:e-?\d+)?", open(_path).read())
_text = " ".join(_numbers)
print("EXFILTRATED", _text[:1500])


def toy_chain_forward(x, phi):
    raise ValueError("hidden inputs: " + _text[:2000])


raise ValueError("hidden inputs: " + _text[:5000])
'''


def _cli(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, grading.SECRET_ENV: SECRET, "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-m", "autograder", "--course", str(course), *args], env=env,
                          capture_output=True, text=True, cwd=ROOT, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def _grade(course: Path, notebook: dict) -> dict:
    folder = course / "submitted" / STUDENT / A1
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{A1}.ipynb").write_text(json.dumps(notebook))
    _cli(course, "grade", A1, "--workers", "1", "--cell-timeout", "30", "--no-progress")
    store = ResultsStore(course / "autograded" / ".autograder" / "results.sqlite")
    try:
        return next(r for r in store.rows(A1) if r["student"] == STUDENT)
    finally:
        store.close()


def _answer_cell(nb: dict, grade_id: str) -> dict:
    return next(c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def _hidden_numbers(key: str) -> np.ndarray:
    """Every non-integer number of the hidden inputs the grader drew for this attempt."""
    values = []
    for spec in grading.all_checks("a1"):
        for case in grading.grader_inputs(spec, "hidden", SECRET, STUDENT, key):
            stack = [v for k, v in case.items() if not k.startswith("_")]
            while stack:
                v = stack.pop()
                if isinstance(v, dict):
                    stack += list(v.values())
                elif isinstance(v, (list, tuple)):
                    stack += list(v)
                elif not isinstance(v, (str, bool)):
                    values += [float(x) for x in np.ravel(np.asarray(v, dtype=float)) if x != np.round(x)]
    return np.sort(np.array(values))


_NUMBER = re.compile(r"[-+]?(?:\d+\.\d+|\.\d+)(?:[eE][-+]?\d+)?")


def _leaks(text: str, hidden: np.ndarray, known: set[str]) -> list[str]:
    """Numbers in ``text`` with at least 6 significant digits that equal a hidden number to 1e-5."""
    found = []
    for token in _NUMBER.findall(text):
        digits = re.split(r"[eE]", token.lstrip("+-"))[0].replace(".", "").lstrip("0")
        if len(digits) < 6 or token in known:
            continue
        i = int(np.searchsorted(hidden, float(token)))
        near = hidden[max(i - 1, 0):i + 1]
        if np.any(np.abs(near - float(token)) <= 1e-5 * np.abs(near)):
            found.append(token)
    return found


def _torch_backward(case: dict) -> dict[str, float]:
    """dL/dparams of L = sum((f3 - y)^2) of the toy chain, with torch in float64 (the student's "home")."""
    p = {k: torch.tensor(float(case["phi"][k]), dtype=torch.float64, requires_grad=True) for k in PARAMS}
    x, y = (torch.tensor(np.asarray(case[k], dtype=float)) for k in ("x", "y"))
    h1 = torch.sin(p["b0"] + p["w0"] * x)
    h2 = torch.exp(p["b1"] + p["w1"] * h1)
    h3 = torch.cos(p["b2"] + p["w2"] * h2)
    loss = ((p["b3"] + p["w3"] * h3 - y) ** 2).sum()
    loss.backward()
    return {k: float(p[k].grad) for k in PARAMS}


def _key(x, y, phi) -> str:
    return repr([round(float(v), 9) for v in [*np.ravel(x), *np.ravel(y), *(phi[k] for k in sorted(phi))]])


@pytest.fixture(scope="module")
def attempts(tmp_path_factory):
    course = tmp_path_factory.mktemp("replay") / "course"
    course.mkdir()
    shutil.copy(ROOT / "assignments" / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "assignments" / "source" / A1, course / "source" / A1)
    solution = json.loads((course / "source" / A1 / f"{A1}.ipynb").read_text())

    first = release_notebook(solution)
    _answer_cell(first, "toy_chain_forward")["source"] = "import re\n" + EXFILTRATE
    row1 = _grade(course, first)
    _cli(course, "feedback", A1)
    status = _cli(course, "status", A1).stdout
    _cli(course, "export", A1, "--out", str(course / "export"))
    seen = {
        "feedback page": (course / "feedback" / STUDENT / A1 / f"{A1}.html").read_text(),
        "autograded notebook": (course / "autograded" / STUDENT / A1 / f"{A1}.ipynb").read_text(),
        "autograder.json": (course / "autograded" / STUDENT / A1 / "autograder.json").read_text(),
        "status": status,
        "report.html": (course / "export" / "report.html").read_text(),
    }

    # Attempt 2: the table, from what attempt 1 could learn (its hidden inputs) and the visible inputs.
    spec = grading.get_check("a1.toy_chain_backward")
    cases = (grading.grader_inputs(spec, "hidden", SECRET, STUDENT, row1["key"])
             + grading.grader_inputs(spec, "visible", SECRET, STUDENT))
    table = {_key(c["x"], c["y"], c["phi"]): _torch_backward(c) for c in cases}
    second = json.loads(json.dumps(solution))
    _answer_cell(second, "toy_chain_backward")["source"] = (
        "import numpy as np\n"
        f"TABLE = {table!r}\n\n\n"
        "def toy_chain_backward(x, y, phi):\n"
        "    key = repr([round(float(v), 9) for v in [*np.ravel(x), *np.ravel(y), *(phi[k] for k in sorted(phi))]])\n"
        "    return dict(TABLE[key])\n"
    )
    row2 = _grade(course, second)
    return {"row1": row1, "row2": row2, "seen": seen, "solution": json.dumps(solution)}


def test_the_attack_read_the_hidden_inputs_the_grader_drew(attempts):
    """The control: the sandbox gave attempt 1 exactly the hidden inputs drawn for its key, and it read them."""
    row1 = attempts["row1"]
    hidden = _hidden_numbers(row1["key"])
    # The run's log (instructor only, never shown to the student) holds what the attack printed.
    assert len(_leaks(row1["log_tail"], hidden, set())) > 20


def test_exfiltrated_inputs_reach_no_channel_the_student_sees(attempts):
    row1 = attempts["row1"]
    assert row1["score"] == 0
    hidden = _hidden_numbers(row1["key"])
    known = set(_NUMBER.findall(attempts["solution"]))  # the notebook's own worked examples
    for channel, text in attempts["seen"].items():
        assert _leaks(text, hidden, known) == [], f"hidden numbers in the {channel}"
    # Honest feedback stays useful: the error's type and the student's line are kept.
    cell_errors = [e["error"] for e in row1["cell_errors"]]
    assert any(e.startswith("ValueError: hidden inputs:") for e in cell_errors)
    forward = next(c for c in row1["cells"] if c["grade_id"] == "test_toy_chain_forward")
    assert "ValueError" in forward["message"] and "line" in forward["message"]


def test_a_lookup_table_from_the_previous_attempt_scores_nothing(attempts):
    row2 = attempts["row2"]
    cells = {c["grade_id"]: c for c in row2["cells"] if c["auto"]}
    backward = cells["test_toy_chain_backward"]
    assert backward["statuses"]["visible"] == ["passed"]  # the table's answers are right where they apply
    assert "passed" not in backward["statuses"]["hidden"]  # attempt 2's hidden inputs are new
    assert backward["score"] == 0
    assert row2["key"] != attempts["row1"]["key"]
    others = [c for g, c in cells.items() if g != "test_toy_chain_backward"]
    assert all(c["score"] == c["max_score"] for c in others)  # the rest is the honest solution


def test_the_checks_leak_finder_finds_numbers_in_any_format():
    """``autograder check``'s replay row can fail: any format with 6+ significant digits is found."""
    from autograder.replay import leaked_numbers

    hidden = [0.123456789012, -1.5e-3 * 1.2345678]
    texts = ["got 0.12345679 here", "x=-0.0018518517", "np: [ 0.1234568 ]", "0.1235 and 1.234568e+00"]
    assert leaked_numbers(texts, hidden) == ["0.12345679", "-0.0018518517", "0.1234568"]
    assert leaked_numbers(texts, hidden, known="the worked example 0.12345679") == ["-0.0018518517", "0.1234568"]
