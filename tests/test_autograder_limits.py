"""A job is held to its share of the machine (issue 19, items 2 and 4), through the real CLI.

Real submissions of a1 graded by ``python -m autograder grade``: one fills
``/dev/shm`` and forks memory hogs, one starts busy ``setsid()`` children and
never ends its cell while an honest student is graded next to it, one fakes
cell starts from a thread.  Each must end with the status of the limit it
hit, the honest student must keep full marks, and nothing of the jobs
(cgroups, processes) may be left afterwards.  Then the job uid leases, under
concurrency.

The cgroup tests need writable cgroups (root, or a delegated cgroup v2): they
are skipped without them on a developer's machine and FAIL under ``CI=true``,
where the grader runs as root and cgroups must work.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from autograder.job import cgroups
from autograder.check import _BUSY_CHILDREN
from autograder.job.jobuid import lease_uid, uid_pids
from autograder.job.sandbox import bwrap_path

ROOT = Path(__file__).resolve().parents[1]
COURSE = ROOT / "assignments"
A1 = "a1_backprop_by_hand"
CELL_TIMEOUT = 20  # generous: CI shares its cores; the tests assert which limit stopped a job, not when


def _require(available: bool, what: str) -> None:
    """Skip on a developer's machine; fail under CI=true, where the limit must hold."""
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is not available under CI=true: the grader's limits do not hold")
    pytest.skip(f"{what} is not available here (required under CI=true)")


def _needs_cgroups_and_bwrap() -> None:
    support = cgroups.support()
    _require(support.version is not None and {"memory", "pids", "cpu"} <= set(support.limits),
             f"writable cgroups ({support.problem})")
    _require(bwrap_path() is not None, "bubblewrap")


# Writes 1 GiB to /dev/shm (a tmpfs: its pages are memory that belongs to no process), then forks
# 4 children of 512 MiB each that wait a little, and waits for them.
_MEMORY_HOG = """# after: toy_chain_forward
import os, time
written = 0
try:
    with open("/dev/shm/fill", "wb") as fh:
        for _ in range(1024):
            fh.write(b"x" * (1 << 20))
            written += 1
except OSError:
    pass
children = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        block = b"y" * (512 << 20)  # written, so every page is really used
        time.sleep(5)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
"""

# Busy children, each in a session of its own (out of the job's process group): 64 first, whose CPU
# share is measured (more than one CPU: os._exit, status kernel_died), then up to 1000, and a cell
# that never ends.
_CPU_HOG = "# after: toy_chain_forward\n" + _BUSY_CHILDREN  # the same attack as `check`'s busy_children

# A thread reports that the next cell started every 3 s while this cell sleeps far past the cell limit.
_FAKE_STARTS = """# after: toy_chain_forward
import json, os, threading, time
cells = json.load(open(os.path.join(os.path.dirname(os.environ["COURSEKIT_GRADING_INPUTS"]), "notebook.ipynb")))
code = [c for c in cells["cells"] if c["cell_type"] == "code"
        and "skip-when-graded" not in c.get("metadata", {}).get("tags", [])]
me = next(i for i, c in enumerate(code) if "FAKE-STARTS-MARKER" in "".join(c["source"]))
fd = int(os.environ["COURSEKIT_GRADING_FD"])

def fake():
    for k in range(me + 1, len(code)):
        time.sleep(3)
        os.write(fd, json.dumps({"start": k}).encode() + b"\\n")

threading.Thread(target=fake, daemon=True).start()
time.sleep(SLEEP)
""".replace("SLEEP", str(3 * CELL_TIMEOUT))


def _with_cell(solution: dict, snippet: str) -> dict:
    nb = json.loads(json.dumps(solution))
    idx = next(i for i, c in enumerate(nb["cells"])
               if c["metadata"].get("nbgrader", {}).get("grade_id") == "toy_chain_forward")
    source = snippet.replace("# after: toy_chain_forward", "# FAKE-STARTS-MARKER" if "fake()" in snippet else "#")
    nb["cells"].insert(idx + 1, {"cell_type": "code", "id": "extra", "metadata": {}, "execution_count": None,
                                 "outputs": [], "source": source})
    return nb


