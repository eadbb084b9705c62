"""The trusted driver: plan, run tasks on a pool or Dask, score the records, write the gradebook.

Data flow for one submission::

    plan (key = hash) -> executor.run_task in a worker (sandbox) -> record bytes
    -> score() here: score_records in this process -> gradebook + results store

Student code never runs in this process.  Every failure of a submission ends
as a status with a reason; the class run always completes.
"""

from __future__ import annotations

import ctypes
import json
import os
import secrets
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import gradebook
from .job.executor import run_task
from .job.sandbox import Limits
from .job.scoring import score, storable
from .plan import Course, plan_tasks
from .rebuild import grade_cells, nbgrader_cells
from .secret import load_secret
from .store import ResultsStore

__all__ = ["GradeOptions", "course_secret", "grade", "score"]


@dataclass
class GradeOptions:
    """Options of ``grade`` (the CLI flags)."""

    course: Path
    assignments: list[str] = field(default_factory=list)  # empty: all
    students: list[str] | None = None
    workers: int = 0  # 0: number of CPUs
    scheduler: str | None = None  # tcp://host:8786 -> Dask distributed
    force: bool = False
    db_url: str | None = None
    secret: str | None = None
    cell_timeout: int = 60
    limits: Limits = field(default_factory=Limits)
    progress: bool = True


def course_secret(course: Course, given: str | None) -> str:
    """The per-course secret: the flag, ``$COURSEKIT_GRADING_SECRET``, or its file (see :mod:`autograder.secret`).

    Raises :class:`autograder.secret.SecretError` when the file is where it could leak.
    """
    return load_secret(course.root, given)


def _failed_raw(task: dict[str, Any], exc: BaseException) -> dict[str, Any]:
    """A worker that itself failed (lost Dask worker, broken pool) still yields a status."""
    return {"assignment": task["assignment"], "student": task["student"], "key": task["key"],
            "status": "error", "reason": f"the grader failed on this submission ({type(exc).__name__})",
            "records": {}, "missing_cells": [], "seconds": 0.0, "log_tail": repr(exc)[:2000]}


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_in_task = False
_driver_gone = False


class _DriverGone(BaseException):
    """Raised in a pool worker whose driver died: unwinds the task (its sandbox is killed on the way)."""


def _on_driver_death(signum: int, frame: Any) -> None:
    global _driver_gone
    if _driver_gone:
        return
    _driver_gone = True
    if not _in_task:
        os._exit(1)
    raise _DriverGone  # run_notebook's ``finally`` kills the job's processes before the worker exits


def _watch_driver(driver_pid: int) -> None:
    """Where the kernel cannot signal a parent's death: notice it by polling."""
    while os.getppid() == driver_pid:
        time.sleep(1.0)
    os.kill(os.getpid(), signal.SIGTERM)


def _worker_init(driver_pid: int) -> None:
    """Pool worker start-up: die with the driver, even one killed with ``kill -9``.

    Linux signals the worker (``PR_SET_PDEATHSIG``) when the driver dies; a
    thread watching ``getppid()`` does the same elsewhere.  Either way the
    signal handler unwinds the running task, so the sandbox's processes are
    killed too, and then the worker exits.
    """
    signal.signal(signal.SIGTERM, _on_driver_death)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the watching thread alone
        pass
    if os.getppid() != driver_pid:  # the driver died before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_driver, args=(driver_pid,), daemon=True, name="watch-driver").start()


def _pool_task(task: dict[str, Any]) -> dict[str, Any]:
    """``run_task`` in a pool worker; a dead driver ends the worker once the task has cleaned up."""
    global _in_task
    _in_task = True
    try:
        return run_task(task)
    except _DriverGone:
        os._exit(1)
    finally:
        _in_task = False


def _run_local(tasks: list[dict[str, Any]], workers: int) -> Iterator[dict[str, Any]]:
    with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init, initargs=(os.getpid(),)) as pool:
        futures = {pool.submit(_pool_task, t): t for t in tasks}
        for fut in as_completed(futures):
            try:
                yield fut.result()
            except Exception as exc:  # noqa: BLE001  (one submission, not the class run)
                yield _failed_raw(futures[fut], exc)


def _run_dask(tasks: list[dict[str, Any]], scheduler: str) -> Iterator[dict[str, Any]]:
    from distributed import Client
    from distributed import as_completed as dask_completed

    with Client(scheduler) as client:
        futures = {client.submit(run_task, t, pure=False, key=f"grade-{t['assignment']}-{t['student']}-{t['key'][:12]}"): t for t in tasks}
        by_key = {f.key: t for f, t in futures.items()}
        for fut in dask_completed(list(futures)):
            try:
                yield fut.result()
            except Exception as exc:  # noqa: BLE001
                yield _failed_raw(by_key[fut.key], exc)


def _progress(stream: Iterator[dict[str, Any]], total: int, show: bool) -> Iterator[dict[str, Any]]:
    """``stream`` with a tqdm bar (submissions graded) when asked for."""
    if not show or not total:
        yield from stream
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="nb", desc="grading") as bar:
        for item in stream:
            yield item
            bar.update(1)


