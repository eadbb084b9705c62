"""Assignment 5, regularization: L2 and L1 penalties, inverted dropout, early stopping.

References come from coursekit: penalties and their gradients from the
autograd engine (and finite differences), dropout from
``coursekit.nn.functional.dropout`` driven by the same seed, early stopping
from ``coursekit.train.fit``'s own rule.  coursekit's ``autograd``, ``nn`` and
``train`` must not run inside the student's functions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd import creation
from ...autograd.grad_mode import is_grad_enabled
from ...autograd.tensor import Tensor
from ...nn import functional as F
from ...nn.parameter import Parameter
from ...optim import SGD
from ...train import EarlyStopping, fit
from ..registry import Check, allow_imports, register
from ._common import central_differences, f64, random_shape, reference_grads

FORBIDDEN = ("coursekit.autograd", "coursekit.nn", "coursekit.train")
allow_imports("a5", "numpy", "matplotlib", "tqdm", "coursekit.data")


# ---------------------------------------------------------------------------
# Penalties: value lam * R(theta) and its gradient, for a list of weight arrays
# ---------------------------------------------------------------------------
def _weights_inputs(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
    shapes = (
        [random_shape(rng, (1, 2), (1, 5)) for _ in range(int(rng.integers(1, 4)))]
        if hidden
        else [(2, 3), (3,)]
    )
    weights = [
        rng.choice([-1.0, 1.0], size=s) * rng.uniform(0.01, 2.0, size=s) for s in shapes
    ]  # no exact zeros
    return {"weights": weights, "lam": float(rng.uniform(1e-3, 1.0)) if hidden else 0.1}


def _penalty_reference(kind: str) -> Any:
    def reference(inp: dict[str, Any]) -> dict[str, np.ndarray]:
        names = [f"w{i}" for i in range(len(inp["weights"]))]

        def penalty(t: dict[str, Any]) -> Tensor:
            terms = [(t[n] * t[n]).sum() if kind == "l2" else t[n].abs().sum() for n in names]
            total = terms[0]
            for term in terms[1:]:
                total = total + term
            return inp["lam"] * total

        value, grads = reference_grads(penalty, dict(zip(names, inp["weights"])), names)
        return {"value": value, **{f"grad[{i}]": grads[n] for i, n in enumerate(names)}}

    return reference


def _penalty_numerical(kind: str) -> Any:
    def numerical(inp: dict[str, Any]) -> dict[str, np.ndarray]:
        names = [f"w{i}" for i in range(len(inp["weights"]))]

        def value(v: dict[str, Any]) -> float:
            r = sum(np.sum(v[n] ** 2) if kind == "l2" else np.sum(np.abs(v[n])) for n in names)
            return float(inp["lam"] * r)

        grads = central_differences(value, dict(zip(names, inp["weights"])), names)
        return {f"grad[{i}]": grads[n] for i, n in enumerate(names)}

    return numerical



register(
    Check(
        id="a5.l2_penalty",
        points=2,
        title="l2_penalty(weights, lam) -> (lam * sum of all squared entries, [gradient per weight array])",
        make_inputs=_weights_inputs,
        reference=_penalty_reference("l2"),
        numerical=_penalty_numerical("l2"),
        hint="R = sum_j theta_j^2 over every entry of every array (no factor 1/2); its gradient is 2 lam theta, "
        "an array of the same shape for each weight array.",
        forbidden=FORBIDDEN,
    )
)

register(
    Check(
        id="a5.l1_penalty",
        points=2,
        title="l1_penalty(weights, lam) -> (lam * sum of all absolute entries, [gradient per weight array])",
        make_inputs=_weights_inputs,
        reference=_penalty_reference("l1"),
        numerical=_penalty_numerical("l1"),
        hint="R = sum_j |theta_j|; its gradient is lam * sign(theta) (np.sign), the same shape as each array.",
        forbidden=FORBIDDEN,
    )
)


# ---------------------------------------------------------------------------
# Inverted dropout
# ---------------------------------------------------------------------------
def _dropout_inputs(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
    shape = random_shape(rng, (1, 2), (2, 8)) if hidden else (3, 4)
    training = not (hidden and case == 2)
    p = float(rng.uniform(0.1, 0.8)) if hidden else 0.5
    p = {3: 1.0, 4: 0.0}.get(case, p) if hidden else p  # the edge cases the text specifies
    return {
        "h": rng.normal(size=shape),
        "p": p,
        "seed": int(rng.integers(0, 2**31 - 1)),
        "training": training,
        "G": rng.normal(size=shape),
    }


def _dropout_reference(inp: dict[str, Any]) -> dict[str, np.ndarray]:
    saved = creation.default_rng()
    try:
        expected = {}
        for name, upstream in (("mask", np.ones_like(inp["h"])), ("dL/dh", inp["G"])):
            creation.manual_seed(
                inp["seed"]
            )  # the same draws as np.random.default_rng(seed).random(h.shape)
            h = Tensor(inp["h"], requires_grad=True)
            out = F.dropout(h, inp["p"], inp["training"])
            expected["out"] = f64(out)
            out.backward(upstream)
            expected[name] = f64(h.grad)
        return {"out": expected["out"], "mask": expected["mask"], "dL/dh": expected["dL/dh"]}
    finally:
        creation._rng = saved



register(
    Check(
        id="a5.dropout",
        points=3,
        title="dropout_forward(h, p, rng, training) -> (out, mask) and dropout_backward(G, mask) -> dL/dh "
        "(inverted dropout; mask = the factor each unit was multiplied by)",
        make_inputs=_dropout_inputs,
        reference=_dropout_reference,
        hidden_cases=5,
        hint="Training: u = rng.random(h.shape) (one call), keep = u >= p, mask = keep / (1 - p), out = h * mask. "
        "Not training, or p == 0: out = h and mask = ones. p == 1: out and mask all zeros (no division by 0). "
        "Backward: G * mask. (The inputs seed, h, p, training, G: your rng is np.random.default_rng(seed).)",
        forbidden=FORBIDDEN,
    )
)


# ---------------------------------------------------------------------------
# Early stopping
# ---------------------------------------------------------------------------
def _stopping_rule(losses: np.ndarray, patience: int, min_delta: float) -> tuple[int | None, int]:
    """(best epoch, stop epoch) by the rule in the hint; only used to choose telling inputs."""
    best, best_epoch, wait = np.inf, None, 0
    for epoch, loss in enumerate(losses):
        if loss < best - min_delta:
            best, best_epoch, wait = loss, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return best_epoch, epoch
    return best_epoch, len(losses) - 1


def _stopping_inputs(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
    """Noisy validation curves that turn up.  Case 1 never stops; from case 2 on, min_delta > 0 changes
    the answer (redrawn until it does), so ignoring min_delta, or stopping at the overall minimum, fails."""
    if not hidden:
        losses = [1.0, 0.8, 0.7, 0.72, 0.69, 0.71, 0.73, 0.74, 0.75, 0.76]
        return {"val_losses": np.array(losses), "patience": 3, "min_delta": 0.0}
    for _ in range(200):
        n = int(rng.integers(8, 41))
        t = np.arange(n)
        turn = rng.uniform(0.3, 0.8) * n
        losses = (
            1.0 / (1.0 + 0.3 * t)
            + 0.01 * np.maximum(0.0, t - turn) ** 1.2
            + rng.normal(0.0, 0.01, size=n)
        )
        patience = int(rng.integers(1, 7)) if case != 1 else n + 1  # case 1 never stops
        min_delta = float(rng.choice([0.0, 0.001, 0.01])) if case < 2 else float(rng.choice([0.001, 0.01]))
        if case < 2 or _stopping_rule(losses, patience, min_delta) != _stopping_rule(losses, patience, 0.0):
            break
    return {"val_losses": losses, "patience": patience, "min_delta": min_delta}


def _stopping_reference(inp: dict[str, Any]) -> dict[str, np.ndarray]:
    """Run coursekit.train.fit with a model whose validation loss follows ``val_losses``."""
    losses = list(inp["val_losses"])
    epoch = [0]
    w = Parameter(np.zeros(1))

    def loss_fn(out: Any, target: Any) -> Any:
        if is_grad_enabled():  # a training batch: a zero loss that still has a graph
            return (out * 0.0).sum()
        value = losses[epoch[0]]
        epoch[0] += 1
        return Tensor(value)

    X = np.zeros((1, 1))
    history = fit(
        lambda x: x @ w,
        loss_fn,
        SGD([w], lr=0.0),
        (X, np.zeros(1)),
        epochs=len(losses),
        batch_size=1,
        val_data=(X, np.zeros(1)),
        early_stopping=EarlyStopping(
            patience=inp["patience"], min_delta=inp["min_delta"], restore_best_weights=False
        ),
        metrics=None,
        progress=False,
    )
    return {
        "best_epoch": np.array(float(history.best_epoch)),
        "stop_epoch": np.array(float(history.epochs - 1)),
    }



register(
    Check(
        id="a5.early_stopping",
        points=3,
        title="early_stopping(val_losses, patience, min_delta) -> (best_epoch, stop_epoch), epochs counted from 0, "
        "as coursekit.train.fit decides",
        make_inputs=_stopping_inputs,
        reference=_stopping_reference,
        rtol=0.0,
        atol=1e-12,
        hidden_cases=5,  # cases 2-4: min_delta changes the answer (a small answer space needs telling cases)
        hint="best = inf; an epoch improves when its loss < best - min_delta (then best = loss, best_epoch = epoch, "
        "wait = 0), otherwise wait += 1; training stops after the epoch where wait reaches patience. "
        "stop_epoch is the last epoch that ran (len(val_losses) - 1 if it never stops). patience is at least 1; "
        "best_epoch is None only when no epoch improves. Return two ints.",
        forbidden=FORBIDDEN,
    )
)
