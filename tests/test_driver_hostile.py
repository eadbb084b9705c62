"""The driver treats what comes out of the sandbox as hostile: one submission never stops the class run.

Property-based: hypothesis throws random and adversarial record bytes, report
text (lone surrogates, NULs, huge numbers) and cell errors at the driver's
per-submission step (score, gradebook, autograded folder, results store),
between two honest submissions, and the honest grades must come out intact.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("nbgrader")

from autograder import gradebook
from autograder.driver import _record
from autograder.plan import Course
from autograder.rebuild import grade_cells, nbgrader_cells
from autograder.store import ResultsStore
from coursekit import grading
from coursekit.grading.harness.run import run_call
from coursekit.grading.harness.wire import record_bytes

ROOT = Path(__file__).resolve().parent.parent
A1 = "a1_backprop_by_hand"
SECRET = "driver-test"


def _honest_records(student: str) -> dict[str, tuple[bytes, bytes]]:
    """Records of a correct sigmoid_neuron for ``student``'s submission ``key-<student>`` (the other checks missing)."""
    import numpy as np

    def neuron(x, w):
        s = x @ w[:-1] + w[-1]
        f = 1.0 / (1.0 + np.exp(-s))
        return f, f * (1 - f) * w[:-1], f * (1 - f) * np.append(x, 1.0)

    spec = grading.get_check("a1.sigmoid_neuron")
    return {f"{spec.id}.{v}": record_bytes(spec.id, v, [run_call(spec.call, neuron, x) for x in
                                                         grading.grader_inputs(spec, v, SECRET, student,
                                                                               f"key-{student}")])
            for v in spec.variants}


def _raw(student: str, records: dict, **extra) -> dict:
    return {"assignment": A1, "student": student, "key": f"key-{student}", "status": "graded", "reason": "",
            "records": records, "missing_cells": [], "notes": [], "cell_errors": [], "problems": [],
            "seconds": 1.0, "sandbox": "bwrap", "log_tail": "", **extra}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("driver") / "course"
    (root / "source").mkdir(parents=True)
    shutil.copytree(ROOT / "assignments" / "source" / A1, root / "source" / A1)
    source = json.loads((root / "source" / A1 / f"{A1}.ipynb").read_text())
    course = Course(root)
    book = gradebook.GradebookWriter(gradebook.default_db_url(root))
    book.__enter__()
    book.ensure_assignment(A1, nbgrader_cells(source))
    store = ResultsStore(course.state / "results.sqlite")
    yield course, book, store, grade_cells(source)
    store.close()
    book.__exit__(None, None, None)


text = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, blacklist_categories=()),
               max_size=50)


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(records=st.dictionaries(st.one_of(text, st.sampled_from(["a1.sigmoid_neuron.visible",
                                                                  "a1.toy_chain_forward.hidden"])),
                               st.tuples(st.binary(max_size=200), st.binary(max_size=200)), max_size=4),
       reason=text, log=text, error=text, seconds=st.floats(allow_nan=True, allow_infinity=True))
def test_hostile_results_never_stop_the_class_run(course, records, reason, log, error, seconds):
    course_, book, store, cells = course
    honest = _honest_records("ada")
    first = _record(course_, book, store, _raw("ada", honest), cells, SECRET)
    hostile = _raw("mallory", records, reason=reason + "\ud800", log_tail=log + "\udc00\0",
                   cell_errors=[{"cell": error, "error": error + "\ud800", "line": 10**30}], seconds=seconds)
    bad = _record(course_, book, store, hostile, cells, SECRET)
    last = _record(course_, book, store, _raw("bob", _honest_records("bob")), cells, SECRET)
    assert bad["status"] in ("graded", "error") and bad["score"] == 0
    rows = {r["student"]: r for r in store.rows(A1)}
    for student, result in (("ada", first), ("bob", last)):
        sigmoid = next(c for c in rows[student]["cells"] if c["grade_id"] == "test_sigmoid_neuron")
        assert sigmoid["score"] == 2 and rows[student]["score"] == result["score"] == 2
    json.dumps(rows["mallory"])  # stored, and storable again
