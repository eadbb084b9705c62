"""Judge one case: validate the student's outputs, compare them with the expectations, explain failures.

The same function judges a case in both modes: in the student's interpreter
(compare mode) and in the grader's own process on recorded data
(``score_records``).  So a notebook scores the same under plain nbgrader
and under the autograder.

Tolerance rule (per element, ``e`` expected, ``g`` got)::

    |g - e| <= atol * max(1, max|expected|) + rtol * |e|

Failure messages name the check, the variant and case, the input shapes
(never their values), each wrong output of a visible case (the first only of
a hidden one) and the check's hint.  For a visible case (whose inputs every
student has) the worst element of each is shown as expected vs got; for a
hidden case only *how* it is wrong (how many values, the size of the relative
error as a power of ten, wrong signs, zeros), never an expected value, a got
value or an index: what a hidden message says must not let anyone answer the
next attempt from a table.  Text from the student's process (exception
messages, "wrong type" messages, locations) goes through :mod:`.redact`
(bounded, numbers removed).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .convert import describe_inputs, format_index, validate_array
from .harness.run import EXCEPTION, FORBIDDEN, OK, WRONG_TYPE, Outcome
from .redact import student_error_type, student_location, student_text
from .registry import Check

__all__ = ["Verdict", "compare_output", "expectations", "judge"]


@dataclass(frozen=True)
class Verdict:
    """Whether one case passed, and the teaching message if not."""

    passed: bool
    message: str = ""


def _fmt(x: float) -> str:
    return f"{x:.8g}"


def compare_output(
    name: str,
    got: np.ndarray,
    expected: np.ndarray,
    rtol: float,
    atol: float,
    source: str,
    step_axis: str | None = None,
    hidden: bool = False,
) -> str | None:
    """None if ``got`` matches ``expected`` within tolerance, else a description of what is wrong.

    ``got`` must already be validated (float64, right shape, finite).  With
    ``hidden`` the description holds no value and no index (see the module
    docstring); otherwise it shows the worst element, expected vs got.
    """
    expected = np.asarray(expected, dtype=np.float64)
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    err = np.abs(got - expected)
    allowed = atol * scale + rtol * np.abs(expected)
    bad = err > allowed
    if not bad.any():
        return None
    excess = np.where(bad, err / np.maximum(allowed, np.finfo(float).tiny), 0.0)
    index = np.unravel_index(int(np.argmax(excess)), expected.shape) if expected.shape else ()
    index = tuple(int(i) for i in index)
    e, g = float(expected[index]), float(got[index])
    rel = abs(g - e) / max(abs(e), np.finfo(float).tiny)
    count = int(bad.sum())
    lines = [
        f"output '{name}' (shape {expected.shape}): {count} of {expected.size} value(s) differ from the {source}"
    ]
    if step_axis and expected.ndim >= 1:
        first = int(np.argwhere(bad)[0][0])
        lines.append(f"  first wrong at {step_axis} {first + 1} of {expected.shape[0]}")
    if hidden:
        lines.append("  " + _how_wrong(got[bad], expected[bad], rel))
        lines.append(f"  (allowed: rtol={rtol:g}, atol={atol:g} x max(1, max|expected|); hidden cases never "
                     "show values)")
        return "\n".join(lines)
    lines.append(f"  worst at index {format_index(index)}: expected {_fmt(e)}, got {_fmt(g)}")
    lines.append(
        f"  relative error {rel:.2g} (allowed: rtol={rtol:g}, atol={atol:g} x max(1, max|expected|))"
    )
    return "\n".join(lines)


def _how_wrong(got: np.ndarray, expected: np.ndarray, worst_rel: float) -> str:
    """How the wrong values of a hidden case are wrong, without any of them: size of error, signs, zeros."""
    order = int(np.floor(np.log10(worst_rel))) if np.isfinite(worst_rel) and worst_rel > 0 else None
    size = (f"the worst relative error is about 1e{order:+d}" if order is not None and order < 6
            else "the worst relative error is huge (1e+6 or more)")
    notes = []
    flipped = (np.sign(got) * np.sign(expected) < 0).sum()
    if flipped:
        notes.append(f"{int(flipped)} of them have the wrong sign")
    zeros = ((got == 0) & (expected != 0)).sum()
    if zeros:
        notes.append(f"{int(zeros)} of them are 0 where they should not be")
    return size + ("; " + "; ".join(notes) if notes else "")


def expectations(
    check: Check, inputs: dict[str, Any]
) -> list[tuple[dict[str, np.ndarray], float, float, str]]:
    """The reference (and the finite-difference expectation, if any) with their tolerances (trusted side)."""
    with (
        warnings.catch_warnings(),
        np.errstate(all="ignore"),
    ):  # whatever np.seterr the student's code left
        warnings.simplefilter("ignore")
        result = [(check.reference(inputs), check.rtol, check.atol, "coursekit reference")]
        if check.numerical is not None:
            result.append(
                (
                    check.numerical(inputs),
                    check.numerical_rtol,
                    check.numerical_atol,
                    "central finite differences",
                )
            )
    return result


def _header(check: Check, variant: str, case: int, n_cases: int, inputs: dict[str, Any]) -> str:
    where = f"{variant} check" + (f", case {case + 1} of {n_cases}" if n_cases > 1 else "")
    return (
        f"{check.id} failed ({where}).\nChecked: {check.title}\nInputs: {describe_inputs(inputs)}"
    )


def _problem(
    check: Check, outcome: Outcome, expected: dict[str, np.ndarray], hidden: bool, partial: bool = False
) -> str | None:
    """Why the outcome is not a correct answer apart from the values (status, names, types, shapes, NaN)."""
    if outcome.status == FORBIDDEN:
        used = ", ".join(outcome.used) or "coursekit"
        return (
            f"Your code ran coursekit's own implementation ({used}). This exercise is to write it yourself, "
            "so this part earns no credit. Use NumPy (and your own functions) only."
        )
    if outcome.status == EXCEPTION:
        location = student_location(outcome.location)
        where = f" ({location})" if location else ""
        error_type = student_error_type(outcome.error_type)
        if outcome.error_type == "NotImplementedError":
            return (
                f"Not implemented yet{where}: replace `raise NotImplementedError()` with your code."
            )
        if hidden:
            return (
                f"Your code raised {error_type}{where}. Messages are not shown for hidden checks; "
                "run the visible check (and your own tests) to find the problem."
            )
        return f"Your code raised {error_type}{where}: {student_text(outcome.error_message)}"
    if outcome.status == WRONG_TYPE:
        return f"Your code's result cannot be checked: {student_text(outcome.error_message)}"
    if outcome.status != OK:
        return f"Unknown status {outcome.status!r}."
    missing = [n for n in expected if n not in outcome.outputs]
    extra = [] if partial else [n for n in outcome.outputs if n not in expected]
    if missing or extra:
        return f"Outputs do not match: missing {missing}, unexpected {extra}."
    for name, exp in expected.items():
        reason = validate_array(outcome.outputs[name], np.shape(exp), name)
        if reason is not None:
            return reason
    return None


def judge(
    check: Check,
    outcome: Outcome,
    inputs: dict[str, Any],
    variant: str,
    case: int,
    n_cases: int,
    only: tuple[str, ...] | None = None,
) -> Verdict:
    """Judge one case of ``check`` (both modes call this).

    Parameters
    ----------
    check : Check
    outcome : Outcome
        From :func:`~coursekit.grading.sandbox.run_student` (compare mode) or
        parsed from a record (untrusted: validated here).
    inputs : dict
        The grader's inputs of this case.
    variant : {"visible", "hidden"}
    case, n_cases : int
        Which case of the variant, for the message.
    only : tuple of str, optional
        Judge only these outputs (one partial-credit part).
    """
    hidden = variant == "hidden"
    expect = expectations(check, inputs)
    if only is not None:
        expect = [({k: v for k, v in values.items() if k in only}, *rest) for values, *rest in expect]
    reference = expect[0][0]
    problem = _problem(check, outcome, reference, hidden, partial=only is not None)
    if problem is None and check.judge is not None:
        problem = check.judge(outcome.outputs, reference, inputs)
    elif problem is None:
        for values, rtol, atol, source in expect:
            # Every wrong output of a visible case (the student's own, documented inputs:
            # fixing one gradient at a time is slow); a hidden case names the first only.
            wrong = []
            for name, exp in values.items():
                found = compare_output(
                    name, outcome.outputs[name], exp, rtol, atol, source, check.step_axis, hidden
                )
                if found is not None:
                    wrong.append(found)
                    if hidden:
                        break
            if wrong:
                count = f"{len(wrong)} of {len(values)} outputs are wrong:\n" if len(wrong) > 1 else ""
                problem = count + "\n".join(wrong)
                break
    if problem is None:
        return Verdict(True)
    return Verdict(
        False, f"{_header(check, variant, case, n_cases, inputs)}\n{problem}\nHint: {check.hint}"
    )
