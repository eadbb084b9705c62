"""How the checks of assignment 2 (an autograd engine) drive the student's ``Tensor`` class."""

from __future__ import annotations

from typing import Any

from .run import WrongType

BINARY = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "matmul": lambda a, b: a @ b}
UNARY = ("relu", "exp", "log")


def composite(x: Any, W: Any, b: Any) -> Any:
    """A small graph in which values are used several times; written against the Tensor API."""
    h = (x @ W + b).relu()
    p = (h * h + 1.0).log()
    q = (p * h).sum(axis=0)
    return (q * q).sum() + (h.exp() * 0.5).sum() + (x * x).sum()


def sum_of(t: Any, inp: dict[str, Any]) -> Any:
    """``t.sum()`` or ``t.sum(axis=..., keepdims=...)`` as the case asks."""
    return t.sum() if inp["axis"] is None else t.sum(axis=inp["axis"], keepdims=inp["keepdims"])


def _leaf(T: Any, value: Any) -> Any:
    if not isinstance(T, type):
        raise WrongType(f"pass your Tensor class itself to check(), got a {type(T).__name__}")
    return T(value, requires_grad=True)


def _data(t: Any, what: str) -> Any:
    if not hasattr(t, "data"):
        raise WrongType(
            f"{what} has no .data attribute (it is a {type(t).__name__}, expected your Tensor)"
        )
    return t.data


def _grad(t: Any, what: str) -> Any:
    g = getattr(t, "grad", None)
    if g is None:
        raise WrongType(f"{what}.grad is None after backward(): the gradient never reached {what}")
    return g


def _unbroadcast(fn: Any, inp: dict[str, Any]) -> dict[str, Any]:
    return {"result": fn(inp["grad"], tuple(inp["shape"]))}


def _binary(op: str) -> Any:
    def call(T: Any, inp: dict[str, Any]) -> dict[str, Any]:
        x, y = _leaf(T, inp["x"]), _leaf(T, inp["y"])
        out = BINARY[op](x, y)
        data = _data(out, "the result")
        out.backward(inp["gradient"])
        return {"out": data, "x.grad": _grad(x, "x"), "y.grad": _grad(y, "y")}

    return call


def _unary(T: Any, inp: dict[str, Any]) -> dict[str, Any]:
    result = {}
    for op in UNARY:
        x = _leaf(T, inp[op]["x"])
        out = getattr(x, op)()
        result[f"{op}.out"] = _data(out, f"x.{op}()")
        out.backward(inp[op]["gradient"])
        result[f"{op}.grad"] = _grad(x, "x")
    return result


def _sum(T: Any, inp: dict[str, Any]) -> dict[str, Any]:
    x = _leaf(T, inp["x"])
    out = sum_of(x, inp)
    data = _data(out, "x.sum(...)")
    out.backward(inp["gradient"])
    return {"out": data, "x.grad": _grad(x, "x")}


def _graph(T: Any, inp: dict[str, Any]) -> dict[str, Any]:
    x, W, b = (_leaf(T, inp[k]) for k in ("x", "W", "b"))
    out = composite(x, W, b)
    data = _data(out, "the loss")
    out.backward()
    return {"out": data, "x.grad": _grad(x, "x"), "W.grad": _grad(W, "W"), "b.grad": _grad(b, "b")}


CALLS = {
    "a2.unbroadcast": _unbroadcast,
    **{f"a2.{op}": _binary(op) for op in BINARY},
    "a2.unary": _unary,
    "a2.sum": _sum,
    "a2.backward_pass": _graph,
}
