"""Sphinx extension: theme markup that fails WCAG 2.1 A/AA, fixed in the written pages.

axe-core (``tests/test_book_browser.py`` runs it on every page) finds these in
the HTML that pydata-sphinx-theme, sphinx-book-theme and sphinxcontrib-bibtex
write; each is fixed here, after the build, in every page of the site:

* ``label-content-name-mismatch``: the search buttons say "Search Ctrl+K" but
  are named ``aria-label="Search"``; without the label their name is their
  visible text.
* ``label-content-name-mismatch`` again: the colour-mode button, named "Color
  mode", holds icons whose ``title`` Font Awesome turns into text ("Light",
  "Dark", ...); the titles are dropped, so the icons are decorative.
* ``label-content-name-mismatch`` once more: myst-nb's "Show code cell source"
  toggles are named "Toggle hidden content"; the label is dropped.
* ``summary-name``: the side bar's ``<details><summary>`` toggles hold only an
  icon; each gets a name from the page it folds ("Pages under <title>").
* ``aria-deprecated-role`` and ``aria-required-children``: the bibliography's
  ``role="doc-biblioentry"`` (deprecated in DPUB-ARIA 1.1) on entries of a
  ``role="list"`` that also holds back-link anchors; both roles are dropped,
  the entries stay plain blocks with their labels.

Boxes that scroll (wide tables, equations, code) are made keyboard-reachable
by ``_static/accessibility.js`` at run time, since whether a box scrolls
depends on the screen.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

_SEARCH_LABEL = re.compile(r'(<button class="[^"]*\bsearch-button__button\b[^"]*"[^>]*?) aria-label="Search"')
_TOGGLE = re.compile(
    r'(<a class="(?:current )?reference internal" href="[^"]*">(?P<title>(?:(?!</a>).)*)</a>)'
    r'<details(?P<open> open="open")?><summary>',
    re.DOTALL,
)
# myst-nb's hide-input toggles show "Show code cell source" but are named "Toggle hidden
# content"; without the label their name is the text they show.
_HIDDEN_CELL_TOGGLE = '<summary aria-label="Toggle hidden content">'

# Font Awesome turns an <i title="Light"> into an SVG with that title as its text, inside
# the colour-mode button named "Color mode": without the titles the icons are decorative.
_THEME_ICON_TITLE = re.compile(r'(<i class="theme-switch [^"]*"[^>]*?) title="[^"]*"')
_BIBLIO_LIST = '<div role="list" class="citation-list">'
_BIBLIO_ENTRY = ' role="doc-biblioentry"'


def fix_page(text: str) -> str:
    """The page's HTML with the theme's accessibility problems fixed (idempotent)."""
    text = _SEARCH_LABEL.sub(r"\1", text)
    text = _THEME_ICON_TITLE.sub(r"\1", text)

    def name_toggle(m: re.Match) -> str:
        title = html.escape(html.unescape(re.sub(r"<[^>]+>", "", m["title"])).strip(), quote=True)
        return f'{m[1]}<details{m["open"] or ""}><summary aria-label="Pages under {title}">'

    text = _TOGGLE.sub(name_toggle, text)
    text = text.replace(_HIDDEN_CELL_TOGGLE, "<summary>")
    text = text.replace(_BIBLIO_LIST, '<div class="citation-list">').replace(_BIBLIO_ENTRY, "")
    return text


def _fix_site(app: Any, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    for path in out.rglob("*.html"):
        rel = path.relative_to(out).parts
        if rel[0] in {"_static", "_sources", "_images", "_downloads", "_widgets", "_screenshots"}:
            continue
        text = path.read_text(encoding="utf-8")
        fixed = fix_page(text)
        if fixed != text:
            path.write_text(fixed, encoding="utf-8")


def setup(app: Any) -> dict[str, Any]:
    app.connect("build-finished", _fix_site)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
