"""The trusted reader of the job's report pipe: progress lines and record frames, parsed as hostile bytes.

The runner and the harness write into one pipe::

    {"hello": 1}                                     the sandbox started
    {"start": i}            {"done": i, "error": {"type", "message", "line"} | null, "used": n, "dropped": n}
    {"finished": true}
    {"record": "<check id>.<variant>", "json": n, "npz": m}   then n + m raw bytes

Everything in it was written by a process the student controls, so every
line is bounded and parsed strictly (:func:`coursekit.grading.untrusted.load_json`),
cells start one at a time in order (a start counts only after the previous
cell's done), and the first malformed byte ends the parsing of the whole
stream (what came before it is kept).  The reader never
raises: it notes the problem instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from coursekit.grading.record import MAX_JSON_BYTES, MAX_NPZ_BYTES
from coursekit.grading.untrusted import UntrustedDataError, clean_text, load_json

__all__ = ["MAX_LINE", "MAX_RECORDS", "CellError", "ReportReader"]

MAX_LINE = 4096
MAX_RECORDS = 400
_RECORD_NAME = re.compile(r"^[a-z][a-z0-9]{0,15}\.[A-Za-z0-9_]{1,80}\.(visible|hidden)$")


@dataclass
class CellError:
    """The first error of one cell, cleaned for the student's feedback."""

    cell: int
    type: str
    message: str
    line: int | None


def _clean(text: Any, limit: int) -> str:
    return clean_text(text, limit) if isinstance(text, str) else ""


def _small_int(value: Any, limit: int = 1 << 40) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < limit
    return value if ok else None


@dataclass
class ReportReader:
    """Feed it the pipe's bytes as they arrive; read what is known so far from its fields."""

    n_cells: int
    hello: bool = False
    finished: bool = False
    current: int | None = None  # the cell that started last
    done: int = -1  # the last cell that reported done
    output_chars: int = 0
    dropped_chars: int = 0
    errors: list[CellError] = field(default_factory=list)
    records: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    broken: bool = False
    _buffer: bytearray = field(default_factory=bytearray)
    _pending: tuple[str, int, int] | None = None

    def feed(self, chunk: bytes) -> None:
        """Parse as much of the stream as has arrived."""
        if self.broken:
            return
        self._buffer += chunk
        while not self.broken and self._step():
            pass

    def _stop(self, why: str) -> None:
        self.broken = True
        self.problems.append(f"the report stream was corrupted ({why}); later reports were ignored")
        self._buffer = bytearray()

    def _step(self) -> bool:
        """Consume one complete line or frame; False when more bytes are needed."""
        if self._pending is not None:
            name, n_json, n_npz = self._pending
            if len(self._buffer) < n_json + n_npz:
                return False
            data = bytes(self._buffer[: n_json + n_npz])
            del self._buffer[: n_json + n_npz]
            self._pending = None
            if name not in self.records and len(self.records) >= MAX_RECORDS:
                self._stop("too many records")
                return False
            self.records[name] = (data[:n_json], data[n_json:])  # a later record replaces an earlier one
            return True
        end = self._buffer.find(b"\n", 0, MAX_LINE + 1)
        if end < 0:
            if len(self._buffer) > MAX_LINE:
                self._stop("a line is too long")
            return False
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        try:
            message = load_json(line, max_bytes=MAX_LINE, max_depth=3, max_items=64, max_str=1000)
        except UntrustedDataError as err:
            self._stop(str(err))
            return False
        if not isinstance(message, dict):
            self._stop("a line is not an object")
            return False
        self._message(message)
        return True

    def _message(self, m: dict[str, Any]) -> None:
        if m.get("hello") == 1 and len(m) == 1:
            self.hello = True
        elif "record" in m:
            name, n_json, n_npz = m.get("record"), _small_int(m.get("json")), _small_int(m.get("npz"))
            if not isinstance(name, str) or not _RECORD_NAME.match(name) or n_json is None or n_npz is None:
                self._stop("a malformed record header")
            elif n_json > MAX_JSON_BYTES or n_npz > MAX_NPZ_BYTES:
                self._stop(f"record {name} is larger than allowed")
            else:
                self._pending = (name, n_json, n_npz)
        elif "start" in m:
            index = _small_int(m.get("start"), self.n_cells)
            # One cell at a time, in order: a start counts only once the cell before it reported done,
            # so a start forged while a cell runs cannot restart its clock (the grader's, see sandbox).
            if index is not None and index == self.done + 1 and self.current == (None if index == 0 else self.done):
                self.current = index
        elif "done" in m:
            index = _small_int(m.get("done"), self.n_cells)
            if index is None or index != self.current:
                return
            self.done = index
            self.output_chars = _small_int(m.get("used")) or 0
            self.dropped_chars = _small_int(m.get("dropped")) or 0
            error = m.get("error")
            if isinstance(error, dict) and len(self.errors) < 100:
                self.errors.append(CellError(index, _clean(error.get("type"), 100),
                                             _clean(error.get("message"), 500), _small_int(error.get("line"), 10**6)))
        elif m.get("finished") is True:
            self.finished = True
