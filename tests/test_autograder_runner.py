"""The in-sandbox runner (``autograder/_runner.py``) on its own: how a run ends, whatever the cells do.

The runner is exercised here without the sandbox, on tiny notebooks, so each
way of ending (normal, error, timeout, ``os._exit``, a signal, a closed
report pipe, garbage on the pipe, too much output) is checked in ~2 s.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("IPython")

RUNNER = Path(__file__).resolve().parent.parent / "autograder" / "_runner.py"


def run(tmp_path: Path, *cells: str, timeout: int = 5, budget: int = 1000) -> tuple[dict, float]:
    nb = {"cells": [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": src, "outputs": [],
                     "execution_count": None} for i, src in enumerate(cells)],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "nb.ipynb").write_text(json.dumps(nb))
    start = time.monotonic()
    subprocess.run([sys.executable, str(RUNNER), str(tmp_path / "nb.ipynb"), str(tmp_path / "summary.json"),
                    str(timeout), str(budget)], capture_output=True, timeout=120, check=True)
    return json.loads((tmp_path / "summary.json").read_text()), time.monotonic() - start


def test_cells_share_one_namespace_and_errors_are_listed_per_cell(tmp_path):
    summary, _ = run(tmp_path, "x = 41", "x += 1\nassert x == 42", "1 / 0", "%time y = x")
    assert summary["status"] == "completed"
    assert summary["errors"] == [{"cell": "c2", "ename": "ZeroDivisionError"}]


def test_a_loop_is_stopped_at_the_cell_timeout(tmp_path):
    summary, seconds = run(tmp_path, "x = 1", "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True: pass",
                           timeout=1)
    assert (summary["status"], summary["cell"]) == ("cell_timeout", "c1") and seconds < 10


@pytest.mark.parametrize(("cell", "how"), [
    ("import os; os._exit(3)", "exit code 3"),
    ("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", "signal SIGSEGV"),
    ("import os\nfor fd in range(3, 64):\n    try:\n        os.close(fd)\n    except OSError:\n        pass", "exit code 0"),
])
def test_a_dying_child_is_reported_with_its_cell(tmp_path, cell, how):
    summary, seconds = run(tmp_path, "x = 1", cell, "x = 2")
    assert (summary["status"], summary["cell"]) == ("kernel_died", "c1") and how in summary["detail"]
    assert seconds < 10


def test_garbage_on_the_report_pipe_does_not_break_the_watchdog(tmp_path):
    # The student's code can reach the pipe, so reports are claims (they never carry points);
    # malformed ones must not crash or hang the watchdog.
    forge = ("import os\nfor fd in range(3, 64):\n    try:\n"
             "        os.write(fd, b'{\"start\": 999}\\n{\"done\": 0, \"used\": \"x\"}\\n[1]\\n' + b'y' * 100000)\n"
             "    except OSError:\n        pass")
    summary, seconds = run(tmp_path, forge, "1 / 0")
    assert summary["status"] == "completed" and {"cell": "c1", "ename": "ZeroDivisionError"} in summary["errors"]
    summary, seconds = run(tmp_path, forge + "\nos._exit(0)")  # the forged report is the last one
    assert summary["status"] == "kernel_died" and isinstance(summary["output_chars"], int) and seconds < 10


def test_output_beyond_the_budget_is_counted_and_dropped(tmp_path):
    summary, _ = run(tmp_path, "print('x' * 5000)", "import sys; _ = sys.stdout.buffer.write(b'bytes')", budget=1000)
    assert summary["status"] == "completed" and summary["dropped_chars"] == 4001 and summary["errors"] == []
