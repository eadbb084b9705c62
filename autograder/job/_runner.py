"""Runs *inside* the sandbox: execute one notebook's code cells and report progress down a pipe.

The cells run in a subclass of IPython's ``InteractiveShell`` (the shell that
ipykernel wraps), so magics, ``display``, ``get_ipython()`` and tracebacks
behave as in Jupyter; what needs a front end does nothing harmful instead:
``%matplotlib`` (any backend) draws off-screen, shell escapes (``!pip ...``,
``%pip``) are not run, ``input()`` fails with a clear message,
``tqdm.notebook`` is plain ``tqdm`` (no widgets), and the working directory
is on ``sys.path`` (a module written with ``%%writefile`` imports).  A Jupyter
kernel would cost about a second per submission for nothing the grader needs.

The report descriptor gets one JSON line before (``{"start": i}``) and after
(``{"done": i, "error": ...}``) each cell, and the harness writes the records
of the checks into it.  This process runs the student's code, so all of it
is a claim: the grader's trusted side enforces every time limit from outside
and parses every byte as hostile.  This file imports nothing from the
autograder or coursekit's reference code.

Usage: ``python -S _runner.py NOTEBOOK SITE REPORT_FD OUTPUT_BUDGET``
"""

from __future__ import annotations

import builtins
import importlib
import io
import json
import os
import sys
import traceback

SKIP_TAG = "skip-when-graded"


def code_cells(path: str) -> list[tuple[str, str]]:
    """(cell id, source) of every code cell to run, in order (cells tagged ``skip-when-graded`` left out)."""
    with open(path, encoding="utf-8") as fh:
        nb = json.load(fh)
    cells = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code" or SKIP_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        source = cell.get("source", "")
        cells.append((str(cell.get("id")), "".join(source) if isinstance(source, list) else source))
    return cells


class CappedStream(io.TextIOBase):
    """``sys.stdout``/``sys.stderr``: keeps the first ``budget`` characters, counts the rest."""

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

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        return self.target.encoding

    @property
    def buffer(self):
        """Bytes written here skip the budget; the grader caps the job's whole output."""
        return self.target.buffer


def _no_input(prompt: str = "") -> str:
    raise EOFError(
        "input() cannot be answered while the notebook is graded: nobody is there to type. "
        "Put the value in the code instead."
    )


def grading_shell():
    """An ``InteractiveShell`` that behaves like a Jupyter kernel without a front end."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.text import LSString, SList
    from traitlets.config import Config

    class GradingShell(InteractiveShell):
        def enable_gui(self, gui=None):  # no event loop: nothing is shown while grading
            return None

        def enable_matplotlib(self, gui=None):  # %matplotlib inline / widget / qt ...: draw off-screen
            import matplotlib

            matplotlib.use("Agg", force=True)
            return gui, "agg"

        def system(self, cmd):  # !cmd and %pip: not run (no network, nothing to install)
            print(f"[grader] shell command not run while grading: {str(cmd)[:200]}", file=sys.stderr)
            self.user_ns["_exit_code"] = 0

        system_raw = system_piped = system

        def getoutput(self, cmd, split=True, depth=0):
            self.system(cmd)
            return SList() if split else LSString("")

    config = Config()
    config.HistoryManager.enabled = False  # no sqlite history file per submission
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.autoindent = False
    return GradingShell.instance(config=config)


def first_error(error: BaseException | None) -> dict | None:
    """Type, message and line (in the cell) of a cell's error, for the student's feedback."""
    if error is None:
        return None
    line = getattr(error, "lineno", None) if isinstance(error, SyntaxError) else None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.startswith("<ipython-input") or frame.filename.startswith("<cell"):
            line = frame.lineno
    return {"type": type(error).__name__, "message": str(error)[:500], "line": line}


def run_cells(cells: list[tuple[str, str]], report_fd: int, budget: int) -> None:
    """Run every cell, telling the grader one JSON line before and after each."""

    def report(**message) -> None:
        try:
            os.write(report_fd, (json.dumps(message) + "\n").encode())
        except OSError:  # the student's code closed it: the grader's clock still runs
            pass

    counter = {"budget": budget, "used": 0, "dropped": 0}
    sys.stdout = CappedStream(sys.__stdout__, counter)
    sys.stderr = CappedStream(sys.__stderr__, counter)
    builtins.input = _no_input
    shell = grading_shell()
    for index, (cell_id, source) in enumerate(cells):
        report(start=index)
        importlib.invalidate_caches()  # a module written by the previous cell is found, as in Jupyter
        result = shell.run_cell(source, store_history=False, cell_id=cell_id)
        error = first_error(result.error_before_exec or result.error_in_exec)
        report(done=index, error=error, used=counter["used"], dropped=counter["dropped"])
    sys.stdout.flush()
    sys.stderr.flush()
    report(finished=True)
    os._exit(0)  # nothing is left to do: skip the interpreter's teardown (a tenth of a second per job)


class TqdmNotebookFallback:
    """``tqdm.notebook`` as plain ``tqdm``: its widget (``IProgress``) needs a Jupyter front end and ipywidgets.

    Without them ``from tqdm.notebook import trange`` fails ("IProgress not
    found") although the same line works in Jupyter; the grader shows no
    progress bars, so the text bar of ``tqdm.std`` is as good.  A meta path
    finder, so nothing of tqdm is imported unless the notebook imports it
    (and only when the assignment allows tqdm).
    """

    NAMES = ("tqdm.notebook",)

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.NAMES:
            return None
        import importlib.util

        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        from tqdm import std

        module.tqdm = module.tqdm_notebook = std.tqdm
        module.trange = module.tnrange = std.trange
        module.__all__ = ["tqdm_notebook", "tnrange", "tqdm", "trange"]


def main() -> int:
    path, site, report_fd, budget = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    sys.path.insert(1, site)  # python -S: the sandbox's site-packages is only what the assignment allows
    # As in Jupyter (IPython's init_path): the working directory first, so a module the notebook wrote
    # (%%writefile mylib.py) imports.  The working directory is the job's own scratch folder.
    sys.path.insert(0, "")
    sys.meta_path.insert(0, TqdmNotebookFallback())
    os.write(report_fd, b'{"hello": 1}\n')  # the sandbox started: from here on, failures are the notebook's
    run_cells(code_cells(path), report_fd, budget)
    return 0


if __name__ == "__main__":
    sys.exit(main())
