"""Every op: gradients against central finite differences and against torch.autograd (float64)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import coursekit as ck
from coursekit.nn import functional as F
from oracle import compare_with_torch, require_torch

SETTINGS = settings(max_examples=15, deadline=None)


def away_from_zero(rng: np.random.Generator, shape: tuple, lo: float = 0.2, hi: float = 2.0) -> np.ndarray:
    """Random values with |x| >= lo, so kinks (relu, abs, max) are never within a finite-difference step."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(lo, hi, size=shape)


def positive(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    return rng.uniform(0.5, 2.0, size=shape)


def torch_fn(name: str):
    torch = require_torch()
    tF = torch.nn.functional
    return {
        "softplus": tF.softplus,
        "leaky_relu": lambda x: tF.leaky_relu(x, 0.1),
        "neg": torch.neg,
    }.get(name) or (lambda x: getattr(x, name)())


# name -> (coursekit function, input generator)
UNARY = {
    "exp": (lambda x: x.exp(), away_from_zero),
    "log": (lambda x: x.log(), positive),
    "sqrt": (lambda x: x.sqrt(), positive),
    "sin": (lambda x: x.sin(), away_from_zero),
    "cos": (lambda x: x.cos(), away_from_zero),
    "tanh": (lambda x: x.tanh(), away_from_zero),
    "sigmoid": (lambda x: x.sigmoid(), away_from_zero),
    "relu": (lambda x: x.relu(), away_from_zero),
    "leaky_relu": (lambda x: x.leaky_relu(0.1), away_from_zero),
    "softplus": (lambda x: x.softplus(), away_from_zero),
    "abs": (lambda x: x.abs(), away_from_zero),
    "neg": (lambda x: -x, away_from_zero),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@SETTINGS
@given(shape=array_shapes(min_dims=0, max_dims=3, max_side=4), seed=st.integers(0, 2**16))
def test_unary(name: str, shape: tuple, seed: int) -> None:
    fn, make = UNARY[name]
    x = make(np.random.default_rng(seed), shape)
    assert ck.gradcheck(fn, [ck.tensor(x, requires_grad=True)])
    compare_with_torch(fn, torch_fn(name), [x])


BINARY = {
    "add": (lambda a, b: a + b, away_from_zero),
    "sub": (lambda a, b: a - b, away_from_zero),
    "mul": (lambda a, b: a * b, away_from_zero),
    "div": (lambda a, b: a / b, away_from_zero),
    "pow": (lambda a, b: a**b, positive),
    "maximum": (lambda a, b: a.maximum(b), away_from_zero),
    "minimum": (lambda a, b: a.minimum(b), away_from_zero),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@SETTINGS
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3), seed=st.integers(0, 2**16))
def test_binary_with_broadcasting(name: str, shapes, seed: int) -> None:
    fn, make = BINARY[name]
    rng = np.random.default_rng(seed)
    a, b = (make(rng, s) for s in shapes.input_shapes)
    assert ck.gradcheck(fn, [ck.tensor(a, requires_grad=True), ck.tensor(b, requires_grad=True)])
    compare_with_torch(fn, fn, [a, b])


NUMPY_BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide, "pow": np.power,
                "maximum": np.maximum, "minimum": np.minimum}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_python_numbers_and_arrays_on_either_side(name: str) -> None:
    fn, make = BINARY[name]
    rng = np.random.default_rng(1)
    x = make(rng, (2, 3))
    const = make(rng, (3,))
    cases = [(0, 2.5), (1, 2.5), (0, const), (1, const)]  # (position of the tensor, the other operand)
    for pos, other in cases:
        if name in ("maximum", "minimum") and pos == 1:
            continue  # a number has no .maximum method

        def call(u, pos=pos, other=other):
            return fn(u, other) if pos == 0 else fn(other, u)

        out = call(ck.tensor(x, requires_grad=True))
        assert isinstance(out, ck.Tensor)
        expected = NUMPY_BINARY[name](*((x, other) if pos == 0 else (other, x)))
        np.testing.assert_allclose(out.data, expected, rtol=1e-12)
        assert ck.gradcheck(call, [ck.tensor(x, requires_grad=True)])


