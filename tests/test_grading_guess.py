"""Guessing (issue 19, item 5): answers that compute nothing must have a negligible chance.

400 simulated students, each with inputs drawn for their own submission as
the autograder draws them, answer with the best constant and heuristic
guesses; each answer goes through the harness's call (what the sandbox runs),
the record protocol and ``compare_record`` (what the grader scores).  Before
the fix, ``a1.find_wrong_gradients`` was passed by 18 % of such students (the
visible case was always the ``w2`` bug, hidden case 0 always ``slide``, and
``w2``/``w0x`` could be read off ``w2 == b2``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from coursekit import grading
from coursekit.grading.compare import judge
from coursekit.grading.harness.calls import get_call
from coursekit.grading.harness.run import run_call
from coursekit.grading.harness.wire import record_bytes

SECRET = "guess-secret"
STUDENTS = 400
PARAMS = ("b0", "b1", "b2", "b3", "w0", "w1", "w2", "w3")


def _scored(check_id: str, student_fn: Any, student: str) -> grading.Result:
    """Grade ``student_fn`` for one student's submission the way the autograder does (minus the sandbox)."""
    spec = grading.get_check(check_id)
    submission = f"submission-of-{student}"
    records = {}
    for variant in spec.variants:
        cases = grading.grader_inputs(spec, variant, SECRET, student, submission)
        public = [{k: v for k, v in case.items() if not k.startswith("_")} for case in cases]
        outcomes = [run_call(get_call(check_id), student_fn, case) for case in public]
        records[f"{check_id}.{variant}"] = record_bytes(check_id, variant, outcomes)
    return grading.compare_record(spec, records, SECRET, student, submission=submission)


def _passes(check_id: str, student_fn: Any, student: str) -> bool:
    """Whether every case passes, judged case by case as ``compare_record`` does, stopping at the first failure."""
    spec = grading.get_check(check_id)
    for variant in spec.variants:
        cases = grading.grader_inputs(spec, variant, SECRET, student, f"submission-of-{student}")
        for k, case in enumerate(cases):
            public = {name: v for name, v in case.items() if not name.startswith("_")}
            outcome = run_call(get_call(check_id), student_fn, public)
            if not judge(spec, outcome, case, variant, k, len(cases)).passed:
                return False
    return True


def _pass_rate(check_id: str, guess: Callable[..., Any]) -> float:
    return sum(_passes(check_id, guess, f"s{i:03d}") for i in range(STUDENTS)) / STUDENTS


def _reported(backward_fn: Any, phi: dict[str, float]) -> dict[str, float]:
    return backward_fn(phi)


def _old_exploit(loss_fn, backward_fn, phi):
    """The guess that passed for 18 %: read the w2/w0x bugs off equal values, else guess the slide."""
    g = _reported(backward_fn, phi)
    if g["w2"] == g["b2"]:
        return {"w2"}
    if g["w0"] == g["b0"]:
        return {"w0"}
    return {"b0", "w0"}


def _equal_values(loss_fn, backward_fn, phi):
    """Any reported gradient equal to another one, or the sign of a pair that disagrees, is called wrong."""
    g = _reported(backward_fn, phi)
    wrong = {k for k in PARAMS for j in PARAMS if j != k and abs(g[k]) == abs(g[j])}
    wrong |= {f"w{i}" for i in range(4) if np.sign(g[f"w{i}"]) != np.sign(g[f"b{i}"])}
    return wrong


def _large_values(loss_fn, backward_fn, phi):
    """Gradients larger than the median in magnitude are called wrong (mistakes tend to add)."""
    g = _reported(backward_fn, phi)
    median = np.median([abs(v) for v in g.values()])
    return {k for k, v in g.items() if abs(v) > median}


GUESSES = {
    "nothing wrong": lambda loss_fn, backward_fn, phi: set(),
    "everything wrong": lambda loss_fn, backward_fn, phi: set(PARAMS),
    "the visible answer {w2}": lambda loss_fn, backward_fn, phi: {"w2"},
    "the slide {b0, w0}": lambda loss_fn, backward_fn, phi: {"b0", "w0"},
    "the old exploit": _old_exploit,
    "equal values and sign pairs": _equal_values,
    "large values": _large_values,
}


@pytest.mark.parametrize("name", list(GUESSES))
def test_guesses_never_pass_find_wrong_gradients(name):
    assert _pass_rate("a1.find_wrong_gradients", GUESSES[name]) == 0.0


def test_no_constant_answer_fits_any_student():
    """Every constant answer at once: no student's cases (visible and hidden) all share one answer set."""
    spec = grading.get_check("a1.find_wrong_gradients")
    same, distinct_first = 0, set()
    for i in range(STUDENTS):
        answers = [tuple(spec.reference(case)["wrong"])
                   for variant in spec.variants
                   for case in grading.grader_inputs(spec, variant, SECRET, f"s{i:03d}", f"submission-of-s{i:03d}")]
        same += len(set(answers)) == 1
        distinct_first.add(answers[1])
    assert same == 0
    assert len(distinct_first) > 100  # hidden case 1 alone takes many of its 256 answers over 400 students


def _patience_only(val_losses, patience, min_delta):
    """The overall minimum, and a stop ``patience`` epochs after it."""
    best = int(np.argmin(val_losses))
    return best, min(len(val_losses) - 1, best + patience)


def _without_min_delta(val_losses, patience, min_delta):
    """The rule of the hint with min_delta ignored (a common near miss: it passed for 53 % of students)."""
    best, best_epoch, wait = np.inf, None, 0
    for epoch, loss in enumerate(val_losses):
        if loss < best:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return best_epoch, epoch
    return best_epoch, len(val_losses) - 1


@pytest.mark.parametrize("guess", [
    lambda val_losses, patience, min_delta: (0, len(val_losses) - 1),  # never stops
    lambda val_losses, patience, min_delta: (int(np.argmin(val_losses)), len(val_losses) - 1),
    _patience_only,
    _without_min_delta,
])
def test_guesses_and_near_misses_never_pass_early_stopping(guess):
    assert _pass_rate("a5.early_stopping", guess) == 0.0


def test_a_correct_solution_still_passes():
    """The control, through the record protocol and ``compare_record``: the honest answer (central
    differences) passes, so the guesses above fail for a reason; and the visible-answer guess scores 0."""

    def honest(loss_fn, backward_fn, phi, eps=1e-6):
        claimed, wrong = backward_fn(phi), set()
        for name in phi:
            up, down = dict(phi), dict(phi)
            up[name] += eps
            down[name] -= eps
            numeric = (loss_fn(up) - loss_fn(down)) / (2 * eps)
            if abs(claimed[name] - numeric) > 1e-4 * max(1.0, abs(numeric)):
                wrong.add(name)
        return wrong

    for i in range(60):
        assert _scored("a1.find_wrong_gradients", honest, f"s{i:03d}").points == 2
        assert _passes("a1.find_wrong_gradients", honest, f"s{i:03d}")
    guessed = _scored("a1.find_wrong_gradients", GUESSES["the visible answer {w2}"], "s000")
    assert guessed.points == 0 and guessed.statuses["visible"] == ["passed"]
