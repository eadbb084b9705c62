"""The two entry points: ``check`` (in test cells) and ``compare_recorded`` (in the grader's process).

``check(check_id, student_function)`` is the one call a test cell makes.  What
it does depends on ``COURSEKIT_GRADING_MODE``:

* ``compare`` (default; a student, or plain ``nbgrader autograde``): run the
  student's code on the check's inputs, compare with coursekit's reference
  right there, print one line when it passes, raise an ``AssertionError``
  with a teaching message when it does not.
* ``record`` (the course autograder): run the student's code on the same
  inputs and write what it returned into ``$COURSEKIT_GRADING_OUT`` as data
  only; never compare, never raise because an answer is wrong.  The grader
  then calls ``compare_recorded`` in its own process.
"""

from __future__ import annotations

import warnings
from typing import Any

from . import seeds
from .compare import judge
from .record import RecordError, read_record, write_record
from .registry import Check, all_checks, get_check
from .result import Result
from .sandbox import OK, Outcome, run_student

__all__ = ["case_inputs", "check", "compare_recorded", "grade_recorded", "visible_inputs"]

_SHOWN_PRINT_CHARS = 1500


def case_inputs(check: Check, variant: str, seed: int, case: int) -> dict[str, Any]:
    """The grader's inputs of one case (trusted side; the same in every process)."""
    return check.make_inputs(seeds.case_rng(seed, case), case, variant == "hidden")


def visible_inputs(check_id: str) -> dict[str, Any]:
    """The inputs of the visible check ``check_id``, to debug with (hidden inputs are not available).

    Examples
    --------
    >>> sorted(visible_inputs("a1.sigmoid_neuron"))
    ['w', 'x']
    """
    spec = get_check(check_id)
    if "visible" not in spec.variants:
        raise ValueError(f"{check_id} has no visible check")
    inputs = case_inputs(spec, "visible", spec.visible_seed, 0)
    return {
        name: value for name, value in inputs.items() if not name.startswith("_")
    }  # "_x": grader-only


def _noise_note(outcomes: list[Outcome], hidden: bool) -> str:
    printed = "".join(o.printed for o in outcomes)
    warned = [w for o in outcomes for w in o.warnings]
    if not printed and not warned:
        return ""
    if hidden:
        return (
            "\n  (your code printed or warned during the hidden check; that is fine, and not shown)"
        )
    lines = []
    if printed:
        text = (
            printed
            if len(printed) <= _SHOWN_PRINT_CHARS
            else printed[:_SHOWN_PRINT_CHARS] + "\n  ..."
        )
        lines.append("  your code printed (this does not affect grading):\n" + text.rstrip())
    if warned:
        lines.append(
            f"  your code raised {len(warned)} warning(s) (this does not affect grading), e.g. {warned[0]}"
        )
    return "\n" + "\n".join(lines)


def _fail(message: str) -> None:
    """Raise the teaching AssertionError (a frame of its own, so IPython can hide ``check``'s)."""
    raise AssertionError(message) from None


def check(check_id: str, student: Any, *, hidden: bool = False, seed: int | None = None) -> None:
    """Check the student's ``student`` (a function, or a class) against the reference.

    Parameters
    ----------
    check_id : str
        Which check, e.g. ``"a1.toy_chain_forward"``.
    student : object
        What the check calls: usually the student's function.
    hidden : bool, default False
        Run the hidden cases (random shapes and seeds) instead of the visible one.
    seed : int, optional
        The hidden cases' seed when no course secret is set (only with ``hidden=True``).

    Raises
    ------
    AssertionError
        In compare mode, when a case fails; the message says which check and
        case, the input shapes, expected vs got for the worst element, the
        relative error and a hint.  Never in record mode.

    Examples
    --------
    >>> import numpy as np
    >>> check("a1.sigmoid_neuron", lambda x, w: (0.5, np.zeros(2), np.zeros(3)))
    Traceback (most recent call last):
    ...
    AssertionError: a1.sigmoid_neuron failed (visible check).
    ...
    """
    __tracebackhide__ = True
    spec = get_check(check_id)
    variant = "hidden" if hidden else "visible"
    if variant not in spec.variants:
        raise ValueError(f"{check_id} has no {variant} check")
    mode = seeds.mode()
    used_seed = seeds.resolve_seed(check_id, spec.visible_seed, hidden, seed, seeds.secret())
    n = spec.n_cases(variant)

    if mode == seeds.RECORD:
        directory = seeds.out_dir()
        outcomes = [
            run_student(spec, student, case_inputs(spec, variant, used_seed, k)) for k in range(n)
        ]
        write_record(directory, check_id, variant, used_seed, outcomes)
        return

    outcomes = []
    failure = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in range(n):
            inputs = case_inputs(spec, variant, used_seed, k)
            outcome = run_student(spec, student, inputs)
            outcomes.append(outcome)
            verdict = judge(spec, outcome, inputs, variant, k, n)
            if not verdict.passed:
                failure = verdict.message
                break
    if failure is not None:
        _fail(failure + _noise_note(outcomes, hidden))
    cases = f"{n} case{'s' if n > 1 else ''}"
    print(
        f"{check_id}: {variant} check passed ({cases}, {spec.points:g} point{'s' if spec.points != 1 else ''})"
        + _noise_note(outcomes, hidden)
    )
    return


