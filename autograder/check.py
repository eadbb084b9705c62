"""``check``: self-test of an assignment before it is handed out.

Grades, in a temporary copy of the course with the real sandbox and driver:

* the source notebook itself (the solution): full marks;
* the release (solutions stubbed, hidden tests removed): zero;
* a few hostile variants built here (so ``check`` works from an installed
  package, without the test suite): a noisy but correct notebook (prints,
  warnings, stderr: full marks), the release with forged "passed" outputs and
  monkeypatched numpy/builtins/grading helpers (zero), the release with a
  redefined ``check`` sending made-up records and with the harness patched
  (each zero), the solution with a search of the whole process and its file
  system for references, specs, seeds and forbidden modules (full marks only
  if nothing is found), the solution with its
  test cells deleted or edited and points changed (full marks: test cells come
  from the source), an infinite loop that ignores SIGINT (status ``timeout``),
  ``os._exit`` (status ``kernel_died``), and malformed JSON
  (``malformed_notebook``);
* replay and guessing (:mod:`autograder.replay`): an attempt that exfiltrates
  its hidden inputs through exception messages and cell errors (zero, and
  none of its hidden numbers in the stored result, the feedback page or the
  autograded notebook), the same student's next attempt answering from a
  lookup table of what the first could have learned (its visible cases pass,
  no hidden case does), and the visible answer guessed for every case (zero).
* a job held to its share of the machine (issue 19): 1.5 GiB written to
  ``/dev/shm`` (full marks only if the write is stopped by the sized tmpfs),
  four forked children of 512 MiB (status ``memory_limit``), busy ``setsid()``
  children (64 whose CPU share is measured: more than one CPU is a surprise,
  then up to 1000) and a cell that never ends (status ``timeout``, while the
  honest variants graded next to it keep full marks), and a thread that
  reports fake cell starts while its cell sleeps past the limit (status
  ``timeout`` naming that cell).

It also checks that the release contains neither a solution nor a hidden
test.  ``run_check`` returns the table; the CLI prints it and exits non-zero
on any surprise.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .job.sandbox import Limits
from .plan import Course
from .release import release_notebook
from .replay import exfiltrate_cell, hidden_numbers, leaked_numbers, table_cells

__all__ = ["CheckRow", "hostile_variants", "run_check"]


@dataclass
class CheckRow:
    name: str
    expected: str
    got: str
    ok: bool


def _src(cell: dict) -> str:
    s = cell.get("source", "")
    return s if isinstance(s, str) else "".join(s)


def _meta(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _code_cell(cid: str, source: str) -> dict:
    return {"cell_type": "code", "id": cid, "metadata": {}, "execution_count": None, "outputs": [], "source": source}


def _insert_after_answer(nb: dict, cell: dict, which: str = "first") -> dict:
    """Insert ``cell`` (as a student would) after the first or last answer code cell."""
    nb = copy.deepcopy(nb)
    idx = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and _meta(c).get("solution")]
    at = (idx[0] if which == "first" else idx[-1]) + 1
    nb["cells"].insert(at, cell)
    return nb


_NOISY = """import os, sys, warnings
print("debugging output")
print("something on stderr", file=sys.stderr)
warnings.warn("a harmless warning")
os.write(2, b"raw fd 2 output\\n")
"""

_PATCH = """import builtins
import numpy as np
import coursekit.grading as g
import coursekit.grading.compare as gc
np.testing.assert_allclose = lambda *a, **k: None
np.allclose = lambda *a, **k: True
builtins.all = lambda *a: True
builtins.any = lambda *a: True
gc.judge = lambda *a, **k: None
g.compare_recorded = lambda *a, **k: None
g.check = lambda *a, **k: None
"""

# Attacks on the grading design, each on the release (nothing implemented): all must score zero.
_FORGE_RECORDS = """# redefine check(): send records of made-up outputs, and try the grader's own modules
import json, os
import numpy as np
try:
    from coursekit.grading import api, compare, registry  # the reference side: not in the sandbox
