"""Which inputs a check uses: the mode, the seeds and the per-course secret.

* Visible checks use the fixed seed registered with the check
  (``Check.visible_seed``, documented in the assignment): every student sees
  the same inputs and can inspect them with
  :func:`coursekit.grading.visible_inputs`.
* Hidden checks use ``hidden_seed(secret, check_id)`` when the environment
  variable ``COURSEKIT_GRADING_SECRET`` is set (the instructor's autograder
  sets it for every run), and otherwise the ``seed=`` written in the hidden
  part of the test cell (plain ``nbgrader autograde``).
* Case ``k`` of a variant draws its inputs from
  ``numpy.random.default_rng([seed, k])``, so the inputs depend only on
  ``(check id, variant, seed, k)`` and the grader can regenerate them in its
  own process.
"""

from __future__ import annotations

import hashlib
import os

import numpy as np

__all__ = [
    "COMPARE",
    "MODE_ENV",
    "OUT_ENV",
    "RECORD",
    "SECRET_ENV",
    "case_rng",
    "hidden_seed",
    "mode",
    "out_dir",
    "resolve_seed",
    "secret",
]

MODE_ENV = "COURSEKIT_GRADING_MODE"
"""Environment variable selecting the mode: ``compare`` (default) or ``record``."""
OUT_ENV = "COURSEKIT_GRADING_OUT"
"""Environment variable naming the directory record mode writes into."""
SECRET_ENV = "COURSEKIT_GRADING_SECRET"
"""Environment variable holding the per-course secret hidden seeds derive from."""

COMPARE = "compare"
RECORD = "record"


def mode() -> str:
    """The grading mode from ``COURSEKIT_GRADING_MODE`` (``"compare"`` when unset or empty)."""
    value = os.environ.get(MODE_ENV, "").strip().lower() or COMPARE
    if value not in (COMPARE, RECORD):
        raise ValueError(f"{MODE_ENV} must be '{COMPARE}' or '{RECORD}', got {value!r}")
    return value


def out_dir() -> str:
    """The record directory from ``COURSEKIT_GRADING_OUT`` (required in record mode)."""
    path = os.environ.get(OUT_ENV, "").strip()
    if not path:
        raise RuntimeError(
            f"{MODE_ENV}=record needs {OUT_ENV}=<directory> to write the results into"
        )
    return path


def secret() -> str | None:
    """The per-course secret from ``COURSEKIT_GRADING_SECRET``, or None when unset or empty."""
    return os.environ.get(SECRET_ENV) or None


def hidden_seed(secret: str, check_id: str) -> int:
    """The hidden seed of ``check_id`` for a course secret: the first 8 bytes of
    ``sha256(secret + "\\0" + check_id)``, little-endian.

    Examples
    --------
    >>> hidden_seed("s3cret", "a1.toy_chain_forward") == hidden_seed("s3cret", "a1.toy_chain_forward")
    True
    """
    digest = hashlib.sha256(f"{secret}\0{check_id}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def case_rng(seed: int, case: int) -> np.random.Generator:
    """The generator case ``case`` of a variant draws its inputs from."""
    return np.random.default_rng([int(seed), int(case)])


def resolve_seed(
    check_id: str, visible_seed: int, hidden: bool, seed: int | None, course_secret: str | None
) -> int:
    """The seed a call of ``check`` uses (see the module docstring for the rules)."""
    if not hidden:
        if seed is not None:
            raise ValueError(
                "seed= is only for hidden checks; visible checks use their documented seed"
            )
        return int(visible_seed)
    if course_secret:
        return hidden_seed(course_secret, check_id)
    if seed is None:
        raise ValueError(
            f"hidden check {check_id!r} needs a seed: pass seed= in the hidden test, or set {SECRET_ENV}"
        )
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)
