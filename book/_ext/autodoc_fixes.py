"""Sphinx extension: make coursekit's plain-text docstrings safe for the API reference page.

coursekit's docstrings are written for ``help()`` first, so they use maths such
as ``|x|`` and ``max |s|`` in running text.  In reStructuredText ``|name|`` is a
substitution reference, which Sphinx reports as an error.  This extension
escapes those bars (outside inline literals) when autodoc reads a docstring,
and skips members that are not coursekit's own (for example ``reduce =
staticmethod(np.max)``, which would otherwise pull NumPy's docstring in).
Nothing in coursekit is changed.
"""

from __future__ import annotations

import re
from typing import Any

_LITERAL = re.compile(r"(``.+?``)")


def _escape_bars(line: str) -> str:
    stripped = line.lstrip()
    if (
        stripped.startswith(("| ", "+-", "+=")) or stripped == "|"
    ):  # line blocks, grid tables: leave alone
        return line
    parts = _LITERAL.split(line)
    for i in range(0, len(parts), 2):  # even parts are outside ``...``
        parts[i] = re.sub(r"(?<!\\)\|", r"\\|", parts[i])
    return "".join(parts)


def process_docstring(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    lines[:] = [_escape_bars(line) for line in lines]


def skip_foreign(app: Any, what: str, name: str, obj: Any, skip: bool, options: Any) -> bool | None:
    module = getattr(obj, "__module__", None)
    if isinstance(module, str) and not module.startswith("coursekit") and callable(obj):
        return True
    return None


def setup(app: Any) -> dict[str, Any]:
    app.connect("autodoc-process-docstring", process_docstring)
    app.connect("autodoc-skip-member", skip_foreign)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
