"""optim.Adamax and optim.RAdam: step for step against torch.optim (float64), and against their
formulas written out here in NumPy.  (tests/test_optim.py runs them through the shared checks too:
100 steps, fixed gradient sequences, defaults, float32, state_dict, errors.)
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import numpy as np
import pytest
from oracle import require_torch

import coursekit as ck
from coursekit import optim

torch = require_torch()

RNG = np.random.default_rng(7)
X = RNG.standard_normal((20, 3))
Y = np.tanh(X @ np.array([1.0, -2.0, 0.5])) + 0.1 * RNG.standard_normal(20)
W0 = np.array([0.3, 0.1, -0.2])


@pytest.fixture(autouse=True)
def torch_float64_scalars():
    """torch keeps step counts in tensors of the default dtype: make it float64."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


def _loss(w: Any, lib: Any) -> Any:
    x, y = (ck.tensor(X), ck.tensor(Y)) if lib is ck else (torch.tensor(X), torch.tensor(Y))
    return ((lib.tanh(x @ w) - y) ** 2).mean()


CASES = [
    ("Adamax", {}),
    ("Adamax", {"lr": 0.05, "weight_decay": 0.05}),
    ("Adamax", {"lr": 0.01, "betas": (0.5, 0.9), "eps": 1e-3, "maximize": True}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.05, "weight_decay": 0.05}),
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.01, "betas": (0.8, 0.95), "maximize": True}),
]


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_every_step_matches_torch(name: str, kwargs: dict[str, Any]) -> None:
    """300 steps; parameters and every state entry compared after each one.

    The two engines compute the gradient with sums in different orders (a
    difference in the last bits), and with the gradient fed back through the
    parameters such differences grow over hundreds of steps: hence 1e-10, as
    in test_optim.py's 100-step test.  Its test on a fixed gradient sequence
    (no feedback) holds both update rules to 1e-12.
    """
    w, tw = ck.tensor(W0, requires_grad=True), torch.tensor(W0, requires_grad=True)
    opt = getattr(optim, name)([w], **kwargs)
    topt = getattr(torch.optim, name)([tw], foreach=False, **kwargs)
    sign = -1.0 if kwargs.get("maximize") else 1.0
    for step in range(1, 301):
        opt.zero_grad(), topt.zero_grad()
        (sign * _loss(w, ck)).backward(), (sign * _loss(tw, torch)).backward()
        opt.step(), topt.step()
        np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=f"step {step}")
        theirs = topt.state[tw]
        assert set(opt.state[w]) == set(theirs), "state entries carry torch's names"
        for key, value in theirs.items():
            np.testing.assert_allclose(opt.state[w][key], value.detach().numpy(), rtol=1e-10, atol=1e-12,
                                       err_msg=f"{key} at step {step}")
    assert np.abs(w.data - W0).max() > 0.05, "the parameters barely moved: the comparison would prove nothing"


@pytest.mark.parametrize("name", ["Adamax", "RAdam"])
def test_zero_grad_and_missing_gradients_follow_torch(name: str) -> None:
    """Steps with zeroed gradients still update (moments decay, weight decay acts); steps without one do not."""
    w, tw = ck.tensor(W0, requires_grad=True), torch.tensor(W0, requires_grad=True)
    unused, tunused = ck.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    kwargs = {"lr": 0.05, "weight_decay": 0.1}
    opt = getattr(optim, name)([w, unused], **kwargs)
    topt = getattr(torch.optim, name)([tw, tunused], foreach=False, **kwargs)
    schedule = ["grad"] * 3 + ["zeros"] * 2 + ["none"] * 2 + ["grad"] * 8
    for what in schedule:
        if what == "none":
            opt.zero_grad(), topt.zero_grad()
            assert w.grad is None
        elif what == "zeros":
            opt.zero_grad(set_to_none=False), topt.zero_grad(set_to_none=False)
            np.testing.assert_array_equal(w.grad, 0.0)
        else:
            opt.zero_grad(), topt.zero_grad()
            _loss(w, ck).backward(), _loss(tw, torch).backward()
        before = w.detach().numpy().copy()
        opt.step(), topt.step()
        if what == "none":
            np.testing.assert_array_equal(w.data, before)
        np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-12, atol=1e-15, err_msg=what)
    assert opt.state[w]["step"] == int(topt.state[tw]["step"]) == 13
    assert unused not in opt.state and tunused not in topt.state, "no gradient ever: no state"
    np.testing.assert_array_equal(unused.data, [1.0, 2.0])


