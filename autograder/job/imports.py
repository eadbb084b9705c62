"""Say why an import failed when graded: the module is not one the assignment allows.

The sandbox has only what the assignment's ``allow_imports`` grants (see
``runtime.py``); the release notebook's grading note lists it before the
student writes code.  When a cell still fails with ``ModuleNotFoundError``
for a module outside that list, the student's feedback gets a note naming
the module and what is allowed, instead of a bare error and zeros after it.
"""

from __future__ import annotations

import re
import sys
from typing import Any

__all__ = ["forbidden_import_notes"]

_NO_MODULE = re.compile(r"No module named '([\w.]+)'")


def _allowed(module: str, allowed: tuple[str, ...]) -> bool:
    if module.split(".", 1)[0] in sys.stdlib_module_names:
        return True
    return any(module == a or module.startswith(a + ".") for a in allowed) or module in ("coursekit", "coursekit.grading")


def forbidden_import_notes(cell_errors: list[dict[str, Any]], allowed: tuple[str, ...]) -> list[str]:
    """One note per module that a cell could not import because the assignment does not allow it.

    Parameters
    ----------
    cell_errors : list of dict
        The run's first error per cell (``error`` is ``"<Type>: <message>"``, ``cell`` names the cell).
    allowed : tuple of str
        The assignment's allowed imports (``coursekit.grading.allowed_imports``).

    Returns
    -------
    list of str

    Examples
    --------
    >>> errs = [{"cell": "cell 12", "error": "ModuleNotFoundError: No module named 'coursekit.nn'"}]
    >>> print(forbidden_import_notes(errs, ("numpy", "coursekit.data"))[0])
    cell 12 imports coursekit.nn, which is not available when the notebook is graded: graded code of this assignment may import only numpy, coursekit.data, the standard library and modules the notebook writes itself (%%writefile), as its grading note says. Everything that needs it scored 0; use only those and submit again.
    >>> forbidden_import_notes([{"error": "ModuleNotFoundError: No module named 'numpy'"}], ("numpy",))
    []
    """
    notes, seen = [], set()
    for err in cell_errors:
        text = str(err.get("error", "")) if isinstance(err, dict) else ""
        m = _NO_MODULE.search(text) if text.startswith(("ModuleNotFoundError", "ImportError")) else None
        if not m or m.group(1) in seen or _allowed(m.group(1), allowed):
            continue
        seen.add(m.group(1))
        notes.append(f"{err.get('cell') or 'a cell'} imports {m.group(1)}, which is not available when the notebook "
                     f"is graded: graded code of this assignment may import only {', '.join(allowed)}, the standard "
                     "library and modules the notebook writes itself (%%writefile), as its grading note says. "
                     "Everything that needs it scored 0; use only those and submit again.")
    return notes