def _expected_seed(spec: Check, variant: str, recorded: int, course_secret: str | None) -> int:
    if variant == "visible":
        return int(spec.visible_seed)
    if course_secret:
        return seeds.hidden_seed(course_secret, spec.id)
    return recorded  # no secret: the seed came from the hidden test cell, which the grader cannot see here


def compare_recorded(check_id: str, recorded_dir: str, *, secret: str | None = None) -> Result:
    """Score one check from the records in ``recorded_dir`` (grader side; never runs student code).

    Parameters
    ----------
    check_id : str
    recorded_dir : str
        The directory the student's notebook ran with as ``COURSEKIT_GRADING_OUT``.
    secret : str, optional
        The course secret the notebook ran with; defaults to
        ``$COURSEKIT_GRADING_SECRET`` in this process.  With a secret, hidden
        records must carry the seed derived from it; without one, the
        recorded hidden seed is accepted.

    Returns
    -------
    Result
        ``points == max_points`` if every case of every variant in
        ``Check.variants`` was recorded and passed, else 0.
    """
    spec = get_check(check_id)
    course_secret = secret if secret is not None else seeds.secret()
    statuses: dict[str, list[str]] = {}
    failure: str | None = None
    for variant in spec.variants:
        try:
            recorded = read_record(recorded_dir, check_id, variant)
        except RecordError as err:
            missing = str(err).startswith("missing")
            statuses[variant] = ["missing" if missing else "invalid"]
            if failure is None:
                failure = (
                    f"{check_id} failed ({variant} check): no usable record ({err}). "
                    "Did the test cell run? An error in an earlier cell (e.g. a function that was "
                    "never defined) stops it."
                    if missing
                    else f"{check_id} failed ({variant} check): the record is malformed ({err})."
                )
            continue
        n = spec.n_cases(variant)
        seed = _expected_seed(spec, variant, recorded.seed, course_secret)
        if recorded.seed != seed or len(recorded.outcomes) != n:
            statuses[variant] = ["invalid"]
            if failure is None:
                failure = (
                    f"{check_id} failed ({variant} check): the record was not made with the grader's "
                    f"inputs (seed or number of cases differ)."
                )
            continue
        statuses[variant] = []
        for k, outcome in enumerate(recorded.outcomes):
            verdict = judge(spec, outcome, case_inputs(spec, variant, seed, k), variant, k, n)
            statuses[variant].append(
                "passed" if verdict.passed else "failed" if outcome.status == OK else outcome.status
            )
            if not verdict.passed and failure is None:
                failure = verdict.message
    passed = failure is None
    message = (
        f"{check_id}: passed ({', '.join(f'{v} {len(s)} case(s)' for v, s in statuses.items())})"
        if passed
        else failure
    )
    return Result(
        check_id=check_id,
        points=float(spec.points) if passed else 0.0,
        max_points=float(spec.points),
        passed=passed,
        message=message,
        statuses=statuses,
    )


def grade_recorded(recorded_dir: str, prefix: str, *, secret: str | None = None) -> list[Result]:
    """:func:`compare_recorded` for every check of one assignment (prefix ``"a1"``, ``"a2"``, ...)."""
    return [compare_recorded(c.id, recorded_dir, secret=secret) for c in all_checks(prefix)]
