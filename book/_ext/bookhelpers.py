"""Small helpers shared by the book's pages (not part of coursekit).

Pages import this file with ``sys.path.insert(0, "../_ext")`` in a hidden first
cell.  It holds what several chapters need and the library does not:

* :func:`setup` -- one look for every figure, seeded generators, print options;
* :func:`retain_all` and :func:`draw_graph` -- pictures of *real* coursekit
  compute graphs: walk ``tensor.grad_fn.parents`` from a result back to the
  leaves and draw every node with its value and its gradient;
* :func:`fmt` -- format a vector the way the prose writes vectors.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def setup(seed: int = 0) -> None:
    """Seed numpy and coursekit, and set one plotting style for the whole book."""
    import matplotlib.pyplot as plt

    import coursekit as ck

    ck.manual_seed(seed)
    np.random.seed(seed)
    np.set_printoptions(precision=6, suppress=True, linewidth=100)
    plt.rcParams.update(
        {
            "figure.figsize": (6.0, 3.6),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 10,
            "legend.frameon": False,
        }
    )


def fmt(values: Any, digits: int = 6) -> str:
    """``(1.000000, -2.500000)``: a vector with a fixed number of decimals."""
    arr = np.asarray(getattr(values, "data", values), dtype=float).reshape(-1)
    return "(" + ", ".join(f"{v:.{digits}f}" for v in arr) + ")"


# ---------------------------------------------------------------------------
# Compute graphs
# ---------------------------------------------------------------------------
def _parents(t: Any) -> tuple:
    ctx = getattr(t, "grad_fn", None)
    if ctx is None or getattr(ctx, "released", False) or ctx.parents is None:
        return ()
    return tuple(ctx.parents)


def walk(root: Any) -> list[Any]:
    """Every node reachable from ``root`` through ``grad_fn.parents``, inputs before users.

    Tensors and constants (plain numbers an op received) are both nodes.
    """
    from coursekit import Tensor

    order: list[Any] = []
    seen: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        if isinstance(node, Tensor):
            for p in reversed(_parents(node)):
                if id(p) not in seen:
                    stack.append((p, False))
    return order


def retain_all(root: Any) -> None:
    """Call ``retain_grad()`` on every intermediate tensor of ``root``'s graph (before ``backward``)."""
    from coursekit import Tensor

    for node in walk(root):
        if isinstance(node, Tensor) and not node.is_leaf:
            node.retain_grad()


def _number(x: Any, digits: int) -> str:
    a = np.asarray(x, dtype=float)
    if a.size == 1:
        return f"{a.item():.{digits}g}"
    return f"array{a.shape}"


class _Const:
    """A plain number an op received: one picture node per use."""

    def __init__(self, value: Any) -> None:
        self.value = value


def _layout(root: Any) -> tuple[list[Any], list[tuple[Any, Any]], dict[int, tuple[float, float]]]:
    """Nodes, edges (parent, child) and positions: depth left to right, users decide the order."""
    from coursekit import Tensor

    tensors = walk(root)
    nodes: list[Any] = []
    edges: list[tuple[Any, Any]] = []
    for t in tensors:
        if not isinstance(t, Tensor):
            continue
        nodes.append(t)
        for p in _parents(t):
            edges.append((p if isinstance(p, Tensor) else _Const(p), t))
    consts = [p for p, _ in edges if isinstance(p, _Const)]
    nodes = consts + nodes
    depth: dict[int, int] = {}
    for t in tensors:  # longest path from the inputs, for results of ops
        if isinstance(t, Tensor) and t.grad_fn is not None:
            depth[id(t)] = 1 + max(
                (
                    depth.get(id(p), 0)
                    for p in _parents(t)
                    if isinstance(p, Tensor) and p.grad_fn is not None
                ),
                default=0,
            )
    users: dict[int, list[Any]] = {}
    for p, c in edges:
        users.setdefault(id(p), []).append(c)
    for n in nodes:  # inputs and constants sit just left of their first user
        if id(n) not in depth:
            depth[id(n)] = min((depth[id(c)] for c in users.get(id(n), [])), default=1) - 1
    columns: dict[int, list[Any]] = {}
    for n in nodes:
        columns.setdefault(depth[id(n)], []).append(n)
    pos: dict[int, tuple[float, float]] = {}
    for d in sorted(columns, reverse=True):
        col = columns[d]
        keys = []
        for k, n in enumerate(col):
            ys = [pos[id(c)][1] for c in users.get(id(n), []) if id(c) in pos]
            keys.append((-float(np.mean(ys)) if ys else 0.0, k))
        order = [col[k] for _, k in sorted(keys)]
        for k, n in enumerate(order):
            pos[id(n)] = (2.0 * d, (len(order) - 1) / 2 - k)
    return nodes, edges, pos


