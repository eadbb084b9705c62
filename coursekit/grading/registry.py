"""The registry of checks: what each assignment test runs, and how it is judged.

A :class:`Check` is trusted code.  It holds everything a test cell must not
hold: how the grader's inputs are drawn, the reference (computed with
coursekit), the tolerances and the hint shown on failure.  A test cell only
names a check by its id and hands over the student's function.

The checks themselves live in ``coursekit/grading/checks/a<N>.py``, one file
per assignment; they are imported the first time a check is looked up.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .harness.calls import get_call
from .harness.run import WrongType

__all__ = [
    "DEFAULT_ALLOWED",
    "Check",
    "WrongType",
    "all_checks",
    "allow_imports",
    "allowed_imports",
    "assignment_prefix",
    "cell_grade_id",
    "get_check",
    "register",
]

Inputs = dict[str, Any]
Arrays = dict[str, np.ndarray]




@dataclass(frozen=True)
class Check:
    """One graded check of one student function (or one part of it).

    Parameters
    ----------
    id : str
        Stable id ``"<assignment prefix>.<name>"``, e.g. ``"a1.toy_chain_backward"``.
        The prefix is the assignment id up to its first underscore
        (``a1_backprop_by_hand`` -> ``a1``).  Never rename a released id:
        recorded results and gradebooks refer to it.
    points : float
        Credit for passing every case of every variant (all or nothing).
    title : str
        One line: what is checked.
    make_inputs : callable ``(rng, case, hidden) -> dict``
        Draws the inputs of one case from ``rng`` (a seeded
        ``numpy.random.Generator``).  ``case`` counts from 0; ``hidden`` tells
        the visible (documented, often a worked example) case from hidden ones.
        Plain data only (arrays, numbers, strings, tuples, lists, dicts): they
        cross into the grading sandbox.  Keys starting with ``_`` are the
        grader's own and never leave the trusted side.
    reference : callable ``(inputs) -> dict of float64 arrays``
        The expected outputs, computed with coursekit.  Its keys are the
        output names every record must contain.
    hint : str
        Shown with every failure message.
    call : callable ``(student, inputs) -> dict``, optional
        Runs the student's code on a private copy of the inputs and returns its
        raw outputs by name (raises :class:`WrongType` for unusable results).
        Defaults to the harness's call of this id
        (``coursekit/grading/harness/<prefix>.py``), the code the sandbox runs.
    rtol, atol : float
        An element passes when
        ``|got - expected| <= atol * max(1, max|expected|) + rtol * |expected|``
        (the absolute part scales with the output's magnitude, so an
        equivalent but differently ordered float computation always passes).
    numerical : callable ``(inputs) -> dict``, optional
        A second expectation for some outputs (usually gradients), computed by
        central finite differences of a trusted forward function.
    numerical_rtol, numerical_atol : float
        Tolerances for ``numerical`` (finite differences carry ~1e-8 error).
    judge : callable ``(got, expected, inputs) -> str | None``, optional
        Replaces the elementwise comparison (e.g. "accuracy >= 0.9"); returns
        None when the case passes, else a message that must not quote inputs.
    forbidden : tuple of str
        coursekit modules or packages (dotted names, e.g. ``"coursekit.optim"``)
        whose code must not run inside the student's function: the exercise is
        to write them.  Running them earns no credit for this check.
    hidden_cases : int
        Cases drawn for the hidden variant (the visible variant has one).
    visible_seed : int
        The fixed, documented seed of the visible case.
    variants : tuple of str
        Which calls the source notebook's test cell makes (``"visible"``,
        ``"hidden"``); :func:`~coursekit.grading.score_records` expects a
        record of each.
    step_axis : str, optional
        Name of axis 0 of the outputs (e.g. ``"step"`` for an optimizer's
        trajectory): failure messages then say which step first went wrong.
    partial : {None, "cases", "parts"}
        Partial credit: ``None`` (all or nothing), ``"cases"`` (points split
        evenly over every case of every variant) or ``"parts"`` (split evenly
        over ``parts``, each earned when all its outputs pass in every case).
    parts : tuple of (name, output names)
        The named parts for ``partial="parts"``.
    """

    id: str
    points: float
    title: str
    make_inputs: Callable[[np.random.Generator, int, bool], Inputs]
    reference: Callable[[Inputs], Arrays]
    hint: str
    call: Callable[[Any, Inputs], dict[str, Any]] | None = None
    rtol: float = 1e-6
    atol: float = 1e-9
    numerical: Callable[[Inputs], Arrays] | None = None
    numerical_rtol: float = 1e-4
    numerical_atol: float = 1e-6
    judge: Callable[[Arrays, Arrays, Inputs], str | None] | None = None
    forbidden: tuple[str, ...] = ()
    hidden_cases: int = 3
    visible_seed: int = 0
    variants: tuple[str, ...] = ("visible", "hidden")
    step_axis: str | None = None
    partial: str | None = None
    parts: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def n_cases(self, variant: str) -> int:
        """Number of cases of ``variant`` ("visible": 1, "hidden": ``hidden_cases``)."""
        if variant == "visible":
            return 1
        if variant == "hidden":
            return self.hidden_cases
        raise ValueError(f"variant must be 'visible' or 'hidden', got {variant!r}")


_REGISTRY: dict[str, Check] = {}
_LOADED = False
_ALLOWED: dict[str, tuple[str, ...]] = {}
DEFAULT_ALLOWED = ("numpy", "matplotlib", "tqdm")


def allow_imports(prefix: str, *modules: str) -> None:
    """Declare what the student code of assignment ``prefix`` may import when graded.

    The grading sandbox mounts exactly these packages (and what they need);
    anything else, e.g. ``torch`` or coursekit's ``autograd``, cannot be
    imported there.  Names are import names: top-level packages
    (``"numpy"``) or coursekit subpackages (``"coursekit.data"``).
    """
    _ALLOWED[prefix] = tuple(dict.fromkeys(modules))


def allowed_imports(prefix: str) -> tuple[str, ...]:
    """What the student code of assignment ``prefix`` may import when graded (see :func:`allow_imports`).

    Examples
    --------
    >>> allowed_imports("a2")
    ('numpy', 'matplotlib', 'tqdm')
    """
    _load()
    return _ALLOWED.get(prefix, DEFAULT_ALLOWED)


def register(check: Check) -> Check:
    """Add ``check`` to the registry (ids are unique); its call defaults to the harness's."""
    if check.call is None:
        check = dataclasses.replace(check, call=get_call(check.id))
    if check.partial not in (None, "cases", "parts") or (check.partial == "parts") != bool(check.parts):
        raise ValueError(f"check {check.id!r}: partial must be None, 'cases' or 'parts' (with parts)")
    if check.id in _REGISTRY:
        raise ValueError(f"check {check.id!r} is registered twice")
    if "." not in check.id:
        raise ValueError(f"check id {check.id!r} must look like '<assignment prefix>.<name>'")
    _REGISTRY[check.id] = check
    return check


