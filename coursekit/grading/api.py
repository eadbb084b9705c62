"""The entry points: ``check`` (test cells, compare mode) and the grader's side of record mode.

``check(check_id, student_function)`` is the one call a test cell makes.  In
a student's own notebook (or plain ``nbgrader autograde``) it runs the
student's code on the check's inputs, compares with coursekit's reference
right there, prints one line when it passes and raises an ``AssertionError``
with a teaching message when it does not.

The course autograder never runs this module next to student code.  Its
trusted side draws each student's inputs (:func:`grader_inputs`, from the
course secret, the check id and the student id), hands them to the sandbox as
plain data (:func:`write_grader_inputs`), where the harness
(:mod:`coursekit.grading.harness`) runs the student's code and sends records
back, and scores those records here (:func:`score_records`).
"""

from __future__ import annotations

import linecache
import warnings
from typing import Any

from . import seeds
from .compare import judge
from .harness.run import OK, Outcome
from .harness.wire import write_inputs
from .record import RecordError, parse_record
from .registry import Check, all_checks, get_check
from .result import Part, Result
from .sandbox import run_student

__all__ = [
    "case_inputs",
    "check",
    "compare_record",
    "grader_inputs",
    "score_records",
    "visible_inputs",
    "write_grader_inputs",
]

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


# The frame a failed check raises from: a one-line code object of its own, so the
# notebook's traceback (IPython always shows the innermost frame, and hides the
# others that set ``__tracebackhide__``) shows the student's cell and this line,
# not coursekit's source. linecache gives IPython the line to print.
_RAISE_FILE = "<coursekit check>"
_RAISE_SOURCE = "raise AssertionError(message)  # the check failed: the message below says why\n"
_RAISE_CODE = compile(_RAISE_SOURCE, _RAISE_FILE, "exec")
linecache.cache[_RAISE_FILE] = (len(_RAISE_SOURCE), None, [_RAISE_SOURCE], _RAISE_FILE)


def _fail(message: str) -> None:
    """Raise the teaching AssertionError from a clean frame (see ``_RAISE_CODE``)."""
    __tracebackhide__ = True
    # linecache.checkcache drops entries whose file does not exist: put it back.
    linecache.cache[_RAISE_FILE] = (len(_RAISE_SOURCE), None, [_RAISE_SOURCE], _RAISE_FILE)
    try:
        exec(_RAISE_CODE, {"AssertionError": AssertionError, "message": message})  # noqa: S102
    except AssertionError as err:
        err.__suppress_context__ = True
        # Drop this frame and check's from the traceback: it starts in the caller's code.
        tb = err.__traceback__
        while tb is not None and tb.tb_frame.f_code is not _RAISE_CODE:
            tb = tb.tb_next
        raise err.with_traceback(tb) from None


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
        The hidden cases' seed (only with ``hidden=True``).

    Raises
    ------
    AssertionError
        When a case fails; the message says which check and case, the input
        shapes, expected vs got for the worst element, the relative error
        and a hint.

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
    used_seed = seeds.resolve_seed(check_id, spec.visible_seed, hidden, seed)
    n = spec.n_cases(variant)
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


def grader_inputs(spec: Check, variant: str, secret: str, student: str,
                  submission: str = "") -> list[dict[str, Any]]:
    """The inputs of every case of one variant for one submission of one student (trusted side).

    Visible inputs are the documented ones, the same for everybody; hidden
    inputs come from ``seeds.student_seed(secret, check id, student, submission)``,
    so a student who publishes theirs helps nobody else, and inputs (or
    answers) learned from one attempt are useless on the next.
    """
    seed = (spec.visible_seed if variant == "visible"
            else seeds.student_seed(secret, spec.id, student, submission))
    return [case_inputs(spec, variant, seed, k) for k in range(spec.n_cases(variant))]


Drawn = dict[str, list[dict[str, Any]]]  # "<check id>.<variant>" -> the inputs of its cases


def write_grader_inputs(directory: str, prefix: str, secret: str, student: str,
                        submission: str = "") -> Drawn:
    """Write one submission's inputs of every check of assignment ``prefix`` as plain data (for the sandbox).

    ``submission`` identifies the attempt (the autograder's task key, a hash
    of the submitted bytes): hidden inputs are new for every attempt.
    Returns the inputs drawn, so that scoring need not draw them again.
    """
    drawn: Drawn = {}
    for spec in all_checks(prefix):
        for variant in spec.variants:
            cases = drawn[f"{spec.id}.{variant}"] = grader_inputs(spec, variant, secret, student, submission)
            write_inputs(directory, spec.id, variant, cases)
    return drawn