REDUCTIONS = {
    "sum": (lambda x, kw: x.sum(**kw), lambda t, kw: t.sum(**kw)),
    "mean": (lambda x, kw: x.mean(**kw), lambda t, kw: t.mean(**kw)),
    "amax": (lambda x, kw: x.amax(**kw), lambda t, kw: t.amax(**kw)),
    "amin": (lambda x, kw: x.amin(**kw), lambda t, kw: t.amin(**kw)),
    "var": (lambda x, kw: x.var(**kw, ddof=0), lambda t, kw: t.var(**kw, correction=0)),
    "logsumexp": (lambda x, kw: x.logsumexp(**kw), lambda t, kw: t.logsumexp(**kw)),
}


@st.composite
def shape_and_axis(draw):
    shape = draw(array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        axis = None
    elif kind == "int":
        axis = draw(st.integers(-len(shape), len(shape) - 1))
    else:
        axis = tuple(sorted(draw(st.sets(st.integers(0, len(shape) - 1), min_size=1))))
    return shape, axis, draw(st.booleans())


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@SETTINGS
@given(case=shape_and_axis(), seed=st.integers(0, 2**16))
def test_reductions(name: str, case, seed: int) -> None:
    shape, axis, keepdims = case
    fn_ck, fn_t = REDUCTIONS[name]
    x = np.random.default_rng(seed).standard_normal(shape)
    kw = {"axis": axis, "keepdims": keepdims}
    assert ck.gradcheck(lambda t: fn_ck(t, kw), [ck.tensor(x, requires_grad=True)])
    torch_kw = {"keepdim": keepdims} | ({} if axis is None else {"dim": axis})
    if name in ("logsumexp",) and axis is None:
        torch_kw["dim"] = tuple(range(len(shape)))
    if name in ("sum", "mean", "var") and axis is None:
        torch_kw["dim"] = None
    compare_with_torch(lambda t: fn_ck(t, kw), lambda t: fn_t(t, torch_kw), [x])


def test_max_ties_share_the_gradient() -> None:
    x = ck.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]], requires_grad=True)
    x.amax(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0, 0.5, 0.5], [0.5, 0, 0.5]])


SHAPE_OPS = {
    "reshape": ((2, 3, 2), lambda x: x.reshape(3, 4), lambda t: t.reshape(3, 4)),
    "reshape_minus_one": ((2, 3, 2), lambda x: x.reshape(-1, 2), lambda t: t.reshape(-1, 2)),
    "transpose": ((2, 3, 4), lambda x: x.transpose(), lambda t: t.permute(2, 1, 0)),
    "permute": ((2, 3, 4), lambda x: x.permute(1, 2, 0), lambda t: t.permute(1, 2, 0)),
    "swap_two": ((3, 4), lambda x: x.transpose(0, 1), lambda t: t.transpose(0, 1)),
    "T": ((3, 4), lambda x: x.T, lambda t: t.T),
    "basic_index": ((4, 5), lambda x: x[1:3, ::2], lambda t: t[1:3, ::2]),
    "int_index": ((4, 5), lambda x: x[2], lambda t: t[2]),
    "advanced_repeat": ((4, 3), lambda x: x[[0, 2, 0, 0]], lambda t: t[[0, 2, 0, 0]]),
    "advanced_pairs": ((4, 3), lambda x: x[[0, 1, 1], [2, 2, 2]], lambda t: t[[0, 1, 1], [2, 2, 2]]),
    "bool_mask": ((4, 3), lambda x: x[x.data > 0], lambda t: t[t.detach() > 0]),
    "softmax": ((3, 4), lambda x: x.softmax(-1), lambda t: t.softmax(-1)),
    "softmax_axis0": ((3, 4), lambda x: x.softmax(axis=0), lambda t: t.softmax(dim=0)),
    "log_softmax": ((3, 4), lambda x: x.log_softmax(-1), lambda t: t.log_softmax(-1)),
    "clip": ((3, 4), lambda x: x.clip(-0.5, 0.7), lambda t: t.clamp(-0.5, 0.7)),
    "where": ((3, 4), lambda x: ck.where(x.data > 0, x * 2, x.exp()), None),
}


