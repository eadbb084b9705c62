"""``release``: the student version of a source notebook (no solutions, no hidden tests).

For the real course use ``nbgrader generate_assignment`` (which also records
checksums); this pure function is what ``check`` and the tests use to get the
release without running nbgrader.
"""

from __future__ import annotations

import copy
import re
from typing import Any

__all__ = ["release_notebook"]

_SOLUTION = re.compile(r"### BEGIN SOLUTION\n.*?### END SOLUTION\n?", re.DOTALL)
_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n.*?### END HIDDEN TESTS\n?", re.DOTALL)


def release_notebook(source: dict[str, Any]) -> dict[str, Any]:
    """Strip solutions (-> the course's stubs) and hidden tests from a source notebook."""
    nb = copy.deepcopy(source)
    for cell in nb["cells"]:
        src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and cell["cell_type"] == "markdown":
            src = "YOUR ANSWER HERE"
        # The match starts after the line's indentation, which stays in place: only the
        # second line of the stub needs it (nbgrader's own stubs are indented the same way).
        src = _SOLUTION.sub(lambda m, text=src: "# YOUR CODE HERE\n" + _indent(m, text) + "raise NotImplementedError()\n", src)
        cell["source"] = _HIDDEN.sub("", src)
    return nb


def _indent(match: re.Match, text: str) -> str:
    line_start = text.rfind("\n", 0, match.start()) + 1
    return text[line_start:match.start()]