def draw_graph(
    root: Any,
    names: dict[int, str] | None = None,
    ax: Any = None,
    digits: int = 4,
    show_grad: bool = True,
    title: str | None = None,
) -> Any:
    """Draw the compute graph that produced ``root`` from left (inputs) to right (output).

    Run the forward pass, call :func:`retain_all`, then ``root.backward(retain_graph=True)``:
    the graph must still hold its ``parents`` and every node its ``.grad``.
    Each box shows the node's name (from ``names``, keyed by ``id(tensor)``),
    the op that made it (the class of ``grad_fn.fn``: ``Mul``, ``ReLU``), its value
    and, in red, its gradient d root / d node.

    Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt

    names = names or {}
    nodes, edges, pos = _layout(root)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    if ax is None:
        n_cols = len(set(xs))
        _, ax = plt.subplots(figsize=(0.8 + 1.3 * n_cols, 0.8 + 0.95 * (max(ys) - min(ys) + 1)))
    for p, c in edges:
        (x0, y0), (x1, y1) = pos[id(p)], pos[id(c)]
        ax.annotate(
            "",
            xy=(x1 - 0.62, y1 + 0.08),
            xytext=(x0 + 0.62, y0 + 0.08),
            arrowprops={"arrowstyle": "->", "color": "0.45", "lw": 1.1, "shrinkA": 0, "shrinkB": 0},
        )
    for n in nodes:
        x, y = pos[id(n)]
        if isinstance(n, _Const):
            ax.text(
                x,
                y + 0.08,
                f"const {_number(n.value, digits)}",
                ha="center",
                va="center",
                fontsize=8,
                bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": "0.6", "ls": "--"},
            )
            continue
        ctx = n.grad_fn
        op = ctx.fn.__name__ if ctx is not None else "input"
        label = names.get(id(n), "")
        head = f"{label}  [{op}]" if label else f"[{op}]"
        face = "#e8f0fb" if ctx is not None else "#eef7e8"
        ax.text(
            x,
            y + 0.08,
            f"{head}\nvalue {_number(n.data, digits)}",
            ha="center",
            va="center",
            fontsize=8.5,
            bbox={"boxstyle": "round,pad=0.35", "fc": face, "ec": "0.5"},
        )
        if show_grad and n.grad is not None:
            ax.text(
                x,
                y - 0.36,
                f"grad {_number(n.grad, digits)}",
                ha="center",
                va="center",
                fontsize=8.5,
                color="#b2182b",
                fontweight="bold",
            )
    ax.set_xlim(min(xs) - 0.85, max(xs) + 0.85)
    ax.set_ylim(min(ys) - 0.65, max(ys) + 0.55)
    ax.axis("off")
    if title:
        ax.set_title(title)
    return ax


# ---------------------------------------------------------------------------
# Source excerpts (chapter 6 reads coursekit's own code, never a copy of it)
# ---------------------------------------------------------------------------
def source(obj: Any, start: str | None = None, stop: str | None = None, dedent: bool = True) -> Any:
    """Show the current source of ``obj`` (a function, class or module) as a highlighted block.

    ``start`` and ``stop`` select the lines from the first one containing
    ``start`` up to (excluding) the first later one containing ``stop``, so a
    page can quote part of a long function.  The text comes from
    :func:`inspect.getsource` when the page is built, so it never goes stale;
    a heading names the file.
    """
    import inspect
    import textwrap
    from pathlib import Path

    from IPython.display import Markdown

    import coursekit

    lines = inspect.getsource(obj).splitlines()
    first_line = inspect.getsourcelines(obj)[1]
    lo = 0
    if start is not None:
        lo = next(i for i, line in enumerate(lines) if start in line)
    hi = len(lines)
    if stop is not None:
        hi = next(i for i, line in enumerate(lines) if i > lo and stop in line)
    text = "\n".join(lines[lo:hi])
    if dedent:
        text = textwrap.dedent(text)
    path = Path(inspect.getsourcefile(obj)).resolve()
    rel = path.relative_to(Path(coursekit.__file__).resolve().parent.parent)
    where = f"`{rel.as_posix()}`, line {first_line + lo}"
    return Markdown(f"{where}\n\n```python\n{text.rstrip()}\n```")
