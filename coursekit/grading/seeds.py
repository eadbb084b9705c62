"""Which inputs a check uses: visible seeds, hidden seeds, and the grader's per-student seeds.

* Visible checks use the fixed seed registered with the check
  (``Check.visible_seed``, documented in the assignment): every student sees
  the same inputs and can inspect them with
  :func:`coursekit.grading.visible_inputs`.
* Hidden checks run by a student or by plain ``nbgrader autograde`` use the
  ``seed=`` written in the hidden part of the test cell.
* The course autograder draws hidden inputs on its trusted side with
  ``student_seed(secret, check_id, student, submission)``: from the
  per-course secret, the check, the student and the submission (the hash of
  the submitted bytes), so every student gets inputs of their own, every
  resubmission gets new ones (nothing learned from one attempt, by
  exfiltration or from its messages, scores on the next), and none of it
  ever enters the sandbox.
* Case ``k`` of a variant draws its inputs from
  ``numpy.random.default_rng([seed, k])``.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["SECRET_ENV", "case_rng", "resolve_seed", "student_seed"]

SECRET_ENV = "COURSEKIT_GRADING_SECRET"
"""Environment variable the autograder reads the per-course secret from (if set)."""


def student_seed(secret: str, check_id: str, student: str, submission: str = "") -> int:
    """The grader's hidden seed of ``check_id`` for one submission of one student.

    The first 8 bytes, little-endian, of
    ``sha256(secret + "\\0" + check_id + "\\0" + student + "\\0" + submission)``.

    Parameters
    ----------
    secret : str
        The per-course secret (never enters the sandbox).
    check_id, student : str
    submission : str
        What identifies this attempt: the autograder passes its task key,
        ``sha256(grader version, source notebook, submitted bytes)``, so a
        changed submission gets new hidden inputs (PrairieLearn's "new variant
        per attempt").  ``""`` only for callers that grade no submission.

    Examples
    --------
    >>> student_seed("s3cret", "a1.toy_chain_forward", "ada") == student_seed("s3cret", "a1.toy_chain_forward", "bob")
    False
    """
    digest = hashlib.sha256(f"{secret}\0{check_id}\0{student}\0{submission}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def case_rng(seed: int, case: int) -> np.random.Generator:
    """The generator case ``case`` of a variant draws its inputs from."""
    return np.random.default_rng([int(seed), int(case)])


def resolve_seed(check_id: str, visible_seed: int, hidden: bool, seed: int | None) -> int:
    """The seed a compare-mode call of ``check`` uses (see the module docstring)."""
    if not hidden:
        if seed is not None:
            raise ValueError(
                "seed= is only for hidden checks; visible checks use their documented seed"
            )
        return int(visible_seed)
    if seed is None:
        raise ValueError(f"hidden check {check_id!r} needs a seed: pass seed= in the hidden test")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)
