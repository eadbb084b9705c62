"""The worker side: run one submission in the sandbox and return plain data.

``run_task(task)`` runs in a pool process or on a Dask worker.  It rebuilds
the notebook from the instructor's source and the student's answers
(:mod:`autograder.rebuild`), executes it in record mode inside the sandbox
(:mod:`autograder.sandbox`), and returns a dict of strings, numbers and the
raw bytes of the record files.  Nothing from the student's process is ever
unpickled or imported here; the driver scores the bytes with
``coursekit.grading.compare_recorded``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .rebuild import EXTRA_CELL_PREFIX, NotebookError, parse_notebook, rebuild
from .sandbox import Limits, run_sandboxed

__all__ = ["run_task", "collect_records"]

RUNNER = Path(__file__).with_name("_runner.py")
_RECORD_NAME = re.compile(r"^[A-Za-z0-9_]+\.[A-Za-z0-9_]+\.(visible|hidden)\.(json|npz)$")
MAX_JSON = 2**20
MAX_NPZ = 64 * 2**20
MAX_TOTAL = 128 * 2**20
MAX_FILES = 400


def collect_records(directory: Path) -> tuple[dict[str, bytes], list[str]]:
    """Read record files from ``directory`` with strict caps; return them and the problems found.

    Only regular files (no symlinks, FIFOs, devices) with record names and
    sizes within the protocol's caps are kept, so hostile notebook code cannot make
    the worker read a device, follow a link out of the sandbox or fill memory.
    """
    records: dict[str, bytes] = {}
    problems: list[str] = []
    total = 0
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)[:MAX_FILES]
    except OSError:
        return records, ["no record directory"]
    for entry in entries:
        st = entry.stat(follow_symlinks=False)
        if not _RECORD_NAME.match(entry.name) or not stat.S_ISREG(st.st_mode):
            problems.append(f"ignored {entry.name[:80]!r}")
            continue
        cap = MAX_JSON if entry.name.endswith(".json") else MAX_NPZ
        if st.st_size > cap or total + st.st_size > MAX_TOTAL:
            problems.append(f"{entry.name} is too large ({st.st_size} bytes)")
            continue
        fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(cap + 1)
        if len(data) > cap:
            problems.append(f"{entry.name} grew too large")
            continue
        total += len(data)
        records[entry.name] = data
    return records, problems


def _job_env(workdir: Path) -> dict[str, str]:
    """The whole environment of the job: record mode, no secret, one thread, private Jupyter dirs."""
    venv_bin = str(Path(sys.executable).parent)
    return {
        "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
        "COURSEKIT_GRADING_MODE": "record",
        "COURSEKIT_GRADING_OUT": str(workdir / "records"),
        "JUPYTER_DATA_DIR": str(workdir / "jupyter-data"),
        "JUPYTER_CONFIG_DIR": str(workdir / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(workdir / "jupyter-runtime"),
        "IPYTHONDIR": str(workdir / "ipython"),
        "MPLCONFIGDIR": str(workdir / "mpl"),
        "MPLBACKEND": "Agg",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "LANG": "C.UTF-8",
    }


def _where(notebook: dict[str, Any], cell_id: Any) -> str:
    """A cell named for the student: its ``grade_id``, or the answer or test cell it follows."""
    last = None
    for cell in notebook["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.get("id") == cell_id:
            if grade_id:
                return f"cell '{grade_id}'"
            added = str(cell_id).startswith(EXTRA_CELL_PREFIX)
            kind = "a cell you added" if added else "the cell"
            return f"{kind} after '{last}'" if last else f"{kind} at the top"
        last = grade_id or last
    return "a cell"


def _run_status(result, summary: dict[str, Any] | None, wall: float,
                notebook: dict[str, Any]) -> tuple[str, str]:
    """Turn what happened into (status, reason for the student)."""
    if result.timed_out:
        return "timeout", f"the notebook ran longer than {wall:.0f} s and was stopped (an infinite loop?)"
    if summary is None:
        rc = result.returncode
        if rc is not None and rc < 0 and -rc == signal.SIGXFSZ:
            return "output_too_large", "the notebook wrote more output than allowed and was stopped"
        name = signal.Signals(-rc).name if rc is not None and rc < 0 else f"exit code {rc}"
        return "crashed", f"the notebook run crashed ({name}) before it finished"
    status = summary.get("status")
    where = _where(notebook, summary.get("cell"))
    if status == "cell_timeout":
        return "timeout", f"{where} ran longer than the per-cell time limit and was stopped (an infinite loop?)"
    if status == "kernel_died":
        return "kernel_died", (
            f"the Python kernel died while running {where} (os._exit, a crash such as a "
            "segfault, or too much memory); checks after that point were not run"
        )
    if status != "completed":
        return "crashed", f"the notebook could not be run ({str(summary.get('detail', status))[:200]})"
    if summary.get("dropped_chars", 0) > 0:
        return "output_truncated", "the notebook printed a huge amount of output; it was cut (no points lost)"
    return "graded", ""


def run_task(task: dict[str, Any]) -> dict[str, Any]:
    """Grade-side execution of one submission; returns data only.

    Parameters
    ----------
    task : dict
        ``assignment``, ``student``, ``key``, ``source`` (the source notebook
        as a dict), ``submission`` (bytes of the submitted notebook, or None),
        ``secret`` (str or None), ``limits`` (dict of :class:`Limits` fields),
        ``cell_timeout`` (int).

    Returns
    -------
    dict
        ``key``, ``status``, ``reason``, ``records`` (file name -> bytes),
        ``missing_cells``, ``seconds``, ``sandbox``, ``log_tail`` and, for a
        readable submission, ``notebook`` (the rebuilt notebook as a dict).
    """
    start = time.monotonic()
    out: dict[str, Any] = {
        "key": task["key"], "assignment": task["assignment"], "student": task["student"],
        "records": {}, "missing_cells": [], "log_tail": "", "sandbox": "",
    }
    if task.get("submission") is None:
        out.update(status="missing_notebook", reason=f"no {task['assignment']}.ipynb was submitted")
        out["seconds"] = time.monotonic() - start
        return out
    try:
        submitted = parse_notebook(task["submission"])
        built = rebuild(task["source"], submitted, task.get("secret"))
    except NotebookError as exc:
        out.update(status="malformed_notebook", reason=str(exc)[:500])
        out["seconds"] = time.monotonic() - start
        return out
    # What the instructor's tools see in autograded/: the same cells, the course's seeds left out.
    out["notebook"] = rebuild(task["source"], submitted, None).notebook
    limits = Limits(**task.get("limits", {}))
    base = Path(tempfile.mkdtemp(prefix="autograder-"))
    try:
        workdir, logdir = base / "job", base / "log"
        workdir.mkdir()
        logdir.mkdir()
        (workdir / "records").mkdir()
        nb_path = workdir / "notebook.ipynb"
        nb_path.write_text(json.dumps(built.notebook), encoding="utf-8")
        shutil.copy(RUNNER, workdir / "_runner.py")
        summary_path = workdir / "summary.json"
        cell_timeout = int(task.get("cell_timeout", 60))
        argv = [sys.executable, str(workdir / "_runner.py"), str(nb_path), str(summary_path),
                str(cell_timeout), "200000"]
        result = run_sandboxed(argv, workdir, _job_env(workdir), limits, logdir)
        summary = None
        if summary_path.is_file() and not summary_path.is_symlink() and summary_path.stat().st_size < 100_000:
            try:
                summary = json.loads(summary_path.read_text(encoding="utf-8"))
                summary = summary if isinstance(summary, dict) else None
            except (ValueError, UnicodeDecodeError):
                summary = None
        status, reason = _run_status(result, summary, limits.wall_seconds, built.notebook)
        records, problems = collect_records(workdir / "records")
        out.update(
            status=status, reason=reason, records=records, problems=problems,
            missing_cells=built.missing, sandbox=result.mode, log_tail=result.log_tail[-4000:],
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    out["seconds"] = time.monotonic() - start
    return out
