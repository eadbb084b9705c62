"""Which cells run, in which order (``autograder/rebuild.py``), on the real a1 notebook.

An honest notebook runs the way the student ran it: copies of an answer cell
all run (the later definition wins), a helper cell pasted from the locked
setup cell runs its own code, and moved, deleted, edited or duplicated test
cells are replaced by the instructor's version at its place.  The rebuilt
notebooks are executed here cell by cell in a plain Python process (compare
mode: a failing check raises), without the sandbox.  Parsing: outputs never
count against a limit, sources do (with their real size and cell), and
malformed notebooks are named precisely.
"""

from __future__ import annotations

import base64
import doctest
import json
import random
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder import rebuild as rb
from autograder.rebuild import EXTRA_CELL_PREFIX, NotebookError, parse_notebook, rebuild
from autograder.release import release_notebook

ROOT = Path(__file__).resolve().parent.parent
A1 = "a1_backprop_by_hand"
SOURCE = json.loads((ROOT / "assignments" / "source" / A1 / f"{A1}.ipynb").read_text())
ANSWERS = [c["metadata"]["nbgrader"]["grade_id"] for c in SOURCE["cells"]
           if c["metadata"].get("nbgrader", {}).get("solution") and c["cell_type"] == "code"]
TESTS = [c["metadata"]["nbgrader"]["grade_id"] for c in SOURCE["cells"]
         if c["metadata"].get("nbgrader", {}).get("grade") and not c["metadata"]["nbgrader"].get("solution")
         and c["cell_type"] == "code"]

# Runs the code cells of a notebook in one namespace, as Jupyter's Run All does, and reports the
# first error of each cell. Compare mode: a failing check raises AssertionError.
RUN_CELLS = r"""
import json, sys, traceback
nb = json.load(open(sys.argv[1]))
ns, errors = {"__name__": "__main__"}, []
for cell in nb["cells"]:
    if cell["cell_type"] != "code":
        continue
    try:
        exec(compile(cell["source"], cell["id"], "exec"), ns)
    except BaseException as exc:
        errors.append([cell["id"], type(exc).__name__, str(exc)[:300]])
print(json.dumps(errors))
"""


def honest() -> dict:
    """The release notebook with every answer written as in the source's solution."""
    nb = release_notebook(SOURCE)
    for mine, src in zip(nb["cells"], SOURCE["cells"]):
        if src["metadata"].get("nbgrader", {}).get("solution"):
            mine["source"] = src["source"]
    return json.loads(json.dumps(nb))


def gid(cell: dict) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def index(nb: dict, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb["cells"]) if gid(c) == grade_id)


def code_cell(source: str, cell_id: str, metadata: dict | None = None) -> dict:
    return {"cell_type": "code", "id": cell_id, "metadata": metadata or {}, "source": source,
            "outputs": [], "execution_count": None}


def run(nb: dict, tmp_path: Path) -> list[list[str]]:
    """Execute the rebuilt notebook's code cells; the errors, as [cell id, exception, message]."""
    nbformat.validate(nbformat.from_dict(nb))  # unique ids, valid cells: formgrader can open it
    path = tmp_path / "rebuilt.ipynb"
    path.write_text(json.dumps(nb))
    env = {"PATH": "/usr/bin:/bin", "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", RUN_CELLS, str(path)], capture_output=True, text=True,
                          timeout=600, env=env, cwd=tmp_path, check=True)
    return json.loads(proc.stdout.splitlines()[-1])


def rebuilt(submitted: dict | bytes, secret: str | None = None) -> rb.Rebuilt:
    data = submitted if isinstance(submitted, bytes) else json.dumps(submitted).encode()
    return rebuild(SOURCE, parse_notebook(data), secret)


def order(nb: dict) -> list[str]:
    return [gid(c) or c["id"] for c in nb["cells"] if c["cell_type"] == "code"]


def test_docstring_examples():
    assert doctest.testmod(rb, raise_on_error=False).failed == 0


def test_an_honest_notebook_runs_in_the_source_order_and_passes(tmp_path):
    out = rebuilt(honest())
    assert order(out.notebook) == [gid(c) or c["id"] for c in SOURCE["cells"] if c["cell_type"] == "code"]
    assert (out.missing, out.extra_cells, out.notes) == ([], 0, [])
    assert run(out.notebook, tmp_path) == []