def _load() -> None:
    global _LOADED
    if not _LOADED:
        _LOADED = True
        importlib.import_module("coursekit.grading.checks")


def get_check(check_id: str) -> Check:
    """The check registered under ``check_id``.

    Raises
    ------
    KeyError
        With the known ids of the same assignment, if ``check_id`` is unknown.
    """
    _load()
    try:
        return _REGISTRY[check_id]
    except KeyError:
        prefix = check_id.split(".", 1)[0]
        known = sorted(k for k in _REGISTRY if k.startswith(prefix + "."))
        raise KeyError(
            f"no check {check_id!r}; known checks of {prefix!r}: {', '.join(known) or 'none'}"
        ) from None


def all_checks(prefix: str | None = None) -> list[Check]:
    """Every registered check (of one assignment prefix such as ``"a1"``), in registration order."""
    _load()
    return [c for c in _REGISTRY.values() if prefix is None or c.id.split(".", 1)[0] == prefix]


def assignment_prefix(assignment_id: str) -> str:
    """``"a1_backprop_by_hand"`` -> ``"a1"``: the prefix of the assignment's check ids."""
    return assignment_id.split("_", 1)[0]


def cell_grade_id(check_id: str) -> str:
    """The nbgrader ``grade_id`` of the test cell of ``check_id``: ``"a1.foo"`` -> ``"test_foo"``."""
    return "test_" + check_id.split(".", 1)[1]
