"""How the checks of assignment 4 (optimizers) run the student's update functions, step by step.

Every check runs a short trajectory on a noisy quadratic
``E(theta) = sum(a (theta - c)^2) / 2``: the gradient of step t at a point is
``a (point - c) + noise[t]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .expect import expect_tuple
from .run import WrongType


def gradient(inp: dict[str, Any], point: np.ndarray, t: int) -> np.ndarray:
    """The gradient of step ``t`` at ``point``."""
    return inp["a"] * (point - inp["c"]) + inp["noise"][t]


class GradientAt:
    """The gradient of step t at any point, handed to ``nesterov_step``."""

    def __init__(self, inp: dict[str, Any], t: int) -> None:
        self._a, self._c, self._noise = inp["a"], inp["c"], inp["noise"][t]

    def __call__(self, point: Any) -> np.ndarray:
        return self._a * (np.asarray(point, dtype=np.float64) - self._c) + self._noise


def _array(value: Any, like: np.ndarray, what: str) -> np.ndarray:
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise WrongType(f"{what} should be an array of numbers, got a {type(value).__name__}") from None
    if arr.shape != like.shape:
        raise WrongType(f"{what} has shape {arr.shape}, expected {like.shape} (the shape of theta)")
    return arr


def _run(
    inp: dict[str, Any], names: tuple[str, ...], step: Callable[..., Any], what: str
) -> dict[str, np.ndarray]:
    """Call ``step(values, t) -> (theta, state...)`` once per step (state starts at 0); stack the trajectories."""
    values = {"theta": inp["theta0"].copy(), **{n: np.zeros_like(inp["theta0"]) for n in names[1:]}}
    rows: dict[str, list[np.ndarray]] = {n: [] for n in names}
    for t in range(len(inp["noise"])):
        result = expect_tuple(step(values, t), len(names), what)
        for name, value in zip(names, result):
            values[name] = _array(value, inp["theta0"], f"{what}'s {name}")
            rows[name].append(values[name].copy())
    return {name: np.stack(rows[name]) for name in names}


def _momentum(fn: Any, inp: dict[str, Any]) -> dict[str, Any]:
    def step(v: dict[str, np.ndarray], t: int) -> Any:
        g = gradient(inp, v["theta"], t)
        return fn(v["theta"].copy(), g, v["v"].copy(), inp["lr"], inp["gamma"])

    return _run(inp, ("theta", "v"), step, "momentum_step")


def _nesterov(fn: Any, inp: dict[str, Any]) -> dict[str, Any]:
    def step(v: dict[str, np.ndarray], t: int) -> Any:
        return fn(v["theta"].copy(), v["v"].copy(), GradientAt(inp, t), inp["lr"], inp["gamma"])

    return _run(inp, ("theta", "v"), step, "nesterov_step")


def _adagrad(fn: Any, inp: dict[str, Any]) -> dict[str, Any]:
    def step(v: dict[str, np.ndarray], t: int) -> Any:
        g = gradient(inp, v["theta"], t)
        return fn(v["theta"].copy(), g, v["r"].copy(), inp["lr"], inp["delta"])

    return _run(inp, ("theta", "r"), step, "adagrad_step")


def _rmsprop(fn: Any, inp: dict[str, Any]) -> dict[str, Any]:
    def step(v: dict[str, np.ndarray], t: int) -> Any:
        g = gradient(inp, v["theta"], t)
        return fn(v["theta"].copy(), g, v["s"].copy(), inp["lr"], inp["rho"], inp["delta"])

    return _run(inp, ("theta", "s"), step, "rmsprop_step")


def _adam(fn: Any, inp: dict[str, Any]) -> dict[str, Any]:
    def step(v: dict[str, np.ndarray], t: int) -> Any:
        g = gradient(inp, v["theta"], t)
        return fn(v["theta"].copy(), g, v["m"].copy(), v["v"].copy(), t + 1,
                  inp["lr"], inp["beta1"], inp["beta2"], inp["eps"])

    return _run(inp, ("theta", "m", "v"), step, "adam_step")


CALLS = {
    "a4.momentum": _momentum,
    "a4.nesterov": _nesterov,
    "a4.adagrad": _adagrad,
    "a4.rmsprop": _rmsprop,
    "a4.adam": _adam,
}
