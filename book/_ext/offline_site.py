"""Sphinx extension: keep every built page free of internet requests and console errors.

Jupyter Book 1 always loads sphinx-thebe, which puts an inline script on every
page declaring ``const THEBE_JS_URL = "https://unpkg.com/thebe@.../index.js"``
(twice in this build, which is a JavaScript error: "Identifier 'THEBE_JS_URL'
has already been declared") plus ``sphinx-thebe.js``. Thebe needs a kernel
from the internet and cannot work on this offline book, and its launch button
is off (``launch_buttons.thebe: false`` in ``_config.yml``), so those scripts
are dropped from the pages. If thebe is ever switched on, they are kept.

Identical inline scripts that extensions register twice (e.g. the
togglebutton selector) are also written only once.
"""

from __future__ import annotations

from typing import Any


def _thebe_enabled(app: Any) -> bool:
    options = app.config.html_theme_options or {}
    return bool(options.get("launch_buttons", {}).get("thebe"))


def _is_thebe(script: Any) -> bool:
    filename = str(getattr(script, "filename", "") or "")
    body = str(getattr(script, "attributes", {}).get("body", "") or "")
    return filename.endswith("sphinx-thebe.js") or "THEBE_JS_URL" in body or "thebe@" in filename


def _clean_scripts(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    drop_thebe = not _thebe_enabled(app)
    kept, seen_bodies = [], set()
    for script in scripts:
        if drop_thebe and _is_thebe(script):
            continue
        attributes = getattr(script, "attributes", {}) or {}
        if getattr(script, "filename", None) is None and "body" in attributes:
            key = tuple(sorted(attributes.items()))
            if key in seen_bodies:
                continue
            seen_bodies.add(key)
        kept.append(script)
    context["script_files"] = kept


def setup(app: Any) -> dict[str, Any]:
    # Run after the themes' own html-page-context handlers.
    app.connect("html-page-context", _clean_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
