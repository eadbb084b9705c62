"""Dual-mode checks for the graded assignments: one call per test cell.

A test cell calls ``check("a1.toy_chain_forward", toy_chain_forward)``.  Run by
a student or by plain ``nbgrader autograde`` it compares in place and raises a
teaching ``AssertionError``; run by the course autograder
(``COURSEKIT_GRADING_MODE=record``) it only evaluates the student's code on
the grader's inputs and records the results as data, which the grader scores
in its own process with :func:`compare_recorded`.  README.md next to this
file describes the record format (the protocol).

Read it in this order: ``registry.py`` (what a check is), ``seeds.py`` (which
inputs), ``sandbox.py`` (running student code), ``convert.py`` (outputs as
float64), ``compare.py`` (judging a case), ``record.py`` (the files),
``api.py`` (the entry points), ``checks/`` (one file per assignment).
"""

from .api import case_inputs, check, compare_recorded, grade_recorded, visible_inputs
from .registry import Check, all_checks, assignment_prefix, cell_grade_id, get_check
from .result import Result
from .seeds import MODE_ENV, OUT_ENV, SECRET_ENV

__all__ = [
    "MODE_ENV",
    "OUT_ENV",
    "SECRET_ENV",
    "Check",
    "Result",
    "all_checks",
    "assignment_prefix",
    "case_inputs",
    "cell_grade_id",
    "check",
    "compare_recorded",
    "get_check",
    "grade_recorded",
    "visible_inputs",
]
