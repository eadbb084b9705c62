"""Issue 13's wrong or crashing cases, each against torch.autograd (float64 and float32) and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import coursekit as ck
from coursekit import nn, optim
from coursekit.nn import functional as F
from coursekit.autograd.gradcheck import numerical_jacobian
from oracle import require_torch

TORCH_INPLACE = "one of the variables needed for gradient computation has been modified by an inplace operation"


def tensors(array: np.ndarray, dtype: str = "float64"):
    """The same numbers as a coursekit leaf and a torch leaf, both requiring grad."""
    torch = require_torch()
    array = np.asarray(array, dtype=dtype)
    return ck.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)


def tol(dtype: str) -> dict:
    return {"rtol": 1e-12, "atol": 1e-14} if dtype == "float64" else {"rtol": 2e-5, "atol": 1e-6}


# ---- 1. cross_entropy with class indices on non-contiguous logits ----------------------------
LAYOUTS = {
    "transposed": lambda z: z.T,                      # (C, N) stored, used as (N, C)
    "column_convention": lambda z: (z.T @ np.eye(z.shape[0])).T * 1.0,
    "strided_rows": lambda z: z[::2].T,
    "contiguous": lambda z: z * 1.0,                 # the control: C-contiguous logits
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_cross_entropy_class_indices_on_any_layout(layout: str, reduction: str, dtype: str) -> None:
    torch = require_torch()
    rng = np.random.default_rng(1)
    z, tz = tensors(rng.standard_normal((6, 4)), dtype)
    view = LAYOUTS[layout]
    ck_logits = view(z)
    t_logits = view(tz) if layout != "column_convention" else (tz.T @ torch.eye(6, dtype=tz.dtype)).T * 1.0
    target = rng.integers(0, ck_logits.shape[1], ck_logits.shape[0])
    loss = F.cross_entropy(ck_logits, target, reduction=reduction)
    tloss = torch.nn.functional.cross_entropy(t_logits, torch.tensor(target), reduction=reduction)
    np.testing.assert_allclose(loss.data, tloss.detach().numpy(), **tol(dtype))
    upstream = rng.standard_normal(loss.shape).astype(dtype)
    loss.backward(upstream)
    tloss.backward(torch.tensor(upstream))
    assert z.grad.dtype == np.dtype(dtype)
    np.testing.assert_allclose(z.grad, tz.grad.numpy(), **tol(dtype))


def test_cross_entropy_transposed_issue_reproducer_and_module() -> None:
    z = ck.tensor([[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]], requires_grad=True)
    nn.CrossEntropyLoss()(z.T, [0, 1]).backward()
    torch = require_torch()
    tz = torch.tensor([[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.cross_entropy(tz.T, torch.tensor([0, 1])).backward()
    np.testing.assert_allclose(z.grad, tz.grad.numpy(), rtol=1e-12)
    assert z.grad.T[0, 0] < 0  # the -onehot term is there


def test_cross_entropy_transposed_finite_differences_and_second_derivative() -> None:
    torch = require_torch()
    rng = np.random.default_rng(2)
    z0 = rng.standard_normal((3, 5))
    target = np.array([0, 2, 1, 2, 0])
    assert ck.gradcheck(lambda z: F.cross_entropy(z.T, target), [ck.tensor(z0, requires_grad=True)])
    # d/dz of (sum of the squared gradient): a second derivative through the transposed loss
    z, tz = tensors(z0)
    (g,) = ck.autograd.grad(F.cross_entropy(z.T, target), z, create_graph=True)
    (g * g).sum().backward()
    (tg,) = torch.autograd.grad(torch.nn.functional.cross_entropy(tz.T, torch.tensor(target)), tz,
                                create_graph=True)
    (tg * tg).sum().backward()
    np.testing.assert_allclose(g.data, tg.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(z.grad, tz.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_gradcheck_perturbs_non_contiguous_inputs() -> None:
    # numerical_jacobian used to perturb a reshape(-1) copy of F-ordered data: a zero Jacobian
    x = ck.tensor(np.asfortranarray(np.arange(6.0).reshape(2, 3)), requires_grad=True)
    (numeric,) = numerical_jacobian(lambda t: (t * t).sum(), [x])[0]
    np.testing.assert_allclose(numeric, 2 * x.data, rtol=1e-6)


# ---- 2., 6. pow: dtypes -----------------------------------------------------------------------
def test_number_to_the_power_of_float32_tensor() -> None:
    torch = require_torch()
    x, tx = tensors([0.5, -1.0, 2.0], "float32")
    (1.5 ** x).sum().backward()
    (1.5 ** tx).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-6)


def test_float32_base_float64_exponent_takes_the_log_in_float64() -> None:
    torch = require_torch()
    a32 = np.float32([0.3, 1.7, 2.9])
    a, ta = tensors(a32, "float32")
    b, tb = tensors([1.3, -0.4, 2.2], "float64")
    (a**b).sum().backward()
    (ta**tb).sum().backward()
    assert b.grad.dtype == np.float64 and a.grad.dtype == np.float32
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-14)
    exact = a32.astype(np.float64) ** b.data * np.log(a32.astype(np.float64))
    np.testing.assert_allclose(b.grad, exact, rtol=1e-14)


# ---- 3. a float32 graph given float64 gradients -------------------------------------------------
def test_float32_graph_accepts_float64_gradients_as_torch_casts_them() -> None:
    torch = require_torch()
    x, tx = tensors([[0.2, -1.0], [3.0, 0.5]], "float32")
    y, ty = x.tanh() * 2, tx.tanh() * 2
    y.backward(ck.ones(y.shape))                      # float64 ones
    ty.backward(torch.ones(ty.shape, dtype=torch.float64))  # torch casts to float32 too
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-5, atol=1e-6)

    loss = (x * x).sum()
    x.grad = None
    loss.backward(ck.tensor(1.0))
    np.testing.assert_allclose(x.grad, 2 * x.data, rtol=1e-6)

    (g,) = ck.autograd.grad((x * x * x).sum(), x, grad_outputs=ck.tensor(1.0), create_graph=True)
    assert g.dtype == np.float32
    (h,) = ck.autograd.grad(g.sum(), x, grad_outputs=np.float64(1.0))
    np.testing.assert_allclose(h.data, 6 * x.data, rtol=1e-6)
    assert h.dtype == np.float32


# ---- 4. 0 * inf in pow's derivatives --------------------------------------------------------
def test_pow_derivatives_at_zero_as_torch() -> None:
    torch = require_torch()
    base = np.array([0.0, 0.0, 0.0, 0.0, 2.0, 0.0])
    expo = np.array([0.0, 2.0, 0.5, 1.0, 0.0, 3.0])
    a, ta = tensors(base)
    b, tb = tensors(expo)
    (a**b).sum().backward()
    (ta**tb).sum().backward()
    np.testing.assert_array_equal(a.grad, ta.grad.numpy())
    np.testing.assert_array_equal(b.grad, tb.grad.numpy())
    assert not np.isnan(a.grad).any() and not np.isnan(b.grad).any()
    x = ck.tensor(0.0, requires_grad=True)
    (x**0).backward()
    assert x.grad == 0


# ---- 5. empty axes ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
@pytest.mark.parametrize("shape", [(3, 0), (0,), (2, 0, 4)])
def test_reductions_over_an_empty_axis(name: str, shape: tuple) -> None:
    torch = require_torch()
    x, tx = tensors(np.zeros(shape))
    axis = 1 if len(shape) > 1 else 0
    out = getattr(x, name)(dim=axis)
    tout = getattr(tx, name)(dim=axis)
    np.testing.assert_array_equal(out.data, tout.detach().numpy())
    assert out.shape == tuple(tout.shape)
    if out.data.size:
        out.sum().backward()
        tout.sum().backward()
        np.testing.assert_array_equal(x.grad, tx.grad.numpy())


def test_linear_with_no_input_features_on_a_vector() -> None:
    torch = require_torch()
    x, tx = tensors(np.zeros(0))
    w, tw = tensors(np.zeros((3, 0)))
    b, tb = tensors([1.0, 2.0, 3.0])
    y, ty = F.linear(x, w, b), torch.nn.functional.linear(tx, tw, tb)
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    y.backward(np.arange(3.0))
    ty.backward(torch.arange(3.0, dtype=torch.float64))
    np.testing.assert_array_equal(b.grad, tb.grad.numpy())
    assert x.grad.shape == (0,) and w.grad.shape == (3, 0)


# ---- 7. requires_grad on an integer tensor ----------------------------------------------------
def test_requires_grad_attribute_on_int_tensor_raises_like_the_constructor() -> None:
    x = ck.tensor([1, 2, 3])
    with pytest.raises(TypeError, match="floating-point"):
        x.requires_grad = True
    with pytest.raises(TypeError, match="floating-point"):
        ck.tensor([1, 2, 3], requires_grad=True)
    assert not x.requires_grad
    y = ck.tensor([1.0, 2.0])
    y.requires_grad = True
    (y * 2.5).sum().backward()
    np.testing.assert_array_equal(y.grad, [2.5, 2.5])


# ---- 8. version counters ------------------------------------------------------------------------
def _both_raise(ck_case, torch_case) -> None:
    with pytest.raises(RuntimeError, match=TORCH_INPLACE):
        ck_case()
    with pytest.raises(RuntimeError, match=TORCH_INPLACE):
        torch_case()


def test_changing_a_saved_input_in_place_raises_as_torch() -> None:
    torch = require_torch()

    def ours():
        x, a = ck.tensor([1.0, 2.0], requires_grad=True), ck.tensor([3.0, 4.0])
        y = (x * a).sum()
        a += 10
        y.backward()

    def theirs():
        x, a = torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([3.0, 4.0])
        y = (x * a).sum()
        a += 10
        y.backward()

    _both_raise(ours, theirs)


def test_changing_detached_data_raises_as_torch() -> None:
    torch = require_torch()

    def ours():
        x = ck.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        y.detach()[0] = 5.0
        y.sum().backward()

    def theirs():
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        y.detach()[0] = 5.0
        y.sum().backward()

    _both_raise(ours, theirs)

    def ours_leaf():
        w = ck.tensor([1.0, 2.0], requires_grad=True)
        y = (w * w).sum()
        w.detach().zero_()
        y.backward()

    def theirs_leaf():
        w = torch.tensor([1.0, 2.0], requires_grad=True)
        y = (w * w).sum()
        w.detach().zero_()
        y.backward()

    _both_raise(ours_leaf, theirs_leaf)


def test_in_place_change_between_two_backward_passes_raises() -> None:
    w = ck.tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    y.backward(retain_graph=True)
    with ck.no_grad():
        w -= 0.1 * w.grad
    with pytest.raises(RuntimeError, match=TORCH_INPLACE):
        y.backward()


def test_no_false_alarm_where_the_op_did_not_save_the_value() -> None:
    torch = require_torch()
    x, a = ck.tensor([1.0, 2.0], requires_grad=True), ck.tensor([3.0, 4.0])
    tx, ta = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True), torch.tensor([3.0, 4.0])
    y, ty = (x + a).sum() + a.sum(), (tx + ta).sum() + ta.sum()
    a += 10
    ta += 10
    y.backward()
    ty.backward()  # neither raises: addition needs no values
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())


def test_manual_update_and_optimizers_keep_working() -> None:
    torch = require_torch()
    w, tw = tensors([1.0, -2.0])
    for _ in range(3):
        loss, tloss = ((w * w).exp()).sum(), ((tw * tw).exp()).sum()
        loss.backward()
        tloss.backward()
        with ck.no_grad():
            w -= 0.01 * w.grad
        with torch.no_grad():
            tw -= 0.01 * tw.grad
        w.grad, tw.grad = None, None
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-12)

    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = ck.randn(5, 3)
    first = None
    for _ in range(5):
        opt.zero_grad()
        loss = (model(x) ** 2).mean()
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
    assert loss.item() < first


# ---- 9. max with NaN, BCE targets ---------------------------------------------------------------
@pytest.mark.parametrize("values", [[1.0, np.nan, 3.0], [np.nan, 2.0, np.nan]])
def test_max_gradient_goes_to_the_nan(values: list) -> None:
    torch = require_torch()
    x, tx = tensors(values)
    x.max().backward()
    tx.max().backward()
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())
    y, ty = tensors([values, [0.0, 1.0, 2.0]])
    y.max(dim=1).values.sum().backward()
    ty.max(dim=1).values.sum().backward()
    np.testing.assert_array_equal(y.grad, ty.grad.numpy())


@pytest.mark.parametrize("loss", [F.binary_cross_entropy_with_logits, F.binary_cross_entropy])
def test_bce_refuses_integer_targets_and_targets_outside_0_1(loss) -> None:
    p = ck.tensor([0.2, 0.7], requires_grad=True)
    with pytest.raises(TypeError, match="floating-point.*int64"):
        loss(p, np.array([0, 1]))
    with pytest.raises(TypeError, match="floating-point"):
        loss(p, ck.tensor([1, 0]))
    with pytest.raises(ValueError, match=r"\[0, 1\].*-1"):
        loss(p, ck.tensor([-1.0, 1.0]))
    assert np.isfinite(loss(p, ck.tensor([0.0, 1.0])).item())
