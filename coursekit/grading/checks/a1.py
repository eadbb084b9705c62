"""Assignment 1, derivatives and backprop by hand: the toy chain, the sigmoid neuron, primitive rules, gradient checks.

Every reference is computed with coursekit's autograd engine; gradients are
also compared with central finite differences.  The student's functions may
use NumPy only: coursekit's autograd must not run inside them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd.tensor import Tensor
from ..harness.a1 import ARITY, OPS, PARAMS
from ..registry import Check, allow_imports, register
from ._common import central_differences, f64, random_shape, reference_grads

FORBIDDEN = ("coursekit.autograd", "coursekit.nn")
allow_imports("a1", "numpy", "matplotlib", "tqdm")


# ---------------------------------------------------------------------------
# The toy chain  f = b3 + w3 cos(b2 + w2 exp(b1 + w1 sin(b0 + w0 x)))
# ---------------------------------------------------------------------------
def _phi(rng: np.random.Generator) -> dict[str, float]:
    return {k: float(rng.normal(0.0, 0.8)) for k in PARAMS}


def _chain_inputs(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
    shape = random_shape(rng, (1, 2), (1, 6)) if hidden else (4,)
    return {"x": rng.normal(0.0, 1.0, size=shape), "phi": _phi(rng)}


def _chain(x: Any, p: dict[str, Any]) -> dict[str, Any]:
    """The forward pass; works on arrays and on coursekit Tensors (uses their methods)."""
    sin = (lambda v: v.sin()) if isinstance(p["b0"], Tensor) else np.sin
    exp = (lambda v: v.exp()) if isinstance(p["b0"], Tensor) else np.exp
    cos = (lambda v: v.cos()) if isinstance(p["b0"], Tensor) else np.cos
    f0 = p["b0"] + p["w0"] * x
    h1 = sin(f0)
    f1 = p["b1"] + p["w1"] * h1
    h2 = exp(f1)
    f2 = p["b2"] + p["w2"] * h2
    h3 = cos(f2)
    f3 = p["b3"] + p["w3"] * h3
    return {"f0": f0, "h1": h1, "f1": f1, "h2": h2, "f2": f2, "h3": h3, "f3": f3}


def _forward_reference(inp: dict[str, Any]) -> dict[str, np.ndarray]:
    phi = {k: Tensor(v) for k, v in inp["phi"].items()}
    out = _chain(inp["x"], phi)
    return {k: np.broadcast_to(f64(v), np.shape(inp["x"])).copy() for k, v in out.items()}



register(
    Check(
        id="a1.toy_chain_forward",
        points=2,
        title="toy_chain_forward(x, phi): the seven intermediate values f0, h1, ..., f3 for every entry of x",
        make_inputs=_chain_inputs,
        reference=_forward_reference,
        hint="Follow the chain from the inside out: f0 = b0 + w0 x, h1 = sin(f0), f1 = b1 + w1 h1, ... "
        "NumPy functions (np.sin, np.exp, np.cos) work on whole arrays at once.",
        forbidden=FORBIDDEN,
    )
)


def _loss_values(values: dict[str, Any]) -> float:
    out = _chain(values["x"], values)
    return float(np.sum((out["f3"] - values["y"]) ** 2))


def _backward_inputs(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
    inp = _chain_inputs(rng, case, hidden)
    inp["y"] = rng.normal(0.0, 1.0, size=np.shape(inp["x"]))
    return {"x": inp["x"], "y": inp["y"], "phi": inp["phi"]}


def _backward_reference(inp: dict[str, Any]) -> dict[str, np.ndarray]:
    values = {"x": inp["x"], "y": inp["y"], **inp["phi"]}

    def loss(t: dict[str, Any]) -> Tensor:
        return ((_chain(t["x"], t)["f3"] - t["y"]) ** 2).sum()

    _, grads = reference_grads(loss, values, PARAMS)
    return {f"dL/d{k}": grads[k] for k in PARAMS}


def _backward_numerical(inp: dict[str, Any]) -> dict[str, np.ndarray]:
    values = {"x": inp["x"], "y": inp["y"], **inp["phi"]}
    grads = central_differences(_loss_values, values, PARAMS)
    return {f"dL/d{k}": g for k, g in grads.items()}



register(
    Check(
        id="a1.toy_chain_backward",
        points=3,
        title="toy_chain_backward(x, y, phi): dL/db_k and dL/dw_k of L = sum((f3 - y)^2)",
        make_inputs=_backward_inputs,
        reference=_backward_reference,
        numerical=_backward_numerical,
        hint="Go backwards: dL/df3 = 2 (f3 - y); dL/dh3 = w3 dL/df3; dL/df2 = -sin(f2) dL/dh3; ...; "
        "dL/df0 = cos(f0) dL/dh1 (the derivative of sin is +cos). Then dL/db_k = sum of dL/df_k and "
        "dL/dw_k = sum of h_k dL/df_k with h_0 = x, summed over all entries of x.",
        forbidden=FORBIDDEN,
    )
)


# ---------------------------------------------------------------------------
# The sigmoid neuron  f = 1 / (1 + exp(-(w . x + b)))
# ---------------------------------------------------------------------------
def _neuron_inputs(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
    if not hidden:  # the course's worked example: x0 = -1, x1 = -2, w0 = 2, w1 = -3, w2 = -3
        return {"x": np.array([-1.0, -2.0]), "w": np.array([2.0, -3.0, -3.0])}
    n = int(rng.integers(1, 7))
    return {"x": rng.normal(0.0, 1.0, size=n), "w": rng.normal(0.0, 1.0, size=n + 1)}


def _neuron_reference(inp: dict[str, Any]) -> dict[str, np.ndarray]:
    def f(t: dict[str, Any]) -> Tensor:
        return ((t["x"] * t["w"][:-1]).sum() + t["w"][-1]).sigmoid()

    out, grads = reference_grads(f, inp, ("x", "w"))
    return {"f": out, "df/dx": grads["x"], "df/dw": grads["w"]}


def _neuron_numerical(inp: dict[str, Any]) -> dict[str, np.ndarray]:
    def f(v: dict[str, Any]) -> float:
        return float(1.0 / (1.0 + np.exp(-(v["x"] @ v["w"][:-1] + v["w"][-1]))))

    grads = central_differences(f, inp, ("x", "w"))
    return {"df/dx": grads["x"], "df/dw": grads["w"]}



register(
    Check(
        id="a1.sigmoid_neuron",
        points=2,
        title="sigmoid_neuron(x, w): f = sigma(w[:-1] . x + w[-1]) and its gradients w.r.t. x and w",
        make_inputs=_neuron_inputs,
        reference=_neuron_reference,
        numerical=_neuron_numerical,
        hint="With s = w[:-1] . x + w[-1] and f = sigma(s): df/ds = f (1 - f); df/dx = df/ds * w[:-1]; "
        "df/dw = df/ds * [x, 1] (the bias sees the input 1). The worked example gives f = 0.731059.",
        forbidden=FORBIDDEN,
    )
)


# ---------------------------------------------------------------------------
# Local gradients of primitive operations (vector-Jacobian products)
# ---------------------------------------------------------------------------
_TENSOR_OPS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "sin": lambda a: a.sin(),
    "cos": lambda a: a.cos(),
    "exp": lambda a: a.exp(),
    "reciprocal": lambda a: 1.0 / a,
    "matmul": lambda a, b: a @ b,
}


def _primitive_inputs(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
    cases = {}
    for op in OPS:
        if op == "matmul":
            n, k, m = (int(s) for s in (rng.integers(1, 6, size=3) if hidden else (2, 3, 2)))
            args = (rng.normal(size=(n, k)), rng.normal(size=(k, m)))
            out_shape = (n, m)
        else:
            shape = random_shape(rng, (1, 2), (1, 5)) if hidden else (3,)
            if op == "reciprocal":
                args = (rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.5, 2.0, size=shape),)
            else:
                args = tuple(rng.normal(size=shape) for _ in range(ARITY[op]))
            out_shape = shape
        cases[op] = {"inputs": args, "grad_out": rng.normal(size=out_shape)}
    return cases


def _primitive_reference(inp: dict[str, Any]) -> dict[str, np.ndarray]:
    expected = {}
    for op in OPS:
        names = [f"a{i}" for i in range(ARITY[op])]
        values = dict(zip(names, inp[op]["inputs"]))
        _, grads = reference_grads(
            lambda t, op=op, names=names: _TENSOR_OPS[op](*(t[n] for n in names)),
            values,
            names,
            upstream=inp[op]["grad_out"],
        )
        for i, n in enumerate(names):
            expected[f"{op}[{i}]"] = grads[n]
    return expected



register(
    Check(
        id="a1.primitive_backward",
        points=3,
        title="primitive_backward(op, inputs, grad_out): one gradient per input for add, mul, sin, cos, exp, "
        "reciprocal, matmul",
        make_inputs=_primitive_inputs,
        reference=_primitive_reference,
        hint="Multiply the upstream gradient by the local derivative: mul -> (g*b, g*a); sin -> g*cos(a); "
        "cos -> -g*sin(a); exp -> g*exp(a); 1/a -> -g/a**2; C = A @ B -> (G @ B.T, A.T @ G). "
        "Return a tuple even for one input, e.g. (g * np.cos(a),).",
        partial="parts",  # one part per operation: a wrong matmul does not cost the other six
        parts=tuple((op, tuple(f"{op}[{i}]" for i in range(ARITY[op]))) for op in OPS),
        forbidden=FORBIDDEN,
    )
)


# ---------------------------------------------------------------------------
# Gradient checking: central differences
# ---------------------------------------------------------------------------
def _smooth_tensor(f: dict[str, Any], x: Tensor) -> Tensor:
    """f(x) = sum(sin(a x) x^2) + log(1 + sum(x^2)) + c . x on a Tensor (the harness's SmoothFunction)."""
    return ((f["a"] * x).sin() * x * x).sum() + (1.0 + (x * x).sum()).log() + (x * f["c"]).sum()


def _central_inputs(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
    shape = random_shape(rng, (1, 2), (1, 5)) if hidden else (3,)
    c = rng.normal(size=shape)
    return {
        "f": {"a": float(rng.uniform(0.5, 2.0)), "c": c},
        "x": rng.normal(size=shape),
        "eps": 1e-4,
    }


def _central_reference(inp: dict[str, Any]) -> dict[str, np.ndarray]:
    _, grads = reference_grads(lambda t: _smooth_tensor(inp["f"], t["x"]), {"x": inp["x"]}, ("x",))
    return {"gradient": grads["x"]}



register(
    Check(
        id="a1.central_difference",
        points=2,
        title="central_difference(f, x, eps): the gradient of a scalar function f at x, by central differences",
        make_inputs=_central_inputs,
        reference=_central_reference,
        rtol=1e-5,
        atol=1e-6,
        hint="For every entry i: (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), where e_i is 1 at entry i and 0 "
        "elsewhere. Work on a copy of x (x.copy()) and put each entry back after you change it. A one-sided "
        "difference (f(x + eps e_i) - f(x)) / eps is not accurate enough here.",
        forbidden=FORBIDDEN,
    )
)


# ---------------------------------------------------------------------------
# Find the bug: which gradients does a backward function get wrong?
# ---------------------------------------------------------------------------
BUGS = ("none", "slide", "half", "w2", "exp", "cos", "w0x")
"""The mistakes :func:`_buggy_backward` can make (the visible case uses ``w2``; the notebook shows ``slide``)."""


def _buggy_backward(
    x: np.ndarray, y: np.ndarray, p: dict[str, float], bug: str
) -> dict[str, float]:
    """The toy chain's backward pass, with one deliberate mistake (``bug``)."""
    v = _chain(x, p)
    d_f3 = (v["f3"] - y) * (1.0 if bug == "half" else 2.0)
    d_h3 = p["w3"] * d_f3
    d_f2 = (np.sin(v["f2"]) if bug == "cos" else -np.sin(v["f2"])) * d_h3
    d_h2 = p["w2"] * d_f2
    d_f1 = (v["h1"] if bug == "exp" else np.exp(v["f1"])) * d_h2
    d_h1 = p["w1"] * d_f1
    d_f0 = (-np.cos(v["f0"]) if bug == "slide" else np.cos(v["f0"])) * d_h1
    h = {"0": x, "1": v["h1"], "2": v["h2"], "3": v["h3"]}
    d_f = {"0": d_f0, "1": d_f1, "2": d_f2, "3": d_f3}
    grads = {f"b{k}": float(np.sum(d_f[k])) for k in "0123"}
    grads.update({f"w{k}": float(np.sum(h[k] * d_f[k])) for k in "0123"})
    if bug == "w2":
        grads["w2"] = float(np.sum(d_f["2"]))
    if bug == "w0x":
        grads["w0"] = float(np.sum(d_f["0"]))
    return grads


WRONG_THRESHOLD = 1e-4
"""A reported gradient is wrong when it differs from the exact one by more than this x max(1, |exact|)."""
CLEARLY_WRONG = 0.1
"""A deliberate mistake changes a gradient by at least this x max(1, |exact|): never a close call."""


def _wrong_set(x: np.ndarray, y: np.ndarray, phi: dict[str, float], reported: dict[str, float]) -> np.ndarray:
    """Indicator (order ``PARAMS``) of the reported gradients that differ from coursekit's exact ones."""
    exact = _backward_reference({"x": x, "y": y, "phi": phi})
    wrong = np.zeros(len(PARAMS))
    for i, k in enumerate(PARAMS):
        e = float(exact[f"dL/d{k}"])
        wrong[i] = float(abs(reported[k] - e) > WRONG_THRESHOLD * max(1.0, abs(e)))
    return wrong


def _clear_mistake(x: np.ndarray, y: np.ndarray, phi: dict[str, float], bug: str) -> bool:
    """Whether every gradient the slide-style ``bug`` changes is changed clearly (no close calls)."""
    exact, buggy = _buggy_backward(x, y, phi, "none"), _buggy_backward(x, y, phi, bug)
    diffs = [abs(buggy[k] - exact[k]) / max(1.0, abs(exact[k])) for k in PARAMS]
    return all(d == 0.0 or d > CLEARLY_WRONG for d in diffs)


def _mistake(rng: np.random.Generator, exact: float) -> float:
    """``exact`` made clearly wrong in one of the ways a hand-written backward pass goes wrong.

    A flipped sign, a wrong factor (a forgotten or doubled local derivative)
    or a wrong term; which one, and by how much, is random, so the value
    itself never tells (no reported gradient equals another one).
    """
    scale = max(1.0, abs(exact))
    kind = int(rng.integers(3))
    if kind == 0 and abs(exact) > CLEARLY_WRONG * scale:
        return -exact
    if kind == 1 and abs(exact) > 0.5 * scale:
        factor = rng.uniform(1.3, 3.0)
        return exact * (factor if rng.random() < 0.5 else 1.0 / factor) * (1.0 if rng.random() < 0.8 else -1.0)
    return exact + float(rng.choice([-1.0, 1.0])) * scale * rng.uniform(2 * CLEARLY_WRONG, 1.0)


def _bug_inputs(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
    """The data of the loss and the gradients a backward function reported (never which are wrong).

    Visible case: the documented ``w2`` mistake (the gradient of w2 forgets
    its input h2).  Hidden cases: every gradient is independently wrong with
    probability 1/2, in a random way (:func:`_mistake`): 2**8 equally likely
    answers per case, so a guess passes the hidden cases with chance
    2**-(8 * hidden_cases), and nothing in the numbers tells which are wrong.
    """
    if not hidden:
        for _ in range(200):  # redraw until the affected gradient is clearly wrong
            x, y, phi = rng.normal(size=5), rng.normal(size=5), _phi(rng)
            if _clear_mistake(x, y, phi, "w2"):
                break
        return {"x": x, "y": y, "phi": phi, "reported": _buggy_backward(x, y, phi, "w2")}
    x, y, phi = rng.normal(size=5), rng.normal(size=5), _phi(rng)
    reported = _buggy_backward(x, y, phi, "none")
    for k in PARAMS:
        if rng.random() < 0.5:
            reported[k] = float(_mistake(rng, reported[k]))
    # The student gets the data of the loss and the gradients the backward function reported, not
    # the function itself: nothing handed over says which gradients are wrong.
    return {"x": x, "y": y, "phi": phi, "reported": reported}


def _bug_reference(inp: dict[str, Any]) -> dict[str, np.ndarray]:
    return {"wrong": _wrong_set(inp["x"], inp["y"], inp["phi"], inp["reported"])}



register(
    Check(
        id="a1.find_wrong_gradients",
        points=2,
        title="find_wrong_gradients(loss_fn, backward_fn, phi): the names of the parameters whose gradient "
        "backward_fn gets wrong (1 = reported wrong, in the order b0, b1, b2, b3, w0, w1, w2, w3)",
        make_inputs=_bug_inputs,
        reference=_bug_reference,
        rtol=0.0,
        atol=1e-12,
        hint="For each name, perturb phi[name] by +-eps in a copy of phi, take the central difference of "
        "loss_fn, and compare with backward_fn(phi)[name]; report it when they differ by more than "
        "1e-4 * max(1, |central difference|). A correct backward function has no wrong gradients.",
        forbidden=FORBIDDEN,
        hidden_cases=6,  # 2**8 equally likely answers per hidden case: a guess passes with chance 2**-48
    )
)
