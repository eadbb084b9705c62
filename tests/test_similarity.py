"""The similarity report (issue 22): planted copies found, independent work left alone, given code never counted.

The honest solutions in ``tests/similarity_cases/`` were written one by one in
different styles, as different students would; the copies are made from them
here, the way students disguise a copy (renaming, reordering, reformatting,
new comments, one function taken among one's own).
"""

from __future__ import annotations

import ast
import itertools
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from autograder.export import export_all
from autograder.similarity.fingerprint import units_of
from autograder.release import release_notebook
from autograder.similarity.compare import (
    REVIEW,
    assess,
    reference_documents,
    release_hashes,
    run_similarity,
    student_document,
)
from autograder.similarity.report import page

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "assignments"
CASES = Path(__file__).resolve().parent / "similarity_cases"
A2, A4 = "a2_autograd_engine", "a4_optimizers"
HONEST = ["ana", "bilal", "chen", "dara", "emre"]


def _source(a: str) -> dict:
    return json.loads((COURSE / "source" / a / f"{a}.ipynb").read_text(encoding="utf-8"))


def _grade_id(cell: dict) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _by_function(code: str) -> dict[str, str]:
    """Top-level function name -> its code, with the statements and helpers before it (as a student's cell)."""
    lines = code.splitlines()
    tree = ast.parse(code)
    out, start = {}, 0
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            end = node.end_lineno
            out[node.name] = "\n".join(lines[start:end]).strip("\n") + "\n"
            start = end
    return out


def _notebook(a: str, answers: dict[str, str]) -> bytes:
    """The release of ``a`` with the answer cells of ``answers`` (grade_id -> code) filled in, as submitted bytes."""
    nb = release_notebook(_source(a))
    cells = []
    for cell in nb["cells"]:
        gid = _grade_id(cell)
        if gid in answers:
            cell = {**cell, "source": answers[gid]}
        cells.append(cell)
    nb["cells"] = cells
    return json.dumps(nb).encode()


def _a4_answers(code: str) -> dict[str, str]:
    """a4's answer cells from a file of the six functions; helpers go into the cell of the function after them."""
    return _by_function(code)


def _rename(code: str, mapping: dict[str, str]) -> str:
    return re.sub(r"\b\w+\b", lambda m: mapping.get(m.group(0), m.group(0)), code)


def _case(name: str) -> str:
    return (CASES / f"{name}.py").read_text(encoding="utf-8")


def _disguised_copies() -> dict[str, str]:
    """Planted copies: who copied -> code; their origins are in ``_ORIGIN``."""
    ana, bilal, chen = _case("a4_ana"), _case("a4_bilal"), _case("a4_chen")
    renamed = _rename(ana, {"lookahead": "ahead_point", "step": "scale", "params": "coef", "velocity": "vel",
                            "history": "mse_list", "perm": "shuffled", "residual": "diff", "batch": "chosen",
                            "m_hat": "mc", "v_hat": "vc", "g": "gradient_here", "full": "everything"})
    # Functions in the opposite order, independent statements swapped, variables renamed.
    functions = bilal.split("\n\n\n")
    reordered = "\n\n\n".join(reversed(functions))
    reordered = reordered.replace(
        "    m_new = beta1 * m + (1.0 - beta1) * grad\n    v_new = beta2 * v + (1.0 - beta2) * np.square(grad)\n",
        "    v_new = beta2 * v + (1.0 - beta2) * np.square(grad)\n    m_new = beta1 * m + (1.0 - beta1) * grad\n")
    reordered = reordered.replace(
        "    x, y = x_data[chosen], y_data[chosen]\n", "    x, y = x_data[chosen], y_data[chosen]\n")
    assert reordered.index("v_new = beta2") < reordered.index("m_new = beta1")
    reordered = _rename(reordered, {"new_v": "v2", "new_theta": "t2", "generator": "rng", "shuffled": "idx",
                                    "corrected_m": "mhat", "corrected_v": "vhat", "out": "losses"})
    # Reformatted by a formatter (spacing, parentheses, line breaks), comments and docstrings of their own.
    reformatted = ast.unparse(ast.parse(chen)).replace("first", "mom1").replace("second", "mom2")
    reformatted = reformatted.replace("def adam_step(", "# Adam, as in the lecture\ndef adam_step(")
    reformatted = reformatted.replace("    gen = ", "    '''my own minibatch loop'''\n    gen = ")
    reformatted = reformatted.replace("return result", "return result  # all the losses")
    # One function (with its loop) copied among the student's own.
    taken = _by_function(ana)["sgd_losses"]
    one_copied = _case("a4_fay_own") + "\n\n" + _rename(taken, {"history": "record", "perm": "shuffle",
                                                                 "residual": "err", "params": "coef"})
    return {"ana_copy": renamed, "bilal_copy": reordered, "chen_copy": reformatted, "fay": one_copied}


