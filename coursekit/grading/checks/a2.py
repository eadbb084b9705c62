"""Assignment 2, a vectorized autograd engine: the student's ``Tensor`` against coursekit's engine.

Each check builds the same small graph with the student's ``Tensor`` class and
with coursekit's, runs ``backward`` with a random upstream gradient, and
compares values and gradients; the composite graph is also checked against
central finite differences.  coursekit's ``autograd`` and ``nn`` must not run
inside the student's code: a ``Tensor`` that wraps or subclasses coursekit's
earns nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd.broadcasting import sum_to
from ..harness.a2 import BINARY, UNARY, composite, sum_of
from ..registry import Check, allow_imports, register
from ._common import broadcastable_pair, central_differences, f64, random_shape, reference_grads

FORBIDDEN = ("coursekit.autograd", "coursekit.nn")
allow_imports("a2", "numpy", "matplotlib", "tqdm")





# ---------------------------------------------------------------------------
# unbroadcast
# ---------------------------------------------------------------------------
def _unbroadcast_inputs(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
    if hidden:
        shape, other = broadcastable_pair(rng)
    else:
        shape, other = (3, 1), (2, 3, 4)
    full = np.broadcast_shapes(shape, other)
    return {"grad": rng.normal(size=full), "shape": tuple(shape)}


register(
    Check(
        id="a2.unbroadcast",
        points=2,
        title="unbroadcast(grad, shape): sum a gradient of the broadcast shape back to the input's shape",
        make_inputs=_unbroadcast_inputs,
        reference=lambda inp: {"result": f64(sum_to(inp["grad"], inp["shape"]))},
        hint="Broadcasting adds leading axes and stretches axes of size 1. Sum grad over the added leading axes "
        "(grad.ndim - len(shape) of them), then over every axis where shape has 1 but grad does not, "
        "with keepdims=True; the result must have exactly `shape`.",
        forbidden=FORBIDDEN,
    )
)


# ---------------------------------------------------------------------------
# Binary and unary operations, each with an upstream gradient
# ---------------------------------------------------------------------------


def _binary_inputs(op: str) -> Any:
    def make(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
        if op == "matmul":
            n, k, m = (int(s) for s in rng.integers(1, 6, size=3)) if hidden else (2, 3, 4)
            sx, sy = (n, k), (k, m)
        else:
            sx, sy = broadcastable_pair(rng) if hidden else ((2, 3), (3,))
        out = np.broadcast_shapes(sx, sy) if op != "matmul" else (sx[0], sy[1])
        return {
            "x": rng.normal(size=sx),
            "y": rng.normal(size=sy),
            "gradient": rng.normal(size=out),
        }

    return make


def _binary_reference(op: str) -> Any:
    def reference(inp: dict[str, Any]) -> dict[str, np.ndarray]:
        out, grads = reference_grads(
            lambda t: BINARY[op](t["x"], t["y"]), inp, ("x", "y"), inp["gradient"]
        )
        return {"out": out, "x.grad": grads["x"], "y.grad": grads["y"]}

    return reference



_HINTS = {
    "add": "d(x + y)/dx = 1: x.grad is the upstream gradient, unbroadcast to x's shape (same for y).",
    "mul": "d(x * y)/dx = y: x.grad = unbroadcast(gradient * y, x.shape), y.grad = unbroadcast(gradient * x, "
    "y.shape).",
    "matmul": "For out = x @ y with upstream G: x.grad = G @ y.T and y.grad = x.T @ G.",
}
_SYMBOL = {"add": "+", "mul": "*", "matmul": "@"}
for _op, _points in (("add", 2), ("mul", 2), ("matmul", 2)):
    register(
        Check(
            id=f"a2.{_op}",
            points=_points,
            title=f"Tensor {_op}: out = x {_SYMBOL[_op]} y, then out.backward(gradient); "
            "compares out.data, x.grad, y.grad"
            + (" (shapes broadcast)" if _op != "matmul" else ""),
            make_inputs=_binary_inputs(_op),
            reference=_binary_reference(_op),
            hint=_HINTS[_op],
            forbidden=FORBIDDEN,
        )
    )



def _unary_inputs(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
    inp = {}
    for op in UNARY:
        shape = random_shape(rng, (1, 2), (1, 5)) if hidden else (2, 3)
        if op == "relu":  # keep away from the kink at 0
            x = rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.05, 2.0, size=shape)
        elif op == "log":
            x = rng.uniform(0.2, 3.0, size=shape)
        else:
            x = rng.normal(size=shape)
        inp[op] = {"x": x, "gradient": rng.normal(size=shape)}
    return inp


def _unary_reference(inp: dict[str, Any]) -> dict[str, np.ndarray]:
    expected = {}
    for op in UNARY:
        out, grads = reference_grads(
            lambda t, op=op: getattr(t["x"], op)(), {"x": inp[op]["x"]}, ("x",), inp[op]["gradient"]
        )
        expected[f"{op}.out"], expected[f"{op}.grad"] = out, grads["x"]
    return expected



register(
    Check(
        id="a2.unary",
        points=3,
        title="Tensor relu(), exp(), log(): values and x.grad after out.backward(gradient), each on a fresh leaf",
        make_inputs=_unary_inputs,
        reference=_unary_reference,
        hint="Local derivatives: relu -> 1 where x > 0 else 0; exp -> exp(x) (reuse the output); log -> 1 / x. "
        "Multiply by the upstream gradient.",
        forbidden=FORBIDDEN,
    )
)


# ---------------------------------------------------------------------------
# sum
# ---------------------------------------------------------------------------
def _sum_inputs(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
    if not hidden:
        x, axis, keepdims = rng.normal(size=(2, 3)), 1, False
    else:
        x = rng.normal(size=random_shape(rng, (1, 3), (1, 5)))
        axis = None if case % 3 == 0 else int(rng.integers(0, x.ndim))
        keepdims = case % 3 == 2
    out_shape = np.sum(x, axis=axis, keepdims=keepdims).shape
    return {"x": x, "axis": axis, "keepdims": keepdims, "gradient": rng.normal(size=out_shape)}



def _sum_reference(inp: dict[str, Any]) -> dict[str, np.ndarray]:
    out, grads = reference_grads(
        lambda t: sum_of(t["x"], inp), {"x": inp["x"]}, ("x",), inp["gradient"]
    )
    return {"out": out, "x.grad": grads["x"]}



register(
    Check(
        id="a2.sum",
        points=2,
        title="Tensor sum(axis=None | int, keepdims=False | True): value and x.grad after out.backward(gradient)",
        make_inputs=_sum_inputs,
        reference=_sum_reference,
        hint="Every summed entry gets the upstream gradient of its sum: put back the summed axis "
        "(np.expand_dims unless keepdims) and broadcast the gradient to x's shape (np.broadcast_to(...).copy()).",
        forbidden=FORBIDDEN,
    )
)


# ---------------------------------------------------------------------------
# The backward pass on a graph with reused values
# ---------------------------------------------------------------------------

def _composite_numpy(v: dict[str, Any]) -> float:
    h = np.maximum(v["x"] @ v["W"] + v["b"], 0.0)
    q = (np.log(h * h + 1.0) * h).sum(axis=0)
    return float((q * q).sum() + (np.exp(h) * 0.5).sum() + (v["x"] ** 2).sum())


def _graph_inputs(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
    n, d, k = (int(s) for s in rng.integers(2, 6, size=3)) if hidden else (3, 2, 4)
    for _ in range(100):  # keep x @ W + b away from relu's kink, where finite differences fail
        inp = {
            "x": rng.normal(size=(n, d)),
            "W": rng.normal(0.0, 0.5, size=(d, k)),
            "b": rng.normal(0.1, 0.3, size=k),
        }
        if np.min(np.abs(inp["x"] @ inp["W"] + inp["b"])) > 1e-3:
            break
    return inp


def _graph_reference(inp: dict[str, Any]) -> dict[str, np.ndarray]:
    out, grads = reference_grads(lambda t: composite(t["x"], t["W"], t["b"]), inp, ("x", "W", "b"))
    return {"out": out, **{f"{k}.grad": grads[k] for k in ("x", "W", "b")}}


def _graph_numerical(inp: dict[str, Any]) -> dict[str, np.ndarray]:
    grads = central_differences(_composite_numpy, inp, ("x", "W", "b"))
    return {f"{k}.grad": g for k, g in grads.items()}



register(
    Check(
        id="a2.backward_pass",
        points=4,
        title="loss.backward() on a graph that reuses values: h = relu(x @ W + b), p = log(h*h + 1), "
        "q = (p*h).sum(axis=0), loss = (q*q).sum() + (0.5*exp(h)).sum() + (x*x).sum()",
        make_inputs=_graph_inputs,
        reference=_graph_reference,
        numerical=_graph_numerical,
        hint="Visit the nodes in reverse topological order (each node only after every node that uses it), "
        "so a node's gradient is complete (summed over all its uses) before it is passed on. "
        "backward() with no argument starts from a gradient of 1 (the loss is a single number); "
        "numbers such as 1.0 or 0.5 in x + 1.0 or x * 0.5 are constants.",
        forbidden=FORBIDDEN,
    )
)