except ImportError:
    api = None

def check(check_id, student, hidden=False, seed=None):
    variant = "hidden" if hidden else "visible"
    doc = {"protocol": "coursekit-grading-record/2", "check_id": check_id, "variant": variant,
           "cases": [{"status": "ok", "outputs": ["out"], "seconds": 1e300}] * (3 if hidden else 1)}
    buf = __import__("io").BytesIO()
    np.savez(buf, **{f"{k}.0": np.zeros(3) for k in range(3 if hidden else 1)})
    body, npz = json.dumps(doc).encode(), buf.getvalue()
    head = json.dumps({"record": f"{check_id}.{variant}", "json": len(body), "npz": len(npz)}).encode()
    os.write(int(os.environ.get("COURSEKIT_GRADING_FD", "1")), head + b"\n" + body + npz)
"""

_PATCH_HARNESS = """# patch the harness: every student function 'returns' zeros, every case is 'ok'
import sys, numpy as np
for name, module in list(sys.modules.items()):
    if name.startswith("coursekit.grading") and hasattr(module, "run_call"):
        module.run_call = lambda call, student, inputs, guard=None: __import__(
            "coursekit.grading.harness.run", fromlist=["Outcome"]).Outcome("ok", {"out": np.zeros(1)})
sys.setprofile(None)
sys.settrace(None)
"""

_FRAME_WALK = """# look for references, specs, seeds or answers in this process and its files; die if any is found
import gc, os, sys
# spelled in pieces, so that this cell's own text (in the notebook file) does not match
keys = ["".join(k) for k in (("_", "bug"), ("_y", "_test"), ("visible", "_seed"), ("hidden=True, ", "seed="))]
found = []
for obj in gc.get_objects():
    if isinstance(obj, dict) and any(k in obj for k in keys[:3] + ["".join(("refer", "ence"))]):
        found.append(repr(list(obj)[:5]))
frame = sys._getframe()
while frame is not None:
    found += [k for k in frame.f_locals if k in ("spec", "".join(("refer", "ence")), "secret")]
    frame = frame.f_back
for top in ("/job", os.getcwd(), os.path.expanduser("~")):  # the job's own folders (a venv may be under /tmp)
    for root, dirs, files in os.walk(top):
        for name in files[:200]:
            try:
                text = open(os.path.join(root, name), "rb").read(1 << 20)
            except OSError:
                continue
            found += [key for key in keys if key.encode() in text]
for module in ("torch", "jax", "coursekit.autograd", "coursekit.nn", "coursekit.optim", "coursekit.grading.api"):
    try:
        __import__(module)
        found.append(module)
    except ImportError:
        pass
if found:
    os._exit(3)  # status kernel_died: `check` reports it as a surprise
"""

# An honest student's Jupyter habits: all of it must run as in Jupyter, at no cost.
_HABITS = """%matplotlib inline
%load_ext autoreload
%autoreload 2
%config InlineBackend.figure_format = 'retina'
import logging
import warnings
import matplotlib.pyplot as plt
from IPython.display import display, Markdown
from tqdm.auto import tqdm
!pip install --quiet numpy
logging.getLogger(__name__).warning("a log line")
for _ in tqdm(range(3)):
    pass
fig, ax = plt.subplots()
ax.plot([0, 1], [1, 0])
plt.show()
display(Markdown("**done**"))
%timeit -n1 -r1 sum(range(100))
"""

_LOOP = """import signal
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    pass
"""

_EXIT = "import os\nos._exit(0)\n"

# Issue 19: a job is held to its share of memory and CPU.
_FILL_SHM = """import os
written = 0
try:
    with open("/dev/shm/fill", "wb") as fh:
        for _ in range(1536):
            fh.write(b"x" * (1 << 20))
            written += 1
except OSError:
    pass
finally:
    try:
        os.remove("/dev/shm/fill")  # never leave it behind (without bubblewrap this is the host's /dev/shm)
    except OSError:
        pass