_ORIGIN = {"ana_copy": "ana", "bilal_copy": "bilal", "chen_copy": "chen", "fay": "ana"}


def _assess_a4(codes: dict[str, str]):
    source = _source(A4)
    given = release_hashes(source)
    docs = [student_document(s, source, _notebook(A4, _a4_answers(c)), given) for s, c in codes.items()]
    docs += reference_documents(COURSE, A4, [])
    return assess(A4, docs, len(codes), top=10_000)


def _pair_scores(result) -> dict[frozenset, float]:
    return {frozenset((p["a"], p["b"])): p["score"] for p in result.top}


def test_planted_copies_rank_above_every_honest_pair():
    codes = {s: _case(f"a4_{s}") for s in HONEST} | _disguised_copies()
    scores = _pair_scores(_assess_a4(codes))
    planted = {frozenset((copy, origin)) for copy, origin in _ORIGIN.items()}
    planted.add(frozenset(("fay", "ana_copy")))  # both took ana's loop
    students = list(codes)
    honest = [frozenset(p) for p in itertools.combinations(students, 2) if frozenset(p) not in planted]
    planted_scores = {tuple(sorted(p)): scores.get(p, 0.0) for p in planted}
    worst_planted = min(planted_scores.values())
    best_honest = max(scores.get(p, 0.0) for p in honest)
    assert worst_planted > best_honest, (planted_scores, best_honest)
    assert worst_planted >= REVIEW > best_honest


def test_independent_solutions_score_low_against_each_other_and_against_coursekit():
    codes = {s: _case(f"a4_{s}") for s in HONEST} | {"fay": _case("a4_fay_own")}
    result = _assess_a4(codes)
    assert result.pairs_scored > 0  # they do share some code (the formulas), and it is scored
    high = [(p["a"], p["b"], p["score"]) for p in result.top if p["score"] >= REVIEW]
    assert high == []
    refs = [p for p in result.top if p["kind"] == "reference"]
    assert all(p["score"] < 0.3 for p in refs), [(p["a"], p["b"], p["score"]) for p in refs]


_STUB = re.compile(r"[ \t]*# YOUR CODE HERE\n[ \t]*raise NotImplementedError\(\)\n?")


def _filled_in(a: str, bodies: dict[str, list[str]]) -> bytes:
    """The release of ``a`` with its stubs replaced, in order, by the bodies each answer cell gets."""
    nb = release_notebook(_source(a))
    for cell in nb["cells"]:
        queue = list(bodies.get(_grade_id(cell), []))
        if queue:
            cell["source"] = _STUB.sub(lambda _, q=queue: q.pop(0).rstrip("\n") + "\n", cell["source"])
            assert not queue, f"{_grade_id(cell)}: more bodies than stubs"
    return json.dumps(nb).encode()


