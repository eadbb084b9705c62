"""Runs *inside* the sandbox: execute one notebook's code cells and write a small summary.

The cells run in IPython's ``InteractiveShell``, the shell that ipykernel
wraps (magics, ``display``, ``get_ipython()`` and tracebacks as in Jupyter),
in a forked child.  A Jupyter kernel would cost about a second per submission
(start-up and the ZeroMQ round trips) for nothing the grader needs: no
outputs are kept, the record files are the result.  This parent stays a
small watchdog that the student's code never runs in: it stops a cell that
runs past its time limit, however it loops (ignoring signals, stuck in C
code), and notices a child that dies (``os._exit``, a segfault, memory).

This file is copied into the job's private directory and run there by the
sandbox's Python, so it imports nothing from the autograder.  It shares the
sandbox with the student's code, so the driver treats its summary (like the
record files) as a claim, never as a score.

Usage: ``python _runner.py NOTEBOOK SUMMARY CELL_TIMEOUT OUTPUT_BUDGET``
"""

from __future__ import annotations

import io
import json
import os
import select
import signal
import sys
import time

START_ALLOWANCE = 60.0  # seconds for the child to import IPython before its first cell
MAX_REPORT = 4096  # bytes: the longest report line the parent keeps


def code_cells(path: str) -> list[tuple[str, str]]:
    """(cell id, source) of every code cell, in order."""
    with open(path, encoding="utf-8") as fh:
        nb = json.load(fh)
    cells = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            cells.append((str(cell.get("id")), "".join(source) if isinstance(source, list) else source))
    return cells


class CappedStream(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` of the child: keeps the first ``budget`` characters, counts the rest."""

    def __init__(self, target, counter: dict[str, int]):
        self.target, self.counter = target, counter

    def write(self, text: str) -> int:
        text = str(text)
        room = self.counter["budget"] - self.counter["used"]
        self.counter["used"] += len(text)
        if room < len(text):
            self.counter["dropped"] += len(text) - max(room, 0)
            text = text[: max(room, 0)]
        if text:
            self.target.write(text)
        return len(text)

    def flush(self) -> None:
        self.target.flush()

    def fileno(self) -> int:
        return self.target.fileno()

    @property
    def encoding(self) -> str:
        return self.target.encoding

    @property
    def buffer(self):
        """Bytes written here skip the budget; the sandbox's file-size limit still caps them."""
        return self.target.buffer


def run_cells(cells: list[tuple[str, str]], report_fd: int, budget: int) -> None:
    """The child: run every cell, telling the parent one JSON line before and after each."""

    def report(**message) -> None:
        os.write(report_fd, (json.dumps(message) + "\n").encode())

    counter = {"budget": budget, "used": 0, "dropped": 0}
    sys.stdout = CappedStream(sys.__stdout__, counter)
    sys.stderr = CappedStream(sys.__stderr__, counter)
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False  # no sqlite history file per submission
    config.InteractiveShell.colors = "nocolor"
    shell = InteractiveShell.instance(config=config)
    for index, (cell_id, source) in enumerate(cells):
        report(start=index)
        result = shell.run_cell(source, store_history=False, cell_id=cell_id)
        error = result.error_before_exec or result.error_in_exec
        report(done=index, error=type(error).__name__ if error else None,
               used=counter["used"], dropped=counter["dropped"])
    sys.stdout.flush()
    sys.stderr.flush()
    report(finished=True)


def watch(child: int, read_fd: int, cells: list[tuple[str, str]], timeout: float) -> dict:
    """The parent: follow the child's reports, stop it on a cell timeout, describe how it ended."""
    summary: dict = {"status": "completed", "errors": [], "output_chars": 0, "dropped_chars": 0}
    deadline, current, buffer, finished, status = time.monotonic() + START_ALLOWANCE, None, b"", False, None
    pipe_open = True
    while not finished and status is None:
        if time.monotonic() > deadline:
            os.kill(child, signal.SIGKILL)
            summary.update(status="cell_timeout", detail=f"a cell ran longer than {timeout:.0f} s")
            break
        # Short waits: a child that died while its own children hold the pipe open is noticed too.
        wait = min(0.5, max(0.0, deadline - time.monotonic()))
        if not pipe_open:  # the student's code closed it: keep timing the current cell
            time.sleep(min(wait, 0.05))
        elif select.select([read_fd], [], [], wait)[0]:
            chunk = os.read(read_fd, 65536)
            pipe_open = bool(chunk)
            *lines, buffer = (buffer + chunk).split(b"\n")
            buffer = buffer[-MAX_REPORT:]  # a line longer than any report is not one
            for line in lines:
                message = _parse(line, len(cells))
                if "start" in message:
                    current, deadline = message["start"], time.monotonic() + timeout
                elif "done" in message:
                    if message.get("error") and len(summary["errors"]) < 50 and current is not None:
                        summary["errors"].append({"cell": cells[current][0], "ename": str(message["error"])[:100]})
                    summary["output_chars"] = message.get("used", 0)
                    summary["dropped_chars"] = message.get("dropped", 0)
                finished = finished or message.get("finished") is True
            if chunk:
                continue
        pid, status = os.waitpid(child, os.WNOHANG)
        status = status if pid else None
    if status is None:
        _, status = os.waitpid(child, 0)
    if summary["status"] == "completed" and not finished:
        how = (f"signal {_signal_name(os.WTERMSIG(status))}" if os.WIFSIGNALED(status)
               else f"exit code {os.waitstatus_to_exitcode(status)}")
        summary.update(status="kernel_died", detail=f"the notebook's process ended ({how})")
    if summary["status"] != "completed" and current is not None:
        summary["cell"] = cells[current][0]  # where it stopped, for the student's feedback
    return summary


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _parse(line: bytes, n_cells: int) -> dict:
    """One report line; anything malformed (the student's code may write to the pipe) is ignored."""
    try:
        message = json.loads(line)
    except ValueError:
        return {}
    if not isinstance(message, dict):
        return {}
    if "start" in message and not (isinstance(message["start"], int) and 0 <= message["start"] < n_cells):
        return {}
    if not all(isinstance(message.get(k, 0), int) for k in ("used", "dropped")):
        return {}
    return message


def main() -> int:
    path, summary_path, timeout, budget = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    cells = code_cells(path)
    read_fd, write_fd = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(read_fd)
        try:
            run_cells(cells, write_fd, budget)
        finally:
            os._exit(0)  # never return into the parent's code
    os.close(write_fd)
    summary = watch(child, read_fd, cells, timeout)
    with open(summary_path, "w", encoding="utf-8") as fh:
        json.dump(summary, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
