"""How the checks of assignment 3 (MLP layers and losses) call the student's functions."""

from __future__ import annotations

from typing import Any

import numpy as np

from .expect import as_float, expect_tuple
from .run import WrongType

ACTIVATIONS = ("relu", "sigmoid", "tanh")


def _linear_forward(fn: Any, inp: dict[str, Any]) -> dict[str, Any]:
    return {"out": fn(inp["X"], inp["W"], inp["b"])}


def _linear_backward(fn: Any, inp: dict[str, Any]) -> dict[str, Any]:
    dX, dW, db = expect_tuple(fn(inp["X"], inp["W"], inp["G"]), 3, "linear_backward")
    return {"dX": dX, "dW": dW, "db": db}


def _activations(student: Any, inp: dict[str, Any]) -> dict[str, Any]:
    forward, backward = expect_tuple(
        student, 2, "the check of activations (pass the pair (activation_forward, activation_backward)); it"
    )
    out = {}
    for name in ACTIVATIONS:
        out[f"{name}(z)"] = forward(name, inp["z"])
        out[f"{name} backward"] = backward(name, inp["z"], inp["G"])
    return out


def _loss_and_grad(name: str, logits: str) -> Any:
    def call(fn: Any, inp: dict[str, Any]) -> dict[str, Any]:
        loss, grad = expect_tuple(fn(inp[logits], inp["y"]), 2, name)
        return {"loss": as_float(loss, f"{name}'s loss"), f"d{logits}": grad}

    return call


def _train(fn: Any, inp: dict[str, Any]) -> dict[str, Any]:
    predict = fn(inp["X_train"], inp["y_train"], inp["seed"])
    if not callable(predict):
        raise WrongType(
            f"train_mlp should return a function predict(X) -> labels, got a {type(predict).__name__}"
        )
    labels = np.asarray(predict(inp["X_test"]))
    if labels.ndim == 2 and labels.shape[0] == len(inp["X_test"]):
        labels = labels.argmax(axis=1)  # scores or probabilities per class: take the best class
    return {"labels": labels}


CALLS = {
    "a3.linear_forward": _linear_forward,
    "a3.linear_backward": _linear_backward,
    "a3.activations": _activations,
    "a3.softmax_cross_entropy": _loss_and_grad("softmax_cross_entropy", "Z"),
    "a3.bce_with_logits": _loss_and_grad("bce_with_logits", "z"),
    "a3.train_mlp": _train,
}