def _a2_bodies(name: str) -> dict[str, list[str]]:
    """A student's a2 answers from ``similarity_cases/a2_<name>.txt`` (``#@ method`` starts each body)."""
    text = (CASES / f"a2_{name}.txt").read_text(encoding="utf-8")
    parts = re.split(r"^#@ (\w+)\n", text, flags=re.MULTILINE)[1:]
    bodies = dict(zip(parts[::2], parts[1::2]))
    return {"unbroadcast": [bodies.pop("unbroadcast")], "Tensor": list(bodies.values())}


def _a2_solution_cells() -> dict[str, str]:
    out = {}
    for cell in _source(A2)["cells"]:
        gid = _grade_id(cell)
        if gid in ("unbroadcast", "Tensor"):
            out[gid] = re.sub(r"[ \t]*### (BEGIN|END) SOLUTION\n?", "", "".join(cell["source"]))
    return out


def test_independent_a2_engines_score_low_against_each_other_and_against_coursekit():
    source = _source(A2)
    given = release_hashes(source)
    docs = [student_document(n, source, _filled_in(A2, _a2_bodies(n)), given) for n in ("gus", "hana", "ivo")]
    docs.append(student_document("instructor", source, _notebook(A2, _a2_solution_cells()), given))
    assert all(len(d.fingerprints) > 100 for d in docs)  # each has plenty of code of its own
    docs += reference_documents(COURSE, A2, [])
    result = assess(A2, docs, 4, top=10_000)
    assert result.pairs_scored > 0
    assert [(p["a"], p["b"], p["score"]) for p in result.top if p["score"] >= REVIEW] == []


def test_a2_engine_pasted_from_coursekit_is_flagged_against_the_reference():
    solution = _a2_solution_cells()
    pasted = _case("a2_pasted_engine")
    engine = pasted[pasted.index("def topological_order"):]
    tensor = solution["Tensor"]
    start, end = tensor.index("    def backward(self, gradient=None):"), tensor.index("\n\ndef as_tensor")
    tensor = (tensor[:start] + "    def backward(self, gradient=None):\n        if gradient is None:\n"
              "            gradient = np.ones_like(self.data)\n"
              "        run_backward([self], [np.array(gradient, dtype=float)])\n" + tensor[end:] + "\n\n" + engine)
    source = _source(A2)
    given = release_hashes(source)
    docs = [student_document("paster", source, _notebook(A2, {"unbroadcast": pasted[:pasted.index("def topological")],
                                                               "Tensor": tensor}), given),
            student_document("honest", source, _notebook(A2, solution), given)]
    docs += [student_document(n, source, _filled_in(A2, _a2_bodies(n)), given) for n in ("gus", "hana", "ivo")]
    docs += reference_documents(COURSE, A2, [])
    result = assess(A2, docs, 5, top=10_000)
    scores = _pair_scores(result)
    assert scores[frozenset(("paster", "coursekit/autograd/engine.py"))] >= REVIEW
    assert scores[frozenset(("paster", "coursekit/autograd/broadcasting.py"))] >= REVIEW
    best = next(p for p in result.top if "coursekit/autograd/engine.py" in (p["a"], p["b"]))
    assert best["unit"]["name"] == "topological_order"  # the pasted function is the one shown
    others = [p["score"] for p in result.top if p["kind"] == "reference" and "paster" not in (p["a"], p["b"])]
    assert max(others, default=0.0) < REVIEW


def test_fingerprint_tokens_ignore_names_layout_comments_and_independent_order_but_not_dependencies():
    original = "def f(a, b):\n    x = a * 2\n    y = b + 1  # y\n    return x - y\n"
    disguised = 'def g(p, q):\n    """Doc."""\n    w = q + 1\n\n    v = p * 2\n    return v - w\n'
    dependent = "def f(a, b):\n    x = a * 2\n    x = x + 1\n    return x\n"
    swapped = "def f(a, b):\n    x = x + 1\n    x = a * 2\n    return x\n"
    assert [u.tokens for u in units_of(original)] == [u.tokens for u in units_of(disguised)]
    assert [u.tokens for u in units_of(dependent)] != [u.tokens for u in units_of(swapped)]
    two = "def f(a):\n    return a + 1\n\n\ndef g(b):\n    return b * 2\n"
    reordered = "def g(b):\n    return b * 2\n\n\ndef f(a):\n    return a + 1\n"
    assert {tuple(u.tokens) for u in units_of(two)} == {tuple(u.tokens) for u in units_of(reordered)}


