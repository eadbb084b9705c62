"""The grading harness and the record protocol, in this process (no sandbox needed).

The harness (``coursekit.grading.harness``) is what runs next to the student's
code when the course autograder grades; these tests run it here exactly as the
sandbox would (inputs written by the trusted side into a folder, records sent
down a descriptor), read the stream with the autograder's ``ReportReader`` and
score it with ``score_records``.

* The harness holds no reference, seed or check spec, and imports nothing able
  to compute an answer.
* Inputs are per student: one student's records earn nothing for another.
* Noise, exceptions and wrong types become statuses, never crashes.
* Tampered and hostile records (object arrays, wrong dtypes and shapes, NaN,
  zip bombs, deep JSON, huge numbers, surrogates, random bytes) score zero
  without raising; partial credit splits points over parts.
"""

from __future__ import annotations

import ast
import io
import json
import os
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder.job.reports import ReportReader
from autograder.job.runtime import harness_tree
from coursekit import grading
from coursekit.grading.harness import record as harness
from coursekit.grading.harness.a1 import toy_chain as _forward  # a correct answer, NumPy only
from coursekit.grading.harness.run import Outcome
from coursekit.grading.harness.wire import record_bytes

ROOT = Path(__file__).resolve().parent.parent
HARNESS = ROOT / "coursekit" / "grading" / "harness"
SECRET = "test-secret"


def _sigmoid_neuron(x, w):
    s = x @ w[:-1] + w[-1]
    f = 1.0 / (1.0 + np.exp(-s))
    return f, f * (1 - f) * w[:-1], f * (1 - f) * np.append(x, 1.0)


