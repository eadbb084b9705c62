"""One MLP training step (forward, cross-entropy, backward, SGD update), three ways.

coursekit, the same maths written by hand in NumPy (the floor for any NumPy
engine), and PyTorch on the CPU, for three network sizes in float64 and
float32.  Times are measured side by side, the repeats of the three
interleaved within a process; each implementation's best over three fresh
processes is reported.  Peak memory is measured in a fresh subprocess per
implementation, so that it is its own.  The table prints time per step, the
ratios, and the peak memory that three steps add on top of the model and data.

    python benchmarks/training_step.py              # the full table
    python benchmarks/training_step.py --quick      # one process, fewer repeats
    python benchmarks/training_step.py --threads 2  # BLAS/torch threads (default 1)

All three use the same number of threads (NumPy's BLAS and torch's), one by
default: the quantity measured is the engine's cost over the same maths, and
on two shared cores multi-threaded BLAS adds noise larger than that cost.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

import numpy as np

SIZES = {"2-64-64-2 / 64": ([2, 64, 64, 2], 64), "784-256-256-10 / 128": ([784, 256, 256, 10], 128),
         "1024-1024-1024-10 / 512": ([1024, 1024, 1024, 10], 512)}
LR = 0.01
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHILD_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))}


def make_problem(sizes: list[int], batch: int, dtype: str):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((batch, sizes[0])).astype(dtype)
    y = rng.integers(0, sizes[-1], size=batch)
    layers = [((rng.standard_normal((o, i)) / np.sqrt(i)).astype(dtype), np.zeros(o, dtype))
              for i, o in zip(sizes[:-1], sizes[1:])]
    return X, y, layers


def numpy_step(X, y, layers):
    """The reference: forward and backward written out by hand."""
    n = len(y)
    acts, h = [X], X
    for k, (W, b) in enumerate(layers):
        a = h @ W.T + b
        h = np.maximum(a, 0) if k < len(layers) - 1 else a
        acts.append(h)
    z = acts[-1]
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=1, keepdims=True)
    loss = -(shifted[np.arange(n), y] - np.log(s[:, 0])).mean()
    g = e / s
    g[np.arange(n), y] -= 1
    g /= n
    for k in range(len(layers) - 1, -1, -1):
        W, b = layers[k]
        h_in = acts[k]
        gW, gb = g.T @ h_in, g.sum(axis=0)
        if k > 0:
            g = (g @ W) * (h_in > 0)
        W -= LR * gW
        b -= LR * gb
    return loss


def coursekit_setup(X, y, layers):
    import coursekit as ck
    from coursekit import nn, optim

    model = nn.MLP([layers[0][0].shape[1]] + [W.shape[0] for W, _ in layers])
    with ck.no_grad():
        for lin, (W, b) in zip([m for m in model if isinstance(m, nn.Linear)], layers):
            lin.weight.data[...] = W
            lin.bias.data[...] = b
    model = model.astype(X.dtype) if hasattr(model, "astype") else model
    opt = optim.SGD(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    Xt = ck.tensor(X)

    def step():
        opt.zero_grad()
        loss = loss_fn(model(Xt), y)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def torch_setup(X, y, layers):
    import torch

    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    mods = []
    for k, (W, b) in enumerate(layers):
        lin = torch.nn.Linear(W.shape[1], W.shape[0], dtype=torch.float64 if W.dtype == np.float64 else torch.float32)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W))
            lin.bias.copy_(torch.from_numpy(b))
        mods += [lin] + ([torch.nn.ReLU()] if k < len(layers) - 1 else [])
    model = torch.nn.Sequential(*mods)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(Xt), yt)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


IMPLS = ("coursekit", "numpy", "torch")
# The order in which each fresh process sets up and runs the three; each one's best
# over these processes is reported.  The order matters: where a process's arrays
# land in memory moves a 784-256-256-10 step by about 5%; and with two or more
# threads, whatever runs right after torch is slowed by 30-60% while torch's
# idle OpenMP threads spin on the cores.  Each implementation is set up first
# once, and each of coursekit and NumPy runs once not right after torch.
ORDERS = (("coursekit", "numpy", "torch"), ("numpy", "coursekit", "torch"), ("torch", "coursekit", "numpy"))


def make_step(impl: str, size: str, dtype: str):
    sizes, batch = SIZES[size]
    X, y, layers = make_problem(sizes, batch, dtype)
    if impl == "numpy":
        return lambda: numpy_step(X, y, layers)
    return (coursekit_setup if impl == "coursekit" else torch_setup)(X, y, layers)


def peak_memory(impl: str, size: str, dtype: str) -> float:
    """Run in a child process: MiB of peak memory that three steps add on top of model and data."""
    step = make_step(impl, size, dtype)
    base = _status_kib("VmRSS")
    for _ in range(3):
        step()
    return max(_status_kib("VmHWM") - base, 0) / 1024  # VmHWM: this process's own peak


def times(size: str, dtype: str, repeats: int, order: tuple[str, ...] = IMPLS) -> dict[str, float]:
    """Best mean step time of each implementation, their repeats interleaved in this process.

    Interleaving puts all three under the same conditions (load, clock speed,
    allocator state), which separate processes do not.  Many short repeats
    rather than a few long ones: on a shared machine the slow-downs come in
    bursts of a second or more, and the best repeat is the one that missed them.
    """
    steps = {impl: make_step(impl, size, dtype) for impl in order}  # the order matters: see ORDERS
    for step in steps.values():
        step()  # warm up: first-call costs (imports, caches) are not a step's
    n = {impl: max(3, int(0.1 / max(_time(step, 1), 1e-6))) for impl, step in steps.items()}  # ~0.1 s a repeat
    best = dict.fromkeys(IMPLS, float("inf"))
    for _ in range(repeats):
        for impl, step in steps.items():
            best[impl] = min(best[impl], _time(step, n[impl]))
    return best


def _time(step, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - t0) / n


# Every fresh array above glibc's mmap threshold is page-faulted in anew, which on
# a VM costs more than the arithmetic and varies from process to process with the
# allocator's history.  Serving all sizes from the heap, never trimmed, puts the
# three implementations on the same footing: what is measured is the maths.
MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(2**30), "MALLOC_TRIM_THRESHOLD_": str(2**32)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one process of 5 repeats instead of 3 of 9")
    parser.add_argument("--threads", type=int, default=1, help="BLAS and torch threads for all three (default 1)")
    parser.add_argument("--memory-child", nargs=3, metavar=("IMPL", "SIZE", "DTYPE"), help=argparse.SUPPRESS)
    parser.add_argument("--times-child", nargs=4, metavar=("SIZE", "DTYPE", "REPEATS", "ORDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    # BLAS reads its thread count when NumPy loads, so the settings take effect in a fresh process.
    threads = str(args.threads)
    wanted = {**MALLOC_ENV, **{k: threads for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}}
    if any(os.environ.get(k) != v for k, v in wanted.items()):
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, **wanted})
    processes, repeats = (1, 5) if args.quick else (3, 9)
    if args.memory_child:
        print(json.dumps(peak_memory(*args.memory_child)))
        return
    if args.times_child:
        size, dtype, n, order = args.times_child
        print(json.dumps(times(size, dtype, int(n), tuple(order.split(",")))))
        return

    def child(*argv: str) -> Any:
        out = subprocess.run([sys.executable, __file__, *argv, f"--threads={args.threads}"],
                             capture_output=True, text=True, check=True, env=CHILD_ENV)
        return json.loads(out.stdout)

    rows = []
    for size in SIZES:
        for dtype in ("float64", "float32"):
            best = dict.fromkeys(IMPLS, float("inf"))
            for order in ORDERS[:processes]:
                for impl, seconds in child("--times-child", size, dtype, str(repeats), ",".join(order)).items():
                    best[impl] = min(best[impl], seconds)
            r = {impl: {"seconds": best[impl], "peak_mib": child("--memory-child", impl, size, dtype)} for impl in IMPLS}
            rows.append((size, dtype, r))
            ck_, np_, th = r["coursekit"], r["numpy"], r["torch"]
            print(f"{size:<24} {dtype:<8} ck {ck_['seconds']*1e3:9.3f} ms  numpy {np_['seconds']*1e3:9.3f} ms  "
                  f"torch {th['seconds']*1e3:9.3f} ms  ck/numpy {ck_['seconds']/np_['seconds']:.2f}  "
                  f"ck/torch {ck_['seconds']/th['seconds']:.2f}", file=sys.stderr)
    print()
    print("| network / batch | dtype | coursekit ms | hand NumPy ms | PyTorch ms | coursekit / NumPy | coursekit / PyTorch "
          "| peak MiB ck / NumPy / torch |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for size, dtype, r in rows:
        ck_, np_, th = r["coursekit"], r["numpy"], r["torch"]
        print(f"| {size} | {dtype} | {ck_['seconds']*1e3:.3f} | {np_['seconds']*1e3:.3f} | {th['seconds']*1e3:.3f} "
              f"| {ck_['seconds']/np_['seconds']:.2f} | {ck_['seconds']/th['seconds']:.2f} "
              f"| {ck_['peak_mib']:.1f} / {np_['peak_mib']:.1f} / {th['peak_mib']:.1f} |")
    print(f"\n{args.threads} BLAS/torch thread(s), {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}.")
    print("Targets: coursekit/NumPy <= 1.10 on the two larger sizes, <= 1.5 on the small one; "
          "coursekit/PyTorch < 1 on the small one.")


if __name__ == "__main__":
    main()
