"""``python -m autograder grade`` at its edges: bounded work, a corrupted report stream, a killed driver.

Real submissions of a1 are graded through the real CLI in a temporary
course: a notebook over the cell limit gets ``notebook_too_large`` (before
any work is spent on it), a notebook whose nbgrader metadata has the wrong
types grades normally, a notebook that writes garbage into the report
channel and exits 0 is ``report_corrupted`` (never ``graded``), and after
``kill -9`` of the driver no pool worker and no sandbox process is left.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("nbgrader")
pytest.importorskip("IPython")

from autograder.rebuild import MAX_CELLS

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "assignments"
A1 = "a1_backprop_by_hand"


def _course(tmp: Path) -> Path:
    course = tmp / "course"
    course.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", course)
    (course / "source").mkdir()
    shutil.copytree(COURSE / "source" / A1, course / "source" / A1)
    return course


def _solution() -> dict:
    return json.loads((COURSE / "source" / A1 / f"{A1}.ipynb").read_text())


def _code(source: str, cell_id: str) -> dict:
    return {"cell_type": "code", "id": cell_id, "metadata": {}, "execution_count": None, "outputs": [],
            "source": source}


def _put(course: Path, student: str, nb: dict) -> None:
    folder = course / "submitted" / student / A1
    folder.mkdir(parents=True)
    (folder / f"{A1}.ipynb").write_text(json.dumps(nb))


def _rows(course: Path) -> dict[str, dict]:
    db = sqlite3.connect(course / "autograded" / ".autograder" / "results.sqlite")
    try:
        return {s: json.loads(d) for s, d in db.execute("SELECT student, data FROM results")}
    finally:
        db.close()


def _grade_cli(course: Path, *extra: str, **popen) -> subprocess.Popen | subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "autograder", "--course", str(course), "grade", A1, "--no-progress", *extra]
    if popen:
        return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **popen)
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)


def test_over_limit_corrupted_and_odd_metadata_submissions_through_the_cli(tmp_path):
    course = _course(tmp_path)
    many = _solution()
    many["cells"] += [{"cell_type": "raw", "metadata": {}, "source": []}] * (MAX_CELLS + 1)
    _put(course, "many_cells", many)
    corrupt = _solution()
    corrupt["cells"].insert(0, _code('import os\nos.write(int(os.environ["COURSEKIT_GRADING_FD"]), '
                                     'b"\\x00 not a report\\n")\n', "garbage"))
    _put(course, "corrupt", corrupt)
    odd = _solution()
    for cell in odd["cells"]:
        nbg = cell["metadata"].get("nbgrader")
        if nbg and nbg.get("solution"):  # answer cells keep a usable grade_id; the rest get odd types
            nbg["points"] = "lots"
            nbg["locked"] = [1]
    odd["cells"].append({"cell_type": "code", "id": "x" * 500, "execution_count": None, "outputs": [],
                         "metadata": {"nbgrader": {"grade_id": ["test_sigmoid_neuron"], "grade": "yes"}},
                         "source": "x = 1"})
    _put(course, "odd_metadata", odd)
    proc = _grade_cli(course, "--workers", "2", "--cell-timeout", "60")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = _rows(course)
    assert rows["many_cells"]["status"] == "notebook_too_large"
    assert f"{MAX_CELLS:,}" in rows["many_cells"]["reason"] and f"{MAX_CELLS + len(_solution()['cells']) + 1:,} cells" \
        in rows["many_cells"]["reason"]
    assert rows["corrupt"]["status"] == "report_corrupted" and rows["corrupt"]["score"] == 0
    assert rows["odd_metadata"]["status"] == "graded"
    assert rows["odd_metadata"]["score"] == rows["odd_metadata"]["max_score"] > 0
    autograded = course / "autograded" / "odd_metadata" / A1 / f"{A1}.ipynb"
    assert autograded.stat().st_size < 2 * (COURSE / "source" / A1 / f"{A1}.ipynb").stat().st_size
    status = subprocess.run([sys.executable, "-m", "autograder", "--course", str(course), "status", A1], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, check=False)
    assert "many_cells: notebook_too_large" in status.stdout and "corrupt: report_corrupted" in status.stdout


def _descendants(pid: int) -> set[int]:
    """Every living process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_9_of_the_driver_takes_its_workers_and_sandboxes_with_it(tmp_path):
    course = _course(tmp_path)
    for student in ("loop_a", "loop_b"):
        nb = _solution()
        nb["cells"].insert(0, _code("while True:\n    pass\n", "loop"))
        _put(course, student, nb)
    driver = _grade_cli(course, "--workers", "2", "--cell-timeout", "600", start_new_session=True)
    seen: set[int] = set()
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:  # until both jobs are running in their sandboxes
            seen |= _descendants(driver.pid)
            if sum("_runner.py" in _cmdline(p) for p in seen if _alive(p)) >= 2:
                break
            time.sleep(0.5)
        else:
            pytest.fail("the sandboxed jobs never started")
        seen |= _descendants(driver.pid)
        os.kill(driver.pid, signal.SIGKILL)
        driver.wait()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(_alive(p) for p in seen):
            time.sleep(0.5)
        left = {p: _cmdline(p) for p in seen if _alive(p)}
        assert not left, f"still running after the driver was killed: {left}"
    finally:
        for pid in seen:  # what this test started, by pid, if the assertion failed
            if _alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        if driver.poll() is None:
            driver.kill()
            driver.wait()


def test_a_file_over_the_raw_limit_is_never_read_into_a_task(tmp_path, monkeypatch):
    """plan hashes it in chunks and sends only its size; the worker gives it its own status."""
    import autograder.plan as plan_module
    from autograder.job.executor import run_task

    course = _course(tmp_path)
    _put(course, "huge", _solution())
    size = (course / "submitted" / "huge" / A1 / f"{A1}.ipynb").stat().st_size
    small, _ = plan_module.plan_tasks(plan_module.Course(course), A1, {})
    monkeypatch.setattr(plan_module, "MAX_NOTEBOOK_BYTES", 1000)
    (task,), _ = plan_module.plan_tasks(plan_module.Course(course), A1, {})
    assert task["submission"] is None and task["too_large"] == size
    assert task["key"] == small[0]["key"]  # the same key as when the bytes were read whole
    out = run_task({**task, "secret": "s"})
    assert out["status"] == "notebook_too_large" and f"{size:,} bytes" in out["reason"]