class Sandbox:
    """The harness's environment for one student: inputs folder and report descriptor (a file here)."""

    def __init__(self, tmp: Path, monkeypatch: pytest.MonkeyPatch, student: str, prefix: str = "a1"):
        self.inputs, self.stream, self.student, self.prefix = tmp / "inputs", tmp / "stream", student, prefix
        self.inputs.mkdir()
        grading.write_grader_inputs(str(self.inputs), prefix, SECRET, student)
        self.fd = os.open(self.stream, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        monkeypatch.setenv(harness.INPUTS_ENV, str(self.inputs))
        monkeypatch.setenv(harness.FD_ENV, str(self.fd))

    def records(self) -> dict[str, tuple[bytes, bytes]]:
        reader = ReportReader(0)
        reader.feed(self.stream.read_bytes())
        assert not reader.problems
        return reader.records

    def score(self, student: str | None = None) -> dict[str, grading.Result]:
        results = grading.score_records(self.records(), self.prefix, SECRET, student or self.student)
        return {r.check_id: r for r in results}


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    box = Sandbox(tmp_path, monkeypatch, "ada")
    yield box
    os.close(box.fd)


def test_the_harness_imports_nothing_that_can_compute_an_answer():
    allowed = {"numpy", "__future__", "collections", "contextlib", "copy", "dataclasses", "importlib", "io",
               "json", "math", "os", "sys", "tempfile", "time", "traceback", "typing", "warnings"}
    for path in HARNESS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [] if node.level else [node.module or ""]
            else:
                continue
            assert all(n.split(".")[0] in allowed for n in names), f"{path.name} imports {names}"
    # The sandbox's coursekit: the harness only (python -S: no .pth, so no editable coursekit).
    tree = Path(harness_tree(("numpy", "coursekit.data"))).parent
    code = ("import sys; sys.path[0:1] = sys.argv[1:]; import coursekit.grading, coursekit.data; "
            "from coursekit.grading.harness import a1, a2, a3, a4, a5; "
            "assert not [m for m in sys.modules if m.startswith(('coursekit.autograd', 'coursekit.nn', "
            "'coursekit.optim', 'coursekit.grading.checks', 'coursekit.grading.api', 'torch'))]; "
            "import importlib.util as u; assert u.find_spec('coursekit.autograd') is None; print('ok')")
    site = str(Path(np.__file__).parent.parent)
    assert subprocess.check_output([sys.executable, "-S", "-c", code, str(tree), site], text=True).strip() == "ok"


def test_inputs_carry_no_answer_and_no_grader_only_keys(sandbox):
    text = "".join(p.read_text() for p in sandbox.inputs.glob("*.json"))
    assert "_bug" not in text and "_y_test" not in text and "seed" not in text.replace('"seed": ', "")
    cases = harness.read_inputs(str(sandbox.inputs), "a1.find_wrong_gradients", "hidden")
    assert set(cases[0]) == {"x", "y", "phi", "reported"}  # values only: which are wrong must be tested


def test_solution_scores_full_and_another_students_records_score_zero(sandbox):
    from coursekit.grading.harness.a1 import PARAMS

    def backward(x, y, phi):
        eps, out = 1e-6, {}
        for k in PARAMS:
            up, down = dict(phi), dict(phi)
            up[k] += eps
            down[k] -= eps
            out[k] = (np.sum((_forward(x, up)["f3"] - y) ** 2) - np.sum((_forward(x, down)["f3"] - y) ** 2)) / (2 * eps)
        return out

    for hidden in (False, True):
        harness.check("a1.toy_chain_forward", _forward, hidden=hidden)
        harness.check("a1.sigmoid_neuron", _sigmoid_neuron, hidden=hidden, seed=123)  # seed is ignored
    results = sandbox.score()
    assert results["a1.toy_chain_forward"].points == 2 and results["a1.sigmoid_neuron"].points == 2
    assert results["a1.toy_chain_backward"].statuses == {"visible": ["missing"], "hidden": ["missing"] * 3}
    assert "Did the test cell run?" in results["a1.toy_chain_backward"].message
    other = sandbox.score(student="bob")  # the same records, another student's inputs
    assert other["a1.toy_chain_forward"].points == 0 and other["a1.sigmoid_neuron"].points == 0
    assert other["a1.sigmoid_neuron"].statuses["visible"] == ["passed"]  # visible inputs are public


def test_find_wrong_gradients_needs_a_test_to_find_the_bug(sandbox):
    def lazy(loss_fn, backward_fn, phi):
        return set()  # claims every gradient is right

    def tests_them(loss_fn, backward_fn, phi, eps=1e-6):
        claimed, wrong = backward_fn(phi), set()
        for name in phi:
            up, down = dict(phi), dict(phi)
            up[name] += eps
            down[name] -= eps
            numeric = (loss_fn(up) - loss_fn(down)) / (2 * eps)
            if abs(claimed[name] - numeric) > 1e-4 * max(1.0, abs(numeric)):
                wrong.add(name)
        return wrong

    for fn, points in ((lazy, 0), (tests_them, 2)):
        for hidden in (False, True):
            harness.check("a1.find_wrong_gradients", fn, hidden=hidden)
        assert sandbox.score()["a1.find_wrong_gradients"].points == points


def test_exceptions_wrong_types_and_noise_are_statuses_never_errors(sandbox):
    def noisy(x, phi):
        print("debugging", x.shape)
        print("to stderr", file=sys.stderr)
        warnings.warn("harmless")
        os.write(2, b"raw fd 2\n")
        return _forward(x, phi)

    harness.check("a1.toy_chain_forward", lambda x, phi: 1 / 0)
    harness.check("a1.toy_chain_forward", lambda x, phi: None, hidden=True)
    result = sandbox.score()["a1.toy_chain_forward"]
    assert result.points == 0 and "ZeroDivisionError" in result.message
    assert result.statuses == {"visible": ["exception"], "hidden": ["wrong_type"] * 3}
    harness.check("a1.toy_chain_forward", noisy)
    harness.check("a1.toy_chain_forward", noisy, hidden=True)  # a later record replaces the earlier one
    assert sandbox.score()["a1.toy_chain_forward"].points == 2


def test_partial_credit_splits_points_over_parts(sandbox):
    def only_add_and_mul(op, inputs, grad_out):
        if op == "add":
            return grad_out, grad_out
        if op == "mul":
            return grad_out * inputs[1], grad_out * inputs[0]
        raise NotImplementedError(op)

    for hidden in (False, True):
        harness.check("a1.primitive_backward", only_add_and_mul, hidden=hidden)
    result = sandbox.score()["a1.primitive_backward"]
    earned = {p.name: p.points for p in result.parts}
    assert set(earned) == {"add", "mul", "sin", "cos", "exp", "reciprocal", "matmul"}
    assert earned["add"] == earned["mul"] == pytest.approx(3 / 7) and earned["sin"] == 0
    assert result.points == pytest.approx(6 / 7) and not result.passed


def _records_of(check_id: str, outcomes: dict[str, list[Outcome]]) -> dict[str, tuple[bytes, bytes]]:
    return {f"{check_id}.{v}": record_bytes(check_id, v, o) for v, o in outcomes.items()}


def _good(sandbox_: Sandbox, check_id: str = "a1.sigmoid_neuron") -> dict[str, tuple[bytes, bytes]]:
    for hidden in (False, True):
        harness.check(check_id, _sigmoid_neuron, hidden=hidden)
    return sandbox_.records()


class _Boom:
    triggered = False

    def __reduce__(self):
        return (_Boom._trigger, ())

    @staticmethod
    def _trigger():
        _Boom.triggered = True
        return 0


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_tampered_records_score_zero_with_a_reason(sandbox):
    check_id = "a1.sigmoid_neuron"
    records = _good(sandbox)
    doc, npz = records[f"{check_id}.visible"]
    good = dict(np.load(io.BytesIO(npz)))
    x_shape = good["0.1"].shape

    def verdict(**replace) -> grading.Result:
        tampered = dict(records, **{f"{check_id}.visible": (doc, _npz(**{**good, **replace}))})
        return grading.compare_record(grading.get_check(check_id), tampered, SECRET, "ada")

    assert verdict().points == 2
    result = verdict(**{"0.0": np.array([_Boom()], dtype=object)})
    assert not _Boom.triggered and result.points == 0 and "not plain numeric data" in result.message
    assert "float64" in verdict(**{"0.1": np.zeros(x_shape, dtype=np.float32)}).message
    assert "shape" in verdict(**{"0.1": np.zeros((7,))}).message
    assert "nan" in verdict(**{"0.1": np.full(x_shape, np.nan)}).message
    assert "inf" in verdict(**{"0.0": np.array(np.inf)}).message
    assert "holds" in verdict(**{"0.9": np.zeros(1)}).message
    assert ">f8" in verdict(**{"0.1": np.zeros(x_shape, dtype=">f8")}).message
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        for key in good:
            z.writestr(f"{key}.npy", b"\0" * (100 << 20))
    bombed = dict(records, **{f"{check_id}.visible": (doc, bomb.getvalue())})
    result = grading.compare_record(grading.get_check(check_id), bombed, SECRET, "ada")
    assert result.statuses["visible"] == ["invalid"] and "unpack" in result.message


HOSTILE_JSON = [
    b"[" * 200_000, b'{"protocol": ' + b"9" * 5000 + b"}", b'{"seconds": 1e400}', b'"\\ud800"',
    b"\xff\xfe", b"", b"{}" * 1000, json.dumps({"protocol": "coursekit-grading-record/2"}).encode(),
]


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(doc=st.one_of(st.binary(max_size=300), st.sampled_from(HOSTILE_JSON),
                     st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                                  lambda inner: st.lists(inner, max_size=4)
                                  | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                                  max_leaves=20).map(lambda v: json.dumps(v).encode())),
       npz=st.binary(max_size=300))
