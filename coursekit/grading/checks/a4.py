"""Assignment 4, optimizers: the student's update functions, step by step against ``coursekit.optim``.

Every check runs a short trajectory on a noisy quadratic ``E(theta) =
sum(a (theta - c)^2) / 2`` of a random shape, calling the student's update
function once per step, and compares every step's parameters and state with
the reference optimizer's.  coursekit's ``optim`` and ``autograd`` must not
run inside the student's functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...autograd.tensor import Tensor
from ...optim import SGD, Adagrad, Adam, RMSprop
from ..harness.a4 import gradient
from ..registry import Check, allow_imports, register
from ._common import random_shape

FORBIDDEN = ("coursekit.optim", "coursekit.autograd")
allow_imports("a4", "numpy", "matplotlib", "tqdm")


# Failure messages list the check's inputs (theta0, a, c, noise, hyper-parameters); every hint
# ends with how those make the arguments the student's function actually receives.
_PROBLEM = (
    " (The inputs theta0, a, c, noise are the test problem, not your arguments: theta starts at theta0 "
    "and the gradient at step t is grad = a * (theta - c) + noise[t], which the check passes to you.)"
)
_PROBLEM_FN = (
    " (The inputs theta0, a, c, noise are the test problem, not your arguments: theta starts at theta0 "
    "and grad_fn(point) returns a * (point - c) + noise[t] at step t.)"
)


def _problem(rng: np.random.Generator, hidden: bool) -> dict[str, Any]:
    shape = random_shape(rng, (1, 2), (1, 5)) if hidden else (3,)
    steps = 15 if hidden else 8
    return {
        "theta0": rng.normal(size=shape),
        "a": rng.uniform(0.2, 3.0, size=shape),
        "c": rng.normal(size=shape),
        "noise": rng.normal(0.0, 0.3, size=(steps, *shape)),
    }



def _reference_run(
    inp: dict[str, Any],
    make: Callable[[list[Tensor]], Any],
    state: Callable[[dict[str, Any], np.ndarray], dict[str, np.ndarray]],
) -> dict[str, np.ndarray]:
    """Run a coursekit optimizer on the problem; ``state`` maps its state to the course's variables."""
    p = Tensor(inp["theta0"].copy(), requires_grad=True)
    opt = make([p])
    rows: dict[str, list[np.ndarray]] = {}
    for t in range(len(inp["noise"])):
        p.grad = Tensor(gradient(inp, p.detach().numpy(), t))
        opt.step()
        for name, value in state(opt.state[p], p.detach().numpy()).items():
            rows.setdefault(name, []).append(np.array(value, dtype=np.float64))
    return {name: np.stack(values) for name, values in rows.items()}




def _hyper(
    rng: np.random.Generator, hidden: bool, **ranges: tuple[float, float, float]
) -> dict[str, float]:
    """Hyper-parameters: (visible value, hidden low, hidden high) per name."""
    return {k: float(rng.uniform(lo, hi)) if hidden else v for k, (v, lo, hi) in ranges.items()}


