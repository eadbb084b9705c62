"""The worker side: run one submission in the sandbox and return plain data.

``run_task(task)`` runs in a pool process or on a Dask worker (both trusted).
It rebuilds the notebook from the instructor's source and the student's
answers (:mod:`autograder.rebuild`), draws this submission's inputs of every
check (:func:`coursekit.grading.write_grader_inputs`) and writes them as plain
data next to it, runs the notebook inside the sandbox (:mod:`autograder.job.sandbox`),
and returns a dict of strings, numbers, the raw bytes of the records the
harness sent, and their score (:mod:`autograder.job.scoring`, computed here in the
worker with the inputs it drew, so scoring runs in parallel).  Nothing from
the student's process is ever unpickled or imported here.
"""

from __future__ import annotations

import json
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from coursekit import grading

from ..identity import WRONG_NOTEBOOK, not_this_notebook
from ..rebuild import (
    EXTRA_CELL_PREFIX,
    MAX_NOTEBOOK_BYTES,
    NotebookError,
    NotebookTooLarge,
    grade_cells,
    parse_notebook,
    rebuild,
)
from ._runner import code_cells
from .imports import forbidden_import_notes
from .sandbox import Limits, SandboxResult, run_notebook
from .scoring import score

__all__ = ["run_task"]

RUNNER = Path(__file__).with_name("_runner.py")
START_TRIES = (0.5, 2.0)  # pauses before retrying a sandbox that failed to start


def _job_env() -> dict[str, str]:
    """The whole environment of the job: its inputs, one thread, private Jupyter and matplotlib dirs."""
    venv_bin = str(Path(sys.executable).parent)
    return {
        "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
        "COURSEKIT_GRADING_INPUTS": "{JOB}/inputs",
        "JUPYTER_DATA_DIR": "/tmp/home/.jupyter-data",
        "JUPYTER_CONFIG_DIR": "/tmp/home/.jupyter",
        "JUPYTER_RUNTIME_DIR": "/tmp/home/.jupyter-runtime",
        "IPYTHONDIR": "/tmp/home/.ipython",
        "MPLCONFIGDIR": "/tmp/home/.matplotlib",
        "MPLBACKEND": "Agg",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "LANG": "C.UTF-8",
    }


