"""The PyTorch names of issue 13: values and gradients against torch in float64 and float32, and finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest

import coursekit as ck
from coursekit import nn
from coursekit.nn import functional as F
from oracle import require_torch

TOL = {"float64": {"rtol": 1e-10, "atol": 1e-12}, "float32": {"rtol": 1e-4, "atol": 1e-5}}


def rng() -> np.random.Generator:
    return np.random.default_rng(13)


def check(fn_ck, fn_torch, arrays, dtype: str = "float64", gradcheck: bool = True) -> None:
    """Same inputs in ``dtype``: values and the gradients of a random weighted sum must agree with torch."""
    torch = require_torch()
    arrays = [np.ascontiguousarray(a, dtype=dtype) for a in arrays]
    xs = [ck.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, tout = fn_ck(*xs), fn_torch(*ts)
    assert out.dtype == np.dtype(str(tout.dtype).removeprefix("torch.")), (out.dtype, tout.dtype)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), **TOL[dtype], err_msg="value")
    if tout.requires_grad:
        upstream = np.random.default_rng(0).standard_normal(out.shape).astype(dtype)
        out.backward(upstream)
        tout.backward(torch.tensor(upstream))
        for x, t in zip(xs, ts):
            expected = np.zeros(x.shape, dtype) if t.grad is None else t.grad.numpy()
            got = np.zeros(x.shape, dtype) if x.grad is None else x.grad
            assert got.dtype == np.dtype(dtype)
            np.testing.assert_allclose(got, expected, **TOL[dtype], err_msg="gradient")
        if gradcheck and dtype == "float64" and name_of(fn_ck) not in NO_GRADCHECK:
            assert ck.gradcheck(fn_ck, [ck.tensor(a, requires_grad=True) for a in arrays])


# Targets on the boundary (0 or 1) or detached: finite differences would step outside [0, 1] or see a
# dependence the loss, as in torch, does not differentiate.
NO_GRADCHECK = {"bce_none", "BCELoss_sum", "BCELoss_sigmoid"}


def name_of(fn) -> str:
    return next((name for name, case in CASES.items() if case[0] is fn), "")


A = rng().standard_normal((3, 4))
B = rng().standard_normal((4, 5))
V = rng().uniform(-2, 2, (2, 3, 4))
P = rng().uniform(0.05, 0.95, (3, 4))
IDX = np.array([[0, 3, 3, 1], [2, 2, 0, 1], [1, 0, 3, 3]])

# name -> (coursekit function, torch function (torch module first), inputs)
CASES = {
    "unsqueeze": (lambda x: x.unsqueeze(1), lambda T, x: x.unsqueeze(1), [A]),
    "unsqueeze_neg": (lambda x: ck.unsqueeze(x, -1), lambda T, x: T.unsqueeze(x, -1), [A]),
    "squeeze": (lambda x: x.reshape(3, 1, 4, 1).squeeze(), lambda T, x: x.reshape(3, 1, 4, 1).squeeze(), [A]),
    "squeeze_dim": (lambda x: ck.squeeze(x.reshape(3, 1, 4), 1), lambda T, x: T.squeeze(x.reshape(3, 1, 4), 1),
                    [A]),
    "squeeze_not_one": (lambda x: x.squeeze(0), lambda T, x: x.squeeze(0), [A]),
    "clone": (lambda x: x.clone() * 2, lambda T, x: x.clone() * 2, [A]),
    "t": (lambda x: x.t(), lambda T, x: x.t(), [A]),
    "transpose_fn": (lambda x: ck.transpose(x, 0, 2), lambda T, x: T.transpose(x, 0, 2), [V]),
    "transpose_fn_numpy": (lambda x: ck.transpose(x, (1, 2, 0)), lambda T, x: T.permute(x, (1, 2, 0)), [V]),
    "t_vector": (lambda x: x[0].t(), lambda T, x: x[0].t(), [A]),
    "mT": (lambda x: x.mT, lambda T, x: x.mT, [V]),
    "expand": (lambda x: x[:, :1].expand(2, 3, 5), lambda T, x: x[:, :1].expand(2, 3, 5), [A]),
    "expand_keep": (lambda x: x[:1].expand(-1, 4) * x, lambda T, x: x[:1].expand(-1, 4) * x, [A]),
    "repeat": (lambda x: x.repeat(2, 1, 3), lambda T, x: x.repeat(2, 1, 3), [A]),
    "repeat_tuple": (lambda x: x.repeat((2, 2)), lambda T, x: x.repeat((2, 2)), [A]),
    "flatten_1": (lambda x: x.flatten(1), lambda T, x: x.flatten(1), [V]),
    "flatten_range": (lambda x: ck.flatten(x, 0, 1), lambda T, x: T.flatten(x, 0, 1), [V]),
    "std": (lambda x: x.std(), lambda T, x: x.std(), [A]),
    "std_dim": (lambda x: x.std(dim=1, keepdim=True), lambda T, x: x.std(dim=1, keepdim=True), [A]),
    "std_correction0": (lambda x: ck.std(x, 0, correction=0), lambda T, x: T.std(x, 0, correction=0), [A]),
    "var_default_unbiased": (lambda x: x.var(1), lambda T, x: x.var(1), [A]),
    "var_unbiased_false": (lambda x: x.var(unbiased=False), lambda T, x: x.var(unbiased=False), [A]),
    "var_ddof0_is_correction0": (lambda x: ck.var(x, axis=0, ddof=0), lambda T, x: T.var(x, 0, correction=0), [A]),
    "prod": (lambda x: x.prod(), lambda T, x: x.prod(), [A]),
    "prod_dim": (lambda x: x.prod(dim=1), lambda T, x: x.prod(dim=1), [A]),
    "prod_with_zero": (lambda x: ck.prod(x * ck.tensor([[1.0, 0, 1, 1]] * 3, dtype=x.dtype), 1),
                       lambda T, x: T.prod(x * T.tensor([[1.0, 0, 1, 1]] * 3, dtype=x.dtype), 1), [A]),
    "prod_two_zeros": (lambda x: (x * ck.tensor([0.0, 0, 1, 1], dtype=x.dtype)).prod(-1),
                       lambda T, x: (x * T.tensor([0.0, 0, 1, 1], dtype=x.dtype)).prod(-1), [A]),
    "norm": (lambda x: x.norm(), lambda T, x: x.norm(), [A]),
    "norm_dim": (lambda x: ck.norm(x, dim=1), lambda T, x: T.norm(x, dim=1), [A]),
    "norm_1": (lambda x: x.norm(p=1, dim=0), lambda T, x: x.norm(p=1, dim=0), [A]),
    "norm_3": (lambda x: x.norm(p=3), lambda T, x: x.norm(p=3), [A]),
    "norm_inf": (lambda x: x.norm(p=math.inf, dim=1), lambda T, x: x.norm(p=math.inf, dim=1), [A]),
    "gather": (lambda x: x.gather(1, ck.tensor(IDX)), lambda T, x: x.gather(1, T.tensor(IDX)), [A]),
    "gather_dim0": (lambda x: x.gather(0, ck.tensor(IDX[:2, :3] % 3)),
                    lambda T, x: x.gather(0, T.tensor(IDX[:2, :3] % 3)), [A]),
    "masked_fill": (lambda x: x.masked_fill(x.data > 0, 0.5), lambda T, x: x.masked_fill(x > 0, 0.5), [A]),
    "max_dim_values": (lambda x: x.max(dim=1).values, lambda T, x: x.max(dim=1).values, [A]),
    "max_dim_index0": (lambda x: x.max(1)[0], lambda T, x: x.max(1)[0], [A]),
    "min_dim_keepdim": (lambda x: ck.min(x, dim=0, keepdim=True)[0], lambda T, x: T.min(x, 0, keepdim=True)[0], [A]),
    "max_other": (lambda x, y: x.max(y), lambda T, x, y: x.max(y), [A, A.T.reshape(3, 4)]),
    "clamp": (lambda x: ck.clamp(x, min=-0.5, max=0.5), lambda T, x: T.clamp(x, min=-0.5, max=0.5), [A]),
    "cat_dim": (lambda x, y: ck.cat([x, y], dim=1), lambda T, x, y: T.cat([x, y], dim=1), [A, A * 2]),
    "stack_dim": (lambda x, y: ck.stack([x, y], dim=-1), lambda T, x, y: T.stack([x, y], dim=-1), [A, A * 2]),
    "sum_dim": (lambda x: ck.sum(x, dim=1), lambda T, x: T.sum(x, dim=1), [A]),
    "mean_dim": (lambda x: ck.mean(x, dim=(0, 1), keepdim=True), lambda T, x: T.mean(x, dim=(0, 1), keepdim=True),
                 [V]),
    "softmax_dim": (lambda x: ck.softmax(x, dim=0), lambda T, x: T.softmax(x, dim=0), [A]),
    "F_softmax_dim": (lambda x: F.softmax(x, dim=1), lambda T, x: T.nn.functional.softmax(x, dim=1), [A]),
    "F_log_softmax_dim": (lambda x: F.log_softmax(x, dim=0), lambda T, x: T.nn.functional.log_softmax(x, dim=0),
                          [A]),
    "logsumexp_dim": (lambda x: ck.logsumexp(x, dim=1), lambda T, x: T.logsumexp(x, dim=1), [A]),
    "einsum_matmul": (lambda x, y: ck.einsum("ij,jk->ik", x, y), lambda T, x, y: T.einsum("ij,jk->ik", x, y), [A, B]),
    "einsum_summed_away": (lambda x, y: ck.einsum("ij,jk->i", x, y), lambda T, x, y: T.einsum("ij,jk->i", x, y),
                           [A, B]),
    "einsum_implicit_outer": (lambda x, y: ck.einsum("i,j", x, y), lambda T, x, y: T.einsum("i,j", x, y),
                              [A[0], B[0]]),
    "einsum_batch": (lambda x: ck.einsum("bij,bkj->bik", x, x), lambda T, x: T.einsum("bij,bkj->bik", x, x), [V]),
    "np_exp": (lambda x: np.exp(x) * np.sin(x), lambda T, x: T.exp(x) * T.sin(x), [A]),
    "ndarray_times_tensor": (lambda x: B.T[:3] * x + np.maximum(x, 0.1),
                             lambda T, x: T.tensor(B.T[:3]) * x + T.maximum(x, T.tensor(0.1, dtype=x.dtype)),
                             [A]),
    "gelu": (F.gelu, lambda T, x: T.nn.functional.gelu(x), [A]),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), lambda T, x: T.nn.functional.gelu(x, approximate="tanh"),
                  [A]),
    "elu": (F.elu, lambda T, x: T.nn.functional.elu(x), [A * 3]),
    "elu_alpha": (lambda x: F.elu(x, alpha=0.5), lambda T, x: T.nn.functional.elu(x, alpha=0.5), [A * 3]),
    "silu": (F.silu, lambda T, x: T.nn.functional.silu(x), [A]),
    "huber": (lambda x, y: F.huber_loss(x, y), lambda T, x, y: T.nn.functional.huber_loss(x, y), [A * 2, A.T.reshape(3, 4)]),
    "huber_delta_sum": (lambda x, y: F.huber_loss(x, y, reduction="sum", delta=0.5),
                        lambda T, x, y: T.nn.functional.huber_loss(x, y, reduction="sum", delta=0.5),
                        [A * 2, A.T.reshape(3, 4)]),
    "smooth_l1": (lambda x, y: F.smooth_l1_loss(x, y, beta=0.7),
                  lambda T, x, y: T.nn.functional.smooth_l1_loss(x, y, beta=0.7), [A * 2, A.T.reshape(3, 4)]),
    "smooth_l1_none": (lambda x, y: F.smooth_l1_loss(x, y, reduction="none"),
                       lambda T, x, y: T.nn.functional.smooth_l1_loss(x, y, reduction="none"), [A * 2, A.T.reshape(3, 4)]),
    "kl_div_batchmean": (lambda x, p: F.kl_div(x.log_softmax(dim=1), p, reduction="batchmean"),
                         lambda T, x, p: T.nn.functional.kl_div(x.log_softmax(dim=1), p, reduction="batchmean"), [A, P]),
    "kl_div_mean": (lambda x, p: F.kl_div(x, p), lambda T, x, p: T.nn.functional.kl_div(x, p), [A, P]),
    "kl_div_log_target": (lambda x, p: F.kl_div(x, p.log(), reduction="sum", log_target=True),
                          lambda T, x, p: T.nn.functional.kl_div(x, p.log(), reduction="sum", log_target=True), [A, P]),
    "bce": (lambda p, y: F.binary_cross_entropy(p, y), lambda T, p, y: T.nn.functional.binary_cross_entropy(p, y),
            [P, P[::-1]]),
    "bce_none": (lambda p, y: F.binary_cross_entropy(p, y, reduction="none"),
                 lambda T, p, y: T.nn.functional.binary_cross_entropy(p, y, reduction="none"), [P, P > 0.5]),
    "BCELoss_sum": (lambda p, y: nn.BCELoss(reduction="sum")(p, y.detach()),
                    lambda T, p, y: T.nn.BCELoss(reduction="sum")(p, y.detach()), [P, P > 0.5]),
    "BCELoss_sigmoid": (lambda z, y: nn.BCELoss()(z.sigmoid(), y.detach()),
                        lambda T, z, y: T.nn.BCELoss()(z.sigmoid(), y.detach()), [A, P]),
    "Softmax_module": (lambda x: nn.Softmax(dim=0)(x), lambda T, x: T.nn.Softmax(dim=0)(x), [A]),
    "LogSoftmax_module": (lambda x: nn.LogSoftmax(dim=1)(x), lambda T, x: T.nn.LogSoftmax(dim=1)(x), [A]),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_name_matches_torch(name: str, dtype: str) -> None:
    torch = require_torch()
    fn_ck, fn_t, arrays = CASES[name]
    check(fn_ck, lambda *ts: fn_t(torch, *ts), arrays, dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_indices_and_boolean_reductions_match_torch(dtype: str) -> None:
    torch = require_torch()
    x, t = ck.tensor(A.astype(dtype)), torch.tensor(A.astype(dtype))
    for ours, theirs in [
        (x.argmax(), t.argmax()), (x.argmax(dim=1), t.argmax(dim=1)), (ck.argmax(x, dim=0, keepdim=True),
                                                                       torch.argmax(t, dim=0, keepdim=True)),
        (x.argmin(1), t.argmin(1)), (x.max(dim=1).indices, t.max(dim=1).indices), (ck.min(x, 0)[1], torch.min(t, 0)[1]),
        (x.all(), t.all()), (x.any(dim=1), t.any(dim=1)),
        (ck.tensor(A > 0).all(dim=0), torch.tensor(A > 0).all(dim=0)), (x.long(), t.long()), (x.int(), t.int()),
        (x.bool(), t.bool()), (ck.isnan(x / 0 * 0), torch.isnan(t / 0 * 0)),
        (F.one_hot(ck.tensor([0, 2, 1]), 4), torch.nn.functional.one_hot(torch.tensor([0, 2, 1]), 4)),
        (F.one_hot(ck.tensor([[0], [2]])), torch.nn.functional.one_hot(torch.tensor([[0], [2]]))),
    ]:
        assert ours.dtype == np.dtype(str(theirs.dtype).removeprefix("torch.")), (ours.dtype, theirs.dtype)
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert not x.long().requires_grad and ck.tensor(A, requires_grad=True).long().requires_grad is False
    assert ck.allclose(x, x + 1e-9) and not ck.allclose(x, x + 1e-3)
    assert ck.allclose(x, t.numpy()) == torch.allclose(t, t)


def test_creation_functions_match_torch() -> None:
    torch = require_torch()
    pairs = [
        (ck.zeros(2, 3), torch.zeros(2, 3, dtype=torch.float64)), (ck.ones((2,)), torch.ones((2,), dtype=torch.float64)),
        (ck.full((2, 2), 7.0), torch.full((2, 2), 7.0, dtype=torch.float64)), (ck.full((2,), 3), torch.full((2,), 3)),
        (ck.eye(3), torch.eye(3, dtype=torch.float64)), (ck.eye(2, 3), torch.eye(2, 3, dtype=torch.float64)),
        (ck.empty(2, 0), torch.empty(2, 0, dtype=torch.float64)), (ck.arange(5), torch.arange(5)),
        (ck.arange(0, 1, 0.25), torch.arange(0, 1, 0.25, dtype=torch.float64)),
        (ck.linspace(0, 1, 5), torch.linspace(0, 1, 5, dtype=torch.float64)),
        (ck.zeros_like(ck.tensor(A)), torch.zeros_like(torch.tensor(A))),
        (ck.ones_like(ck.tensor(A, dtype=ck.float32)), torch.ones_like(torch.tensor(A, dtype=torch.float32))),
        (ck.full_like(ck.tensor(A), 2.5), torch.full_like(torch.tensor(A), 2.5)),
        (ck.zeros(3, dtype=ck.long), torch.zeros(3, dtype=torch.long)),
        (ck.as_tensor([1.0, 2.0]), torch.as_tensor([1.0, 2.0], dtype=torch.float64)),
    ]
    for ours, theirs in pairs:
        assert ours.dtype == np.dtype(str(theirs.dtype).removeprefix("torch.")), (ours, theirs)
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    for like in (ck.empty_like, ck.rand_like, ck.randn_like):
        out = like(ck.tensor(A, dtype=ck.float32))
        assert out.shape == A.shape and out.dtype == np.float32
    r = ck.randint(2, 5, (1000,))
    assert r.dtype == np.int64 and r.data.min() == 2 and r.data.max() == 4
    assert ck.randint(3, (4,)).data.max() < 3
    ck.manual_seed(1)
    first = ck.rand(3)
    ck.manual_seed(1)
    np.testing.assert_array_equal(ck.rand(3).data, first.data)
    array = np.zeros(3)
    ck.as_tensor(array).data[0] = 1.0  # shares memory, as torch.as_tensor
    assert array[0] == 1.0
    for name, torch_name in [("float32", "float32"), ("float64", "float64"), ("long", "long"), ("int64", "int64"),
                             ("int", "int"), ("float", "float"), ("double", "double"), ("bool", "bool"),
                             ("half", "half"), ("int32", "int32")]:
        ours = ck.zeros(1, dtype=getattr(ck, name)).dtype
        assert ours == np.dtype(str(getattr(torch, torch_name)).removeprefix("torch.")), name


def test_size_to_cpu_and_friends() -> None:
    torch = require_torch()
    x, t = ck.tensor(V), torch.tensor(V)
    assert x.size() == tuple(t.size()) and x.size(0) == t.size(0) and x.size(-1) == t.size(-1)
    assert x.numel() == t.numel() == ck.numel(x)
    assert x.to("cpu") is x and x.cpu() is x and x.device == "cpu"
    assert x.to(ck.float32).dtype == np.float32 and x.to("cpu", ck.float32).dtype == np.float32
    assert x.to(dtype=np.float32).dtype == np.float32 and x.to(ck.tensor([1], dtype=ck.float32)).dtype == np.float32
    with pytest.raises(RuntimeError, match="CPU only.*'cuda'"):
        x.to("cuda")
    with pytest.raises(RuntimeError) as ours:
        ck.tensor([1.0, 2.0]).mT
    with pytest.raises(RuntimeError) as theirs:
        torch.tensor([1.0, 2.0]).mT
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(RuntimeError, match="t\\(\\) expects a tensor with <= 2 dimensions"):
        x.t()


def test_tensor_constructor_takes_data_or_sizes() -> None:
    with pytest.raises(TypeError, match="by name"):
        ck.Tensor([1.0], True)
    x = ck.Tensor([1.0, 2.0], requires_grad=True, dtype=ck.float32)
    assert x.requires_grad and x.dtype == np.float32


def test_in_place_fill_and_zero() -> None:
    torch = require_torch()
    x, t = ck.tensor(A.copy()), torch.tensor(A.copy())
    assert x.fill_(2.5) is x
    t.fill_(2.5)
    np.testing.assert_array_equal(x.data, t.numpy())
    x.zero_(), t.zero_()
    np.testing.assert_array_equal(x.data, t.numpy())
    w = ck.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w.zero_()
    with ck.no_grad():
        w.fill_(3.0)
    assert w.data[0] == 3.0


def test_hooks_as_torch() -> None:
    torch = require_torch()
    x, t = ck.tensor(A, requires_grad=True), torch.tensor(A, requires_grad=True)
    seen = []
    y, ty = x * 2, t * 2
    handle = y.register_hook(lambda g: seen.append(g.clone()) or g * 3)
    ty.register_hook(lambda g: g * 3)
    x.register_hook(lambda g: g + 1)
    t.register_hook(lambda g: g + 1)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(seen[0], 2 * y.data, rtol=1e-12)
    handle.remove()
    x.grad = None
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full(A.shape, 3.0))  # 2 + 1 from the hook that stays


def test_autograd_backward_create_graph_and_inputs() -> None:
    torch = require_torch()
    x, t = ck.tensor(A, requires_grad=True), torch.tensor(A, requires_grad=True)
    w, tw = ck.tensor(B[:, :3].T, requires_grad=True), torch.tensor(B[:, :3].T, requires_grad=True)
    ck.autograd.backward([(x * w).sum(), (x.exp()).sum()], [ck.tensor(2.0), None], inputs=[x])
    torch.autograd.backward([(t * tw).sum(), t.exp().sum()], [torch.tensor(2.0, dtype=torch.float64), None],
                            inputs=[t])
    np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-12)
    assert w.grad is None and tw.grad is None
    # backward(create_graph=True): .grad keeps its graph, so a penalty on the gradient can be differentiated
    x.grad, t.grad = None, None
    (x.sin() * w).sum().backward(create_graph=True)
    (t.sin() * tw).sum().backward(create_graph=True)
    assert isinstance(x.grad, ck.Tensor)
    penalty, tpenalty = (x.grad * x.grad).sum(), (t.grad * t.grad).sum()
    w.grad, tw.grad = None, None
    penalty.backward()
    tpenalty.backward()
    np.testing.assert_allclose(w.grad.data if isinstance(w.grad, ck.Tensor) else w.grad, tw.grad.numpy(), rtol=1e-12)


def test_no_grad_and_inference_mode_as_decorators() -> None:
    x = ck.tensor(1.0, requires_grad=True)

    @ck.no_grad
    def bare(v):
        return v * 2

    @ck.no_grad()
    def called(v):
        return v * 2

    @ck.inference_mode()
    def inference(v):
        return v * 2

    @ck.enable_grad
    def enabled(v):
        return v * 2

    assert not bare(x).requires_grad and not called(x).requires_grad and not inference(x).requires_grad
    with ck.no_grad():
        assert enabled(x).requires_grad
    with ck.inference_mode(False):
        assert (x * 2).requires_grad
    assert ck.is_grad_enabled()


def test_numpy_ufuncs_without_a_gradient_rule_name_the_alternative() -> None:
    x = ck.tensor(A, requires_grad=True)
    with pytest.raises(TypeError, match=r"np\.floor.*detach\(\)\.numpy\(\)"):
        np.floor(x)
    with pytest.raises(TypeError, match=r"np\.add\.reduce"):
        np.add.reduce(x)
    np.testing.assert_array_equal(np.isnan(x), np.isnan(A))
    np.testing.assert_array_equal(np.greater(x, 0), A > 0)
    y = np.exp(x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad, np.exp(A), rtol=1e-12)
    out = np.zeros(3)
    out += ck.tensor([1.0, 2.0, 3.0])  # an array updated by a constant tensor stays an array
    assert type(out) is np.ndarray and out[2] == 3.0


def test_einsum_errors_are_clear() -> None:
    a = ck.tensor(A)
    with pytest.raises(ValueError, match="repeated"):
        ck.einsum("ii->i", ck.tensor(np.eye(3)))
    with pytest.raises(ValueError, match="names 2 operands but 1"):
        ck.einsum("ij,jk->ik", a)


def test_shape_helpers_refuse_bad_input_clearly() -> None:
    a = ck.tensor(A)
    with pytest.raises(ValueError, match=r"expand: the size 5 must match the existing size 4.*\(3, 4\)"):
        a.expand(3, 5)
    with pytest.raises(IndexError, match="unsqueeze: dim 3"):
        a.unsqueeze(3)
    with pytest.raises(IndexError, match=r"gather: indices must lie in \[0, 3\]"):
        a.gather(1, ck.tensor(IDX + 1))
    with pytest.raises(TypeError, match="pass one of ddof, correction"):
        a.var(ddof=0, correction=1)
    with pytest.raises(IndexError, match=r"one_hot: class indices must lie in \[0, 2\]"):
        F.one_hot(ck.tensor([0, 3]), 3)


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_prod_second_derivatives_through_zeros(axis) -> None:
    torch = require_torch()
    arr = np.array([[0.0, 0.0, 2.0], [1.5, -0.7, 0.3]])
    x, t = ck.tensor(arr, requires_grad=True), torch.tensor(arr, requires_grad=True)
    y, ty = (x.prod(), t.prod()) if axis is None else (x.prod(dim=axis).sum(), t.prod(dim=axis).sum())
    (g,) = ck.autograd.grad(y, x, create_graph=True)
    (tg,) = torch.autograd.grad(ty, t, create_graph=True)
    np.testing.assert_allclose(g.data, tg.detach().numpy(), rtol=1e-12)
    v = np.arange(6.0).reshape(2, 3)
    (h,) = ck.autograd.grad((g * v).sum(), x)
    (th,) = torch.autograd.grad((tg * torch.tensor(v)).sum(), t)
    np.testing.assert_allclose(h.data, th.numpy(), rtol=1e-12)


def test_norm_of_zero_has_zero_gradient_as_torch() -> None:
    torch = require_torch()
    x, t = ck.zeros(3, requires_grad=True), torch.zeros(3, dtype=torch.float64, requires_grad=True)
    x.norm().backward()
    t.norm().backward()
    np.testing.assert_array_equal(x.grad, t.grad.numpy())
