"""Compare mode's way of running the student's code: the harness's ``run_call`` plus a tripwire.

In compare mode (a student's own notebook, plain ``nbgrader autograde``) the
student's process also holds coursekit's own implementation.  ``Tripwire``
watches, with ``sys.setprofile``, every Python function call made while the
student's code runs and notes any whose code lives in a forbidden coursekit
module (e.g. ``coursekit.autograd`` in the assignment where the student
writes an autograd engine), so the student learns at once that such code
earns nothing.  It is a teaching aid, not a defence: the course autograder
runs the student's code in a sandbox where those modules do not exist.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any, Self

from .harness.run import FORBIDDEN, Outcome, run_call
from .registry import Check

__all__ = ["Tripwire", "run_student"]


# ---------------------------------------------------------------------------
# Tripwires
# ---------------------------------------------------------------------------
def _module_location(name: str) -> tuple[str, bool]:
    """(path, is_package) of an importable module, without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ValueError(f"forbidden module {name!r} cannot be found")
    if spec.submodule_search_locations:
        return os.path.normcase(os.path.abspath(os.path.dirname(spec.origin))) + os.sep, True
    return os.path.normcase(os.path.abspath(spec.origin)), False


class Tripwire:
    """Note every call into the code of ``modules`` while active (a context manager).

    Parameters
    ----------
    modules : tuple of str
        Dotted module or package names, e.g. ``("coursekit.autograd", "coursekit.nn")``.

    Attributes
    ----------
    used : list of str
        The modules whose code ran, in order of first use.

    Examples
    --------
    >>> import coursekit as ck
    >>> with Tripwire(("coursekit.autograd",)) as wire:
    ...     _ = ck.tensor([1.0]) * 2
    >>> wire.used
    ['coursekit.autograd']
    """

    def __init__(self, modules: tuple[str, ...]) -> None:
        self.modules = tuple(modules)
        self._locations = [(name, *_module_location(name)) for name in self.modules]
        self._cache: dict[Any, str | None] = {}
        self.used: list[str] = []
        self._previous: Any = None

    def _owner(self, filename: str) -> str | None:
        path = (
            os.path.normcase(os.path.abspath(filename))
            if filename and not filename.startswith("<")
            else ""
        )
        for name, location, is_package in self._locations:
            if (is_package and path.startswith(location)) or (not is_package and path == location):
                return name
        return None

    def _hook(self, frame: Any, event: str, arg: Any) -> None:
        if event != "call":
            return
        code = frame.f_code
        owner = self._cache.get(code, "")
        if owner == "":
            owner = self._cache[code] = self._owner(code.co_filename)
        if owner is not None and owner not in self.used:
            self.used.append(owner)

    def __enter__(self) -> Self:
        self._previous = sys.getprofile()
        sys.setprofile(self._hook)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(self._previous)


# ---------------------------------------------------------------------------
# Running the student's code
# ---------------------------------------------------------------------------
def _returns_coursekit_tensor(outcome: Outcome, raw_types: list[type]) -> bool:
    tensor_module = sys.modules.get("coursekit.autograd.tensor")
    return tensor_module is not None and any(issubclass(t, tensor_module.Tensor) for t in raw_types)


def run_student(check: Check, student: Any, inputs: dict[str, Any]) -> Outcome:
    """Run ``check.call(student, copy of inputs)`` under the tripwire; never raises for the student's errors."""
    wire = Tripwire(check.forbidden) if check.forbidden else None
    raw_types: list[type] = []

    def call(student: Any, private: dict[str, Any]) -> dict[str, Any]:
        raw = check.call(student, private)
        raw_types.extend(type(v) for v in raw.values())
        return raw

    outcome = run_call(call, student, inputs, guard=wire)
    if wire is not None and "coursekit.autograd" in check.forbidden and _returns_coursekit_tensor(outcome, raw_types):
        wire.used.append("coursekit.autograd")
    if wire is not None and wire.used:
        outcome = Outcome(status=FORBIDDEN, used=tuple(dict.fromkeys(wire.used)), printed=outcome.printed,
                          warnings=outcome.warnings, seconds=outcome.seconds)
    return outcome
