"""Run the student's code for one case: quietly, with tripwires, catching everything.

Three things make a correct answer safe from harmless noise and an answer
that reuses coursekit's own implementation easy to spot:

* ``captured_output`` collects what the student's code prints (to
  ``sys.stdout``, ``sys.stderr`` or the raw file descriptors 1 and 2) and the
  warnings it raises.  Plain nbgrader gives zero points to a test cell that
  writes to stderr, so nothing may leak.
* ``Tripwire`` watches, with ``sys.setprofile``, every Python function call
  made while the student's code runs, and notes any whose code lives in a
  forbidden coursekit module (e.g. ``coursekit.autograd`` in the assignment
  where the student writes an autograd engine).  It sees through aliases,
  subclasses and ``from coursekit... import``: whatever path leads there,
  the forbidden code itself has to run.
* ``run_student`` turns every exception of the student's code into an
  :class:`Outcome` instead of letting it escape.
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import io
import os
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np

from .convert import to_float_array
from .registry import Check, WrongType

__all__ = [
    "EXCEPTION",
    "FORBIDDEN",
    "OK",
    "STATUSES",
    "WRONG_TYPE",
    "Outcome",
    "Tripwire",
    "captured_output",
    "run_student",
]

OK = "ok"
EXCEPTION = "exception"
WRONG_TYPE = "wrong_type"
FORBIDDEN = "forbidden"
STATUSES = (OK, EXCEPTION, WRONG_TYPE, FORBIDDEN)

_PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # .../coursekit


@dataclass
class Outcome:
    """What happened when the student's code ran on one case.

    Attributes
    ----------
    status : str
        ``"ok"``, ``"exception"`` (the student's code raised), ``"wrong_type"``
        (it returned something unusable) or ``"forbidden"`` (it ran coursekit
        code the exercise asks the student to write).
    outputs : dict of str to ndarray
        The converted outputs (status ``"ok"`` only).
    error_type, error_message : str or None
        Exception class name and message (``"exception"``), or the problem
        (``"wrong_type"``).
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


# ---------------------------------------------------------------------------
# Output capture
# ---------------------------------------------------------------------------
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
    with tempfile.TemporaryFile() as raw, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with (
                _file_descriptors_to(raw),
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


# ---------------------------------------------------------------------------
# Tripwires
# ---------------------------------------------------------------------------
def _module_location(name: str) -> tuple[str, bool]:
    """(path, is_package) of an importable module, without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ValueError(f"forbidden module {name!r} cannot be found")
    if spec.submodule_search_locations:
        return os.path.normcase(os.path.abspath(os.path.dirname(spec.origin))) + os.sep, True
    return os.path.normcase(os.path.abspath(spec.origin)), False


class Tripwire:
    """Note every call into the code of ``modules`` while active (a context manager).

    Parameters
    ----------
    modules : tuple of str
        Dotted module or package names, e.g. ``("coursekit.autograd", "coursekit.nn")``.

    Attributes
    ----------
    used : list of str
        The modules whose code ran, in order of first use.

    Examples
    --------
    >>> import coursekit as ck
    >>> with Tripwire(("coursekit.autograd",)) as wire:
    ...     _ = ck.tensor([1.0]) * 2
    >>> wire.used
    ['coursekit.autograd']
    """

    def __init__(self, modules: tuple[str, ...]) -> None:
        self.modules = tuple(modules)
        self._locations = [(name, *_module_location(name)) for name in self.modules]
        self._cache: dict[Any, str | None] = {}
        self.used: list[str] = []
        self._previous: Any = None

    def _owner(self, filename: str) -> str | None:
        path = (
            os.path.normcase(os.path.abspath(filename))
            if filename and not filename.startswith("<")
            else ""
        )
        for name, location, is_package in self._locations:
            if (is_package and path.startswith(location)) or (not is_package and path == location):
                return name
        return None

    def _hook(self, frame: Any, event: str, arg: Any) -> None:
        if event != "call":
            return
        code = frame.f_code
        owner = self._cache.get(code, "")
        if owner == "":
            owner = self._cache[code] = self._owner(code.co_filename)
        if owner is not None and owner not in self.used:
            self.used.append(owner)

    def __enter__(self) -> Self:
        self._previous = sys.getprofile()
        sys.setprofile(self._hook)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(self._previous)


# ---------------------------------------------------------------------------
# Running the student's code
# ---------------------------------------------------------------------------
def _is_student_file(filename: str) -> bool:
    if not filename or filename.startswith("<frozen"):
        return False
    path = os.path.abspath(filename)
    if path.startswith(_PACKAGE_ROOT + os.sep):
        return False
    prefixes = {os.path.abspath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    return not any(path.startswith(p + os.sep) for p in prefixes)


def _location(err: BaseException) -> str | None:
    """ "in f, line 3" for the deepest frame of the student's own code."""
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if _is_student_file(frame.filename):
            where = (
                "its cell"
                if "ipykernel" in frame.filename or frame.filename.startswith("<")
                else "its file"
            )
            return f"in {frame.name}, line {frame.lineno} of {where}"
    return None


def _returns_coursekit_tensor(raw: dict[str, Any]) -> bool:
    tensor_module = sys.modules.get("coursekit.autograd.tensor")
    if tensor_module is None:
        return False
    return any(isinstance(v, tensor_module.Tensor) for v in raw.values())


def run_student(check: Check, student: Any, inputs: dict[str, Any]) -> Outcome:
    """Run ``check.call(student, copy of inputs)`` and convert its outputs; never raises for the student's errors.

    The student's code gets a deep copy of the inputs, so it may modify them
    in place without changing what the reference sees.
    """
    private = copy.deepcopy(inputs)
    wire = Tripwire(check.forbidden) if check.forbidden else None
    outcome = Outcome(status=OK)
    start = time.perf_counter()
    with captured_output() as cap:
        try:
            with wire if wire is not None else contextlib.nullcontext():
                raw = check.call(student, private)
                if (
                    wire is not None
                    and "coursekit.autograd" in check.forbidden
                    and _returns_coursekit_tensor(raw)
                ):
                    wire.used.append("coursekit.autograd")
                outcome.outputs = {name: to_float_array(value, name) for name, value in raw.items()}
        except WrongType as err:
            outcome = Outcome(status=WRONG_TYPE, error_type="WrongType", error_message=str(err))
        except (Exception, SystemExit) as err:  # noqa: BLE001  (the student's code may raise anything)
            outcome = Outcome(
                status=EXCEPTION,
                error_type=type(err).__name__,
                error_message=str(err)[:2000],
                location=_location(err),
            )
    if wire is not None and wire.used:
        outcome = Outcome(status=FORBIDDEN, used=tuple(dict.fromkeys(wire.used)))
    outcome.printed = cap.text
    outcome.warnings = cap.warnings
    outcome.seconds = time.perf_counter() - start
    return outcome