def _stub_only_variants(a: str) -> list[bytes]:
    """Submissions with nothing but the release's given code: as released, stubs replaced by `pass`, reformatted."""
    release = release_notebook(_source(a))
    out = [json.dumps(release).encode()]
    no_stubs = json.loads(json.dumps(release))
    for cell in no_stubs["cells"]:
        cell["source"] = re.sub(r"[ \t]*# YOUR CODE HERE\n([ \t]*)raise NotImplementedError\(\)", r"\1pass",
                                cell["source"])
    out.append(json.dumps(no_stubs).encode())
    formatted = json.loads(json.dumps(release))
    for cell in formatted["cells"]:
        if cell["cell_type"] == "code" and _grade_id(cell):
            try:
                cell["source"] = "# reformatted\n" + ast.unparse(ast.parse(cell["source"]))
            except SyntaxError:
                pass
    out.append(json.dumps(formatted).encode())
    return out


def test_a_class_that_only_has_the_given_code_scores_zero():
    for a in (A2, A4):
        source = _source(a)
        given = release_hashes(source)
        variants = _stub_only_variants(a)
        docs = [student_document(f"s{i}", source, variants[i % len(variants)], given) for i in range(8)]
        docs += reference_documents(COURSE, a, [])
        result = assess(a, docs, 8, top=100)
        assert result.pairs_scored == 0 and result.top == [] and result.scores == [], a
        assert all(not d.fingerprints for d in docs if d.kind == "student")


def test_the_page_escapes_student_code():
    hostile = _case("a4_dara").replace(
        "    step = 0\n", "    step = 0  # </pre><script>alert('x')</script>\n    label = '<script>steal()</script>'\n")
    codes = {"dara": hostile, "dara_copy": _rename(hostile, {"losses": "out", "ids": "rows"}), "ana": _case("a4_ana")}
    result = _assess_a4(codes)
    pair = next(p for p in result.top if {p["a"], p["b"]} == {"dara", "dara_copy"})
    shown = "\n".join(pair["texts_a"].values())
    assert "<script>" in shown  # the hostile line is part of what is shown ...
    from autograder.similarity.report import _side_by_side

    html = _side_by_side(pair)
    assert "<script" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html  # ... escaped


def _course(tmp: Path) -> Path:
    course = tmp / "course"
    (course / "source").mkdir(parents=True)
    shutil.copy(COURSE / "nbgrader_config.py", course)
    shutil.copytree(COURSE / "source" / A4, course / "source" / A4)
    return course


