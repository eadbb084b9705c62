"""The book teaches the whole outline, and its pages really compute the outline's numbers.

(a) Every section 1-8 of ``/work/shared/COURSE_OUTLINE.md`` (the content map)
    maps to a page: the table "Outline sections and pages" in ``book/README.md``
    says which, and the page must exist and be listed in ``book/_toc.yml``.
(b) Every chapter page is executed here (MyST Markdown -> notebook with
    myst-nb's own reader -> nbclient, the way the book build runs it) and
    the outline's worked numbers must appear in its outputs.

The expected strings below are copied from the outline (computed by hand in
the course notes), not from running coursekit.  Executing all chapters takes
about a minute or two on two cores; it happens once per test session.

Run one page by hand while writing it::

    .venv/bin/python tests/test_book_content.py book/chapters/05_backprop.md
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"

pytestmark = pytest.mark.timeout(900)


# ---------------------------------------------------------------------------
# (a) outline sections -> pages
# ---------------------------------------------------------------------------
def outline_table() -> dict[int, str]:
    """Section number -> page path (relative to book/) from book/README.md."""
    text = (BOOK / "README.md").read_text()
    match = re.search(
        r"^## Outline sections and pages\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL
    )
    assert match, "book/README.md needs a section '## Outline sections and pages' with the table"
    table: dict[int, str] = {}
    for line in match.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].isdigit():
            table[int(cells[0])] = cells[1].strip("`")
    return table


def toc_files() -> set[str]:
    import yaml

    toc = yaml.safe_load((BOOK / "_toc.yml").read_text())
    found: set[str] = set()

    def visit(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("root", "file") and isinstance(value, str):
                    found.add(value)
                else:
                    visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(toc)
    return found


def test_every_outline_section_has_a_page_in_the_toc() -> None:
    table = outline_table()
    assert sorted(table) == list(range(1, 9)), f"sections mapped: {sorted(table)}; need 1-8"
    listed = toc_files()
    for section, page in table.items():
        path = BOOK / page
        assert path.is_file(), f"section {section}: {page} does not exist"
        assert str(Path(page).with_suffix("")) in listed, (
            f"section {section}: {page} is not in _toc.yml"
        )


# ---------------------------------------------------------------------------
# (b) executing the pages
# ---------------------------------------------------------------------------
def output_text(nb: object) -> str:
    """All text a reader sees in the outputs: streams, results, displays, glued values."""
    parts: list[str] = []
    for cell in nb.cells:  # type: ignore[attr-defined]
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":  # a print may arrive in several chunks
                if parts and parts[-1].startswith("\x00stream"):
                    parts[-1] += out.get("text", "")
                else:
                    parts.append("\x00stream" + out.get("text", ""))
            elif out.get("output_type") in ("execute_result", "display_data"):
                data = out.get("data", {})
                for mime in ("text/plain", "text/markdown", "text/html", "text/latex"):
                    if mime in data:
                        parts.append(
                            data[mime] if isinstance(data[mime], str) else "".join(data[mime])
                        )
            elif out.get("output_type") == "error":
                parts.append("ERROR " + out.get("ename", "") + ": " + out.get("evalue", ""))
    return "\n".join(p.removeprefix("\x00stream") for p in parts)


def execute_page(page: Path, timeout: int = 300) -> tuple[object, float]:
    """Read a MyST notebook as the build does and run every cell in its own directory."""
    import os

    from myst_nb.core.read import read_myst_markdown_notebook
    from nbclient import NotebookClient

    # The kernel `python3` must be this interpreter (the build sets the same).
    os.environ["JUPYTER_PREFER_ENV_PATH"] = "1"
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    nb = read_myst_markdown_notebook(page.read_text(), path=str(page))
    start = time.perf_counter()
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(page.parent)}},
    )
    client.execute()
    return nb, time.perf_counter() - start


@pytest.fixture(scope="module")
def outputs() -> dict[int, str]:
    """Section number -> output text of its page (each page executed once)."""
    table = outline_table()
    by_page: dict[str, str] = {}
    result: dict[int, str] = {}
    for section, page in sorted(table.items()):
        if page not in by_page:
            nb, _ = execute_page(BOOK / page)
            by_page[page] = output_text(nb)
        result[section] = by_page[page]
    return result


# The outline's worked numbers, section by section (literal strings of the outline).
EXPECTED: dict[int, list[str]] = {
    2: [r"sigma(0) = 0.5", r"sigma'(0) = 0.25"],
    3: [
        "XW = [[0, 0], [1, 1], [1, 1], [2, 2]]",
        "plus c gives [[0, -1], [1, 0], [1, 0], [2, 1]]",
        "ReLU gives [[0, 0], [1, 0], [1, 0], [2, 1]]",
        "times w gives [0, 1, 1, 0]",  # XOR
        "b = 0.5",  # best linear model: w = 0, b = 1/2
    ],
    4: [
        "1.000000, 0.000000, 0.000000",
        "0.979629, 0.002428, 0.017943",
        "0.843795, 0.042010, 0.114195",
        "0.628532, 0.140244, 0.231224",
        "0.450627, 0.247309, 0.302064",
        "0.338909, 0.328893, 0.332198",
    ],
    5: [
        "f = -10",
        "df/dx = -2",
        "df/dy = -2",
        "df/dz = 5",
        "0.731059",
        "-0.53",
        "-0.20",
        "0.20",
        "0.393224",
        "-0.589836",
        "-0.196612",
        "-0.393224",
        "0.196612",
        "sigma'(0) = 0.25",
    ],
    6: ["(1, -1, 1)"],
}

# The doubling table of outline section 6: (loss, change) -> (step length, gradient variance) factors.
DOUBLING = {
    ("mean", "2x step"): (2.0, 1.0),
    ("mean", "2x batch"): (1.0, 0.5),
    ("mean", "2x step, 1/2 batch"): (2.0, 2.0),
    ("sum", "2x step"): (2.0, 1.0),
    ("sum", "2x batch"): (2.0, 2.0),
    ("sum", "2x step, 1/2 batch"): (1.0, 0.5),
}


@pytest.mark.parametrize("section", sorted(EXPECTED))
def test_worked_numbers_appear_in_the_executed_page(outputs: dict[int, str], section: int) -> None:
    text = outputs[section]
    assert "ERROR " not in text, text[text.index("ERROR ") :][:500]
    missing = [s for s in EXPECTED[section] if s not in text]
    assert not missing, f"section {section}: not in the page's outputs: {missing}"


def test_every_page_runs_without_errors(outputs: dict[int, str]) -> None:
    for section, text in outputs.items():
        assert "ERROR " not in text, f"section {section}: {text[text.index('ERROR ') :][:500]}"


def test_doubling_table_is_measured(outputs: dict[int, str]) -> None:
    """The optimisation chapter simulates minibatch SGD and prints the factors it measured."""
    text = outputs[6]
    for (loss, change), (length, variance) in DOUBLING.items():
        row = re.search(
            rf"{loss} loss\s*\|\s*{re.escape(change)}\s*\|\s*length x([\d.]+)\s*\|\s*variance x([\d.]+)",
            text,
        )
        assert row, f"no measured row for {loss} loss, {change}"
        got_length, got_variance = float(row.group(1)), float(row.group(2))
        assert got_length == pytest.approx(length, rel=0.1), (loss, change, "length", got_length)
        assert got_variance == pytest.approx(variance, rel=0.1), (
            loss,
            change,
            "variance",
            got_variance,
        )


if __name__ == "__main__":  # run pages by hand: print their outputs and timings
    for arg in sys.argv[1:]:
        nb, seconds = execute_page(Path(arg).resolve())
        print(output_text(nb))
        print(f"[{arg}: executed in {seconds:.1f} s]")
