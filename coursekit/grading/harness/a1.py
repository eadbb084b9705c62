"""How the checks of assignment 1 (backprop by hand) call the student's functions.

NumPy only: the objects handed to the student (a smooth test function, a
loss, a backward function) are built here from the grader's plain data.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .expect import expect_dict, expect_tuple
from .run import WrongType

PARAMS = ("b0", "b1", "b2", "b3", "w0", "w1", "w2", "w3")
INTERMEDIATES = ("f0", "h1", "f1", "h2", "f2", "h3", "f3")
OPS = ("add", "mul", "sin", "cos", "exp", "reciprocal", "matmul")
ARITY = {"add": 2, "mul": 2, "sin": 1, "cos": 1, "exp": 1, "reciprocal": 1, "matmul": 2}


def toy_chain(x: Any, p: dict[str, Any]) -> dict[str, Any]:
    """f = b3 + w3 cos(b2 + w2 exp(b1 + w1 sin(b0 + w0 x))), every intermediate (NumPy)."""
    f0 = p["b0"] + p["w0"] * x
    h1 = np.sin(f0)
    f1 = p["b1"] + p["w1"] * h1
    h2 = np.exp(f1)
    f2 = p["b2"] + p["w2"] * h2
    h3 = np.cos(f2)
    f3 = p["b3"] + p["w3"] * h3
    return {"f0": f0, "h1": h1, "f1": f1, "h2": h2, "f2": f2, "h3": h3, "f3": f3}


class SmoothFunction:
    """f(x) = sum(sin(a x) x^2) + log(1 + sum(x^2)) + c . x, handed to ``central_difference``."""

    def __init__(self, a: float, c: np.ndarray) -> None:
        self._a, self._c = float(a), np.asarray(c, dtype=np.float64)

    def __call__(self, x: Any) -> float:
        x = np.asarray(x, dtype=np.float64)
        return float(np.sum(np.sin(self._a * x) * x**2) + np.log1p(np.sum(x**2)) + np.sum(self._c * x))


class ToyChainLoss:
    """phi -> sum((f3 - y)^2) of the toy chain on fixed data, handed to ``find_wrong_gradients``."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self._x, self._y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def __call__(self, phi: dict[str, float]) -> float:
        p = {k: float(phi[k]) for k in PARAMS}
        return float(np.sum((toy_chain(self._x, p)["f3"] - self._y) ** 2))


class ReportedGradients:
    """A backward function seen from outside: the gradients it reported at ``phi``.

    It only knows its answer at the point it was run at (as a log of a
    training run would); finding which of them are wrong takes a test, e.g.
    central differences of the loss.
    """

    def __init__(self, phi: dict[str, float], reported: dict[str, float]) -> None:
        self._phi = {k: float(phi[k]) for k in PARAMS}
        self._reported = {k: float(reported[k]) for k in PARAMS}

    def __call__(self, phi: dict[str, float]) -> dict[str, float]:
        asked = {k: float(phi[k]) for k in PARAMS}
        if asked != self._phi:
            raise ValueError(
                "backward_fn only knows the gradients at the phi given to find_wrong_gradients; "
                "perturb phi for loss_fn only"
            )
        return dict(self._reported)


def _forward(student: Any, inp: dict[str, Any]) -> dict[str, Any]:
    out = expect_dict(student(inp["x"], inp["phi"]), INTERMEDIATES, "toy_chain_forward")
    return {k: out[k] for k in INTERMEDIATES}


def _backward(student: Any, inp: dict[str, Any]) -> dict[str, Any]:
    out = expect_dict(student(inp["x"], inp["y"], inp["phi"]), PARAMS, "toy_chain_backward")
    return {f"dL/d{k}": out[k] for k in PARAMS}


def _neuron(student: Any, inp: dict[str, Any]) -> dict[str, Any]:
    f, dx, dw = expect_tuple(student(inp["x"], inp["w"]), 3, "sigmoid_neuron")
    return {"f": f, "df/dx": dx, "df/dw": dw}


def _primitive(student: Any, inp: dict[str, Any]) -> dict[str, Any]:
    """One call per operation; an operation that fails only loses its own outputs (partial credit)."""
    out, first_error = {}, None
    for op in OPS:
        try:
            grads = student(op, tuple(inp[op]["inputs"]), inp[op]["grad_out"])
            grads = expect_tuple(grads, ARITY[op], f"primitive_backward({op!r}, ...)")
        except Exception as err:  # noqa: BLE001  (the student's code may raise anything)
            first_error = first_error or err
            continue
        for i, g in enumerate(grads):
            out[f"{op}[{i}]"] = g
    if first_error is not None and not out:
        raise first_error
    return out


def _central(student: Any, inp: dict[str, Any]) -> dict[str, Any]:
    f = SmoothFunction(inp["f"]["a"], inp["f"]["c"])
    return {"gradient": student(f, inp["x"], inp["eps"])}


def _find_bug(student: Any, inp: dict[str, Any]) -> dict[str, Any]:
    names = student(ToyChainLoss(inp["x"], inp["y"]), ReportedGradients(inp["phi"], inp["reported"]),
                    dict(inp["phi"]))
    if isinstance(names, (str, bytes)) or not hasattr(names, "__iter__"):
        raise WrongType(
            f"find_wrong_gradients should return a set of parameter names, got a {type(names).__name__}"
        )
    names = list(names)
    unknown = [n for n in names if n not in PARAMS]
    if unknown:
        raise WrongType(
            f"find_wrong_gradients returned names that are not parameters: {unknown!r} "
            f"(use {', '.join(PARAMS)})"
        )
    return {"wrong": np.array([k in names for k in PARAMS], dtype=np.float64)}


CALLS = {
    "a1.toy_chain_forward": _forward,
    "a1.toy_chain_backward": _backward,
    "a1.sigmoid_neuron": _neuron,
    "a1.primitive_backward": _primitive,
    "a1.central_difference": _central,
    "a1.find_wrong_gradients": _find_bug,
}
