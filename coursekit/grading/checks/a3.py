"""Assignment 3, MLPs and losses from maximum likelihood: layers, activations, stable losses, a trained MLP.

The layer, activation and loss checks compare with coursekit's autograd and
``nn.functional`` (and finite differences); inside the student's functions
coursekit's ``autograd`` and ``nn`` must not run.  The training check only
looks at the accuracy of the student's trained model on held-out points the
grader draws; any tools may be used there.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...autograd.tensor import Tensor
from ...data import make_spirals
from ...nn import functional as F
from ..registry import Check, allow_imports, register
from ._common import central_differences, f64, reference_grads

FORBIDDEN = ("coursekit.autograd", "coursekit.nn")
allow_imports("a3", "numpy", "matplotlib", "tqdm", "coursekit.data")


# ---------------------------------------------------------------------------
# The dense (Linear) layer, batch-first: out = X @ W + b with W of shape (n_in, n_out)
# ---------------------------------------------------------------------------
def _layer_inputs(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
    n, n_in, n_out = (int(s) for s in rng.integers(1, 7, size=3)) if hidden else (4, 3, 2)
    return {
        "X": rng.normal(size=(n, n_in)),
        "W": rng.normal(size=(n_in, n_out)),
        "b": rng.normal(size=n_out),
        "G": rng.normal(size=(n, n_out)),
    }


def _linear(t: dict[str, Any]) -> Any:
    return t["X"] @ t["W"] + t["b"]


register(
    Check(
        id="a3.linear_forward",
        points=1,
        title="linear_forward(X, W, b) = X @ W + b for a batch X of shape (N, n_in), W of shape (n_in, n_out)",
        make_inputs=_layer_inputs,
        reference=lambda inp: {
            "out": f64(_linear({"X": Tensor(inp["X"]), "W": Tensor(inp["W"]), "b": inp["b"]}))
        },
        hint="One matrix product and a broadcast add: every row of X @ W gets the same b.",
        forbidden=FORBIDDEN,
    )
)


def _linear_backward_reference(inp: dict[str, Any]) -> dict[str, np.ndarray]:
    _, grads = reference_grads(_linear, inp, ("X", "W", "b"), inp["G"])
    return {"dX": grads["X"], "dW": grads["W"], "db": grads["b"]}


def _linear_backward_numerical(inp: dict[str, Any]) -> dict[str, np.ndarray]:
    grads = central_differences(
        lambda v: float(np.sum(v["G"] * (v["X"] @ v["W"] + v["b"]))), inp, ("X", "W", "b")
    )
    return {"dX": grads["X"], "dW": grads["W"], "db": grads["b"]}



register(
    Check(
        id="a3.linear_backward",
        points=2,
        title="linear_backward(X, W, G): (dX, dW, db) for out = X @ W + b and upstream gradient G = dL/dout",
        make_inputs=_layer_inputs,
        reference=_linear_backward_reference,
        numerical=_linear_backward_numerical,
        hint="dX = G @ W.T (shape of X), dW = X.T @ G (shape of W), db = G summed over the batch axis (shape of b).",
        forbidden=FORBIDDEN,
    )
)


# ---------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------
ACTIVATIONS = ("relu", "sigmoid", "tanh")


def _activation_inputs(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
    shape = (int(rng.integers(1, 6)), int(rng.integers(1, 6))) if hidden else (2, 3)
    z = rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.05, 3.0, size=shape)
    if hidden:  # saturated units, far out on both sides
        flat = z.reshape(-1)
        flat[: max(1, flat.size // 3)] *= rng.choice([40.0, 300.0])
    return {"z": z, "G": rng.normal(size=shape)}


def _activation_reference(inp: dict[str, Any]) -> dict[str, np.ndarray]:
    expected = {}
    for name in ACTIVATIONS:
        out, grads = reference_grads(
            lambda t, name=name: getattr(t["z"], name)(), {"z": inp["z"]}, ("z",), inp["G"]
        )
        expected[f"{name}(z)"], expected[f"{name} backward"] = out, grads["z"]
    return expected



register(
    Check(
        id="a3.activations",
        points=2,
        title="activation_forward(name, z) and activation_backward(name, z, G) for relu, sigmoid, tanh",
        make_inputs=_activation_inputs,
        reference=_activation_reference,
        hint="relu' = 1 where z > 0 else 0; sigmoid' = s (1 - s); tanh' = 1 - tanh(z)^2; multiply by G. "
        "For very negative z, compute sigmoid as exp(z) / (1 + exp(z)) so nothing overflows to nan.",
        forbidden=FORBIDDEN,
    )
)


# ---------------------------------------------------------------------------
# Softmax cross-entropy (categorical likelihood) and BCE with logits (Bernoulli likelihood)
# ---------------------------------------------------------------------------
def _scale(rng: np.random.Generator, case: int, hidden: bool) -> float:
    return (1.0, 1000.0, 30.0)[case % 3] if hidden else 1.0


def _ce_inputs(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
    n, c = (int(rng.integers(1, 9)), int(rng.integers(2, 7))) if hidden else (4, 3)
    return {
        "Z": _scale(rng, case, hidden) * rng.normal(size=(n, c)),
        "y": rng.integers(0, c, size=n),
    }


def _ce_numpy(v: dict[str, Any]) -> float:
    Z = v["Z"]
    m = Z.max(axis=1, keepdims=True)
    logp = Z - m - np.log(np.exp(Z - m).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(Z)), v["y"]].mean())


def _ce_reference(inp: dict[str, Any]) -> dict[str, np.ndarray]:
    out, grads = reference_grads(lambda t: F.cross_entropy(t["Z"], t["y"]), inp, ("Z",))
    return {"loss": out, "dZ": grads["Z"]}


def _ce_numerical(inp: dict[str, Any]) -> dict[str, np.ndarray]:
    return {"dZ": central_differences(_ce_numpy, inp, ("Z",), eps=1e-5)["Z"]}



register(
    Check(
        id="a3.softmax_cross_entropy",
        points=3,
        title="softmax_cross_entropy(Z, y): the mean of -log softmax(Z)[i, y_i] over the batch, and dL/dZ "
        "(also for logits of size 1000)",
        make_inputs=_ce_inputs,
        reference=_ce_reference,
        numerical=_ce_numerical,
        hint="Subtract each row's max before exp (softmax(z) = softmax(z - c)); log softmax = (z - max) - "
        "log(sum(exp(z - max))). The gradient is (softmax(Z) - onehot(y)) / N for the mean over N rows.",
        forbidden=FORBIDDEN,
    )
)


def _bce_inputs(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
    n = int(rng.integers(1, 11)) if hidden else 5
    return {
        "z": _scale(rng, case, hidden) * rng.normal(size=n),
        "y": rng.integers(0, 2, size=n).astype(np.float64),
    }


def _bce_numpy(v: dict[str, Any]) -> float:
    z, y = v["z"], v["y"]
    return float(np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))))


def _bce_reference(inp: dict[str, Any]) -> dict[str, np.ndarray]:
    out, grads = reference_grads(
        lambda t: F.binary_cross_entropy_with_logits(t["z"], t["y"]), inp, ("z",)
    )
    return {"loss": out, "dz": grads["z"]}


register(
    Check(
        id="a3.bce_with_logits",
        points=3,
        title="bce_with_logits(z, y): the mean of -[y log sigma(z) + (1 - y) log(1 - sigma(z))] and dL/dz "
        "(also for logits of size 1000)",
        make_inputs=_bce_inputs,
        reference=_bce_reference,
        numerical=lambda inp: {"dz": central_differences(_bce_numpy, inp, ("z",), eps=1e-5)["z"]},
        hint="Never take log(sigmoid(z)) directly: use max(z, 0) - z y + log(1 + exp(-|z|)) (np.log1p). "
        "The gradient is (sigma(z) - y) / N.",
        forbidden=FORBIDDEN,
    )
)


# ---------------------------------------------------------------------------
# Training an MLP on the spirals to a stated accuracy
# ---------------------------------------------------------------------------
REQUIRED_ACCURACY = 0.9
N_TRAIN, N_TEST = 300, 150


def _train_inputs(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
    seed = int(rng.integers(0, 2**31 - 1))
    X, y = make_spirals(N_TRAIN + N_TEST, n_classes=3, noise=0.2, seed=seed)
    return {
        "X_train": X[:N_TRAIN],
        "y_train": y[:N_TRAIN],
        "seed": int(rng.integers(0, 2**31 - 1)),
        "X_test": X[N_TRAIN:],
        "_y_test": y[N_TRAIN:],
    }



def _train_judge(
    got: dict[str, np.ndarray], expected: dict[str, np.ndarray], inp: dict[str, Any]
) -> str | None:
    accuracy = float(np.mean(np.rint(got["labels"]) == expected["labels"]))
    if accuracy >= REQUIRED_ACCURACY:
        return None
    return (
        f"accuracy on the grader's {N_TEST} held-out spiral points is {accuracy:.3f}; "
        f"at least {REQUIRED_ACCURACY:.2f} is needed"
    )


register(
    Check(
        id="a3.train_mlp",
        points=4,
        title=f"train_mlp(X_train, y_train, seed) -> predict: accuracy >= {REQUIRED_ACCURACY:.0%} on held-out points "
        "of the 3-class spirals (make_spirals(noise=0.2))",
        make_inputs=_train_inputs,
        reference=lambda inp: {"labels": f64(inp["_y_test"])},
        judge=_train_judge,
        hidden_cases=1,
        hint="Two hidden layers of 32-64 units (tanh or relu), full-batch gradient descent with momentum or a few "
        "hundred steps of a well-tuned learning rate; check your training accuracy first. There are always 3 "
        "classes (labels 0, 1, 2); predict(X_new) must return a 1-D int array with one label per row of X_new.",
    )
)