if written > 256:
    os._exit(3)  # /dev/shm was not capped: `check` reports a surprise
"""

_MEMORY_HOGS = """import os, time
children = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        block = b"y" * (512 << 20)  # written: every page is used
        time.sleep(5)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
"""

_BUSY_CHILDREN = """import os, time
children = []

def spawn(n):
    for _ in range(n):
        try:
            pid = os.fork()
        except OSError:  # the process limit
            return
        if pid == 0:
            os.setsid()
            while True:
                pass
        children.append(pid)

def cpu_seconds():
    total = 0
    for pid in children:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")

spawn(64)
start, used = time.monotonic(), cpu_seconds()
time.sleep(4)
if (cpu_seconds() - used) / (time.monotonic() - start) > 1.3:
    os._exit(3)  # the children got more than one CPU: the job is not held to its share
spawn(936)
while True:
    pass
"""

_FAKE_STARTS = """# fake-starts
import json, os, threading, time
notebook = json.load(open(os.path.join(os.path.dirname(os.environ["COURSEKIT_GRADING_INPUTS"]), "notebook.ipynb")))
code = [c for c in notebook["cells"] if c["cell_type"] == "code"
        and "skip-when-graded" not in c.get("metadata", {}).get("tags", [])]
me = next(i for i, c in enumerate(code) if "".join(c["source"]).startswith("# fake-starts"))
fd = int(os.environ["COURSEKIT_GRADING_FD"])

def fake():
    for k in range(me + 1, len(code)):
        time.sleep(2)
        os.write(fd, json.dumps({"start": k}).encode() + b"\\n")