def _missing(check_id: str, variant: str, err: RecordError | None) -> str:
    if err is None:
        return (f"{check_id} failed ({variant} check): no result arrived. Did the test cell run? An error "
                "in an earlier cell (e.g. a function that was never defined) stops it.")
    return f"{check_id} failed ({variant} check): the result is malformed ({err})."


def _judged(spec: Check, variant: str, outcomes: list[Outcome], inputs: list[dict[str, Any]],
            only: tuple[str, ...] | None = None) -> tuple[list[str], str | None]:
    """(per-case statuses, first failure message) of one variant's outcomes."""
    statuses, failure = [], None
    for k, (outcome, case) in enumerate(zip(outcomes, inputs)):
        verdict = judge(spec, outcome, case, variant, k, len(inputs), only=only)
        statuses.append("passed" if verdict.passed else "failed" if outcome.status == OK else outcome.status)
        if not verdict.passed and failure is None:
            failure = verdict.message
    return statuses, failure


def compare_record(
    spec: Check, records: dict[str, tuple[bytes, bytes]], secret: str, student: str,
    drawn: Drawn | None = None, submission: str = "",
) -> Result:
    """Score one check of one student from the records the sandbox sent (grader side; runs no student code).

    Parameters
    ----------
    spec : Check
    records : dict
        ``"<check id>.<variant>"`` -> (JSON bytes, NPZ bytes), as received; untrusted.
    secret, student : str
        The course secret and the student id the inputs were drawn for.
    drawn : dict, optional
        The inputs as :func:`write_grader_inputs` returned them (else drawn again).
    submission : str
        The attempt the inputs were drawn for (see :func:`write_grader_inputs`).

    Returns
    -------
    Result
        Points: all or nothing, or split over cases or parts (``Check.partial``).
    """
    statuses: dict[str, list[str]] = {}
    failure: str | None = None
    judged: list[tuple[str, list[Outcome], list[dict[str, Any]]]] = []
    for variant in spec.variants:
        inputs = (drawn or {}).get(f"{spec.id}.{variant}") or grader_inputs(spec, variant, secret, student, submission)
        error: RecordError | None = None
        outcomes: list[Outcome] | None = None
        raw = records.get(f"{spec.id}.{variant}")
        if raw is not None:
            try:
                outcomes = parse_record(raw[0], raw[1], spec.id, variant)
                if len(outcomes) != len(inputs):
                    raise RecordError(f"{len(outcomes)} cases recorded, {len(inputs)} expected")
            except RecordError as err:
                error, outcomes = err, None
        if outcomes is None:
            statuses[variant] = ["missing" if raw is None else "invalid"] * len(inputs)
            failure = failure or _missing(spec.id, variant, error)
            outcomes = [Outcome(status="missing")] * len(inputs)
        else:
            statuses[variant], first = _judged(spec, variant, outcomes, inputs)
            failure = failure or first
        judged.append((variant, outcomes, inputs))
    parts = _parts(spec, judged, statuses)
    max_points = float(spec.points)
    passed = failure is None
    points = max_points if passed else round(sum(p.points for p in parts), 9)
    message = (
        f"{spec.id}: passed ({', '.join(f'{v} {len(s)} case(s)' for v, s in statuses.items())})"
        if passed else failure
    )
    return Result(check_id=spec.id, points=points, max_points=max_points, passed=passed,
                  message=message, statuses=statuses, parts=tuple(parts))


def _parts(spec: Check, judged: list[tuple[str, list[Outcome], list[dict[str, Any]]]],
           statuses: dict[str, list[str]]) -> list[Part]:
    """The partial-credit parts of a check (none unless ``Check.partial``)."""
    if spec.partial == "cases":
        flat = [s for v in spec.variants for s in statuses[v]]
        share = float(spec.points) / len(flat)
        return [Part(f"{v} case {k + 1}", share if s == "passed" else 0.0, share, s == "passed")
                for v in spec.variants for k, s in enumerate(statuses[v])]
    if spec.partial == "parts":
        share = float(spec.points) / len(spec.parts)
        out = []
        for name, outputs in spec.parts:
            ok = all(_judged(spec, variant, outcomes, inputs, only=outputs)[0] == ["passed"] * len(inputs)
                     for variant, outcomes, inputs in judged)
            out.append(Part(name, share if ok else 0.0, share, ok))
        return out
    return []


def score_records(
    records: dict[str, tuple[bytes, bytes]], prefix: str, secret: str, student: str,
    drawn: Drawn | None = None, submission: str = "",
) -> list[Result]:
    """:func:`compare_record` for every check of assignment ``prefix`` (``"a1"``, ``"a2"``, ...)."""
    return [compare_record(spec, records, secret, student, drawn, submission) for spec in all_checks(prefix)]