def _processes_in_job_cgroups() -> list[int]:
    """Processes still in a job cgroup of ours (every process of a job starts in one and cannot leave it)."""
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if cgroups.PREFIX in Path(f"/proc/{entry.name}/cgroup").read_text():
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    _needs_cgroups_and_bwrap()
    course = tmp_path_factory.mktemp("limits") / "course"
    course.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", course)
    shutil.copytree(COURSE / "source" / A1, course / "source" / A1)
    solution = json.loads((course / "source" / A1 / f"{A1}.ipynb").read_text())
    # Sorted by name: the CPU hog and the honest student start together on the two workers.
    for student, nb in {"a_cpu_hog": _with_cell(solution, _CPU_HOG), "b_honest": solution,
                        "c_memory_hog": _with_cell(solution, _MEMORY_HOG),
                        "d_fake_starts": _with_cell(solution, _FAKE_STARTS)}.items():
        folder = course / "submitted" / student / A1
        folder.mkdir(parents=True)
        (folder / f"{A1}.ipynb").write_text(json.dumps(nb))
    before = set(cgroups.leftovers())
    proc = subprocess.run([sys.executable, "-m", "autograder", "--course", str(course), "grade", A1,
                           "--workers", "2", "--cell-timeout", str(CELL_TIMEOUT), "--timeout", "200",
                           "--no-progress"], check=False, capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    from autograder.store import ResultsStore

    store = ResultsStore(course / "autograded" / ".autograder" / "results.sqlite")
    rows = {r["student"]: r for r in store.rows(A1)}
    store.close()
    return {"rows": rows, "stdout": proc.stdout, "left_cgroups": set(cgroups.leftovers()) - before,
            "left_processes": _processes_in_job_cgroups()}


def _total(row: dict) -> tuple[float, float]:
    return row["score"], row["max_score"]


def test_shm_and_forked_memory_hogs_end_with_a_memory_status_not_full_marks(graded):
    row = graded["rows"]["c_memory_hog"]
    assert row["status"] == "memory_limit", (row["status"], row["reason"])
    assert "MiB of memory" in row["reason"] and "/dev/shm" in row["reason"]
    score, full = _total(row)
    assert score < full


def test_a_cpu_hog_leaves_the_honest_student_graded_normally(graded):
    honest = graded["rows"]["b_honest"]
    assert honest["status"] == "graded" and _total(honest)[0] == _total(honest)[1] > 0, honest["reason"]
    hog = graded["rows"]["a_cpu_hog"]
    assert hog["status"] == "timeout" and "per-cell time limit" in hog["reason"], hog["reason"]
    assert _total(hog)[0] < _total(hog)[1]


def test_a_thread_faking_cell_starts_does_not_extend_the_cell_limit(graded):
    row = graded["rows"]["d_fake_starts"]
    assert row["status"] == "timeout" and "per-cell time limit" in row["reason"], (row["status"], row["reason"])
    assert "a cell you added after 'toy_chain_forward'" in row["reason"]


def test_the_limits_are_listed_and_nothing_of_the_jobs_is_left(graded):
    assert "cgroup: memory of all the job's processes" in graded["stdout"]
    assert "/dev/shm 64 MiB" in graded["stdout"]
    assert "WARNING" not in graded["stdout"]
    assert graded["left_cgroups"] == set()
    assert graded["left_processes"] == []


def test_doctor_lists_which_limits_hold():
    proc = subprocess.run([sys.executable, "-m", "autograder", "doctor"], check=False, capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    held = cgroups.support()
    if held.version is None:
        assert "WARNING: no cgroup per job" in proc.stdout and "can take the host's memory" in proc.stdout
    else:
        for line in ("cgroup: memory of all", "cgroup: processes and threads", "cgroup: CPU quota"):
            assert line in proc.stdout
    off = subprocess.run([sys.executable, "-m", "autograder", "doctor"], check=False, capture_output=True, text=True,
                         cwd=ROOT, timeout=120, env={**os.environ, "AUTOGRADER_NO_CGROUPS": "1"})
    assert "WARNING: no cgroup per job" in off.stdout and "its CPU is not held" in off.stdout


# --- job uids -------------------------------------------------------------------------------------

def _hold_a_uid(results, barrier) -> None:
    with lease_uid() as lease:
        results.put(lease.uid)
        barrier.wait(timeout=60)  # every lease is held at once


def test_job_uids_are_exclusive_across_threads_and_processes():
    if os.geteuid() != 0:
        pytest.skip("job uids are only used as root")
    n_threads, n_procs = 6, 6
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(n_threads + n_procs), ctx.Queue()
    procs = [ctx.Process(target=_hold_a_uid, args=(results, barrier)) for _ in range(n_procs)]
    threads = [threading.Thread(target=_hold_a_uid, args=(results, barrier)) for _ in range(n_threads)]
    for worker in procs + threads:
        worker.start()
    for worker in procs + threads:
        worker.join(timeout=120)
    uids = [results.get(timeout=10) for _ in range(n_threads + n_procs)]
    assert len(set(uids)) == len(uids), sorted(uids)
    assert all(p.exitcode == 0 for p in procs)


def test_a_leased_uid_is_not_leased_again_until_released_and_stragglers_are_reaped():
    if os.geteuid() != 0:
        pytest.skip("job uids are only used as root")
    first = lease_uid()
    straggler = subprocess.Popen(["sleep", "600"], user=first.uid)
    try:
        others = [lease_uid() for _ in range(20)]
        assert first.uid not in {o.uid for o in others}
        assert uid_pids(first.uid) == [straggler.pid]  # a live job's processes are never touched
        for other in others:
            other.release()
        first.release()
        again = lease_uid(first=first.uid)  # the next lease of the ended job's uid reaps what it left
        assert again.uid == first.uid
        assert straggler.wait(timeout=10) == -9 and uid_pids(first.uid) == []
        again.release()
    finally:
        straggler.kill()


# --- the sandbox itself (one tiny notebook each) -------------------------------------------------

def _run_cells(tmp_path: Path, *cells: str):
    from autograder.job._runner import code_cells
    from autograder.job.executor import RUNNER, _job_env
    from autograder.job.sandbox import Limits, run_notebook

    job = tmp_path / "job"
    (job / "inputs").mkdir(parents=True)
    nb = {"cells": [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": src, "outputs": [],
                     "execution_count": None} for i, src in enumerate(cells)],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (job / "notebook.ipynb").write_text(json.dumps(nb))
    shutil.copy(RUNNER, job / "_runner.py")
    (tmp_path / "scratch").mkdir()
    n = len(code_cells(str(job / "notebook.ipynb")))
    return run_notebook(job, ["100000"], _job_env(), ("numpy",), n, float(CELL_TIMEOUT),
                        Limits(wall_seconds=120), tmp_path / "scratch")


_WRITABLE = """import os
def fill(path, mib):
    done = 0
    try:
        with open(path, "wb") as fh:
            for _ in range(mib):
                fh.write(b"x" * (1 << 20))
                fh.flush()
                done += 1
    except OSError:
        pass
    return done
print("shm", fill("/dev/shm/fill", 200), "root", fill("/fill", 8), "dev", fill("/dev/fill", 8))
"""


def test_dev_shm_is_sized_and_the_root_and_dev_are_read_only(tmp_path):
    _require(bwrap_path() is not None, "bubblewrap")
    result = _run_cells(tmp_path, _WRITABLE)
    assert result.reports.finished and result.mode == "bwrap"
    words = result.log_tail.split()
    written = dict(zip(words[::2], map(int, words[1::2])))
    assert written == {"shm": 64, "root": 0, "dev": 0}, result.log_tail


def test_without_cgroups_jobs_still_run_and_the_warning_says_what_is_unprotected(tmp_path, monkeypatch):
    monkeypatch.setattr(cgroups, "support", lambda: cgroups.Support(None, (), "not root"))
    result = _run_cells(tmp_path, "x = 1")
    assert result.reports.finished and result.stopped is None and result.cpu_seconds == 0.0
    warning = [line for line in result.protections if line.startswith("WARNING: no cgroup per job (not root)")]
    assert warning and "can take the host's memory" in warning[0] and "its CPU is not held" in warning[0]


def test_a_dead_grader_s_job_cgroup_is_emptied_and_removed_and_a_live_one_is_not(monkeypatch):
    _require(cgroups.support().version is not None, "writable cgroups")
    dead = subprocess.Popen(["true"])
    dead.wait()  # a pid that no process has now
    monkeypatch.setattr(cgroups, "_new_name", lambda: f"{cgroups.PREFIX}{dead.pid}-1-test")
    orphan = cgroups.create(cgroups.CgroupLimits(memory_bytes=2**28, pids=16, cpus=1.0))
    monkeypatch.setattr(cgroups, "_new_name", lambda: f"{cgroups.PREFIX}{os.getpid()}-1-test")
    live = cgroups.create(cgroups.CgroupLimits(memory_bytes=2**28, pids=16, cpus=1.0))
    left = subprocess.Popen(["sleep", "600"], preexec_fn=orphan.attach)  # noqa: PLW1509 (no threads here)
    try:
        assert orphan.pids() == [left.pid]
        assert cgroups.sweep_orphans() == [orphan.name]
        assert left.wait(timeout=10) == -9
        names = {p.name for p in cgroups.leftovers()}
        assert orphan.name not in names and live.name in names
    finally:
        left.kill()
        orphan.close()
        live.close()


def test_a_start_counts_only_after_the_previous_cell_is_done():
    from autograder.job.reports import ReportReader

    reader = ReportReader(4)
    reader.feed(b'{"hello": 1}\n{"start": 0}\n')
    assert reader.current == 0
    reader.feed(b'{"start": 1}\n{"start": 2}\n{"start": 0}\n')  # forged while cell 0 runs: ignored
    assert reader.current == 0
    reader.feed(b'{"done": 0, "error": null, "used": 0, "dropped": 0}\n{"start": 2}\n')  # skips cell 1: ignored
    assert reader.current == 0
    reader.feed(b'{"start": 1}\n')
    assert reader.current == 1
