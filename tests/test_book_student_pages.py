"""The student's path through the built book (issue 18 a, b, d, f, i), read from the HTML.

(a) The only notebook the site offers under an assignment's file name is the
    assignment's release: the header's ``.ipynb`` button links it, and the page's
    own notebook copy is not in the site.
(b) The assignment page's Binder button opens the release notebook that
    ``binder/postBuild`` writes; the intro promises only the launchers that exist
    and "How to use this book" links the Assignments and Teaching parts.
(d) The student pages say which Python is needed (``requires-python``), the
    install command names ``repository.url`` of ``_config.yml``, and that
    setting sits next to ``jupyterhub_url``.
(f) The grading tables say how each check's points are earned: partial credit
    where the registry gives it (``a1.primitive_backward``).
(i) The Teaching demo's ``grade`` output is either a protected run or explained,
    with what a protected run prints.

The browser-side parts (layout, widgets, axe) are in ``test_book_browser.py``;
the release stubs and local check messages (c, e) in ``test_student_path.py``.
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin

import pytest
import yaml
from built_book import ensure_built

from autograder.release import release_notebook

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
HTML = BOOK / "_build" / "html"
SOURCE = ROOT / "assignments" / "source"
ASSIGNMENTS = sorted(p.name for p in SOURCE.iterdir() if (p / f"{p.name}.ipynb").is_file())
CONFIG = yaml.safe_load((BOOK / "_config.yml").read_text(encoding="utf-8"))

pytestmark = pytest.mark.timeout(1500)


@pytest.fixture(scope="module")
def site() -> Path:
    return ensure_built("test_book_student_pages")


def _release(assignment: str) -> dict[str, Any]:
    return release_notebook(json.loads((SOURCE / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8")))


def _text(page: Path) -> str:
    """The page's visible text, tags removed, whitespace collapsed."""
    raw = page.read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.DOTALL)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", raw)))


def _header_links(page: Path, button_class: str) -> list[str]:
    text = page.read_text(encoding="utf-8")
    return [html.unescape(h) for h in re.findall(rf'<a href="([^"]+)"[^>]*?\s*class="[^"]*{button_class}', text)]


# --- (a) downloads -------------------------------------------------------------------


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_notebook_under_an_assignments_name_is_the_assignment(site: Path, assignment: str) -> None:
    page = site / "assignments" / f"{assignment}.html"
    header = _header_links(page, "btn-download-notebook-button")
    assert len(header) == 1, f"{page.name}: header .ipynb download buttons {header}"
    target = site / urljoin(page.relative_to(site).as_posix(), unquote(header[0]))
    assert target.name == f"{assignment}.ipynb" and target.is_file(), header
    release = _release(assignment)
    assert json.loads(target.read_text(encoding="utf-8")) == release, (
        f"the header's .ipynb of {page.name} is not the assignment's release notebook"
    )
    # Nowhere in the site is another notebook under the assignment's name (the page's own copy).
    for path in site.rglob(f"{assignment}.ipynb"):
        assert json.loads(path.read_text(encoding="utf-8")) == release, (
            f"{path.relative_to(site)} is offered under the assignment's name but is not the assignment"
        )


