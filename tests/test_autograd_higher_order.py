"""Derivatives of derivatives (create_graph=True) against torch.autograd in float64."""

from __future__ import annotations

import numpy as np
import pytest

import coursekit as ck
from coursekit.nn import functional as F
from oracle import require_torch

COMPOSITES = {
    "poly_trig": lambda x, w: ((x * w).sin() * x.exp() + (x**3) / (1 + w * w)).sum(),
    "mlp_tanh": lambda x, w: ((x @ w).tanh() @ w.T).sigmoid().sum(),
    "softmax_ce": lambda x, w: F.cross_entropy(x @ w, np.array([0, 2, 1])),
    "logsumexp_var": lambda x, w: (x @ w).logsumexp(-1).var(ddof=0) + (x * x).mean(),
    "softplus_sqrt": lambda x, w: ((x @ w).softplus() + 1).sqrt().sum(),
}


@pytest.mark.parametrize("name", sorted(COMPOSITES))
def test_hessian_vector_product_matches_torch(name: str) -> None:
    torch = require_torch()
    f = COMPOSITES[name]
    rng = np.random.default_rng(2)
    x0, w0, v = rng.standard_normal((3, 3)), rng.standard_normal((3, 3)), rng.standard_normal((3, 3))

    x, w = ck.tensor(x0, requires_grad=True), ck.tensor(w0, requires_grad=True)
    gx, gw = ck.autograd.grad(f(x, w), [x, w], create_graph=True)
    hv = ck.autograd.grad((gx * v).sum(), [x, w])

    tx, tw = (torch.tensor(a, requires_grad=True) for a in (x0, w0))
    tf = {"softmax_ce": lambda a, b: torch.nn.functional.cross_entropy(a @ b, torch.tensor([0, 2, 1])),
          "logsumexp_var": lambda a, b: (a @ b).logsumexp(-1).var(correction=0) + (a * a).mean(),
          "softplus_sqrt": lambda a, b: (torch.nn.functional.softplus(a @ b) + 1).sqrt().sum()}.get(name, f)
    tgx, tgw = torch.autograd.grad(tf(tx, tw), [tx, tw], create_graph=True)
    thv = torch.autograd.grad((tgx * torch.tensor(v)).sum(), [tx, tw])

    np.testing.assert_allclose(gx.data, tgx.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gw.data, tgw.detach().numpy(), rtol=1e-10, atol=1e-12)
    for ours, theirs in zip(hv, thv):
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-10, atol=1e-12)


def test_third_derivative_of_a_scalar_function() -> None:
    x = ck.tensor(0.7, requires_grad=True)
    y = x.sin() * x**2
    (d1,) = ck.autograd.grad(y, x, create_graph=True)
    (d2,) = ck.autograd.grad(d1, x, create_graph=True)
    (d3,) = ck.autograd.grad(d2, x)
    a = 0.7
    np.testing.assert_allclose(d1.item(), np.cos(a) * a**2 + 2 * a * np.sin(a), rtol=1e-12)
    np.testing.assert_allclose(d2.item(), -np.sin(a) * a**2 + 4 * a * np.cos(a) + 2 * np.sin(a), rtol=1e-12)
    np.testing.assert_allclose(d3.item(), -np.cos(a) * a**2 - 6 * a * np.sin(a) + 6 * np.cos(a), rtol=1e-12)


def test_gradient_of_gradient_norm_with_broadcasting() -> None:
    torch = require_torch()
    rng = np.random.default_rng(4)
    x0, b0 = rng.standard_normal((4, 3)), rng.standard_normal(3)
    x, b = ck.tensor(x0, requires_grad=True), ck.tensor(b0, requires_grad=True)
    (gx,) = ck.autograd.grad(((x + b).tanh() ** 2).sum(), x, create_graph=True)
    (gb,) = ck.autograd.grad((gx * gx).sum(), b)
    tx, tb = torch.tensor(x0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    (tgx,) = torch.autograd.grad(((tx + tb).tanh() ** 2).sum(), tx, create_graph=True)
    (tgb,) = torch.autograd.grad((tgx * tgx).sum(), tb)
    np.testing.assert_allclose(gb.data, tgb.numpy(), rtol=1e-10)
