"""Run the student's code for one case: quietly, catching everything, outputs as float64 arrays.

This file runs inside the grading sandbox (and in a student's own notebook),
so it imports NumPy and the standard library only.

* ``captured_output`` collects what the student's code prints (to
  ``sys.stdout``, ``sys.stderr`` or the raw file descriptors 1 and 2) and the
  warnings it raises: printing never costs points, and nothing reaches the
  notebook's stderr (which plain nbgrader scores as a failure).
* ``run_call`` turns every exception of the student's code into an
  :class:`Outcome` instead of letting it escape.
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "EXCEPTION",
    "FORBIDDEN",
    "OK",
    "STATUSES",
    "WRONG_TYPE",
    "Captured",
    "Outcome",
    "WrongType",
    "captured_output",
    "run_call",
    "to_float_array",
]

OK = "ok"
EXCEPTION = "exception"
WRONG_TYPE = "wrong_type"
FORBIDDEN = "forbidden"
STATUSES = (OK, EXCEPTION, WRONG_TYPE, FORBIDDEN)

_HARNESS_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class WrongType(Exception):
    """The student's code returned something of the wrong kind (the message is shown to the student)."""


@dataclass
class Outcome:
    """What happened when the student's code ran on one case.

    Attributes
    ----------
    status : str
        ``"ok"``, ``"exception"`` (the student's code raised), ``"wrong_type"``
        (it returned something unusable) or ``"forbidden"`` (compare mode only:
        it ran coursekit code the exercise asks the student to write).
    outputs : dict of str to ndarray
        The converted outputs (status ``"ok"`` only).
    error_type, error_message : str or None
        Exception class name and message, or the problem (``"wrong_type"``).
    location : str or None
        Where in the student's code the exception was raised ("in f, line 3").
    used : tuple of str
        The forbidden modules whose code ran (``"forbidden"``).
    printed : str
        What the student's code printed (stdout and stderr).
    warnings : tuple of str
        The warnings it raised, as text.
    seconds : float
        Wall-clock time of the case.
    """

    status: str
    outputs: dict[str, np.ndarray] = field(default_factory=dict)
    error_type: str | None = None
    error_message: str | None = None
    location: str | None = None
    used: tuple[str, ...] = ()
    printed: str = ""
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0


def to_float_array(value: Any, name: str) -> np.ndarray:
    """``value`` as a new float64 ndarray (lenient: ints, bools, lists, 0-d arrays are fine).

    Raises
    ------
    WrongType
        For None, strings, dicts, sets, and anything that is not real numbers.

    Examples
    --------
    >>> to_float_array([1, 2], "x")
    array([1., 2.])
    """
    if value is None:
        raise WrongType(f"{name} is None (did the function forget to return it?)")
    if isinstance(value, (str, bytes, dict, set)):
        raise WrongType(f"{name} should be numbers, got a {type(value).__name__}")
    try:
        arr = np.asarray(value)
    except Exception as err:  # noqa: BLE001  (any failure of the student's object)
        raise WrongType(
            f"{name} could not be read as an array of numbers ({type(err).__name__})"
        ) from None
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise WrongType(
            f"{name} should be real numbers, got an array of dtype {arr.dtype} (from {type(value).__name__})"
        )
    return np.array(arr, dtype=np.float64, copy=True, order="C", subok=False)


@contextlib.contextmanager
def _file_descriptors_to(target: Any) -> Iterator[None]:
    """Point fds 1 and 2 at ``target`` (a file) for the duration, then restore them."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(Exception):
            stream.flush()
    saved: dict[int, int] = {}
    try:
        for fd in (1, 2):
            try:
                saved[fd] = os.dup(fd)
                os.dup2(target.fileno(), fd)
            except OSError:
                saved.pop(fd, None)
        yield
    finally:
        for fd, copy_fd in saved.items():
            with contextlib.suppress(OSError):
                os.dup2(copy_fd, fd)
            with contextlib.suppress(OSError):
                os.close(copy_fd)


@dataclass
class Captured:
    """Text printed and warnings raised inside :func:`captured_output`."""

    text: str = ""
    warnings: tuple[str, ...] = ()


@contextlib.contextmanager
def captured_output() -> Iterator[Captured]:
    """Capture prints (Python-level and file-descriptor-level) and warnings; nothing reaches the notebook."""
    result = Captured()
    buffer = io.StringIO()
    try:
        raw = tempfile.TemporaryFile()
    except OSError:  # e.g. the student's code filled the disk: capture Python-level output only
        raw = None
    with raw if raw is not None else contextlib.nullcontext(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with (
                _file_descriptors_to(raw) if raw is not None else contextlib.nullcontext(),
                contextlib.redirect_stdout(buffer),
                contextlib.redirect_stderr(buffer),
            ):
                yield result
        finally:
            with contextlib.suppress(Exception):
                raw.seek(0)
                buffer.write(raw.read(1 << 16).decode("utf-8", "replace"))
            result.text = buffer.getvalue()
            result.warnings = tuple(f"{w.category.__name__}: {w.message}" for w in caught)


def _is_student_file(filename: str) -> bool:
    if not filename or filename.startswith("<frozen"):
        return False
    path = os.path.abspath(filename)
    if path.startswith(_HARNESS_ROOT + os.sep):
        return False
    prefixes = {os.path.abspath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    return not any(path.startswith(p + os.sep) for p in prefixes) and "site-packages" not in path


def location(err: BaseException) -> str | None:
    """``"in f, line 3 of its cell"`` for the deepest frame of the student's own code."""
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if _is_student_file(frame.filename):
            where = (
                "its cell"
                if "ipykernel" in frame.filename or frame.filename.startswith("<")
                else "its file"
            )
            return f"in {frame.name}, line {frame.lineno} of {where}"
    return None


def run_call(
    call: Callable[[Any, dict[str, Any]], dict[str, Any]],
    student: Any,
    inputs: dict[str, Any],
    guard: Any = None,
) -> Outcome:
    """Run ``call(student, copy of inputs)`` and convert its outputs; never raises for the student's errors.

    The student's code gets a deep copy of the inputs, so it may change them
    in place.  ``guard`` is an optional context manager active while the
    student's code runs (compare mode's tripwire).

    Examples
    --------
    >>> run_call(lambda f, inp: {"y": f(inp["x"])}, lambda x: 2 * x, {"x": 1.5}).outputs
    {'y': array(3.)}
    >>> run_call(lambda f, inp: {"y": f(inp["x"])}, lambda x: 1 / 0, {"x": 1.5}).error_type
    'ZeroDivisionError'
    """
    private = copy.deepcopy(inputs)
    outcome = Outcome(status=OK)
    start = time.perf_counter()
    with captured_output() as cap:
        try:
            with guard if guard is not None else contextlib.nullcontext():
                raw = call(student, private)
                outcome.outputs = {name: to_float_array(value, name) for name, value in raw.items()}
        except WrongType as err:
            outcome = Outcome(status=WRONG_TYPE, error_type="WrongType", error_message=str(err))
        except (Exception, SystemExit) as err:  # noqa: BLE001  (the student's code may raise anything)
            outcome = Outcome(
                status=EXCEPTION,
                error_type=type(err).__name__,
                error_message=str(err)[:2000],
                location=location(err),
            )
    outcome.printed = cap.text
    outcome.warnings = cap.warnings
    outcome.seconds = time.perf_counter() - start
    return outcome