@pytest.mark.parametrize("name", sorted(SHAPE_OPS))
def test_shape_and_selection_ops(name: str) -> None:
    torch = require_torch()
    shape, fn, fn_t = SHAPE_OPS[name]
    x = away_from_zero(np.random.default_rng(7), shape)
    assert ck.gradcheck(fn, [ck.tensor(x, requires_grad=True)])
    if fn_t is None:
        fn_t = lambda t: torch.where(t.detach() > 0, t * 2, t.exp())  # noqa: E731
    compare_with_torch(fn, fn_t, [x])


def test_concatenate_and_stack() -> None:
    torch = require_torch()
    rng = np.random.default_rng(3)
    a, b, c = rng.standard_normal((2, 3)), rng.standard_normal((4, 3)), rng.standard_normal((2, 3))
    compare_with_torch(lambda *xs: ck.concatenate(xs, axis=0), lambda *ts: torch.cat(ts, 0), [a, b])
    compare_with_torch(lambda *xs: ck.stack(xs, axis=1), lambda *ts: torch.stack(ts, 1), [a, c])
    assert ck.gradcheck(lambda x, y: ck.concatenate([x, y], axis=-2), [ck.tensor(a, requires_grad=True),
                                                                         ck.tensor(b, requires_grad=True)])


MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                 ((3,), (5, 3, 2)), ((5, 2, 3), (5, 3, 4)), ((1, 2, 3), (4, 3, 2)), ((2, 1, 2, 3), (3, 3, 2))]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul(shapes) -> None:
    rng = np.random.default_rng(11)
    a, b = (rng.standard_normal(s) for s in shapes)
    fn = lambda x, y: x @ y  # noqa: E731
    assert ck.gradcheck(fn, [ck.tensor(a, requires_grad=True), ck.tensor(b, requires_grad=True)])
    compare_with_torch(fn, fn, [a, b])


@pytest.mark.parametrize("x_shape", [(4,), (5, 4), (2, 5, 4)])
def test_linear(x_shape) -> None:
    torch = require_torch()
    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal((3, 4)), rng.standard_normal(3)
    compare_with_torch(F.linear, torch.nn.functional.linear, [x, w, b])
    assert ck.gradcheck(F.linear, [ck.tensor(a, requires_grad=True) for a in (x, w, b)])


LOSSES = ["mse", "l1", "bce", "ce_index", "ce_probs", "nll", "hinge_binary", "hinge_multi"]


def loss_case(name: str, torch):
    rng = np.random.default_rng(9)
    z = away_from_zero(rng, (6, 4))
    y_idx = rng.integers(0, 4, size=6)
    tF = torch.nn.functional
    if name == "mse":
        y = rng.standard_normal((6, 4))
        return z, (lambda x, r: F.mse_loss(x, y, reduction=r)), (lambda t, r: tF.mse_loss(t, torch.tensor(y), reduction=r))
    if name == "l1":
        y = rng.standard_normal((6, 4))
        return z, (lambda x, r: F.l1_loss(x, y, reduction=r)), (lambda t, r: tF.l1_loss(t, torch.tensor(y), reduction=r))
    if name == "bce":
        y = rng.integers(0, 2, size=(6, 4)).astype(float)
        return z, (lambda x, r: F.binary_cross_entropy_with_logits(x, y, reduction=r)), (
            lambda t, r: tF.binary_cross_entropy_with_logits(t, torch.tensor(y), reduction=r))
    if name == "ce_index":
        return z, (lambda x, r: F.cross_entropy(x, y_idx, reduction=r)), (
            lambda t, r: tF.cross_entropy(t, torch.tensor(y_idx), reduction=r))
    if name == "ce_probs":
        p = rng.dirichlet(np.ones(4), size=6)
        return z, (lambda x, r: F.cross_entropy(x, p, reduction=r)), (lambda t, r: tF.cross_entropy(t, torch.tensor(p), reduction=r))
    if name == "nll":
        return z, (lambda x, r: F.nll_loss(x.log_softmax(-1), y_idx, reduction=r)), (
            lambda t, r: tF.nll_loss(t.log_softmax(-1), torch.tensor(y_idx), reduction=r))
    if name == "hinge_binary":
        s = rng.choice([-1.0, 1.0], size=(6, 4))
        return z, (lambda x, r: F.hinge(x, s, reduction=r)), (
            lambda t, r: tF.relu(1 - t * torch.tensor(s)) if r == "none" else getattr(tF.relu(1 - t * torch.tensor(s)), r)())
    return z, (lambda x, r: F.hinge(x, y_idx, reduction=r)), (
        lambda t, r: tF.multi_margin_loss(t, torch.tensor(y_idx), reduction=r))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", LOSSES)