def _where(cells: list[tuple[str, str]], notebook: dict[str, Any], index: int | None) -> str:
    """A cell named for the student: its ``grade_id``, or the answer or test cell it follows."""
    if index is None or not 0 <= index < len(cells):
        return "a cell"
    cell_id = cells[index][0]
    last = None
    for cell in notebook["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if str(cell.get("id")) == cell_id:
            if grade_id:
                return f"cell '{grade_id}'"
            added = cell_id.startswith(EXTRA_CELL_PREFIX)
            kind = "a cell you added" if added else "the cell"
            return f"{kind} after '{last}'" if last else f"{kind} at the top"
        last = grade_id or last
    return "a cell"


def _run_status(result: SandboxResult, cells: list[tuple[str, str]], notebook: dict[str, Any],
                limits: Limits, cell_seconds: float) -> tuple[str, str]:
    """Turn what happened into (status, reason for the student)."""
    r = result.reports
    where = _where(cells, notebook, r.current)
    if result.stopped == "wall":
        return "timeout", f"the notebook ran longer than {limits.wall_seconds:.0f} s and was stopped (an infinite loop?)"
    if result.stopped == "cell":
        return "timeout", (f"{where} ran longer than the per-cell time limit ({cell_seconds:.0f} s) and was "
                           "stopped (an infinite loop?); checks after it were not run")
    if result.stopped == "memory":
        return "memory_limit", (f"the notebook used more than {limits.job_memory_bytes >> 20} MiB of memory (all "
                                "its processes and files in /tmp and /dev/shm together) and was stopped while "
                                f"running {where}; checks after it were not run")
    if result.stopped == "cpu":
        return "timeout", (f"the notebook used more than {limits.cpu_seconds} s of CPU time (all its processes "
                           f"together) and was stopped while running {where}")
    if result.stopped in ("output", "disk"):
        what = "wrote more data to disk" if result.stopped == "disk" else "sent more output"
        return "output_too_large", f"the notebook {what} than allowed and was stopped while running {where}"
    if r.broken:  # whatever the exit code: without the complete, well-formed report nothing after it is known
        return "report_corrupted", (
            f"the notebook wrote into the grader's report channel while running {where} "
            f"({r.problems[0] if r.problems else 'corrupted'}); nothing reported after that point could be "
            "trusted, so the checks after it were not counted")
    if not r.finished:
        rc = result.returncode
        if rc is not None and rc < 0 and -rc == signal.SIGXFSZ:
            return "output_too_large", "the notebook wrote a file larger than allowed and was stopped"
        return "kernel_died", (
            f"the kernel died while running {where} (os._exit, a crash such as a segfault, "
            "or too much memory); checks after that point were not run"
        )
    if r.dropped_chars > 0:
        return "output_truncated", "the notebook printed a huge amount of output; it was cut (no points lost)"
    return "graded", ""


def _run_once(jobdir: Path, base: Path, n_cells: int, limits: Limits, cell_seconds: float,
              allowed: tuple[str, ...]) -> SandboxResult:
    scratch = Path(tempfile.mkdtemp(prefix="log-", dir=base))
    return run_notebook(jobdir, ["200000"], _job_env(), allowed, n_cells, cell_seconds, limits, scratch)


def _cell_errors(result: SandboxResult, cells: list[tuple[str, str]], notebook: dict[str, Any],
                 test_cells: set[str]) -> list[dict[str, Any]]:
    """The first error of each cell, named for the student (test cells too: their cause is named)."""
    return [{"cell": _where(cells, notebook, e.cell), "error": f"{e.type}: {e.message}".strip(": "),
             "line": e.line, "test": cells[e.cell][0] in test_cells}
            for e in result.reports.errors]


def run_task(task: dict[str, Any]) -> dict[str, Any]:
    """Grade-side execution of one submission; returns data only.

    Parameters
    ----------
    task : dict
        ``assignment``, ``student``, ``key``, ``source`` (the source notebook
        as a dict), ``submission`` (bytes of the submitted notebook, or None),
        ``secret`` (str), ``limits`` (dict of :class:`Limits` fields),
        ``cell_timeout`` (seconds).

    Returns
    -------
    dict
        ``key``, ``status``, ``reason``, ``records`` (``"<check>.<variant>"`` ->
        (JSON bytes, NPZ bytes)), ``missing_cells``, ``notes``, ``cell_errors``,
        ``problems``, ``seconds``, ``sandbox``, ``log_tail`` and, for a readable
        submission, ``notebook`` (the rebuilt notebook as a dict).
    """
    start = time.monotonic()
    out: dict[str, Any] = {
        "key": task["key"], "assignment": task["assignment"], "student": task["student"],
        "records": {}, "missing_cells": [], "notes": [], "cell_errors": [], "problems": [],
        "log_tail": "", "sandbox": "",
    }
    if task.get("too_large"):  # plan did not even read it: more than the grader reads of one notebook
        out.update(status="notebook_too_large", seconds=time.monotonic() - start,
                   reason=(f"the notebook file is {task['too_large']:,} bytes, more than the limit of "
                           f"{MAX_NOTEBOOK_BYTES:,} bytes (outputs included); clear its outputs and submit it again"))
        return out
    if task.get("submission") is None:
        out.update(status="missing_notebook", reason=f"no {task['assignment']}.ipynb was submitted",
                   seconds=time.monotonic() - start)
        return out
    try:
        submitted = parse_notebook(task["submission"])
        built = rebuild(task["source"], submitted, task["secret"])
    except NotebookError as exc:  # over a size limit: a status of its own, naming the limit
        status = "notebook_too_large" if isinstance(exc, NotebookTooLarge) else "malformed_notebook"
        out.update(status=status, reason=str(exc)[:500], seconds=time.monotonic() - start)
        return out
    wrong = not_this_notebook(task["assignment"], task["source"], submitted, task.get("others"))
    if wrong:  # not run: its own outcome, not a silent 0 "graded" with a note per missing answer
        out.update(status=WRONG_NOTEBOOK, reason=wrong, notebook=rebuild(task["source"], submitted, None).notebook,
                   seconds=time.monotonic() - start)
        try:
            out["scored"] = score(out, grade_cells(task["source"]), task["secret"])
        except Exception:  # noqa: BLE001  (the driver scores it again and records any failure)
            out["scored"] = None
        return out
    # What the instructor's tools see in autograded/: the same cells, the test cells as in source/.
    out["notebook"] = rebuild(task["source"], submitted, None).notebook
    out["missing_cells"] = built.missing
    out["notes"] = list(built.notes)
    limits = Limits(**task.get("limits", {}))
    cell_seconds = float(task.get("cell_timeout", 60))
    prefix = grading.assignment_prefix(task["assignment"])
    allowed = grading.allowed_imports(prefix)
    base = Path(tempfile.mkdtemp(prefix="autograder-"))
    try:
        jobdir = base / "job"
        (jobdir / "inputs").mkdir(parents=True)
        nb_path = jobdir / "notebook.ipynb"
        nb_path.write_text(json.dumps(built.notebook), encoding="utf-8")
        shutil.copy(RUNNER, jobdir / "_runner.py")
        # Hidden inputs are drawn for this attempt (the key hashes the submitted bytes): a resubmission
        # gets new ones, so nothing learned from an earlier attempt's run or feedback scores.
        drawn = grading.write_grader_inputs(str(jobdir / "inputs"), prefix, task["secret"], task["student"],
                                            task["key"])
        cells = code_cells(str(nb_path))
        result = _run_once(jobdir, base, len(cells), limits, cell_seconds, allowed)
        retried = 0
        for pause in START_TRIES:  # the sandbox itself failed to start: never the student's fault
            if result.reports.hello:
                break
            time.sleep(pause)
            retried += 1
            result = _run_once(jobdir, base, len(cells), limits, cell_seconds, allowed)
        out.update(sandbox=result.mode, log_tail=result.log_tail[-4000:], retried=retried,
                   problems=result.reports.problems[:10])
        if not result.reports.hello:
            first = result.log_tail.strip().splitlines()[:1]
            out.update(status="error", reason="the grader could not start the sandbox "
                       f"({first[0][:200] if first else 'no message'}); run grade again")
        else:
            status, reason = _run_status(result, cells, built.notebook, limits, cell_seconds)
            tests = {str(c.get("id")) for c in built.notebook["cells"]
                     if c.get("metadata", {}).get("nbgrader", {}).get("grade")
                     and not c.get("metadata", {}).get("nbgrader", {}).get("solution")}
            out.update(status=status, reason=reason, records=result.reports.records,
                       cell_errors=_cell_errors(result, cells, built.notebook, tests))
            out["notes"] += forbidden_import_notes(out["cell_errors"], allowed)  # why, not just the error
    finally:
        shutil.rmtree(base, ignore_errors=True)
    out["seconds"] = time.monotonic() - start
    if out["status"] != "error":  # scored here, in parallel, with the inputs drawn above
        try:
            out["scored"] = score(out, grade_cells(task["source"]), task["secret"], drawn)
        except Exception:  # noqa: BLE001  (the driver scores it again and records any failure)
            out["scored"] = None
    return out
