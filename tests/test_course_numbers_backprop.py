"""The worked examples of the course outline, section 5, reproduced by the engine.

The expected numbers are the outline's (computed by hand in the course notes),
not outputs of coursekit.
"""

from __future__ import annotations

import numpy as np
import pytest

import coursekit as ck


def leaves(*values: float) -> list[ck.Tensor]:
    return [ck.tensor(v, requires_grad=True) for v in values]


def test_z_times_x_plus_y() -> None:
    x, y, z = leaves(2.0, 3.0, -2.0)
    f = z * (x + y)
    f.backward()
    assert f.item() == -10
    assert (x.grad, y.grad, z.grad) == (-2, -2, 5)


def test_sigmoid_neuron_node_by_node() -> None:
    x0, x1, w0, w1, w2 = leaves(-1.0, -2.0, 2.0, -3.0, -3.0)
    s = w0 * x0 + w1 * x1 + w2
    e = (-s).exp()
    d = 1 + e
    f = 1 / d
    for node in (s, e, d):
        node.retain_grad()
    f.backward()
    assert s.item() == 1
    assert round(f.item(), 6) == 0.731059
    assert round(float(d.grad), 2) == -0.53          # through 1/x
    assert round(float(e.grad), 2) == -0.53          # through +1
    assert round(float(s.grad), 2) == 0.20           # exp, then times -1
    grads = [round(float(t.grad), 6) for t in (x0, x1, w0, w1, w2)]
    assert grads == [0.393224, -0.589836, -0.196612, -0.393224, 0.196612]
    assert [round(g, 1) for g in grads] == [0.4, -0.6, -0.2, -0.4, 0.2]


@pytest.mark.parametrize("u, value, local", [(0.0, 0.5, 0.25), (1.0, 0.731059, 0.196612)])
def test_sigmoid_value_and_local_gradient(u: float, value: float, local: float) -> None:
    (t,) = leaves(u)
    out = t.sigmoid()
    out.backward()
    assert round(out.item(), 6) == value and round(float(t.grad), 6) == local


def test_toy_chain_matches_the_hand_derived_backward_pass() -> None:
    x_, y_ = 0.8, 1.3
    p = dict(b0=0.1, w0=1.2, b1=-0.3, w1=0.7, b2=0.2, w2=-1.1, b3=0.4, w3=2.0)
    t = {k: ck.tensor(v, requires_grad=True) for k, v in p.items()}
    f = t["b3"] + t["w3"] * (t["b2"] + t["w2"] * (t["b1"] + t["w1"] * (t["b0"] + t["w0"] * x_).sin()).exp()).cos()
    ((f - y_) ** 2).backward()
    # The outline's recipe, written out with NumPy only.
    f0 = p["b0"] + p["w0"] * x_
    h1 = np.sin(f0)
    f1 = p["b1"] + p["w1"] * h1
    h2 = np.exp(f1)
    f2 = p["b2"] + p["w2"] * h2
    h3 = np.cos(f2)
    f3 = p["b3"] + p["w3"] * h3
    dl_df3 = 2 * (f3 - y_)
    dl_df2 = -np.sin(f2) * p["w3"] * dl_df3
    dl_df1 = np.exp(f1) * p["w2"] * dl_df2
    dl_df0 = np.cos(f0) * p["w1"] * dl_df1
    expected = {"b3": dl_df3, "w3": h3 * dl_df3, "b2": dl_df2, "w2": h2 * dl_df2,
                "b1": dl_df1, "w1": h1 * dl_df1, "b0": dl_df0, "w0": x_ * dl_df0}
    assert f.item() == pytest.approx(f3, rel=1e-14)
    for k, v in expected.items():
        assert float(t[k].grad) == pytest.approx(v, rel=1e-12), k


def test_partial_derivatives_and_chain_rule_recap() -> None:
    x1, x2 = leaves(1.5, -0.5)
    (x1**2 + 5 * x1 * x2).backward()
    assert (x1.grad, x2.grad) == (2 * 1.5 + 5 * -0.5, 5 * 1.5)
    (v,) = leaves(0.9)
    (v**2).cos().backward()
    assert float(v.grad) == pytest.approx(-np.sin(0.81) * 2 * 0.9, rel=1e-14)


def test_affine_unit_local_gradients() -> None:
    w, x, b = leaves(3.0, -2.0, 0.5)
    (w * x + b).backward()
    assert (x.grad, w.grad, b.grad) == (3.0, -2.0, 1.0)


def test_matrix_product_gradients_are_g_bt_and_at_g() -> None:
    rng = np.random.default_rng(0)
    a, b, g = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal((3, 2))
    A, B = ck.tensor(a, requires_grad=True), ck.tensor(b, requires_grad=True)
    (A @ B).backward(g)
    np.testing.assert_allclose(A.grad, g @ b.T, rtol=1e-14)
    np.testing.assert_allclose(B.grad, a.T @ g, rtol=1e-14)


def test_weight_decay_adds_two_lambda_w() -> None:
    w = ck.tensor([0.5, -2.0], requires_grad=True)
    lam = 0.1
    (lam * (w**2).sum()).backward()
    np.testing.assert_allclose(w.grad, 2 * lam * np.array([0.5, -2.0]), rtol=1e-15)