def test_random_and_adversarial_records_never_raise(sandbox, doc, npz):
    records = _good(sandbox) if not hasattr(sandbox, "_good") else sandbox._good
    sandbox._good = records
    hostile = dict(records, **{"a1.sigmoid_neuron.hidden": (doc, npz), "a1.toy_chain_forward.visible": (doc, npz)})
    results = {r.check_id: r for r in grading.score_records(hostile, "a1", SECRET, "ada")}
    assert results["a1.sigmoid_neuron"].points == 0 and results["a1.toy_chain_forward"].points == 0
    json.dumps([r.to_dict() for r in results.values()])
    assert results["a1.sigmoid_neuron"].statuses["visible"] == ["passed"]


@settings(max_examples=200, deadline=None, derandomize=True)
@given(chunks=st.lists(st.one_of(st.binary(max_size=200), st.sampled_from([
    b'{"hello": 1}\n', b'{"start": 0}\n', b'{"start": 99999999999999999999999}\n', b'{"done": 0, "error": {"type": 1}}\n',
    b'{"record": "a1.x.visible", "json": 3, "npz": 100000000000}\n', b"[" * 5000 + b"\n", b'{"finished": true}\n',
    b'{"record": "../../etc.passwd.visible", "json": 1, "npz": 1}\n', b'"\\udc00"\n', b"1e400\n"])), max_size=12))
def test_the_report_reader_never_raises(chunks):
    reader = ReportReader(3)
    for chunk in chunks:
        reader.feed(chunk)
    assert reader.current is None or 0 <= reader.current < 3
    assert all(len(j) <= 1 << 20 and len(n) <= 64 << 20 for j, n in reader.records.values())
    assert all(name.count(".") == 2 and "/" not in name for name in reader.records)


def test_inputs_cross_the_wall_unchanged(tmp_path):
    """Every input of every check reads back with the same types, shapes, dtypes and values (0-d arrays too)."""

    def same(a, b) -> bool:
        if isinstance(a, np.ndarray):
            return isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b)
        if isinstance(a, dict):
            return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        if isinstance(a, (list, tuple)):
            return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
        return a == b and type(a) in (type(b), np.float64, np.int64, np.bool_) or float(a) == float(b)

    for prefix in ("a1", "a2", "a3", "a4", "a5"):
        folder = tmp_path / prefix
        folder.mkdir()
        grading.write_grader_inputs(str(folder), prefix, SECRET, "ada")
        for spec in grading.all_checks(prefix):
            for variant in spec.variants:
                sent = grading.grader_inputs(spec, variant, SECRET, "ada")
                got = harness.read_inputs(str(folder), spec.id, variant)
                for case_sent, case_got in zip(sent, got):
                    public = {k: v for k, v in case_sent.items() if not k.startswith("_")}
                    assert same(public, case_got), (spec.id, variant)


def test_hidden_inputs_are_each_students_own_and_visible_inputs_are_shared():
    """One student who publishes their hidden inputs helps nobody: every hidden check draws per student."""
    for spec in grading.all_checks():
        ada, bob = (grading.grader_inputs(spec, "hidden", SECRET, s) for s in ("ada", "bob"))
        other_term = grading.grader_inputs(spec, "hidden", "next-term-secret", "ada")
        flat = [json.dumps(x, default=lambda a: np.asarray(a).tolist(), sort_keys=True) for x in (ada, bob, other_term)]
        assert flat[0] != flat[1] and flat[0] != flat[2], spec.id
        if "visible" in spec.variants:
            assert json.dumps(grading.grader_inputs(spec, "visible", SECRET, "ada"), default=lambda a: np.asarray(a).tolist()) == \
                json.dumps(grading.grader_inputs(spec, "visible", "x", "bob"), default=lambda a: np.asarray(a).tolist())
