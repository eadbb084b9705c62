"""Time of ``python -m autograder similarity`` on a generated class (issue 22: 500 students in under a minute).

Writes ``--n`` submitted notebooks of a2 (the largest answers: the whole
autograd engine) into a temporary course and times ``run_similarity`` end to
end: reading and parsing every notebook, fingerprinting, the comparison of
every pair (and of every student with coursekit's files), saving the results,
then rendering ``similarity.html``.

The class: every student starts from the instructor's solution and changes
it the way a class differs (operands of ``+`` and ``*`` swapped, values
wrapped in ``np.asarray``, checks added, helper functions of their own,
names changed), so fingerprints are held by anything from one student to the
whole class; ``--copies`` students hand in a renamed copy of another's
notebook with the functions reordered. It prints the times and where the
planted copies rank.

    .venv/bin/python benchmarks/similarity.py            # 500 students
    .venv/bin/python benchmarks/similarity.py --n 100    # quick version
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.release import release_notebook
from autograder.similarity.compare import REVIEW, run_similarity
from autograder.similarity.report import page

A2 = "a2_autograd_engine"
COURSE = ROOT / "assignments"


class _Vary(ast.NodeTransformer):
    """One student's habits, applied at random to the instructor's solution."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.swap = rng.random() * 0.6
        self.wrap = rng.random() * 0.15
        self.check = rng.random() * 0.3

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, (ast.Add, ast.Mult)) and self.rng.random() < self.swap:
            node.left, node.right = node.right, node.left
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if isinstance(node.ctx, ast.Load) and node.id not in ("np", "self", "Tensor") and self.rng.random() < self.wrap:
            return ast.Call(ast.Attribute(ast.Name("np", ast.Load()), "asarray", ast.Load()), [node], [])
        return node

    def _body(self, body: list[ast.stmt]) -> list[ast.stmt]:
        out = []
        for stmt in body:
            out.append(stmt)
            if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name) and self.rng.random() < self.check:
                name = stmt.targets[0].id
                out.append(ast.parse(f"assert np.all(np.isfinite({name}))").body[0])
        return out

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        self.generic_visit(node)
        node.body = self._body(node.body)
        return node


def _helper(rng: random.Random, index: int) -> str:
    """A function of the student's own: a random expression tree, so its fingerprints are theirs alone."""
    def expr(depth: int) -> str:
        if depth == 0 or rng.random() < 0.25:
            return rng.choice(["x", "y", "scale", str(rng.randint(1, 9)), "np.abs(x)", "x.sum()", "y.mean()"])
        op = rng.choice(["+", "-", "*", "/", "**"])
        return f"({expr(depth - 1)} {op} {expr(depth - 1)})"
    lines = [f"def _helper_{index}(x, y, scale=1.0):"]
    for i in range(rng.randint(2, 5)):
        lines.append(f"    t{i} = {expr(4)}")
        if rng.random() < 0.5:
            lines.append(f"    if np.any(t{i} > {rng.randint(1, 99)}):\n        t{i} = np.minimum(t{i}, {rng.randint(1, 99)})")
    lines.append("    return " + " + ".join(f"t{i}" for i in range(i + 1)))
    return "\n".join(lines)


def _rename(code: str, rng: random.Random) -> str:
    names = {"grad": "g", "order": "topo", "visited": "seen", "stack": "todo", "node": "n", "parent": "p",
             "grads": "acc", "value": "val", "active": "mask", "extra": "lead", "stretched": "axes"}
    chosen = {k: v + str(rng.randint(0, 99)) for k, v in names.items() if rng.random() < 0.5}
    return re.sub(r"\b\w+\b", lambda m: chosen.get(m.group(0), m.group(0)), code)


def _student(solution: dict[str, str], rng: random.Random) -> dict[str, str]:
    vary = _Vary(rng)
    out = {}
    for gid, code in solution.items():
        tree = vary.visit(ast.parse(code))
        ast.fix_missing_locations(tree)
        text = _rename(ast.unparse(tree), rng)
        helpers = [_helper(rng, i) for i in range(rng.randint(0, 3))]
        out[gid] = "\n\n".join([text, *helpers])
    return out


def _notebook(release: dict, answers: dict[str, str]) -> bytes:
    nb = json.loads(json.dumps(release))
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell["source"] = answers[gid]
    return json.dumps(nb, indent=1).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=500, help="students")
    parser.add_argument("--copies", type=int, default=10, help="of them, how many hand in a disguised copy")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    source = json.loads((COURSE / "source" / A2 / f"{A2}.ipynb").read_text(encoding="utf-8"))
    release = release_notebook(source)
    solution = {}
    for cell in source["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in ("unbroadcast", "Tensor"):
            solution[gid] = re.sub(r"[ \t]*### (BEGIN|END) SOLUTION\n?", "", "".join(cell["source"]))
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp) / "course"
        (course / "source").mkdir(parents=True)
        shutil.copy(COURSE / "nbgrader_config.py", course)
        shutil.copytree(COURSE / "source" / A2, course / "source" / A2)
        t0 = time.perf_counter()
        answers = {}
        for i in range(args.n - args.copies):
            answers[f"s{i:03d}"] = _student(solution, rng)
        planted = []
        for j in range(args.copies):
            origin = f"s{rng.randrange(args.n - args.copies):03d}"
            copy = {gid: _rename(code, rng) for gid, code in answers[origin].items()}
            parts = copy["Tensor"].split("\n\n\ndef ")  # helpers in another order
            copy["Tensor"] = parts[0] if len(parts) == 1 else "\n\n\ndef ".join([parts[0], *reversed(parts[1:])])
            answers[f"copy{j:02d}"] = copy
            planted.append({f"copy{j:02d}", origin})
        for student, ans in answers.items():
            folder = course / "submitted" / student / A2
            folder.mkdir(parents=True)
            (folder / f"{A2}.ipynb").write_bytes(_notebook(release, ans))
        print(f"generated {len(answers)} notebooks in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        (result,) = run_similarity(course, [A2], top=50)
        compare_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        (course / "similarity.html").write_text(page(course, [A2]), encoding="utf-8")
        page_s = time.perf_counter() - t0
        ranked = [{p["a"], p["b"]} for p in result.top]
        ranks = sorted(ranked.index(p) + 1 if p in ranked else -1 for p in planted)
        scores = {frozenset((p["a"], p["b"])): p["score"] for p in result.top}
        flagged = sum(p["score"] >= REVIEW for p in result.top)
        print(f"similarity of {result.students} students ({result.pairs_possible} pairs with the references), "
              f"{result.pairs_scored} pairs scored: {compare_s:.1f} s; similarity.html {page_s:.1f} s; "
              f"total {compare_s + page_s:.1f} s")
        print(f"{flagged} pairs similar: review; ranks of the {len(planted)} planted copies: {ranks} "
              f"(-1: below the listed top 50), scores "
              f"{sorted((round(scores.get(frozenset(p), 0.0), 2) for p in planted), reverse=True)}")


if __name__ == "__main__":
    main()