def test_a_wrong_answer_fails_its_test_when_run(tmp_path):
    # The runner used below sees failures: a broken answer fails its own test cell only.
    nb = honest()
    nb["cells"][index(nb, "sigmoid_neuron")]["source"] = "def sigmoid_neuron(x, w):\n    return 0.0, x * 0, w * 0\n"
    errors = run(rebuilt(nb).notebook, tmp_path)
    assert {(e[0], e[1]) for e in errors} == {("test_sigmoid_neuron", "AssertionError")}


def test_a_copy_pasted_answer_cell_runs_both_copies_in_order(tmp_path):
    nb = honest()
    i = index(nb, "toy_chain_backward")
    working = {**nb["cells"][i], "source": "".join(nb["cells"][i]["source"])}
    nb["cells"][i] = working
    old = {**json.loads(json.dumps(working)), "id": "pasted-old-attempt",
           "source": "def toy_chain_backward(x, y, phi):\n    return {k: 0.0 for k in phi}  # first attempt\n"}
    nb["cells"].insert(i, old)  # the old attempt above, the working version below
    out = rebuilt(nb)
    codes = [c["source"] for c in out.notebook["cells"] if c["cell_type"] == "code"]
    assert codes.index(old["source"]) < codes.index(working["source"]) < codes.index(
        next(c["source"] for c in out.notebook["cells"] if gid(c) == "test_toy_chain_backward"))
    assert [gid(c) for c in out.notebook["cells"]].count("toy_chain_backward") == 1  # one answer for nbgrader
    assert out.notebook["cells"][index(out.notebook, "toy_chain_backward")]["source"] == working["source"]
    assert any("2 cells with the grade_id 'toy_chain_backward'" in n for n in out.notes)
    assert run(out.notebook, tmp_path) == []
    # The later definition wins: with the copies swapped, the broken one is what the test sees.
    nb["cells"][i], nb["cells"][i + 1] = nb["cells"][i + 1], nb["cells"][i]
    assert {e[0] for e in run(rebuilt(nb).notebook, tmp_path)} == {"test_toy_chain_backward"}


def test_a_helper_cell_pasted_from_the_locked_setup_cell_runs_its_own_code(tmp_path):
    nb = honest()
    setup = nb["cells"][index(nb, "setup-1")]
    helper = {**json.loads(json.dumps(setup)), "id": "my-helper",
              "source": "def sigma(z):\n    return 1.0 / (1.0 + np.exp(-z))\n"}
    nb["cells"].insert(index(nb, "sigmoid_neuron"), helper)
    nb["cells"][index(nb, "sigmoid_neuron")]["source"] = (
        "def sigmoid_neuron(x, w):\n    f = sigma(x @ w[:-1] + w[-1])\n"
        "    return f, f * (1 - f) * w[:-1], f * (1 - f) * np.append(x, 1.0)\n")
    out = rebuilt(nb)
    sources = [c["source"] for c in out.notebook["cells"]]
    assert sources.index(helper["source"]) == index(out.notebook, "sigmoid_neuron") - 1  # in place
    assert [gid(c) for c in out.notebook["cells"]].count("setup-1") == 1  # the trusted setup runs once
    assert index(out.notebook, "setup-1") < sources.index(helper["source"])
    assert out.notebook["cells"][index(out.notebook, "setup-1")]["source"] == "".join(
        SOURCE["cells"][index(SOURCE, "setup-1")]["source"])
    copied = out.notebook["cells"][sources.index(helper["source"])]
    assert copied["metadata"] == {} and copied["id"].startswith(EXTRA_CELL_PREFIX)  # no copied instructor metadata
    assert any("metadata of the instructor's cell 'setup-1'" in n for n in out.notes)
    assert out.extra_cells == 1
    assert run(out.notebook, tmp_path) == []


def test_a_test_cell_moved_above_its_answer_runs_after_it(tmp_path):
    nb = honest()
    test = nb["cells"].pop(index(nb, "test_toy_chain_forward"))
    nb["cells"].insert(index(nb, "toy_chain_forward"), test)
    nb["cells"].insert(index(nb, "toy_chain_forward") + 1, code_cell("HELPER = 1", "helper-after-answer"))
    out = rebuilt(nb)
    ids = order(out.notebook)
    # At its place in the source: after the answer and the student's cells that follow it.
    assert ids.index("toy_chain_forward") < ids.index(f"{EXTRA_CELL_PREFIX}{index(nb, 'toy_chain_forward') + 2}") \
        < ids.index("test_toy_chain_forward") < ids.index("toy_chain_backward")
    assert any("'test_toy_chain_forward' was moved" in n for n in out.notes)
    assert run(out.notebook, tmp_path) == []


