"""What the assignment pages show, read from the assignments themselves.

`book/build.py` calls :func:`write_releases` before the book is built: it
writes the student version of every `assignments/source/<id>/<id>.ipynb` to
`book/_build/releases/<id>.ipynb` with the autograder's `release_notebook`
(solutions become stubs, hidden tests disappear), and refuses to write one
that still holds a solution or a hidden test.

The pages (`book/assignments/*.md`) import this file in a hidden cell and
build their tables from the check registry (`coursekit.grading.all_checks`)
and the release notebook, so every number on them is computed, not typed.
Not part of coursekit: the book's own helper.
"""

from __future__ import annotations

import html
import importlib.util
import io
import json
import re
from pathlib import Path
from typing import Any

# This book folder (the real `book/`, or a copy: benchmarks/book_rebuild.py)
# and the repository whose coursekit the venv runs (it holds the assignments).
BOOK = Path(__file__).resolve().parents[1]
ROOT = Path(importlib.util.find_spec("coursekit").origin).resolve().parents[1]
SOURCE = ROOT / "assignments" / "source"
# Relative to a book folder; the pages link these files with {download}.
RELEASES = "_build/releases"

# Assignment -> the chapters it builds on (docnames). The pages and each
# chapter's exercises section link the same pairs; tests check both ways.
BUILDS_ON: dict[str, tuple[str, ...]] = {
    "a1_backprop_by_hand": ("chapters/02_neurons", "chapters/05_backprop"),
    "a2_autograd_engine": ("chapters/05_backprop", "chapters/06_autograd_engine"),
    "a3_mlp_losses": (
        "chapters/01_linear_models",
        "chapters/02_neurons",
        "chapters/03_feedforward",
        "chapters/04_losses",
    ),
    "a4_optimizers": ("chapters/07_optimisation",),
    "a5_regularization": ("chapters/08_regularisation",),
}

# What must never reach a student: nbgrader's solution and hidden-test
# markers, and the keyword that only hidden test calls pass.
LEAKS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "hidden=True")


class ReleaseError(RuntimeError):
    """A release notebook could not be written, or would leak a solution or a hidden test."""