def test_cli_reports_a_copy_and_an_instructor_reference(tmp_path):
    course = _course(tmp_path)
    codes = {s: _case(f"a4_{s}") for s in ("ana", "bilal", "chen", "emre")}
    codes["zoe"] = _rename(_case("a4_ana"), {"params": "p", "history": "h", "residual": "res"}).replace(
        "    n = len(x_data)\n", "    n = len(x_data)  # <script>alert(1)</script>\n")
    codes["yan"] = _case("a4_dara")  # the instructor has this code from a public repository
    for s, code in codes.items():
        folder = course / "submitted" / s / A4
        folder.mkdir(parents=True)
        (folder / f"{A4}.ipynb").write_bytes(_notebook(A4, _a4_answers(code)))
    refs = course / "similarity" / "references" / A4
    refs.mkdir(parents=True)
    (refs / "found_online.py").write_text(_case("a4_dara"), encoding="utf-8")
    (course / "submitted" / "broken" / A4).mkdir(parents=True)
    (course / "submitted" / "broken" / A4 / f"{A4}.ipynb").write_text("{not json", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "autograder", "--course", str(course), "similarity", A4],
                          check=False, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [ln for ln in proc.stdout.splitlines() if "similar: review" in ln and ln.strip().startswith("[autograder]   ")]
    flagged = [set(ln.split()[2:4]) for ln in lines]
    assert {"ana", "zoe"} in flagged and {"yan", f"instructor/{A4}/found_online.py"} in flagged
    assert len(flagged) == 2, proc.stdout
    assert "broken: not compared: the notebook is not valid JSON" in proc.stdout
    html = (course / "similarity.html").read_text(encoding="utf-8")
    assert "similar: review" in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script" not in html
    assert "does not prove independent work" in html
    saved = json.loads((course / "autograded" / ".autograder" / "similarity.json").read_text(encoding="utf-8"))
    assert saved[A4]["students"] == 7
    assert page(course, [A4]).count("similar: review") >= 2
    report = export_all(course, tmp_path / "out", [A4]).report.read_text(encoding="utf-8")
    section = report[report.index("<h2>Similarity</h2>"):]
    assert "similar: review" in section and "&lt;script&gt;alert(1)&lt;/script&gt;" in section
    assert "<script" not in report and "Submissions changed since" not in report
    (course / "submitted" / "emre" / A4 / f"{A4}.ipynb").write_bytes(_notebook(A4, _a4_answers(_case("a4_ana"))))
    report = export_all(course, tmp_path / "out", [A4]).report.read_text(encoding="utf-8")
    assert "Submissions changed since this was computed" in report  # stale results are said to be stale
    bad = subprocess.run([sys.executable, "-m", "autograder", "--course", str(course), "similarity", "a9_nothing"],
                         check=False, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert bad.returncode == 2 and "no assignment 'a9_nothing'" in bad.stdout and A4 in bad.stdout
    nowhere = subprocess.run([sys.executable, "-m", "autograder", "--course", str(tmp_path / "none"), "similarity"],
                             check=False, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert nowhere.returncode == 2 and "is not a course directory" in nowhere.stdout, nowhere.stderr


def test_a_huge_cell_is_compared_in_part_and_the_report_says_so():
    source = _source(A4)
    code = _case("a4_ana")
    answers = _a4_answers(code)
    answers["sgd_losses"] += "\n" + "\n".join(f"junk_{i} = [{', '.join(['1'] * 40)}]" for i in range(1200))
    given = release_hashes(source)
    doc = student_document("big", source, _notebook(A4, answers), given)
    assert "sgd_losses: a cell of" in doc.note and "only its first" in doc.note
    assert len(answers["sgd_losses"]) > 100_000 and doc.texts["sgd_losses"] == answers["sgd_losses"]
    result = assess(A4, [doc, student_document("ana", source, _notebook(A4, _a4_answers(code)), given)], 2, top=5)
    assert any("big: " in note for note in result.notes)
    assert result.top and result.top[0]["score"] >= REVIEW  # what was compared still finds the copy


def test_a_large_class_is_fingerprinted_in_worker_processes_with_the_same_result(tmp_path):
    course = _course(tmp_path)
    honest = [_case(f"a4_{s}") for s in HONEST] + [_case("a4_fay_own")]
    for i in range(54):  # past the size from which a pool is used
        code = _rename(honest[i % len(honest)], {"theta": f"theta{i}", "grad": f"g{i}", "lr": f"rate{i}"})
        folder = course / "submitted" / f"s{i:02d}" / A4
        folder.mkdir(parents=True)
        (folder / f"{A4}.ipynb").write_bytes(_notebook(A4, _a4_answers(code)))
    (pooled,) = run_similarity(course, [A4], workers=2)
    (alone,) = run_similarity(course, [A4], workers=1)
    assert pooled.students == 54 and pooled.pairs_scored > 0
    assert pooled.as_dict() == alone.as_dict()