def test_a_test_cell_kept_in_its_window_stays_where_the_student_has_it():
    nb = honest()
    i = index(nb, "toy_chain_forward")
    nb["cells"].insert(i + 2, code_cell("probe = 1", "after-the-test"))  # answer, test, the student's cell
    nb["cells"].insert(i + 1, code_cell("helper = 1", "before-the-test"))  # answer, helper, test, cell
    ids = order(rebuilt(nb).notebook)
    k = ids.index("toy_chain_forward")
    assert ids[k:k + 5] == ["toy_chain_forward", f"{EXTRA_CELL_PREFIX}{i + 2}", "test_toy_chain_forward",
                            f"{EXTRA_CELL_PREFIX}{i + 4}", "toy_chain_backward"]
    assert rebuilt(nb).notes == []


def test_a_deleted_test_cell_runs_after_the_students_helper_cells(tmp_path):
    nb = honest()
    del nb["cells"][index(nb, "test_central_difference")]
    # The answer calls a helper the student defined in a cell below it.
    nb["cells"][index(nb, "central_difference")]["source"] = (
        "def central_difference(f, x, eps=1e-6):\n    return _central(f, x, eps)\n")
    nb["cells"].insert(index(nb, "central_difference") + 1, code_cell(
        "def _central(f, x, eps):\n    x = np.asarray(x, dtype=float)\n    g = np.zeros_like(x)\n"
        "    for i in np.ndindex(x.shape):\n        d = np.zeros_like(x)\n        d[i] = eps\n"
        "        g[i] = (f(x + d) - f(x - d)) / (2 * eps)\n    return g\n", "my-helper"))
    out = rebuilt(nb)
    ids = order(out.notebook)
    assert ids.count("test_central_difference") == 1
    assert ids.index("central_difference") < ids.index("test_central_difference") < ids.index("find_wrong_gradients")
    assert ids[ids.index("test_central_difference") - 1].startswith(EXTRA_CELL_PREFIX)
    assert any("'test_central_difference' is missing" in n for n in out.notes)
    cell = out.notebook["cells"][index(out.notebook, "test_central_difference")]
    assert "hidden=True" in cell["source"]  # the instructor's version, hidden tests included
    assert run(out.notebook, tmp_path) == []


def test_duplicated_and_edited_test_cells(tmp_path):
    nb = honest()
    test = nb["cells"][index(nb, "test_sigmoid_neuron")]
    exact = {**json.loads(json.dumps(test)), "id": "pasted-test"}
    changed = {**json.loads(json.dumps(test)), "id": "pasted-test-2", "source": "STUDENT_RAN = True\n"}
    nb["cells"] += [exact, changed]
    nb["cells"][index(nb, "test_primitive_backward")]["source"] = "pass  # no test here"
    out = rebuilt(nb)
    ids = order(out.notebook)
    assert ids.count("test_sigmoid_neuron") == 1 and ids.count("test_primitive_backward") == 1
    sources = [c["source"] for c in out.notebook["cells"]]
    assert sources.count(test["source"]) == 0  # only the trusted version (with hidden tests) runs
    assert "STUDENT_RAN = True\n" in sources  # a copy with other code is the student's code
    assert "hidden=True" in out.notebook["cells"][index(out.notebook, "test_primitive_backward")]["source"]
    assert any("unchanged copy of the instructor's cell 'test_sigmoid_neuron'" in n for n in out.notes)
    assert any("'test_primitive_backward' was edited" in n for n in out.notes)
    assert run(out.notebook, tmp_path) == []


def test_a_missing_answer_leaves_the_stub_at_its_place():
    nb = honest()
    del nb["cells"][index(nb, "sigmoid_neuron")]
    out = rebuilt(nb)
    assert out.missing == ["sigmoid_neuron"]
    ids = order(out.notebook)
    assert ids.index("test_toy_chain_backward") < ids.index("sigmoid_neuron") < ids.index("test_sigmoid_neuron")
    assert "raise NotImplementedError()" in out.notebook["cells"][index(out.notebook, "sigmoid_neuron")]["source"]


