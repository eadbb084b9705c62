"""Text from the student's process, made safe to show: bounded, and without the numbers it may carry.

Every string that comes out of the grading sandbox (an exception message of a
visible case, a cell's first error, a "wrong type" message of a patched
harness, a function name in a location) was written by a process that could
read this attempt's hidden inputs.  Before any of it reaches a feedback page,
the autograded notebook, ``status`` or ``report.html`` it goes through
:func:`student_text`:

* it is cut to a small length (one line of a few hundred characters), so a
  page of feedback cannot carry a table of numbers;
* every number is replaced by ``…`` except the first few small integers
  (at most 3 digits, no decimal point): what an honest error message needs
  (shapes such as ``(3, 4)``, a line or an axis) stays, the floats of an
  input array do not;
* exception class names must be identifiers, and locations are reduced to
  ``in <identifier>, line <n> of its cell``.

This is a bound, not a proof: a determined student can spell a number in
letters.  What makes such a leak worthless is that hidden inputs are drawn
anew for every attempt (:func:`coursekit.grading.seeds.student_seed`), so
nothing learned from one run scores on the next.
"""

from __future__ import annotations

import re

from .untrusted import clean_text

__all__ = ["MESSAGE_CHARS", "REDACTED", "student_error_type", "student_location", "student_text"]

MESSAGE_CHARS = 300
"""Characters of one message from the student's process that are shown (after redaction)."""
SMALL_INTS = 8
"""How many small integers (shapes, axes, counts) one message keeps."""
REDACTED = "…"

_NUMBER = re.compile(
    r"0[xXoObB][0-9a-fA-F_]+"
    r"|[-+]?(?:\d[\d_]*(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?"
    r"|(?i:\b(?:nan|inf|infinity)\b)"
)
_SMALL_INT = re.compile(r"[-+]?\d{1,3}")
_ERROR_TYPE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,59}")
_LOCATION = re.compile(r"in ([A-Za-z_<>][A-Za-z0-9_<>.]{0,40}), line (\d{1,6}) of its (cell|file)")


def student_text(text: object, limit: int = MESSAGE_CHARS) -> str:
    """``text`` from the student's process, bounded and with its numbers redacted.

    Parameters
    ----------
    text : object
        Anything (non-strings become ``""``).
    limit : int
        Characters kept, before redaction.

    Examples
    --------
    >>> student_text("shapes (3,4) and (5,) not aligned")
    'shapes (3,4) and (5,) not aligned'
    >>> student_text("x = [0.12345 -1.5e-3 42], key a1, v12345")
    'x = [… … 42], key a1, v…'
    """
    if not isinstance(text, str):
        return ""
    kept = [0]

    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        if _SMALL_INT.fullmatch(token) and kept[0] < SMALL_INTS:
            kept[0] += 1
            return token
        return REDACTED

    return _NUMBER.sub(one, clean_text(text, limit))


def student_error_type(name: object) -> str:
    """An exception's class name as the student may see it: an identifier of at most 60 characters.

    Examples
    --------
    >>> student_error_type("ValueError"), student_error_type("x 0.123456")
    ('ValueError', 'an exception')
    """
    if isinstance(name, str) and _ERROR_TYPE.fullmatch(name):
        return student_text(name, 60)
    return "an exception"


def student_location(location: object) -> str | None:
    """``"in f, line 7 of its cell"`` when ``location`` has exactly that form, else None."""
    if not isinstance(location, str):
        return None
    match = _LOCATION.fullmatch(location.strip())
    return match.group(0) if match else None
