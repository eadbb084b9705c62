"""The runner and the grader's watch over it (``autograder/job/_runner.py``, ``sandbox.run_notebook``) on tiny notebooks.

Each way a run can end (normally, with errors, a cell that never ends, a
stopped process, ``os._exit``, a signal, closed descriptors, garbage on the
report pipe, too much output, a flooded disk) is checked here on its own. No
assertion depends on the machine's speed: limits are generous and the tests
assert *which* limit stopped the job, never how long it took.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("IPython")

from autograder.job import sandbox
from autograder.job._runner import code_cells
from autograder.job.executor import RUNNER, _job_env
from autograder.job.sandbox import Limits, run_notebook

CELL_SECONDS = 20.0


def run(tmp_path: Path, *cells: str, budget: int = 1000, limits: Limits | None = None):
    job = tmp_path / "job"
    (job / "inputs").mkdir(parents=True)
    nb = {"cells": [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "source": src, "outputs": [],
                     "execution_count": None} for i, src in enumerate(cells)],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (job / "notebook.ipynb").write_text(json.dumps(nb))
    shutil.copy(RUNNER, job / "_runner.py")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    n = len(code_cells(str(job / "notebook.ipynb")))
    return run_notebook(job, [str(budget)], _job_env(), ("numpy", "matplotlib"), n, CELL_SECONDS,
                        limits or Limits(wall_seconds=120), scratch)


def test_cells_share_one_namespace_and_the_first_error_of_each_cell_is_reported(tmp_path):
    result = run(tmp_path, "x = 41", "x += 1\nassert x == 42", "y = 1\n1 / 0\n", "%time z = x", "undefined_name")
    r = result.reports
    assert r.hello and r.finished and result.stopped is None
    assert [(e.cell, e.type, e.line) for e in r.errors] == [(2, "ZeroDivisionError", 2), (4, "NameError", 1)]
    assert "undefined_name" in r.errors[1].message


def test_a_notebook_runs_as_in_jupyter_magics_and_all(tmp_path):
    result = run(tmp_path, "%matplotlib inline\nimport matplotlib.pyplot as plt\nplt.plot([1, 2]); plt.show()",
                 "%matplotlib widget\n%config InlineBackend.figure_format = 'retina'\n%load_ext autoreload\n%autoreload 2",
                 "%%time\nfrom IPython.display import display, HTML\ndisplay(HTML('<b>hi</b>'))",
                 "%timeit -n1 -r1 sum(range(10))", "!pip install torch\nfiles = !ls", "x = input('name? ')")
    errors = {e.cell: e for e in result.reports.errors}
    assert result.reports.finished and set(errors) <= {1, 5}, errors
    assert "nobody is there to type" in errors[5].message


def test_a_loop_is_stopped_at_the_cell_timeout_by_the_grader(tmp_path):
    result = run(tmp_path, "x = 1", "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True: pass")
    assert result.stopped == "cell" and result.reports.current == 1


def test_a_stopped_process_cannot_stop_the_clock(tmp_path):
    forge = "import os, signal\nos.write(int(os.environ['COURSEKIT_GRADING_FD']), b'{\"start\": 0}\\n')\n"
    result = run(tmp_path, "x = 1", forge + "os.kill(os.getpid(), signal.SIGSTOP)")
    assert result.stopped == "cell" and result.reports.current == 1  # a forged earlier start changes nothing


@pytest.mark.parametrize("cell", [
    "import os; os._exit(3)",
    "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)",
    "import os\nfor fd in range(3, 64):\n    try:\n        os.close(fd)\n    except OSError:\n        pass\nos._exit(0)",
])
def test_a_dying_process_is_reported_with_its_cell(tmp_path, cell):
    result = run(tmp_path, "x = 1", cell, "x = 2")
    assert result.stopped is None and not result.reports.finished and result.reports.current == 1


def test_garbage_on_the_report_pipe_breaks_only_the_stream(tmp_path):
    forge = ("import os\nos.write(int(os.environ['COURSEKIT_GRADING_FD']), "
             "b'{\"start\": 999}\\n{\"done\": 0, \"used\": \"x\"}\\n[' * 1000 + b'y' * 100000)")
    result = run(tmp_path, "x = 1", forge, "1 / 0")
    assert result.reports.broken and result.stopped is None and result.reports.current == 1


def test_output_beyond_the_budget_is_counted_and_dropped(tmp_path):
    result = run(tmp_path, "print('x' * 5000)", "import sys; _ = sys.stdout.buffer.write(b'bytes')", budget=1000)
    assert result.reports.finished and result.reports.dropped_chars == 4001 and result.reports.errors == []


def test_a_flood_of_raw_output_is_stopped(tmp_path):
    limits = Limits(wall_seconds=120, max_log_bytes=8 << 20)
    result = run(tmp_path, "import os\nwhile True:\n    os.write(1, b'x' * 65536)", limits=limits)
    assert result.stopped == "output"


def test_disk_writes_are_capped(tmp_path, monkeypatch):
    flood = ("import os\nblock = b'0' * (1 << 20)\nwritten = 0\ntry:\n    for i in range(2000):\n"
             "        with open(f'f{i}', 'wb') as fh:\n            fh.write(block)\n        written += 1\n"
             "except OSError:\n    pass\nprint(written)")
    limits = Limits(wall_seconds=120, disk_bytes=64 << 20)
    result = run(tmp_path, flood, "x = 1", limits=limits)
    if result.mode == "bwrap":  # a full tmpfs: the job goes on, the host's disk never sees a byte
        assert result.reports.finished and not list((tmp_path / "job").glob("f*"))
    else:  # without bubblewrap the grader watches the folder and stops the job
        assert result.stopped == "disk"
    monkeypatch.setattr(sandbox, "bwrap_path", lambda: None)
    other = tmp_path / "rlimits"
    other.mkdir()
    assert run(other, flood, limits=limits).stopped == "disk"