def test_the_sandbox_copy_has_no_seed_but_every_hidden_check():
    seeds = set(re.findall(r"seed\s*=\s*(\d+)", json.dumps(SOURCE)))
    assert seeds  # the source has seeds to remove
    sandbox = rebuilt(honest(), secret="course-secret").notebook
    instructor = rebuilt(honest()).notebook
    for grade_id in TESTS:
        mine = sandbox["cells"][index(sandbox, grade_id)]["source"]
        hidden = re.search(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", mine, re.DOTALL).group(1)
        assert "seed" not in hidden and "hidden=True" in hidden
        compile(mine, grade_id, "exec")
        assert instructor["cells"][index(instructor, grade_id)]["source"] == "".join(
            SOURCE["cells"][index(SOURCE, grade_id)]["source"])
    text = json.dumps(sandbox)
    assert not any(re.search(rf"seed\s*=\s*{s}\b", text) for s in seeds)


def test_a_25_mib_notebook_of_saved_figures_parses_and_runs(tmp_path):
    nb = honest()
    png = base64.b64encode(random.Random(0).randbytes(19 * 2**20)).decode()
    next(c for c in nb["cells"] if c["id"] == "code-1")["outputs"].append({"output_type": "display_data", "data": {"image/png": png}, "metadata": {}})
    nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {"m": {"x": png[:1000]}}}}
    nb["cells"][0]["attachments"] = {"figure.png": {"image/png": png[:2**20]}}
    data = json.dumps(nb).encode()
    assert len(data) > 25 * 2**20
    parsed = parse_notebook(data)
    assert all(c.get("outputs", []) == [] and "attachments" not in c for c in parsed["cells"])
    assert "widgets" not in parsed["metadata"]
    out = rebuild(SOURCE, parsed, None)
    assert len(json.dumps(out.notebook)) < 2**20
    assert run(out.notebook, tmp_path) == []


def test_huge_sources_are_refused_with_their_real_size_and_cell():
    nb = honest()
    i = index(nb, "sigmoid_neuron")
    nb["cells"][i]["source"] = ["x = 1\n"] * 50_000  # 300,000 characters in one cell
    with pytest.raises(NotebookError) as info:
        rebuilt(nb)
    assert str(info.value) == (f"cells[{i}] (grade_id 'sigmoid_neuron') has 300,000 characters of source, "
                               "more than the limit of 200,000 per cell")
    nb = honest()
    nb["cells"] += [code_cell("# " + "y" * 149_998, f"big-{k}") for k in range(14)]
    with pytest.raises(NotebookError) as info:
        rebuilt(nb)
    total = sum(len("".join(c["source"])) for c in nb["cells"])
    assert f"the cells have {total:,} characters of source in total, more than the limit of 2,000,000" in str(info.value)
    assert f"the largest is cells[{len(nb['cells']) - 14}] (id 'big-0') with 150,000" in str(info.value)


@pytest.mark.parametrize(("data", "message"), [
    (b'{"cells": [ not json', "the notebook is not valid JSON: at line 1, column 13: Expecting value"),
    (b'{"cells": [],\n "metadata": {"a": 1,}}', "the notebook is not valid JSON: at line 2, column 22: Expecting property name"),
    (b'\xef\xbb\xbf{"cells": []}', "the notebook is not valid JSON: at line 1, column 1: Unexpected UTF-8 BOM"),
    (b"[1, 2]", "the notebook is a list in JSON, not an object with a list of cells"),
    (b'{"nbformat": 4}', "the notebook has no 'cells'"),
    (b'{"cells": {"0": {}}}', "the notebook's 'cells' is an object, not a list"),
    (b'{"cells": [{"cell_type": "code", "source": ""}, "x = 1"]}', "cells[1] is a string, not a cell (an object)"),
    (b'{"cells": [{"cell_type": "python", "source": ""}]}', "cells[0] has cell_type 'python', not 'code', 'markdown' or 'raw'"),
    (b'{"cells": [{"cell_type": "code", "id": "c", "source": 5}]}', "cells[0] (id 'c'): its source is a number, not text"),
    (b'{"cells": [{"cell_type": "code", "source": ["a", 1]}]}', "cells[0]: its source is a list, not text or a list of lines"),
    (b'{"cells": [{"cell_type": "code", "source": "", "metadata": {"nbgrader": []}}]}', "cells[0]: its metadata is not an object"),
    (b'{"cells": [' * 300 + b"]}" * 300, "the notebook cannot be read: nested 600 levels deep, more than 100"),
    (b'{"cells": [], "nbformat": ' + b"4" * 5000 + b"}", "the notebook cannot be read: an integer has 5000 digits"),
    (b'{"cells": [], "cells": []}', "the notebook cannot be read: duplicate key 'cells'"),
])
def test_malformed_notebooks_are_named_precisely(data, message):
    with pytest.raises(NotebookError) as info:
        parse_notebook(data)
    assert message in str(info.value)