# ---------------------------------------------------------------------------
# Heavy-ball momentum:  v <- gamma v - lr g;  theta <- theta + v
# ---------------------------------------------------------------------------
def _momentum_inputs(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
    return {
        **_problem(rng, hidden),
        **_hyper(rng, hidden, lr=(0.1, 0.01, 0.3), gamma=(0.9, 0.5, 0.95)),
    }



register(
    Check(
        id="a4.momentum",
        points=2,
        title="momentum_step(theta, grad, v, lr, gamma) -> (theta, v), step by step against "
        "coursekit.optim.SGD(lr=lr, momentum=gamma)",
        make_inputs=_momentum_inputs,
        reference=lambda inp: _reference_run(
            inp,
            lambda ps: SGD(ps, lr=inp["lr"], momentum=inp["gamma"]),
            lambda s, p: {"theta": p, "v": -inp["lr"] * s["momentum_buffer"]},
        ),
        rtol=1e-7,
        atol=1e-10,
        step_axis="step",
        hint="v_new = gamma * v - lr * grad; theta_new = theta + v_new. Return both (the velocity starts at 0)."
        + _PROBLEM,
        forbidden=FORBIDDEN,
    )
)


# ---------------------------------------------------------------------------
# Nesterov:  v <- gamma v - lr grad(theta + gamma v);  theta <- theta + v
# ---------------------------------------------------------------------------
def _nesterov_state(
    inp: dict[str, Any],
) -> Callable[[dict[str, Any], np.ndarray], dict[str, np.ndarray]]:
    # PyTorch's parameter p is the look-ahead point theta + gamma v (see coursekit/optim/README.md).
    def state(s: dict[str, Any], p: np.ndarray) -> dict[str, np.ndarray]:
        v = -inp["lr"] * s["momentum_buffer"]
        return {"theta": p - inp["gamma"] * v, "v": v}

    return state


register(
    Check(
        id="a4.nesterov",
        points=3,
        title="nesterov_step(theta, v, grad_fn, lr, gamma) -> (theta, v), step by step against "
        "coursekit.optim.SGD(lr=lr, momentum=gamma, nesterov=True)",
        make_inputs=_momentum_inputs,
        reference=lambda inp: _reference_run(
            inp,
            lambda ps: SGD(ps, lr=inp["lr"], momentum=inp["gamma"], nesterov=True),
            _nesterov_state(inp),
        ),
        rtol=1e-7,
        atol=1e-10,
        step_axis="step",
        hint="Take the gradient at the look-ahead point: g = grad_fn(theta + gamma * v); then "
        "v_new = gamma * v - lr * g and theta_new = theta + v_new." + _PROBLEM_FN,
        forbidden=FORBIDDEN,
    )
)


# ---------------------------------------------------------------------------
# Adagrad:  r <- r + g*g;  theta <- theta - lr g / (delta + sqrt(r))
# ---------------------------------------------------------------------------
def _adagrad_inputs(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
    return {
        **_problem(rng, hidden),
        **_hyper(rng, hidden, lr=(0.5, 0.05, 1.0), delta=(1e-7, 1e-8, 1e-6)),
    }



register(
    Check(
        id="a4.adagrad",
        points=2,
        title="adagrad_step(theta, grad, r, lr, delta) -> (theta, r), step by step against "
        "coursekit.optim.Adagrad(lr=lr, eps=delta)",
        make_inputs=_adagrad_inputs,
        reference=lambda inp: _reference_run(
            inp,
            lambda ps: Adagrad(ps, lr=inp["lr"], eps=inp["delta"]),
            lambda s, p: {"theta": p, "r": s["sum"]},
        ),
        rtol=1e-7,
        atol=1e-10,
        step_axis="step",
        hint="r_new = r + grad * grad (elementwise); theta_new = theta - lr * grad / (delta + sqrt(r_new))."
        + _PROBLEM,
        forbidden=FORBIDDEN,
    )
)


# ---------------------------------------------------------------------------
# RMSprop:  s <- rho s + (1 - rho) g*g;  theta <- theta - lr g / (sqrt(s) + delta)
# ---------------------------------------------------------------------------
def _rmsprop_inputs(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
    return {
        **_problem(rng, hidden),
        **_hyper(
            rng, hidden, lr=(0.05, 0.005, 0.1), rho=(0.9, 0.8, 0.99), delta=(1e-8, 1e-9, 1e-7)
        ),
    }



register(
    Check(
        id="a4.rmsprop",
        points=2,
        title="rmsprop_step(theta, grad, s, lr, rho, delta) -> (theta, s), step by step against "
        "coursekit.optim.RMSprop(lr=lr, alpha=rho, eps=delta)",
        make_inputs=_rmsprop_inputs,
        reference=lambda inp: _reference_run(
            inp,
            lambda ps: RMSprop(ps, lr=inp["lr"], alpha=inp["rho"], eps=inp["delta"]),
            lambda s, p: {"theta": p, "s": s["square_avg"]},
        ),
        rtol=1e-7,
        atol=1e-10,
        step_axis="step",
        hint="s_new = rho * s + (1 - rho) * grad * grad; theta_new = theta - lr * grad / (sqrt(s_new) + delta) "
        "(delta is added after the square root; no bias correction)." + _PROBLEM,
        forbidden=FORBIDDEN,
    )
)


# ---------------------------------------------------------------------------
# Adam
# ---------------------------------------------------------------------------
def _adam_inputs(rng: np.random.Generator, case: int, hidden: bool) -> dict[str, Any]:
    return {
        **_problem(rng, hidden),
        **_hyper(
            rng,
            hidden,
            lr=(0.1, 0.01, 0.3),
            beta1=(0.9, 0.8, 0.95),
            beta2=(0.999, 0.99, 0.9999),
            eps=(1e-8, 1e-9, 1e-7),
        ),
    }



register(
    Check(
        id="a4.adam",
        points=3,
        title="adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps) -> (theta, m, v), t = 1, 2, ..., step by step "
        "against coursekit.optim.Adam(lr=lr, betas=(beta1, beta2), eps=eps)",
        make_inputs=_adam_inputs,
        reference=lambda inp: _reference_run(
            inp,
            lambda ps: Adam(ps, lr=inp["lr"], betas=(inp["beta1"], inp["beta2"]), eps=inp["eps"]),
            lambda s, p: {"theta": p, "m": s["exp_avg"], "v": s["exp_avg_sq"]},
        ),
        # Only the form written in the assignment (eps added to sqrt(v_hat), PyTorch's) is accepted.
        # Kingma and Ba's "efficient" order adds eps to sqrt(v), i.e. uses eps / sqrt(1 - beta2**t)
        # here (up to 100x larger at t = 1 for beta2 = 0.9999); the step then differs by about
        # lr * eps / (sqrt(1 - beta2**t) * sqrt(v_hat)), unbounded relative to a small gradient.
        # Over 3000 hidden draws, accepting it would need atol up to 4e-4 x max|expected| (most
        # draws: 1e-8 to 1e-6), loose enough to pass other slips, so the text says which form is graded.
        rtol=1e-7,
        atol=1e-10,
        step_axis="step",
        hint="m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g*g; m_hat = m / (1 - beta1**t); "
        "v_hat = v / (1 - beta2**t); theta = theta - lr m_hat / (sqrt(v_hat) + eps). Return the new m and v "
        "(not the bias-corrected ones). Kingma and Ba's 'efficient' form (lr_t = lr sqrt(1 - beta2**t) / "
        "(1 - beta1**t), eps added to sqrt(v)) is a slightly different update and is not the graded one: "
        "add eps to sqrt(v_hat)." + _PROBLEM,
        forbidden=FORBIDDEN,
    )
)