def test_adamax_follows_its_formula() -> None:
    lr, (b1, b2), eps, wd = 0.05, (0.8, 0.95), 1e-6, 0.02
    theta, m, u = W0.copy(), np.zeros(3), np.zeros(3)
    w = ck.tensor(W0, requires_grad=True)
    opt = optim.Adamax([w], lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd)
    for t in range(1, 101):
        w.grad = _numpy_grad(theta)
        g = _numpy_grad(theta) + wd * theta
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        theta = theta - lr / (1 - b1**t) * m / u
        opt.step()
    np.testing.assert_allclose(w.data, theta, rtol=1e-12)


def test_radam_follows_the_rectified_formula() -> None:
    """Liu et al.'s algorithm written from the paper: momentum steps while rho_t <= 5, then rectified Adam."""
    lr, (b1, b2), eps = 0.05, (0.9, 0.99), 1e-8
    theta, m, v = W0.copy(), np.zeros(3), np.zeros(3)
    rho_inf = 2 / (1 - b2) - 1
    w = ck.tensor(W0, requires_grad=True)
    opt = optim.RAdam([w], lr=lr, betas=(b1, b2), eps=eps)
    momentum_steps = 0
    for t in range(1, 101):
        g = _numpy_grad(theta)
        w.grad = g.copy()
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        rho = rho_inf - 2 * t * b2**t / (1 - b2**t)
        if rho > 5:
            r = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
            theta = theta - lr * m_hat * r / (np.sqrt(v / (1 - b2**t)) + eps / math.sqrt(1 - b2**t))
        else:
            momentum_steps += 1
            theta = theta - lr * m_hat
        opt.step()
    assert momentum_steps == 5, "with beta2 = 0.99, rho_t first exceeds 5 at step 6"
    np.testing.assert_allclose(w.data, theta, rtol=1e-12)


def _numpy_grad(theta: np.ndarray) -> np.ndarray:
    """Gradient of the mean squared error of tanh(X theta), by hand."""
    z = np.tanh(X @ theta)
    return X.T @ (2 * (z - Y) * (1 - z * z)) / len(Y)


def test_numpy_gradient_is_the_engines() -> None:
    w = ck.tensor(W0, requires_grad=True)
    _loss(w, ck).backward()
    np.testing.assert_allclose(w.grad, _numpy_grad(W0), rtol=1e-13)


def test_defaults_and_signature_are_torchs() -> None:
    for name in ("Adamax", "RAdam"):
        ours = inspect.signature(getattr(optim, name)).parameters
        theirs = inspect.signature(getattr(torch.optim, name)).parameters
        speed_and_gpu = {"foreach", "capturable", "differentiable"}
        assert [k for k in ours] == [k for k in theirs if k not in speed_and_gpu], name
        for key, parameter in ours.items():
            assert parameter.default == theirs[key].default, (name, key)
            assert parameter.kind == theirs[key].kind or key == "maximize", (name, key)


def test_every_optimizer_docstring_shows_its_update_rule() -> None:
    """Each class writes its update as ``theta <- ...`` lines, in the same notation."""
    classes = [cls for cls in vars(optim).values() if inspect.isclass(cls) and issubclass(cls, optim.Optimizer)]
    assert {"Adamax", "RAdam", "SGD", "Adam", "NAdam"} <= {cls.__name__ for cls in classes}
    for cls in classes:
        if cls is optim.Optimizer:
            continue
        doc = inspect.getdoc(cls)
        assert "theta <- theta" in doc, f"{cls.__name__}'s docstring does not show its update rule"
        assert ">>> " in doc, f"{cls.__name__}'s docstring has no example"
