"""Throughput of the course autograder vs plain sequential ``nbgrader autograde``.

Generates ``--n`` submissions of a1 (a mix: correct, one wrong function,
noisy but correct (prints, warnings, stderr), an infinite loop stopped by a
short cell timeout), grades them with ``python -m autograder``'s driver with
1, 2 and 4 workers, and in the same run with ``nbgrader autograde`` on the
same submissions (a separate temporary course directory), and prints
submissions/minute and the ratio to nbgrader.

Targets (issue 12): >= 3.5x nbgrader's throughput with 2 workers on 2 cores, and all 100
submissions graded in under 5 minutes on 2 cores.

    .venv/bin/python benchmarks/autograder_throughput.py            # 100 submissions
    .venv/bin/python benchmarks/autograder_throughput.py --n 20     # quick version
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

A1 = "a1_backprop_by_hand"
COURSE = ROOT / "assignments"


def _cell(cid: str, source: str) -> dict:
    return {"cell_type": "code", "id": cid, "metadata": {}, "execution_count": None, "outputs": [], "source": source}


def _variants(solution: dict) -> dict[str, dict]:
    def with_answer(gid: str, source: str) -> dict:
        nb = json.loads(json.dumps(solution))
        for c in nb["cells"]:
            if c["metadata"].get("nbgrader", {}).get("grade_id") == gid:
                c["source"] = source
        return nb

    def after(gid: str, source: str) -> dict:
        nb = json.loads(json.dumps(solution))
        i = next(k for k, c in enumerate(nb["cells"]) if c["metadata"].get("nbgrader", {}).get("grade_id") == gid)
        nb["cells"].insert(i + 1, _cell(f"extra-{gid}", source))
        return nb

    noisy = ("import os, sys, warnings\nprint('debugging output')\nprint('on stderr', file=sys.stderr)\n"
             "warnings.warn('a harmless warning')\nos.write(2, b'raw fd 2\\n')\n")
    return {
        "correct": solution,
        "wrong": with_answer("toy_chain_backward", "def toy_chain_backward(x, y, phi):\n    return {}\n"),
        "noisy": after("toy_chain_forward", noisy),
        "loop": after("sigmoid_neuron", "while True:\n    pass\n"),
    }


# Out of every 10 submissions: 5 correct, 2 wrong, 2 noisy, 1 infinite loop.
MIX = ["correct", "wrong", "correct", "noisy", "correct", "loop", "correct", "wrong", "noisy", "correct"]


def make_course(path: Path, n: int) -> dict[str, int]:
    path.mkdir(parents=True)
    shutil.copy(COURSE / "nbgrader_config.py", path)
    (path / "source").mkdir()
    shutil.copytree(COURSE / "source" / A1, path / "source" / A1)
    variants = _variants(json.loads((COURSE / "source" / A1 / f"{A1}.ipynb").read_text()))
    counts: dict[str, int] = {}
    for i in range(n):
        kind = MIX[i % len(MIX)]
        counts[kind] = counts.get(kind, 0) + 1
        folder = path / "submitted" / f"s{i:03d}_{kind}" / A1
        folder.mkdir(parents=True)
        (folder / f"{A1}.ipynb").write_text(json.dumps(variants[kind]))
    return counts


def _env() -> dict[str, str]:
    venv_bin = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": venv_bin + os.pathsep + os.environ.get("PATH", "")}
    for name in ("COURSEKIT_GRADING_SECRET", "COURSEKIT_GRADING_MODE"):
        env.pop(name, None)
    return env


def prepare(course: Path) -> None:
    """What every nbgrader course has before grading: the release and the gradebook (not timed)."""
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", A1, "--force"], cwd=course,
                   env=_env(), check=True, capture_output=True)


def run_ours(course: Path, workers: int, cell_timeout: int) -> tuple[float, str]:
    """``python -m autograder grade``, timed as a whole process like nbgrader's."""
    cmd = [sys.executable, "-m", "autograder", "--course", str(course), "grade", A1, "--no-progress",
           f"--workers={workers}", f"--cell-timeout={cell_timeout}", f"--timeout={max(60, 6 * cell_timeout)}"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"autograder failed:\n{proc.stdout}\n{proc.stderr}")
    summary = [line for line in proc.stdout.splitlines() if line.startswith("[autograder] graded ")]
    return seconds, summary[-1].split("(", 1)[-1].split(")", 1)[0] if summary else ""


def run_nbgrader(course: Path, cell_timeout: int) -> tuple[float, str]:
    cmd = [sys.executable, "-m", "nbgrader", "autograde", A1, "--force",
           f"--ExecutePreprocessor.timeout={cell_timeout}", f"--Execute.timeout={cell_timeout}"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=course, env=_env(), capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    graded = len(list((course / "autograded").glob(f"*/{A1}/{A1}.ipynb")))
    return seconds, f"rc={proc.returncode}, {graded} autograded notebooks"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100, help="number of submissions (default 100)")
    ap.add_argument("--workers", default="1,2,4", help="worker counts to try (default 1,2,4)")
    ap.add_argument("--cell-timeout", type=int, default=5, help="per-cell timeout (the infinite loops)")
    ap.add_argument("--skip-nbgrader", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="autograder-bench-"))
    rows = []
    try:
        counts = None
        for w in [int(x) for x in args.workers.split(",")]:
            course = tmp / f"ours-{w}"
            counts = make_course(course, args.n)
            prepare(course)
            seconds, statuses = run_ours(course, w, args.cell_timeout)
            rows.append((f"autograder, {w} worker(s)", w, seconds, statuses))
            print(f"  ... {rows[-1][0]}: {seconds:.1f} s", flush=True)
        base = None
        if not args.skip_nbgrader:
            course = tmp / "nbgrader"
            make_course(course, args.n)
            prepare(course)
            seconds, info = run_nbgrader(course, args.cell_timeout)
            base = args.n / seconds * 60
            rows.append(("nbgrader autograde (sequential)", 1, seconds, info))
            print(f"  ... nbgrader: {seconds:.1f} s", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\n{args.n} submissions of {A1} ({counts}); cell timeout {args.cell_timeout} s; "
          f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")
    print(f"{'grader':<34} {'seconds':>8} {'subs/min':>9} {'vs nbgrader':>12}  statuses")
    for name, _, seconds, info in rows:
        rate = args.n / seconds * 60
        ratio = f"{rate / base:.2f}x" if base else "-"
        print(f"{name:<34} {seconds:8.1f} {rate:9.1f} {ratio:>12}  {info}")
    two = next((r for r in rows if r[1] == 2 and r[0].startswith("autograder")), None)
    if two and base:
        rate2 = args.n / two[2] * 60
        t100 = 100 / rate2 * 60
        print(f"\ntarget 1: 2 workers >= 3.5x nbgrader: {rate2 / base:.2f}x -> {'met' if rate2 / base >= 3.5 else 'NOT met'}")
        print(f"target 2: 100 submissions in < 300 s on 2 workers: {t100:.0f} s"
              f"{'' if args.n == 100 else f' (extrapolated from {args.n})'} -> "
              f"{'met' if t100 < 300 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