def test_losses(name: str, reduction: str) -> None:
    torch = require_torch()
    z, fn, fn_t = loss_case(name, torch)
    compare_with_torch(lambda x: fn(x, reduction), lambda t: fn_t(t, reduction), [z])
    assert ck.gradcheck(lambda x: fn(x, reduction), [ck.tensor(z, requires_grad=True)])


@pytest.mark.parametrize("name", LOSSES)
def test_losses_are_finite_for_huge_logits(name: str) -> None:
    torch = require_torch()
    z, fn, fn_t = loss_case(name, torch)
    big = np.sign(z) * 1e3
    x = ck.tensor(big, requires_grad=True)
    loss = fn(x, "mean")
    loss.backward()
    assert np.isfinite(loss.data).all() and np.isfinite(x.grad).all()
    t = torch.tensor(big, requires_grad=True)
    fn_t(t, "mean").backward()
    np.testing.assert_allclose(loss.data, fn_t(torch.tensor(big), "mean").numpy(), rtol=1e-10)
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-10, atol=1e-300)


@pytest.mark.parametrize("fn", [lambda x: ck.softmax(x, dim=-1), lambda x: ck.log_softmax(x, dim=-1), ck.sigmoid, ck.softplus, ck.tanh,
                                lambda x: x.logsumexp(-1)], ids=["softmax", "log_softmax", "sigmoid", "softplus",
                                                                 "tanh", "logsumexp"])
def test_activations_are_finite_for_huge_inputs(fn) -> None:
    x = ck.tensor([[1e3, -1e3, 0.0], [-1e3, -1e3, 5.0]], requires_grad=True)
    out = fn(x)
    out.backward(np.ones(out.shape))
    assert np.isfinite(out.data).all() and np.isfinite(x.grad).all()


def test_comparisons_return_boolean_tensors_without_gradient() -> None:
    x = ck.tensor([1.0, -2.0], requires_grad=True)
    for result in (x > 0, x >= 0, x < 0, x <= 0, x == 1.0, x != 1.0):
        assert type(result) is ck.Tensor and result.dtype == bool and not result.requires_grad


def test_unary_functions_exist_as_methods_and_functions() -> None:
    x = ck.tensor([[0.5, -1.5], [2.0, 0.25]])
    for name in ["exp", "sin", "cos", "tanh", "sigmoid", "relu", "softplus", "abs"]:
        np.testing.assert_array_equal(getattr(ck, name)(x).data, getattr(x, name)().data)
    for name in ["softmax", "log_softmax"]:  # dim is required, as in PyTorch
        np.testing.assert_array_equal(getattr(ck, name)(x, dim=-1).data, getattr(x, name)(-1).data)
    np.testing.assert_array_equal(ck.sum(x, axis=0).data, x.sum(0).data)
    np.testing.assert_array_equal(ck.logsumexp(x, axis=-1).data, x.logsumexp(-1).data)