def test_a_file_over_the_raw_cap_says_so_without_a_made_up_size(monkeypatch):
    monkeypatch.setattr(rb, "MAX_NOTEBOOK_BYTES", 1000)
    with pytest.raises(NotebookError) as info:
        parse_notebook(b" " * 1001)  # callers read at most the cap + 1 bytes
    assert str(info.value).startswith("the notebook file is larger than 1,000 bytes, the most that is read (outputs included)")


def test_the_rebuilt_notebook_of_any_shuffle_keeps_each_cell_once():
    # Any order of the honest cells, one cell perhaps deleted: each instructor cell runs exactly
    # once, the setup cell before every test, each test after its own answer (or its stub).
    rng = random.Random(1)
    for _ in range(30):
        nb = honest()
        rng.shuffle(nb["cells"])
        if rng.random() < 0.5:
            del nb["cells"][rng.randrange(len(nb["cells"]))]
        out = rebuilt(nb)
        nbformat.validate(nbformat.from_dict(out.notebook))
        ids = [gid(c) or c["id"] for c in out.notebook["cells"]]
        for c in SOURCE["cells"]:
            if c["metadata"].get("nbgrader", {}).get("locked") or c["metadata"].get("nbgrader", {}).get("grade"):
                assert ids.count(gid(c)) == 1
        for test in TESTS:
            answer = test.removeprefix("test_")
            assert ids.index(answer) < ids.index(test), (answer, ids)
        assert ids.index("setup-1") < min(ids.index(t) for t in TESTS)


def test_a_notebook_without_cell_ids_is_matched_by_grade_id(tmp_path):
    # nbformat 4.4 has no cell ids: the pasted helper (above the setup cell here) is told apart
    # from the setup cell by its code.
    nb = honest()
    setup = nb["cells"][index(nb, "setup-1")]
    helper = {**json.loads(json.dumps(setup)), "source": "def sigma(z):\n    return 1.0 / (1.0 + np.exp(-z))\n"}
    nb["cells"].insert(index(nb, "setup-1"), helper)
    nb["cells"].insert(index(nb, "setup-1") + 2, code_cell("assert sigma(0.0) == 0.5", "x"))  # after both
    for cell in nb["cells"]:
        cell.pop("id", None)
    nb["nbformat_minor"] = 4
    out = rebuilt(nb)
    ids = order(out.notebook)
    assert ids.count("setup-1") == 1
    assert ids.index(f"{EXTRA_CELL_PREFIX}3") < ids.index("setup-1") < ids.index(f"{EXTRA_CELL_PREFIX}5")
    assert run(out.notebook, tmp_path) == []


_json = st.recursive(st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                     max_leaves=8)
_names = st.sampled_from([gid(c) for c in SOURCE["cells"] if gid(c)] + [c["id"] for c in SOURCE["cells"]] + ["x"])
_cell = st.fixed_dictionaries(
    {"cell_type": st.sampled_from(["code", "markdown", "raw"])},
    optional={"id": _names | _json, "source": st.text(max_size=20) | st.lists(st.text(max_size=5)) | _json,
              "metadata": st.fixed_dictionaries({}, optional={"nbgrader": st.fixed_dictionaries(
                  {}, optional={"grade_id": _names | _json, "solution": _json, "grade": _json,
                                "locked": _json, "task": _json})}) | _json,
              "outputs": _json, "attachments": _json})


@settings(max_examples=300, deadline=None)
@given(st.lists(_cell | _json, max_size=12), st.randoms(use_true_random=False))
def test_any_notebook_structure_is_rebuilt_or_refused_with_notebook_error(cells, rng):
    # Hostile structures mixed with real cells (shuffled): NotebookError or a valid notebook
    # in which every instructor cell runs exactly once.
    cells = cells + [json.loads(json.dumps(c)) for c in honest()["cells"] if rng.random() < 0.5]
    rng.shuffle(cells)
    try:
        out = rebuilt({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    except NotebookError as exc:
        assert str(exc)
        return
    nbformat.validate(nbformat.from_dict(out.notebook))
    names = [gid(c) or c["id"] for c in out.notebook["cells"]]
    for c in SOURCE["cells"]:
        meta = c["metadata"].get("nbgrader", {})
        if meta.get("locked") or meta.get("grade") and not meta.get("solution"):
            assert names.count(gid(c)) == 1