# --- (b) launching ----------------------------------------------------------------


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_binder_opens_the_assignment_notebook_that_postbuild_writes(
    site: Path, assignment: str, tmp_path: Path
) -> None:
    page = site / "assignments" / f"{assignment}.html"
    binder = [h for h in re.findall(r'href="([^"]+)"', page.read_text(encoding="utf-8")) if "mybinder.org" in h]
    assert binder, f"{page.name} has no Binder button"
    for href in binder:
        urlpath = re.search(r"urlpath=lab/tree/([^&\"]+)", html.unescape(href)).group(1)
        assert urlpath == f"assignments/release/{assignment}.ipynb", href
    # What binder/postBuild runs, into a scratch folder: the same path, the same notebook.
    assert "python binder/write_releases.py" in (ROOT / "binder" / "postBuild").read_text()
    proc = subprocess.run(
        [sys.executable, str(ROOT / "binder" / "write_releases.py"), str(tmp_path / "assignments" / "release")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True,
    )
    written = tmp_path / urlpath
    assert written.is_file(), proc.stdout
    assert json.loads(written.read_text(encoding="utf-8")) == _release(assignment)


def test_intro_promises_only_existing_launchers_and_links_assignments_and_teaching(site: Path) -> None:
    page = site / "intro.html"
    raw = page.read_text(encoding="utf-8")
    how = raw[raw.index('id="how-to-use-this-book"'):]
    how = how[: how.find("</section>")]
    links = set(re.findall(r'href="([^"#]+)', how))
    assert "assignments/index.html" in links and "teaching/index.html" in links, links
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", how))
    launch = CONFIG["launch_buttons"]
    if not launch.get("colab_url"):
        assert "Colab" not in words, "the intro promises Colab, which has no launch button"
    if not launch.get("jupyterhub_url"):
        for m in re.finditer(r"JupyterHub", words):
            context = words[max(0, m.start() - 80) : m.end() + 80]
            assert re.search(r"\bwhen\b|\bif\b", context), f"JupyterHub promised unconditionally: {context}"


# --- (d) Python version and the repository setting -----------------------------------


@pytest.mark.parametrize("assignment", [*ASSIGNMENTS, "index"])
def test_student_pages_name_the_python_and_the_configured_repository(site: Path, assignment: str) -> None:
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    version = re.fullmatch(r">=\s*(\d+\.\d+)", requires.strip()).group(1)
    text = _text(site / "assignments" / f"{assignment}.html")
    assert f"Python {version} or newer" in text, f"{assignment}: no 'Python {version} or newer'"
    url = CONFIG["repository"]["url"].rstrip("/")
    assert f"git+{url}@{CONFIG['repository']['branch']}" in text
    assert "repository: url:" in text and "jupyterhub_url" in text, "the page does not say where the address is set"
    # (e) the local checks' companion: nbgrader's Validate button, which the student's JupyterLab has.
    assert "Validate" in text, f"{assignment}: the page does not mention the Validate button"


def test_repository_url_is_set_next_to_jupyterhub_url() -> None:
    lines = (BOOK / "_config.yml").read_text(encoding="utf-8").splitlines()
    url_line = next(i for i, line in enumerate(lines) if re.match(r"\s+url: ", line) and "repository:" in lines[i - 1])
    hub_line = next(i for i, line in enumerate(lines) if re.match(r"\s+jupyterhub_url:", line))
    between = [line for line in lines[url_line:hub_line] if re.match(r"^[A-Za-z_]+:", line)]
    assert between == ["launch_buttons:"], f"other top-level settings between them: {between}"


# --- (f) partial credit -----------------------------------------------------------------


def test_grading_tables_show_partial_credit(site: Path) -> None:
    from coursekit.grading import all_checks, assignment_prefix

    partial_seen = 0
    for assignment in ASSIGNMENTS:
        text = html.unescape((site / "assignments" / f"{assignment}.html").read_text(encoding="utf-8"))
        rows = dict(re.findall(r"<tr><td><code>([^<]+)</code>.*?</td><td>.*?</td><td>(.*?)</td>", text))
        for check in all_checks(assignment_prefix(assignment)):
            credit = rows[check.id]
            if check.partial is None:
                assert "all or nothing" in credit, (check.id, credit)
            else:
                partial_seen += 1
                assert "partial" in credit and "all or nothing" not in credit, (check.id, credit)
                if check.partial == "parts":
                    for name, _ in check.parts:
                        assert name in credit, (check.id, name, credit)
    assert partial_seen >= 1  # a1.primitive_backward at least
    index = _text(site / "assignments" / "index.html")
    assert "Credit is all or nothing per check" not in index


# --- (i) the Teaching demo's sandbox ----------------------------------------------------


def _sandbox_note() -> Any:
    spec = importlib.util.spec_from_file_location("t_sandbox_note", BOOK / "teaching" / "sandbox_note.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_teaching_demo_shows_a_protected_run_or_explains_the_warning(site: Path) -> None:
    text = _text(site / "teaching" / "grading.html")
    assert "graded 4" in text, "the grade output is not on the page"
    if "WARNING: bubblewrap" in text:
        assert "About the warning above" in text and "[autograder] sandbox: bwrap" in text
        assert "bubblewrap: no network" in text
    else:
        assert "sandbox: bwrap" in text and "protected by bubblewrap" in text


def test_sandbox_note_explains_an_unprotected_run_with_the_protected_output() -> None:
    note = _sandbox_note()
    warned = "[autograder] sandbox: rlimits\n[autograder]   WARNING: bubblewrap (bwrap) is not available"
    text = note.explain(warned)
    assert "About the warning above" in text
    assert "[autograder] sandbox: bwrap" in text and "bubblewrap: no network (all namespaces unshared)" in text
    assert "protected by bubblewrap" in note.explain("[autograder] sandbox: bwrap\n")