threading.Thread(target=fake, daemon=True).start()
time.sleep(600)
"""


def _forged_patched(release: dict) -> dict:
    nb = copy.deepcopy(release)
    for c in nb["cells"]:
        if c["cell_type"] == "code":
            c["execution_count"] = 1
            c["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "passed\n"}]
            if _meta(c).get("points"):
                c["metadata"]["nbgrader"]["points"] = 0
    nb["cells"].insert(0, _code_cell("patch", _PATCH))
    return nb


def _tests_edited(solution: dict) -> dict:
    nb = copy.deepcopy(solution)
    cells = []
    tests = [c for c in nb["cells"] if _meta(c).get("grade") and not _meta(c).get("solution")]
    for k, c in enumerate(nb["cells"]):
        if c in tests:
            if tests.index(c) % 2 == 0:
                continue  # deleted
            c["source"] = "pass  # no test here"
            c["metadata"]["nbgrader"]["points"] = 1000
        cells.append(c)
    nb["cells"] = cells
    return nb


# name -> (build(solution, release) -> notebook or bytes, expectation)
# expectation: "full", "clean" (full, and no cell raised), "zero", or "status:<status>" (and less than full marks).
def hostile_variants() -> dict[str, tuple[Callable[[dict, dict], Any], str]]:
    return {
        "noisy_correct": (lambda s, r: _insert_after_answer(s, _code_cell("noisy", _NOISY)), "full"),
        "jupyter_habits": (lambda s, r: _insert_after_answer(s, _code_cell("habits", _HABITS)), "clean"),
        "forged_records": (lambda s, r: _insert_after_answer(r, _code_cell("forge", _FORGE_RECORDS)), "zero"),
        "patched_harness": (lambda s, r: _insert_after_answer(r, _code_cell("patch", _PATCH_HARNESS)), "zero"),
        "finds_no_secret": (lambda s, r: _insert_after_answer(s, _code_cell("walk", _FRAME_WALK), "last"), "full"),
        "forged_patched_release": (lambda s, r: _forged_patched(r), "zero"),
        "tests_edited": (lambda s, r: _tests_edited(s), "full"),
        "infinite_loop": (lambda s, r: _insert_after_answer(s, _code_cell("loop", _LOOP)), "status:timeout"),
        "os_exit": (lambda s, r: _insert_after_answer(s, _code_cell("exit", _EXIT)), "status:kernel_died"),
        "malformed": (lambda s, r: b'{"cells": [ not json', "status:malformed_notebook"),
        "replay": (lambda s, r: _insert_after_answer(r, _code_cell("exfiltrate", exfiltrate_cell())), "zero"),
        "guess_visible_answer": (lambda s, r: _with_cells(r, table_cells(_prefix(s), "", "guess", None)), "zero"),
        "fills_dev_shm": (lambda s, r: _insert_after_answer(s, _code_cell("shm", _FILL_SHM)), "full"),
        "memory_hogs": (lambda s, r: _insert_after_answer(s, _code_cell("hogs", _MEMORY_HOGS)), "status:memory_limit"),
        "busy_children": (lambda s, r: _insert_after_answer(s, _code_cell("busy", _BUSY_CHILDREN)), "status:timeout"),
        "fakes_cell_starts": (lambda s, r: _insert_after_answer(s, _code_cell("fake", _FAKE_STARTS)),
                              "status:timeout@a cell you added"),
    }


def _prefix(notebook: dict) -> str:
    """The check-id prefix of a source notebook (from the first ``check("<id>"`` of a test cell)."""
    for c in notebook["cells"]:
        found = re.search(r"""check\(\s*["']([a-z][a-z0-9]*)\.""", _src(c))
        if found:
            return found.group(1)
    raise ValueError("the notebook has no check(...) call: nothing to grade")


def _with_cells(nb: dict, sources: list[str]) -> dict:
    """``nb`` with code cells ``sources`` added after its first answer cell, in order."""
    for k, source in reversed(list(enumerate(sources))):
        nb = _insert_after_answer(nb, _code_cell(f"added-{k}", source))
    return nb


def _judge(expect: str, row: dict | None) -> tuple[str, bool]:
    if row is None:
        return "no result", False
    got = f"{row['score']:g}/{row['max_score']:g} {row['status']}"
    if expect == "visible only":  # the table works on visible cases; no hidden case passes
        statuses = [c.get("statuses") or {} for c in row["cells"] if c["auto"]]
        visible = all(s.get("visible") == ["passed"] for s in statuses if "visible" in s)
        hidden = sum(x == "passed" for s in statuses for x in s.get("hidden", []))
        got += f", visible {'all' if visible else 'not all'} passed, {hidden} hidden case(s) passed"
        return got, visible and hidden == 0 and row["score"] == 0
    if expect in ("full", "clean"):  # clean: and no cell raised anything
        errors = [e.get("error", "") for e in row.get("cell_errors", [])] if expect == "clean" else []
        got += f" {errors[0][:60]}" if errors else ""
        return got, row["score"] == row["max_score"] > 0 and row["status"] == "graded" and not errors
    if expect == "zero":
        return got, row["score"] == 0 and row["status"] == "graded"
    status, _, where = expect.split(":", 1)[1].partition("@")  # "@text": the reason must name the cell
    return got, row["status"] == status and row["score"] < row["max_score"] and where in row.get("reason", "")


def run_check(course_root: Path, assignment: str, *, workers: int = 2, cell_timeout: int = 10,
              wall_seconds: float = 60.0, keep: Path | None = None) -> list[CheckRow]:
    """Self-test ``assignment``; returns one row per expectation (``ok`` False is a surprise)."""
    from .driver import GradeOptions, grade

    course = Course(Path(course_root).resolve())
    solution = json.loads(course.source_notebook(assignment).read_text(encoding="utf-8"))
    release = release_notebook(solution)
    rows: list[CheckRow] = []
    rel_text = json.dumps(release)
    leaks = [m for m in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "hidden=True") if m in rel_text]
    rows.append(CheckRow("release has no solution / hidden test", "none", ", ".join(leaks) or "none", not leaks))
    tmp = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="autograder-check-"))
    try:
        root = tmp / "course"
        (root / "source").mkdir(parents=True, exist_ok=True)
        for name in ("nbgrader_config.py",):
            if (course.root / name).is_file():
                shutil.copy(course.root / name, root / name)
        shutil.copytree(course.source / assignment, root / "source" / assignment, dirs_exist_ok=True)
        subs: dict[str, tuple[Any, str]] = {"solution": (solution, "full"), "release": (release, "zero")}
        for name, (build, expect) in hostile_variants().items():
            subs[name] = (build(solution, release), expect)
        for student, (nb, _) in subs.items():
            folder = root / "submitted" / student / assignment
            folder.mkdir(parents=True, exist_ok=True)
            data = nb if isinstance(nb, bytes) else json.dumps(nb).encode()
            (folder / f"{assignment}.ipynb").write_bytes(data)
        # A throw-away secret: the self-test never needs (or creates) the course's own.
        opts = GradeOptions(course=root, assignments=[assignment], workers=workers, cell_timeout=cell_timeout,
                            limits=Limits(wall_seconds=wall_seconds), progress=False, force=True,
                            secret=secrets.token_hex(16))
        grade(opts)
        results = _results(root, assignment)
        for student, (_, expect) in subs.items():
            got, ok = _judge(expect, results.get(student))
            rows.append(CheckRow(student, expect, got, ok))
        rows += _replay_rows(Course(root), assignment, solution, release, results.get("replay"), opts)
    finally:
        if not keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return rows


