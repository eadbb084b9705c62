"""Sphinx extension: on an assignment page, the header buttons give the assignment.

The theme's header offers every page as a notebook (``.ipynb`` download) and
opens it on Binder. For an assignment page that notebook would be the
*information page* under the assignment's own file name
(``a1_backprop_by_hand.ipynb``): a student who submitted it scored 0. So, in
each written assignment page (a page of ``assignments/`` that links its
release notebook with ``{download}``):

* the header's ``.ipynb`` entry links the release notebook (the file the page's
  Download section links, in ``_downloads/``), labelled as the assignment, and
  the page's own notebook copy (``_sources/assignments/<id>.ipynb``) is removed
  from the site, so the only notebook under the assignment's name is the
  assignment;
* the Binder button opens ``assignments/release/<id>.ipynb``, which
  ``binder/postBuild`` writes with ``binder/write_releases.py`` (the same
  release function as the book's download), instead of the page's ``.md``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

# Where binder/write_releases.py puts the release notebooks in the Binder image.
BINDER_RELEASES = "assignments/release"

_PAGE_NOTEBOOK = re.compile(
    r'<a href="(?P<up>(?:\.\./)*)_sources/assignments/(?P<id>[A-Za-z0-9_]+)\.ipynb" target="_blank"\s*'
    r'class="(?P<cls>[^"]*btn-download-notebook-button[^"]*)"\s*title="Download notebook file"'
)
_TEXT = '<span class="btn__text-container">.ipynb</span>'
_BINDER = re.compile(r"(urlpath=lab/tree/)[^\"&]*?assignments/(?P<id>[A-Za-z0-9_]+)\.md")


def fix_assignment_page(text: str, assignment: str) -> str | None:
    """The page with its header buttons pointing at the assignment; None if it links no release."""
    release = re.search(rf'href="((?:\.\./)*_downloads/[0-9a-f]+/{re.escape(assignment)}\.ipynb)"', text)
    if release is None:
        return None
    href = release.group(1)

    def download(m: re.Match) -> str:
        return (
            f'<a href="{href}" download target="_blank"\n   class="{m["cls"]}"\n'
            f'   title="Download the assignment notebook ({assignment}.ipynb)"'
        )

    text, n = _PAGE_NOTEBOOK.subn(download, text)
    if n:
        text = text.replace(_TEXT, '<span class="btn__text-container">.ipynb (assignment)</span>')
    return _BINDER.sub(lambda m: f"{m[1]}{BINDER_RELEASES}/{m['id']}.ipynb", text)


def _fix_site(app: Any, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    for page in sorted((out / "assignments").glob("*.html")):
        assignment = page.stem
        text = page.read_text(encoding="utf-8")
        fixed = fix_assignment_page(text, assignment)
        if fixed is None:
            continue  # not an assignment page (index.html)
        if fixed != text:
            page.write_text(fixed, encoding="utf-8")
        (out / "_sources" / "assignments" / f"{assignment}.ipynb").unlink(missing_ok=True)


def setup(app: Any) -> dict[str, Any]:
    app.connect("build-finished", _fix_site)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
