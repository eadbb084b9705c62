#!/usr/bin/env python3
"""Build the nbgrader source notebooks from their readable Markdown sources.

    python assignments/make_notebooks.py           # write assignments/source/<id>/<id>.ipynb
    python assignments/make_notebooks.py --check   # exit 1 if a committed notebook is out of date

Each assignment is written as ``assignments/notebooks/<id>.md``: Markdown
text, with HTML-comment markers that start special cells.  A marker of a code
cell is followed by one fenced ``python`` block, its source::

    <!-- setup -->                      locked code cell (imports); read-only for students
    <!-- solution: <grade id> -->       the student's function, solution between ### BEGIN/END SOLUTION
    <!-- tests: <check id> -->          autograded test cell: one check() call (+ a hidden one);
                                        its points come from coursekit.grading's registry
    <!-- code -->                       a plain code cell (experiments, plots)
    <!-- code graded=no -->             ... that the autograder skips (it needs packages the
                                        grading sandbox does not have, e.g. coursekit.nn)
    <!-- answer: <grade id> points=N --> a manually graded Markdown answer (the model answer; runs
                                        until the next marker)
    <!-- markdown -->                   starts a new Markdown cell (text after a code block does too)

The notebooks are written without outputs, with stable cell ids, so diffs stay
readable; tests/test_assignments.py checks that they are up to date and that
every registered check of an assignment has exactly one test cell.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing coursekit

from coursekit.grading import all_checks, allowed_imports, assignment_prefix, cell_grade_id, get_check

SOURCES = HERE / "notebooks"
MARKER = re.compile(r"^<!--\s*(\w+)(?::\s*([\w.]+))?((?:\s+\w+=\S+)*)\s*-->\s*$")
CODE_KINDS = ("setup", "solution", "tests", "code")
SKIP_TAG = "skip-when-graded"  # the autograder's runner does not run code cells with this tag
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
CHECK_CALL = re.compile(r"""check\(\s*["']([\w.]+)["']""")

GRADING_NOTE = """\
**How this notebook is graded.** Every function you write is followed by a test cell that calls
`check("<check id>", your_function)`. The visible check runs your function on fixed, documented inputs
(look at them with `visible_inputs("<check id>")`): it prints one line when your function passes and
otherwise raises an error that says which output is wrong, expected versus got, and a hint. When the
notebook is graded, hidden checks run the same function on other random shapes and seeds; the cell's
points are earned when every check passes, within the documented tolerances. Printing and warnings
inside your functions are fine.

**What your code may import.** When the notebook is graded it runs in a sandbox that has only
{allowed}, the standard library and the modules your notebook writes itself (`%%writefile mylib.py`,
then `import mylib`): coursekit's own `autograd`, `nn`, `optim` and `train`, PyTorch, JAX and other
packages are not installed there, so importing them fails, the checks after that point score zero,
and your feedback names the import. (`tqdm.notebook` shows a plain text bar there.) Cells marked
*not run when graded* are experiments for your own machine.
Written answers are graded by hand. Do not rename the functions, and do not add cells that take long
to run."""


class SpecError(ValueError):
    """A notebook source does not follow the format."""


def _options(text: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in text.split())


def parse(text: str, name: str) -> list[dict]:
    """The cells of one Markdown source, as dicts with kind, source and options."""
    cells: list[dict] = []
    markdown: list[str] = []
    lines = text.splitlines()
    i = 0

    def flush_markdown() -> None:
        body = "\n".join(markdown).strip("\n")
        if body.strip():
            cells.append({"kind": "markdown", "source": body})
        markdown.clear()

    answer: dict | None = None
    while i < len(lines):
        line = lines[i]
        m = MARKER.match(line)
        if not m:
            (answer["lines"] if answer is not None else markdown).append(line)
            i += 1
            continue
        if answer is not None:
            answer["source"] = "\n".join(answer.pop("lines")).strip("\n")
            cells.append(answer)
            answer = None
        flush_markdown()
        kind, ident, opts = m.group(1), m.group(2), _options(m.group(3) or "")
        i += 1
        if kind == "markdown":
            continue
        if kind == "answer":
            if not ident or "points" not in opts:
                raise SpecError(f"{name}:{i}: an answer needs an id and points=N")
            answer = {"kind": "answer", "id": ident, "points": float(opts["points"]), "lines": []}
            continue
        if kind not in CODE_KINDS:
            raise SpecError(f"{name}:{i}: unknown cell kind {kind!r}")
        while i < len(lines) and not lines[i].strip():
            i += 1
        if i >= len(lines) or lines[i].strip() != "```python":
            raise SpecError(
                f"{name}:{i + 1}: a {kind} marker must be followed by a ```python block"
            )
        start = i + 1
        end = start
        while end < len(lines) and lines[end].rstrip() != "```":
            end += 1
        if end >= len(lines):
            raise SpecError(f"{name}:{start}: unclosed ```python block")
        cells.append({"kind": kind, "id": ident, "options": opts,
                      "source": "\n".join(lines[start:end]).strip("\n")})
        i = end + 1
    if answer is not None:
        answer["source"] = "\n".join(answer.pop("lines")).strip("\n")
        cells.append(answer)
    flush_markdown()
    return cells


def _nbgrader(
    grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float | None = None
) -> dict:
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
    }
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _points(value: float) -> float | int:
    return int(value) if float(value).is_integer() else float(value)


def build(assignment: str) -> nbformat.NotebookNode:
    """The source notebook of ``assignment`` built from ``notebooks/<assignment>.md``."""
    path = SOURCES / f"{assignment}.md"
    spec = parse(path.read_text(encoding="utf-8"), path.name)
    prefix = assignment_prefix(assignment)
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    counters: dict[str, int] = {}
    seen_checks: list[str] = []
    ids: set[str] = set()

    def new_id(kind: str) -> str:
        counters[kind] = counters.get(kind, 0) + 1
        return f"{kind}-{counters[kind]}"

    for k, cell in enumerate(spec):
        kind, source = cell["kind"], cell["source"]
        if kind == "markdown":
            nbcell = nbformat.v4.new_markdown_cell(source)
            nbcell.id = new_id("md")
        elif kind == "answer":
            nbcell = nbformat.v4.new_markdown_cell(source)
            nbcell.metadata = _nbgrader(
                cell["id"], grade=True, solution=True, locked=False, points=_points(cell["points"])
            )
            nbcell.id = cell["id"]
        else:
            nbcell = nbformat.v4.new_code_cell(source)
            if kind == "setup":
                grade_id = cell["id"] or new_id("setup")
                nbcell.metadata = _nbgrader(grade_id, grade=False, solution=False, locked=True)
                nbcell.id = grade_id
            elif kind == "solution":
                if not cell["id"] or "### BEGIN SOLUTION" not in source:
                    raise SpecError(
                        f"{path.name}: solution cell {k} needs an id and a ### BEGIN SOLUTION region"
                    )
                nbcell.metadata = _nbgrader(cell["id"], grade=False, solution=True, locked=False)
                nbcell.id = cell["id"]
            elif kind == "tests":
                check_id = cell["id"] or ""
                check = get_check(check_id)
                if not check_id.startswith(prefix + "."):
                    raise SpecError(
                        f"{path.name}: test cell for {check_id} in assignment {assignment}"
                    )
                called = set(CHECK_CALL.findall(source))
                if called != {check_id}:
                    raise SpecError(
                        f"{path.name}: the test cell of {check_id} calls {sorted(called)}"
                    )
                for variant in check.variants:
                    hidden_call = "hidden=True" in source
                    if variant == "hidden" and (
                        "### BEGIN HIDDEN TESTS" not in source or not hidden_call
                    ):
                        raise SpecError(
                            f"{path.name}: the test cell of {check_id} lacks its hidden check"
                        )
                grade_id = cell_grade_id(check_id)
                nbcell.metadata = _nbgrader(
                    grade_id, grade=True, solution=False, locked=True, points=_points(check.points)
                )
                nbcell.id = grade_id
                seen_checks.append(check_id)
            else:
                nbcell.id = new_id("code")
                if cell["options"].get("graded") == "no":
                    # An experiment that needs packages the grading sandbox does not have: it runs on
                    # the student's machine only, and the autograder skips it.
                    nbcell.metadata = {"tags": [SKIP_TAG]}
        if nbcell.id in ids:
            raise SpecError(f"{path.name}: cell id {nbcell.id!r} is used twice")
        ids.add(nbcell.id)
        nb.cells.append(nbcell)
        if k == 0 and kind == "markdown":
            allowed = ", ".join(f"`{m}`" for m in allowed_imports(prefix))
            note = nbformat.v4.new_markdown_cell(GRADING_NOTE.format(allowed=allowed))
            note.id = "grading-note"
            ids.add(note.id)
            nb.cells.append(note)

    registered = [c.id for c in all_checks(prefix)]
    if sorted(seen_checks) != sorted(registered):
        raise SpecError(
            f"{path.name}: test cells for {sorted(seen_checks)}, but the registry of {prefix!r} "
            f"has {sorted(registered)}"
        )
    nbformat.validate(nb)
    return nb


def render(nb: nbformat.NotebookNode) -> str:
    """The notebook as the JSON text that is committed (nbformat's layout, one trailing newline)."""
    text = nbformat.writes(nb)  # sources split into lines, keys sorted, indent 1: diff-friendly
    return text if text.endswith("\n") else text + "\n"


def assignments() -> list[str]:
    """Assignment ids, from the Markdown sources."""
    return sorted(p.stem for p in SOURCES.glob("*.md"))


def target(assignment: str) -> Path:
    return HERE / "source" / assignment / f"{assignment}.ipynb"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="only report notebooks that are out of date"
    )
    parser.add_argument("assignment", nargs="*", help="assignment ids (default: all)")
    args = parser.parse_args(argv)
    stale = []
    for assignment in args.assignment or assignments():
        text = render(build(assignment))
        path = target(assignment)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path.relative_to(HERE.parent)))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(HERE.parent)}")
    if stale:
        print("out of date (run python assignments/make_notebooks.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