def _results(root: Path, assignment: str) -> dict[str, dict]:
    from .store import ResultsStore

    store = ResultsStore(root / "autograded" / ".autograder" / "results.sqlite")
    try:
        return {r["student"]: r for r in store.rows(assignment)}
    finally:
        store.close()


def _seen_by_student(course: Course, assignment: str, row: dict) -> list[str]:
    """Every text of one result that reaches the student: stored strings, feedback page, autograded notebook."""
    from .feedback import feedback_html

    texts: list[str] = []

    def strings(value: Any) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for k, v in value.items():
                if k != "log_tail":  # the run's log: the instructor's, never shown to the student
                    strings(v)
        elif isinstance(value, list):
            for v in value:
                strings(v)

    strings(row)
    texts.append(feedback_html(row))
    notebook = course.autograded / row["student"] / assignment / f"{assignment}.ipynb"
    if notebook.is_file():
        texts.append(notebook.read_text(encoding="utf-8"))
    return texts


def _replay_rows(course: Course, assignment: str, solution: dict, release: dict, first: dict | None,
                 opts: Any) -> list[CheckRow]:
    """Item 1 of issue 19: attempt 1 leaks nothing; attempt 2 answering from what it learned gains nothing."""
    from .driver import course_secret, grade

    if first is None:
        return [CheckRow("replay: no hidden number shown", "none", "no result", False)]
    prefix, secret = _prefix(solution), course_secret(course, opts.secret)
    hidden = hidden_numbers(prefix, secret, "replay", first["key"])
    leaks = leaked_numbers(_seen_by_student(course, assignment, first), hidden, known=json.dumps(solution))
    rows = [CheckRow("replay: no hidden number shown", "none", ", ".join(leaks[:3]) or "none", not leaks)]
    second = _with_cells(release, table_cells(prefix, secret, "replay", first["key"]))
    (course.submitted / "replay" / assignment / f"{assignment}.ipynb").write_text(json.dumps(second))
    grade(replace(opts, students=["replay"], force=False))
    got, ok = _judge("visible only", _results(course.root, assignment).get("replay"))
    rows.append(CheckRow("replay_table (next attempt)", "visible only", got, ok))
    return rows


def format_rows(rows: list[CheckRow]) -> list[str]:
    w, e = max(len(r.name) for r in rows), max(26, *(len(r.expected) for r in rows))
    out = [f"{'case':<{w}}  {'expected':<{e}}  {'got':<28}  verdict"]
    for r in rows:
        out.append(f"{r.name:<{w}}  {r.expected:<{e}}  {r.got:<28}  {'ok' if r.ok else 'SURPRISE'}")
    return out