def grade(opts: GradeOptions) -> dict[str, Any]:
    """Grade every pending submission; returns counts (graded, skipped, by status).

    Results are written as they arrive (gradebook first, then the store), so a
    killed run resumes where it stopped.
    """
    course = Course(Path(opts.course).resolve())
    secret = course_secret(course, opts.secret)
    assignments = opts.assignments or course.assignments()
    with gradebook.GradebookWriter(opts.db_url or gradebook.default_db_url(course.root)) as book, \
            ResultsStore(course.state / "results.sqlite") as store:
        tasks: list[dict[str, Any]] = []
        cells: dict[str, list[dict[str, Any]]] = {}
        skipped = 0
        for a in assignments:
            source = json.loads(course.source_notebook(a).read_text(encoding="utf-8"))
            cells[a] = grade_cells(source)
            book.ensure_assignment(a, nbgrader_cells(source))
            todo, done = plan_tasks(course, a, store.done(a), force=opts.force, students=opts.students)
            skipped += len(done)
            for t in todo:
                t.update(secret=secret, limits=asdict(opts.limits), cell_timeout=opts.cell_timeout)
            tasks += todo
        counts: dict[str, int] = {}
        start = time.monotonic()
        workers = opts.workers or os.cpu_count() or 1
        stream = _run_dask(tasks, opts.scheduler) if opts.scheduler else _run_local(tasks, workers)
        reasons: dict[str, list[str]] = {}
        retried = 0
        for raw in _progress(stream, len(tasks), opts.progress):
            result = _record(course, book, store, raw, cells[raw["assignment"]], secret)
            counts[result["status"]] = counts.get(result["status"], 0) + 1
            retried += result.get("retried", 0) > 0
            if result["status"] != "graded":
                reasons.setdefault(result["status"], []).append(f"{result['student']}: {result['reason']}")
    return {"graded": len(tasks), "skipped": skipped, "statuses": counts, "reasons": reasons,
            "retried": retried, "seconds": time.monotonic() - start}


def _record(course: Course, book: Any, store: ResultsStore, raw: dict[str, Any],
            cells: list[dict[str, Any]], secret: str) -> dict[str, Any]:
    """Score one submission and write it everywhere; any failure here is that submission's status only."""
    try:
        result = raw.get("scored") or score(raw, cells, secret)  # workers score; a failed worker did not
        book.write_scores(result["assignment"], result["student"],
                          {c["grade_id"]: c["score"] for c in result["cells"]})
        _write_autograded(course, raw, result)
    except Exception as exc:  # noqa: BLE001  (one submission must never stop the class run)
        result = storable({
            "assignment": raw.get("assignment"), "student": raw.get("student"), "key": raw.get("key"),
            "status": "error", "reason": f"the grader failed on this submission ({type(exc).__name__}: "
            f"{str(exc)[:200]}); run grade again, and report it if it persists",
            "notes": [], "cell_errors": [], "problems": [], "cells": [], "score": 0.0,
            "max_score": sum(c["points"] for c in cells if c["auto"]), "seconds": 0.0, "retried": 0,
            "sandbox": "", "log_tail": "",
        })
    store.put(result)  # after the gradebook: a killed run redoes this submission
    return result


def _write_autograded(course: Course, raw: dict[str, Any], result: dict[str, Any]) -> None:
    """nbgrader's ``autograded/<student>/<a>/``: the notebook for the formgrader, and a JSON summary.

    The notebook is the rebuilt one (the student's answers in the instructor's
    cells), each test cell showing its result as output, so the formgrader and
    ``nbgrader generate_feedback`` work on it as on nbgrader's own.  Files are
    replaced atomically and never deleted.
    """
    folder = course.autograded / raw["student"] / raw["assignment"]
    folder.mkdir(parents=True, exist_ok=True)
    files = {"autograder.json": json.dumps({k: v for k, v in result.items() if k != "log_tail"}, indent=1)}
    if raw.get("notebook"):
        files[f"{raw['assignment']}.ipynb"] = json.dumps(_with_results(raw["notebook"], result), indent=1)
    for name, text in files.items():
        tmp = folder / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(folder / name)


def _with_results(notebook: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """The notebook with each autograded cell's points and message as a stream output."""
    by_grade_id = {c["grade_id"]: c for c in result["cells"] if c["auto"]}
    for cell in notebook["cells"]:
        scored = by_grade_id.get(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"))
        if scored and cell["cell_type"] == "code":
            text = f"[autograder] {scored['score']:g} / {scored['max_score']:g} points. {scored['message']}".strip()
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": text + "\n"}]
    if result["status"] != "graded" and result.get("reason"):
        notebook["cells"].insert(0, {"cell_type": "markdown", "id": "autograder-status", "metadata": {},
                                     "source": f"**Autograder: {result['status']}.** {result['reason']}"})
    return notebook