def _text(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return src if isinstance(src, str) else "".join(src)


def _nbgrader(cell: dict[str, Any]) -> dict[str, Any]:
    return cell.get("metadata", {}).get("nbgrader", {})


def assignment_ids() -> list[str]:
    """The assignments of the bundled course, in order (`a1_...`, ..., `a5_...`)."""
    return sorted(p.name for p in SOURCE.iterdir() if (p / f"{p.name}.ipynb").is_file())


def leaks(nb: dict[str, Any], source: dict[str, Any]) -> list[str]:
    """Why `nb` (a release) must not be handed out: markers left, or model answers copied.

    A written answer of `source` (a Markdown solution cell) that appears
    verbatim in `nb` counts as a leak too.
    """
    found = []
    for i, cell in enumerate(nb["cells"]):
        text = _text(cell)
        found += [f"cell {i}: contains {m!r}" for m in LEAKS if m in text]
    answers = [
        _text(c)
        for c in source["cells"]
        if c["cell_type"] == "markdown" and _nbgrader(c).get("solution")
    ]
    released = "\n".join(_text(c) for c in nb["cells"])
    found += [f"model answer copied: {a[:60]!r}" for a in answers if a.strip() and a in released]
    return found


def write_releases(book: Path) -> dict[str, Path]:
    """Write `<book>/_build/releases/<id>.ipynb` for every assignment; {id: path}.

    A file is rewritten only when its content changes (Sphinx then copies it
    again); files of assignments that no longer exist are removed.
    """
    from autograder.release import release_notebook

    out_dir = book / RELEASES
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for a in assignment_ids():
        source = json.loads((SOURCE / a / f"{a}.ipynb").read_text(encoding="utf-8"))
        nb = release_notebook(source)
        problems = leaks(nb, source)
        if problems:
            raise ReleaseError(f"the release of {a} would leak: " + "; ".join(problems))
        data = (json.dumps(nb, indent=1, ensure_ascii=False) + "\n").encode()
        path = out_dir / f"{a}.ipynb"
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
        written[a] = path
    for path in out_dir.glob("*.ipynb"):
        if path.stem not in written:
            path.unlink()
    return written


# --- used by the pages' cells -------------------------------------------------


def release(assignment: str) -> dict[str, Any]:
    """The release notebook of `assignment`, as the build wrote it."""
    return json.loads((BOOK / RELEASES / f"{assignment}.ipynb").read_text(encoding="utf-8"))


def setup_imports(assignment: str) -> list[str]:
    """The import lines of the release's locked setup cell(s): what the notebook gives you."""
    lines = []
    for cell in release(assignment)["cells"]:
        meta = _nbgrader(cell)
        if cell["cell_type"] == "code" and meta.get("locked") and not meta.get("grade"):
            lines += [ln for ln in _text(cell).splitlines() if re.match(r"\s*(import|from)\s", ln)]
    return lines


def written_answers(assignment: str) -> list[tuple[str, float]]:
    """(grade id, points) of every answer graded by hand (Markdown solution cells)."""
    out = []
    for cell in release(assignment)["cells"]:
        meta = _nbgrader(cell)
        if cell["cell_type"] == "markdown" and meta.get("solution") and meta.get("grade"):
            out.append((meta["grade_id"], float(meta["points"])))
    return out


def _tolerance(check: Any) -> str:
    if check.judge is not None:
        return "own criterion (see the hint)"
    text = f"rtol {check.rtol:g}, atol {check.atol:g}"
    if check.numerical is not None:
        text += f"; and vs finite differences: rtol {check.numerical_rtol:g}, atol {check.numerical_atol:g}"
    return text


def summary(assignment: str) -> dict[str, Any]:
    """Counts and points of one assignment, from the registry and the release notebook."""
    from coursekit.grading import all_checks, assignment_prefix

    checks = all_checks(assignment_prefix(assignment))
    written = written_answers(assignment)
    return {
        "checks": len(checks),
        "auto_points": float(sum(c.points for c in checks)),
        "hidden_cases": sum(c.n_cases("hidden") for c in checks if "hidden" in c.variants),
        "written": len(written),
        "written_points": float(sum(p for _, p in written)),
        "forbidden": sorted({m for c in checks for m in c.forbidden}),
    }


def glue_summary(assignment: str) -> dict[str, Any]:
    """Glue the summary's numbers under their keys (use ``{glue:text}`auto_points:g` ``); return them."""
    from myst_nb import glue

    s = summary(assignment)
    # Numbers, not strings: {glue:text} shows a string with its quotes.
    for key in ("checks", "hidden_cases", "written", "auto_points", "written_points"):
        glue(key, s[key], display=False)
    return s


def credit(check: Any) -> str:
    """How the check's points are earned, in words (all or nothing, or its partial credit)."""
    if check.partial == "parts":
        names = ", ".join(name for name, _ in check.parts)
        share = check.points / len(check.parts)
        return f"partial: {share:g} per part passed ({len(check.parts)} parts: {names})"
    if check.partial == "cases":
        n = sum(check.n_cases(v) for v in check.variants)
        return f"partial: {check.points / n:g} per case passed ({n} cases)"
    return "all or nothing"


def grading_table(assignment: str) -> Any:
    """An HTML table: one row per check (what, points and credit, cases, tolerances) and per written answer."""
    from IPython.display import HTML

    from coursekit.grading import all_checks, assignment_prefix, cell_grade_id

    e = html.escape
    rows = []
    for c in all_checks(assignment_prefix(assignment)):
        visible = c.n_cases("visible") if "visible" in c.variants else 0
        hidden = c.n_cases("hidden") if "hidden" in c.variants else 0
        rows.append(
            f"<tr><td><code>{e(c.id)}</code><br><small>cell <code>{e(cell_grade_id(c.id))}</code></small></td>"
            f"<td>{e(c.title)}</td><td>{c.points:g}<br><small>{e(credit(c))}</small></td>"
            f"<td>{visible} visible, {hidden} hidden</td><td>{e(_tolerance(c))}</td></tr>"
        )
    for grade_id, points in written_answers(assignment):
        rows.append(
            f"<tr><td><code>{e(grade_id)}</code></td><td>written answer, graded by hand in the "
            f"formgrader</td><td>{points:g}</td><td></td><td></td></tr>"
        )
    head = "<tr><th>check</th><th>what is checked</th><th>points</th><th>cases</th><th>tolerance</th></tr>"
    # Long check ids and titles wrap inside their cells (coursekit.css, .ck-grading), so the
    # table fits a desktop column; on a phone its box scrolls sideways, keyboard-reachable
    # and with a shadow cue (_static/accessibility.js).
    return HTML(
        f'<div class="ck-table-scroll" style="overflow-x:auto"><table class="table ck-grading">'
        f"<caption>Checks of {e(assignment)}: points and how they are earned</caption>"
        f"<thead>{head}</thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _title(path: Path) -> str:
    """The first `# ` heading of a Markdown page or notebook."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        text = "\n".join(
            _text(c) for c in json.loads(text)["cells"] if c["cell_type"] == "markdown"
        )
    m = re.search(r"^# (.+)$", text, re.MULTILINE)
    return m.group(1).strip() if m else path.stem


def chapter_title(docname: str) -> str:
    """The title of a chapter page, e.g. ``"chapters/05_backprop"``."""
    return _title(BOOK / f"{docname}.md")


def overview_table() -> Any:
    """HTML table of all assignments: page, chapters, checks and points (from the registry)."""
    from IPython.display import HTML

    e = html.escape
    rows = []
    for a in assignment_ids():
        s = summary(a)
        title = _title(BOOK / RELEASES / f"{a}.ipynb")
        chapters = ", ".join(
            f'<a href="../{d}.html">{e(chapter_title(d))}</a>' for d in BUILDS_ON.get(a, ())
        )
        rows.append(
            f'<tr><td><a href="{a}.html">{e(title)}</a></td><td>{chapters}</td>'
            f"<td>{s['checks']}</td><td>{s['auto_points']:g}</td><td>{s['written_points']:g}</td></tr>"
        )
    head = (
        "<tr><th>assignment</th><th>builds on</th><th>checks</th><th>autograded points</th>"
        "<th>written points</th></tr>"
    )
    return HTML(
        f'<div class="ck-table-scroll" style="overflow-x:auto"><table class="table">'
        f"<thead>{head}</thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def repository() -> tuple[str, str]:
    """(url, branch) from `repository:` in book/_config.yml, the one place that names them."""
    import yaml

    config = yaml.safe_load((BOOK / "_config.yml").read_text(encoding="utf-8"))
    repo = config.get("repository", {})
    return str(repo["url"]).rstrip("/"), str(repo.get("branch", "main"))


def python_requirement() -> str:
    """The Python the course needs, from ``requires-python`` in pyproject.toml (e.g. ``"3.11"``)."""
    import tomllib

    spec = tomllib.loads((BOOK.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    m = re.fullmatch(r"\s*>=\s*(\d+\.\d+)\s*", spec)
    if m is None:
        raise ValueError(f"requires-python = {spec!r} in pyproject.toml: expected '>=X.Y'")
    return m.group(1)


def install_spec() -> str:
    """The pip requirement that installs coursekit with what the notebooks need, from the repository."""
    url, branch = repository()
    return f"coursekit[grading] @ git+{url}@{branch}"


def workflow(assignment: str, generic: bool = False) -> Any:
    """Markdown: set up (one command), run the visible checks, Colab, submit."""
    from IPython.display import Markdown

    name = "<assignment>.ipynb" if generic else f"{assignment}.ipynb"
    spec = install_spec()
    python = python_requirement()
    url, branch = repository()
    # Colab and Binder already have NumPy and matplotlib: coursekit alone, unpinned extras.
    light = f"coursekit @ git+{url}@{branch}"
    return Markdown(
        f"""**You need Python {python} or newer** (`python3 --version` says which you have).

**Set up, once.** One command installs coursekit with NumPy, matplotlib, JupyterLab and
nbgrader at the versions the course pins (run it in a virtual environment if you keep one per
course: `python3 -m venv ~/coursekit-env && . ~/coursekit-env/bin/activate` first):

```bash
python3 -m pip install "{spec}"
```

(Instructors: the address in this command is `repository: url:` in `book/_config.yml`, next to
`launch_buttons: jupyterhub_url:`.)

**Open the notebook** you downloaded: `jupyter lab {name}`. Keep its file name.

**Run the visible checks.** Write a function, then run the test cell below it (or *Run > Run All
Cells*). The cell's `check(...)` call prints one line when your function passes the visible case,
and stops with an `AssertionError` that names every wrong output (its worst element, expected and
got, the relative error) and gives a hint when it does not. `visible_inputs("<check id>")` returns the visible case's inputs so
you can call your function on them yourself. Passing the visible case is necessary, not
sufficient: the grader also runs hidden cases of other shapes.

**Validate before you submit.** JupyterLab's *Validate* button (nbgrader's, in the notebook's
toolbar and in the *Assignments* list) restarts the notebook, runs every cell and lists the test
cells that fail: what the grader's visible cases will see.

**On Colab or Binder instead.** Upload the notebook (*File > Upload notebook* on Colab) and put
this cell first; it installs coursekit only where it is missing, so it does nothing when your
notebook is graded:

```python
try:
    import coursekit
except ImportError:
    %pip install "{light}"
```

**Submit** the saved `{name}`, one file with its name unchanged, to the assignment in your
course's LMS (Canvas, Moodle, ...) before the deadline. You may submit again: the newest attempt is
the one graded. Do not edit or delete the test cells; the grader restores them from its own copy
anyway.
"""
    )


def check_messages(
    assignment: str = "a1_backprop_by_hand",
    grade_id: str = "toy_chain_backward",
    old: str = 'd_f0 = np.cos(v["f0"])',
    new: str = 'd_f0 = -np.cos(v["f0"])',
) -> tuple[str, str]:
    """What a visible check prints for the solution, and the error it raises for a bug.

    Runs the setup and solution cells of the source notebook, then the same
    with ``old`` replaced by ``new`` in the cell ``grade_id``.
    """
    import contextlib

    source = json.loads((SOURCE / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8"))

    def run(edit: bool) -> str:
        ns: dict[str, Any] = {}
        for cell in source["cells"]:
            meta = _nbgrader(cell)
            if cell["cell_type"] != "code" or meta.get("grade"):
                continue
            if not (meta.get("locked") or meta.get("solution")):
                continue
            code = _text(cell)
            if edit and meta.get("grade_id") == grade_id:
                if old not in code:
                    raise ValueError(f"cell {grade_id} of {assignment} has no {old!r}")
                code = code.replace(old, new)
            # the course's own solution code, from the repository
            exec(compile(code, f"<{meta.get('grade_id')}>", "exec"), ns)  # noqa: S102
        check_id = f"{assignment.split('_', 1)[0]}.{grade_id}"
        buf = io.StringIO()
        try:
            with contextlib.redirect_stdout(buf):
                ns["check"](check_id, ns[grade_id])
        except AssertionError as err:
            return f"AssertionError: {err}"
        return buf.getvalue().strip()

    return run(False), run(True)


def builds_on(assignment: str) -> Any:
    """HTML: the chapters `assignment` builds on, linked."""
    from IPython.display import HTML

    links = ", ".join(
        f'<a href="../{d}.html">{html.escape(chapter_title(d))}</a>' for d in BUILDS_ON[assignment]
    )
    return HTML(f"<p><strong>Builds on:</strong> {links}.</p>")


def allowed(assignment: str) -> Any:
    """Markdown: what the notebook imports for you, and what graded code may import (the sandbox's packages)."""
    from IPython.display import Markdown

    from coursekit.grading import allowed_imports, assignment_prefix

    imports = "\n".join(setup_imports(assignment))
    packages = ", ".join(f"`{m}`" for m in allowed_imports(assignment_prefix(assignment)))
    text = f"""The notebook's locked first cell gives you:

```python
{imports}
```

When your notebook is graded it runs in a sandbox, without network, whose Python has only
{packages} and the standard library. coursekit's own `autograd`, `nn`, `optim` and `train`,
PyTorch, JAX and anything else you installed yourself are not there: importing them fails, and
the checks after that point score zero. Write the graded functions with what is listed.
Cells marked *not run when graded* are experiments for your own machine and may use all of
coursekit.
"""
    return Markdown(text)
