"""Speed of the live widgets: the JS recompute per update (node) and coursekit's exact 2-D count.

Targets (the "Live widgets" issue): each widget update < 30 ms in the browser
at the default size; the exact 2-D region count of a 2-16-16-16 network
< 200 ms in Python.

The JS side runs each widget's exported ``compute(state)`` (everything but the
canvas drawing) in node, which has the browser's V8 engine; drawing adds a few
milliseconds in a browser and is measured by the browser tests, not here.

    python benchmarks/widgets.py            # the table
    python benchmarks/widgets.py --quick    # fewer repeats
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coursekit.regions import count_linear_regions, count_regions_by_sampling
from coursekit.widgets.networks import random_network

DRIVER = ROOT / "tests" / "js" / "run_widget_maths.mjs"
BOX = ((-1.0, 1.0), (-1.0, 1.0))
REGIONS_DEFAULT = {"mode": "2d", "preset": "random", "depth": 3, "width": 8, "seed": 29, "scale": 1.0,
                   "extent": 1.0, "grid": 200}
MOMENTUM_DEFAULT = {"function": "quadratic", "optimizer": "momentum", "lr": 0.05, "beta": 0.6,
                    "steps": 100, "start": [-1.6, 1.2], "kappa": 20.0, "angle_deg": 30.0}

# (label, module, function, args, target ms or None, what it is)
JS_CASES = [
    ("temperature: compute (default)", "temperature", "compute",
     [{"logits": [3.0, 0.0, 1.0], "temperature": 1.0}], 30.0),
    ("momentum: path + Goh (default)", "momentum", "compute", [MOMENTUM_DEFAULT], 30.0),
    ("momentum: path, Gabor, 100 steps", "momentum", "compute",
     [{**MOMENTUM_DEFAULT, "function": "gabor", "start": [3, 15], "lr": 0.02, "beta": 0.8}], 30.0),
    ("momentum: contour grid 100^2, quadratic", "momentum", "landscapeGrid", [MOMENTUM_DEFAULT, 100], 30.0),
    ("momentum: contour grid 100^2, Gabor", "momentum", "landscapeGrid",
     [{**MOMENTUM_DEFAULT, "function": "gabor"}, 100], 30.0),
    ("regions: 2-8-8-8, exact + grid 200^2 (default)", "regions", "compute", [REGIONS_DEFAULT], 30.0),
    ("regions: 1-D sawtooth L=10, exact + 40000 pts", "regions", "compute",
     [{**REGIONS_DEFAULT, "mode": "1d", "preset": "sawtooth", "depth": 10}], None),
    ("regions: 2-16-16-16, exact + grid 200^2", "regions", "compute",
     [{**REGIONS_DEFAULT, "width": 16, "seed": 0}], None),
]


def js_timings(repeats: int) -> list[list[float]]:
    node = shutil.which("node")
    if node is None:
        return []
    calls = [{"module": m, "fn": fn, "args": args, "time": repeats, "pick": []}
             for _, m, fn, args, _ in JS_CASES]
    out = subprocess.run([node, str(DRIVER)], input=json.dumps(calls), capture_output=True, text=True,
                         check=True)
    return [r["ms"] for r in json.loads(out.stdout)]


def py_timing(f, repeats: int) -> list[float]:
    f()
    ms = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        ms.append(1e3 * (time.perf_counter() - t))
    return ms


def row(label: str, ms: list[float], target: float | None) -> str:
    med = statistics.median(ms)
    status = "" if target is None else ("ok" if med < target else "SLOW")
    tgt = "" if target is None else f"< {target:g}"
    return f"{label:<52} {med:9.2f} {min(ms):9.2f} {tgt:>8} {status:>5}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    repeats = 5 if args.quick else 20

    print(f"{'':<52} {'median ms':>9} {'best ms':>9} {'target':>8} {'':>5}")
    node = shutil.which("node")
    version = (subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
               if node else "missing")
    print(f"JavaScript (node {version}), per update, drawing excluded")
    timings = js_timings(repeats)
    if not timings:
        print("  node not found: JS timings skipped")
    for (label, *_, target), ms in zip(JS_CASES, timings):
        print(row("  " + label, ms, target))

    print("Python (coursekit.regions)")
    for seed in range(3):
        net, _ = random_network(seed, 3, 16)
        n = count_linear_regions(net, BOX)
        ms = py_timing(lambda net=net: count_linear_regions(net, BOX), max(3, repeats // 4))
        print(row(f"  exact 2-D count, 2-16-16-16 seed {seed} ({n} regions)", ms, 200.0))
    net, _ = random_network(29, 3, 8)
    ms = py_timing(lambda: count_linear_regions(net, BOX), repeats)
    print(row(f"  exact 2-D count, 2-8-8-8 default ({count_linear_regions(net, BOX)} regions)", ms, None))
    ms = py_timing(lambda: count_regions_by_sampling(net, BOX, n=200), max(3, repeats // 4))
    print(row("  grid count 200^2, 2-8-8-8 default", ms, None))


if __name__ == "__main__":
    main()
