"""How the checks of assignment 5 (regularization) call the student's functions."""

from __future__ import annotations

from typing import Any

import numpy as np

from .expect import as_float, expect_tuple
from .run import WrongType


def _penalty(name: str) -> Any:
    def call(fn: Any, inp: dict[str, Any]) -> dict[str, Any]:
        value, grads = expect_tuple(fn(inp["weights"], inp["lam"]), 2, name)
        grads = expect_tuple(
            grads, len(inp["weights"]), f"{name}'s list of gradients (one per weight array); it"
        )
        return {"value": as_float(value, f"{name}'s value"), **{f"grad[{i}]": g for i, g in enumerate(grads)}}

    return call


def _dropout(student: Any, inp: dict[str, Any]) -> dict[str, Any]:
    forward, backward = expect_tuple(
        student, 2, "the dropout check (pass the pair (dropout_forward, dropout_backward)); it"
    )
    rng = np.random.default_rng(inp["seed"])
    out, mask = expect_tuple(forward(inp["h"], inp["p"], rng, inp["training"]), 2, "dropout_forward")
    return {"out": out, "mask": mask, "dL/dh": backward(inp["G"], mask)}


def _early_stopping(fn: Any, inp: dict[str, Any]) -> dict[str, Any]:
    best, stop = expect_tuple(
        fn(list(inp["val_losses"]), inp["patience"], inp["min_delta"]), 2, "early_stopping"
    )
    for name, value in (("best_epoch", best), ("stop_epoch", stop)):
        if isinstance(value, (float, np.floating)) and not float(value).is_integer():
            raise WrongType(f"early_stopping's {name} should be an epoch index (an integer), got {value!r}")
    return {"best_epoch": best, "stop_epoch": stop}


CALLS = {
    "a5.l2_penalty": _penalty("l2_penalty"),
    "a5.l1_penalty": _penalty("l1_penalty"),
    "a5.dropout": _dropout,
    "a5.early_stopping": _early_stopping,
}
