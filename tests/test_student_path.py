"""The student's path (issue 18 c, e): release stubs and the local check's message.

* Every answer stub of every release notebook is indented like the code it
  replaces: ``# YOUR CODE HERE`` sits at the indentation of the
  ``raise NotImplementedError()`` below it, and each released code cell parses.
* A local check that fails in a notebook (IPython, as JupyterLab runs it) shows
  every wrong output of the visible case (name, expected, got) and a traceback
  that does not show coursekit's own source.

The browser-side parts of the student's path (downloads, launch buttons,
layout) are in ``test_book_browser.py`` and ``test_book_a11y_pages.py``.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from autograder.release import release_notebook
from coursekit.grading import api, get_check

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "assignments" / "source"
SOURCES = sorted(SOURCE.glob("*/*.ipynb"))
STUB = re.compile(r"^(?P<indent>[ \t]*)# YOUR CODE HERE\n(?P<next_indent>[ \t]*)(?P<next>.*)$", re.MULTILINE)
# The number of solution blocks in the five source notebooks (one stub each).
EXPECTED_STUBS = 34


def _code_cells(nb: dict) -> list[str]:
    return [
        c["source"] if isinstance(c["source"], str) else "".join(c["source"])
        for c in nb["cells"]
        if c["cell_type"] == "code"
    ]


def test_every_release_stub_is_indented_like_its_raise() -> None:
    assert len(SOURCES) == 5, SOURCES
    stubs, bad = 0, []
    for path in SOURCES:
        source = json.loads(path.read_text(encoding="utf-8"))
        solutions = sum(cell.count("### BEGIN SOLUTION") for cell in _code_cells(source))
        found = 0
        for cell in _code_cells(release_notebook(source)):
            for m in STUB.finditer(cell):
                found += 1
                if m["next"] != "raise NotImplementedError()" or m["indent"] != m["next_indent"]:
                    bad.append(f"{path.name}: {m.group(0)!r}")
            ast.parse(cell)  # a mis-indented stub can also be a syntax error
        assert found == solutions, (path.name, found, solutions)
        stubs += found
    assert not bad, "mis-indented stubs:\n" + "\n".join(bad)
    assert stubs == EXPECTED_STUBS


_NOTEBOOK_RUN = textwrap.dedent(
    """
    import io, contextlib
    from IPython.testing.globalipapp import start_ipython
    ip = start_ipython()
    ip.run_cell("%colors nocolor")
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        ip.run_cell('''
    from coursekit.grading import check
    import numpy as np
    ANSWER = {answer!r}
    def toy_chain_backward(x, y, phi):
        return {{k.removeprefix("dL/d"): (v if k in ANSWER else 0.0) for k, v in REFERENCE.items()}}
    REFERENCE = {reference!r}
    check("a1.toy_chain_backward", toy_chain_backward)
    ''')
    print(out.getvalue())
    """
)


def test_a_failing_check_in_a_notebook_shows_every_wrong_output_and_no_internal_frames() -> None:
    spec = get_check("a1.toy_chain_backward")
    inputs = api.visible_inputs("a1.toy_chain_backward")
    reference = {k: float(np.asarray(v)) for k, v in spec.reference(inputs).items()}
    assert sorted(reference) == [f"dL/d{p}{k}" for p in "bw" for k in range(4)], reference
    right = sorted(reference)[:2]  # 6 of 8 gradients wrong (zero)
    code = _NOTEBOOK_RUN.format(answer=right, reference=reference)
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    shown = proc.stdout
    assert "AssertionError: a1.toy_chain_backward failed (visible check)" in shown, shown + proc.stderr
    for name, value in reference.items():
        if name in right:
            assert f"output '{name}'" not in shown, shown
        else:
            assert f"output '{name}'" in shown, (name, shown)
            assert f"expected {value:.8g}, got 0" in shown, (name, shown)
    assert "6 of 8 outputs are wrong" in shown, shown
    # The traceback starts in the student's cell and shows none of coursekit's source.
    traceback = shown.split("AssertionError: a1.toy_chain_backward")[0]
    assert "Cell In[" in traceback, traceback
    assert "coursekit/grading" not in traceback and "api.py" not in traceback, traceback
    assert "_fail" not in traceback, traceback


def test_a_hidden_case_still_names_only_the_first_wrong_output() -> None:
    with pytest.raises(AssertionError) as info:
        api.check(
            "a1.toy_chain_backward",
            lambda x, y, phi: {k: 0.0 for k in ("b0", "b1", "b2", "b3", "w0", "w1", "w2", "w3")},
            hidden=True,
            seed=3,
        )
    assert str(info.value).count("output '") <= 1, str(info.value)
