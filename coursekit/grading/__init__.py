"""Checks for the graded assignments: one call per test cell, and the grader's trusted side.

A test cell calls ``check("a1.toy_chain_forward", toy_chain_forward)``.  Run by
a student or by plain ``nbgrader autograde`` it compares in place and raises a
teaching ``AssertionError``.  The course autograder runs the notebook in a
sandbox whose ``coursekit.grading`` is only the harness
(:mod:`coursekit.grading.harness`: NumPy only, no reference, no seed): it
calls the student's code on inputs the trusted side drew for that student
(:func:`grader_inputs`) and sends the outputs back, which the trusted side
scores with :func:`score_records`.  README.md next to this file describes the
protocol.

Read it in this order: ``registry.py`` (what a check is), ``seeds.py`` (which
inputs), ``harness/`` (what runs next to student code), ``sandbox.py``
(compare mode's tripwire), ``convert.py`` (strict validation), ``compare.py``
(judging a case), ``record.py`` (parsing what came back), ``api.py`` (the
entry points), ``checks/`` (one file per assignment).
"""

from .api import (
    case_inputs,
    check,
    compare_record,
    grader_inputs,
    score_records,
    visible_inputs,
    write_grader_inputs,
)
from .registry import (
    Check,
    all_checks,
    allowed_imports,
    assignment_prefix,
    cell_grade_id,
    get_check,
)
from .result import Part, Result
from .seeds import SECRET_ENV

__all__ = [
    "SECRET_ENV",
    "Check",
    "Part",
    "Result",
    "all_checks",
    "allowed_imports",
    "assignment_prefix",
    "case_inputs",
    "cell_grade_id",
    "check",
    "compare_record",
    "get_check",
    "grader_inputs",
    "score_records",
    "visible_inputs",
    "write_grader_inputs",
]
