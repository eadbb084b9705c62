"""Issue 20, the engine: PyTorch code runs unchanged on coursekit and gives torch's numbers.

Most tests write one snippet against a module argument ``lib`` and run it
twice, with ``lib = torch`` (default dtype float64, so both compute in the
same precision) and with ``lib = coursekit``; the returned numbers must agree.
Tests named ``..._silent_...`` pin a difference that used to give another
result without any error.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import coursekit as ck
from coursekit import nn
from oracle import require_torch

RTOL = 1e-12


@contextlib.contextmanager
def torch_float64() -> Iterator[Any]:
    """Real torch with float64 as its default dtype, restored afterwards."""
    torch = require_torch()
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield torch
    finally:
        torch.set_default_dtype(before)


def both(snippet: Callable[[Any], Any]) -> tuple[Any, Any]:
    """``snippet(coursekit)`` and ``snippet(torch)``, each result as NumPy (nested tuples/lists kept)."""
    ours = _numbers(snippet(ck))
    with torch_float64() as torch:
        torch.manual_seed(0)
        theirs = _numbers(snippet(torch))
    return ours, theirs


def _numbers(x: Any) -> Any:
    if isinstance(x, tuple | list):
        return type(x)(_numbers(v) for v in x)
    if hasattr(x, "detach"):
        return x.detach().numpy()
    return x


def assert_same(ours: Any, theirs: Any) -> None:
    if isinstance(theirs, tuple | list):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b)
    elif isinstance(theirs, np.ndarray):
        assert np.asarray(ours).dtype == theirs.dtype, (np.asarray(ours).dtype, theirs.dtype)
        np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=1e-14)
    else:
        assert ours == pytest.approx(theirs, rel=RTOL), (ours, theirs)


def run_both(snippet: Callable[[Any], Any]) -> None:
    assert_same(*both(snippet))


# ---------------------------------------------------------------------------
# 1. .grad and .data are Tensors
# ---------------------------------------------------------------------------
def test_grad_and_data_are_tensors_with_torch_idioms() -> None:
    def snippet(lib):
        x = lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
        y = lib.tensor([[1.0], [-2.0]])
        w = lib.tensor([[0.1], [0.2], [-0.3]], requires_grad=True)
        b = lib.tensor([0.05], requires_grad=True)
        lr = 0.1
        for step in range(4):
            loss = ((x @ w + b - y) ** 2).mean()
            loss.backward()
            if step == 0:      # pytorch/tutorials: in-place on .data
                w.data.sub_(w.grad.data * lr)
                b.data -= lr * b.grad
                w.grad.zero_()
                b.grad.data.zero_()
            elif step == 1:    # the no_grad idiom, then .grad = None
                with lib.no_grad():
                    w -= lr * w.grad
                    b -= lr * b.grad
                w.grad = None
                b.grad = None
            else:              # d2l: param -= lr * param.grad, then param.grad.zero_()
                with lib.no_grad():
                    for p in (w, b):
                        p -= lr * p.grad
                        p.grad.zero_()
        assert isinstance(w.grad, lib.Tensor) and isinstance(w.data, lib.Tensor)
        return w, b, loss.item()

    run_both(snippet)


def test_data_shares_storage_and_is_detached() -> None:
    def snippet(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        d = x.data
        d[0] = 10.0                      # writes x too
        flags = (d.requires_grad, d.is_leaf, d.grad_fn is None, x.requires_grad)
        y = (x * x).sum()
        y.backward()
        return x.detach(), x.grad, flags

    ours, theirs = both(snippet)
    assert_same(ours[:2], theirs[:2])
    assert ours[2] == theirs[2] == (False, True, True, True)
    assert np.asarray(ck.tensor([1.0, 2.0])).tolist() == [1.0, 2.0]  # __array__


def test_leaf_grad_accumulates_in_place_as_torch() -> None:
    def snippet(lib):
        x = lib.tensor([1.0, -2.0], requires_grad=True)
        (x * x).sum().backward()
        first = x.grad
        (3 * x).sum().backward()
        return first, x.grad, first is x.grad

    ours, theirs = both(snippet)
    assert_same(ours[:2], theirs[:2])
    assert ours[2] is theirs[2] is True


def test_grad_assignment_accepts_tensors_and_none_and_checks_the_shape() -> None:
    torch = require_torch()
    for lib in (ck, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        x.grad = lib.tensor([0.5, 0.5], dtype=lib.float64)
        x.grad = None
        assert x.grad is None
        with pytest.raises(RuntimeError, match="attempting to assign a gradient of size"):
            x.grad = lib.zeros(3, dtype=lib.float64)
        with pytest.raises(RuntimeError, match="dtype"):
            x.grad = lib.zeros(2, dtype=lib.float32)
    with pytest.raises(TypeError, match="Tensor or None"):
        ck.tensor([1.0]).grad = [1.0]


# ---------------------------------------------------------------------------
# 2. comparisons, dtype conversions, new names
# ---------------------------------------------------------------------------
def test_accuracy_idiom_with_boolean_tensors() -> None:
    def snippet(lib):
        pred = lib.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
        y = lib.tensor([1, 1, 1])
        correct = (pred.argmax(1) == y).type(lib.float).sum().item()
        c = pred > 0.5
        return (correct, c, c.float(), c.double(), c.long(), c.int(), (pred < 0.25).bool(), (pred <= 0.2).sum().item(),
                (pred >= 0.8).sum().item(), (pred != 0.1).sum().item())

    run_both(snippet)
    assert ck.tensor([1.0]).type() == "torch.DoubleTensor" and (ck.tensor([1]) > 0).type() == "torch.BoolTensor"


def test_pow_mm_dot_square_cumsum_values_and_gradients() -> None:
    a = np.random.default_rng(0).standard_normal((3, 4))
    b = np.random.default_rng(1).standard_normal((4, 2))
    v = np.random.default_rng(2).standard_normal(4)

    def snippet(lib):
        A = lib.tensor(a, requires_grad=True)
        B = lib.tensor(b, requires_grad=True)
        V = lib.tensor(v, requires_grad=True)
        out = ((A.mm(B).pow(2).sum() + lib.mm(A, B).sum() + lib.pow(A, 3).sum() + lib.pow(2.0, V).sum()
                + lib.dot(V, V) + V.dot(A[0]) + lib.square(V).sum() + V.square().sum()
                + (A.cumsum(1) * lib.cumsum(A, dim=0)).sum()))
        out.backward()
        return out, A.grad, B.grad, V.grad, lib.cumsum(A, 1)

    run_both(snippet)


def test_mm_and_dot_refuse_other_shapes_as_torch() -> None:
    with pytest.raises(RuntimeError, match="1D tensors expected"):
        ck.dot(ck.ones(2, 2), ck.ones(2))
    with pytest.raises(RuntimeError, match="2-D"):
        ck.mm(ck.ones(2), ck.ones(2, 2))


def test_random_creation_shapes_and_dtypes() -> None:
    torch = require_torch()
    ck.manual_seed(0)
    for ours, theirs in [
        (ck.randn(size=()), torch.randn(size=(), dtype=torch.float64)),
        (ck.randn(2, 3), torch.randn(2, 3, dtype=torch.float64)), (ck.randn((2, 3)), torch.randn((2, 3))),
        (ck.randn([4]), torch.randn([4])), (ck.randperm(5), torch.randperm(5)),
        (ck.normal(2.0, 3.0, size=(2, 2)), torch.normal(2.0, 3.0, size=(2, 2))),
        (ck.normal(ck.zeros(3), ck.ones(3)), torch.normal(torch.zeros(3), torch.ones(3))),
        (ck.randint(0, 4, (3,)), torch.randint(0, 4, (3,))),
    ]:
        assert ours.shape == tuple(theirs.shape)
        assert ours.dtype.kind == str(theirs.dtype).removeprefix("torch.")[0]
    assert sorted(ck.randperm(50).tolist()) == list(range(50))
    samples = ck.normal(2.0, 3.0, size=(40_000,))
    assert abs(samples.mean().item() - 2.0) < 0.05 and abs(samples.std().item() - 3.0) < 0.05


def test_default_dtype_is_float64_and_can_be_set() -> None:
    torch = require_torch()
    assert ck.get_default_dtype() == np.float64
    ck.set_default_dtype(ck.float32)
    try:
        assert ck.get_default_dtype() == np.float32
        made = [ck.tensor([1.0]), ck.Tensor([1, 2]), ck.zeros(2), ck.randn(2), ck.arange(0.0, 1.0, 0.5),
                nn.Linear(2, 2).weight, ck.tensor(0.5)]
        assert all(t.dtype == np.float32 for t in made), [t.dtype for t in made]
        assert ck.tensor([1, 2]).dtype == np.int64 == torch.tensor([1, 2]).numpy().dtype
        assert ck.tensor(np.zeros(2)).dtype == np.float64  # an array keeps its dtype, as torch.tensor
    finally:
        ck.set_default_dtype(ck.float64)
    with pytest.raises(TypeError, match="floating-point"):
        ck.set_default_dtype(ck.long)


def test_legacy_typed_constructors() -> None:
    torch = require_torch()
    for ours, theirs in [(ck.FloatTensor([1, 2]), torch.FloatTensor([1, 2])),
                         (ck.DoubleTensor(2, 3), torch.DoubleTensor(2, 3)),
                         (ck.LongTensor([1, 2]), torch.LongTensor([1, 2]))]:
        assert ours.dtype == theirs.numpy().dtype and ours.shape == tuple(theirs.shape)


def test_in_place_methods_match_torch() -> None:
    def snippet(lib):
        x = lib.tensor([[1.0, -2.0], [3.0, 0.5]])
        x.add_(lib.ones(2, 2), alpha=2).mul_(3).sub_(1.5).div_(2)
        y = x.clone().clamp_(-1.0, 2.0)
        z = lib.zeros(2, 2).copy_(lib.tensor([1.0, 2.0]))  # broadcasts
        f = lib.empty(3).fill_(0.25)
        p = x.clone().pow_(2)
        u = lib.empty(1000).uniform_(-2, 3)
        n = lib.empty(1000).normal_(1.0, 0.5)
        return x, y, z, f, p, (u.min().item() >= -2, u.max().item() < 3), (u.numel(), n.numel())

    run_both(snippet)


def test_version_counters_catch_in_place_changes_of_saved_values() -> None:
    torch = require_torch()
    for lib in (ck, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()          # exp saves its result
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
        w = lib.tensor([1.0, 2.0])
        out = (x * w).sum()  # mul saves w
        w.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.backward()


def test_in_place_on_a_leaf_that_requires_grad_raises_as_torch() -> None:
    torch = require_torch()
    for lib in (ck, torch):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        for change in (lambda: w.add_(1), lambda: w.zero_(), lambda: w.__isub__(1.0), lambda: w.uniform_()):
            with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an "
                                                   "in-place operation"):
                change()
        with lib.no_grad():
            w.add_(1)
        assert w.tolist() == [2.0, 3.0]


# ---------------------------------------------------------------------------
# 3. devices on the CPU
# ---------------------------------------------------------------------------
def test_devices_pytorch_code_picks_the_cpu() -> None:
    def snippet(lib):
        device = lib.device("cuda" if lib.cuda.is_available() else "cpu")
        lib.set_default_device("cpu")
        x = lib.ones(2, 3, device=device).to(device) + lib.randn(2, 3, device="cpu").cpu() * 0
        y = x.to("cpu").to(lib.float32).to(x)  # last: like x's dtype
        model = lib.nn.Linear(3, 1).to(device)
        model.to("cpu")
        flags = (str(device), x.device == device, x.device.type, lib.backends.mps.is_available(),
                 lib.cuda.is_available(), lib.tensor([1.0], device=device).device == lib.device("cpu"))
        return x, y, flags

    ours, theirs = both(snippet)
    assert_same(ours[:2], theirs[:2])
    assert ours[2] == theirs[2] == ("cpu", True, "cpu", False, False, True)


def test_cuda_is_a_clear_error() -> None:
    x = ck.ones(2)
    for call in (x.cuda, lambda: x.to("cuda"), lambda: x.to(ck.device("cuda:0")), lambda: ck.zeros(2, device="mps"),
                 nn.Linear(2, 2).cuda, lambda: nn.Linear(2, 2).to("cuda"), lambda: ck.set_default_device("cuda")):
        with pytest.raises(RuntimeError, match="CPU only.*'cpu'.*ck.cuda.is_available"):
            call()


# ---------------------------------------------------------------------------
# 4. silent differences: torch.Tensor(...)
# ---------------------------------------------------------------------------
def test_silent_tensor_constructor_is_floating_point() -> None:
    def snippet(lib):
        x = lib.Tensor([[1, 2], [3, 4]])
        x[0, 0] = 0.5
        return x

    run_both(snippet)


def test_silent_tensor_constructor_with_sizes_makes_that_shape() -> None:
    torch = require_torch()
    for args in [(3,), (2, 3), (), (0,)]:
        assert ck.Tensor(*args).shape == tuple(torch.Tensor(*args).shape)
    bias = ck.Tensor(10).zero_()
    assert bias.shape == (10,) and bias.dtype == np.float64 and not bias.any()


def test_tensor_keeps_inferring_integer_dtypes() -> None:
    run_both(lambda lib: (lib.tensor([1, 2]), lib.tensor(3), lib.tensor([True, False]), lib.tensor([1.5]),
                          lib.arange(4), lib.arange(0.0, 1.0, 0.25)))


# ---------------------------------------------------------------------------
# 5. autograd.Function with ctx, as torch
# ---------------------------------------------------------------------------
def _functions(lib):
    class MyReLU(lib.autograd.Function):  # pytorch/tutorials, "Defining new autograd functions"
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input

    class LegendrePolynomial3(lib.autograd.Function):  # returns one Tensor for one input
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    class MulConstant(lib.autograd.Function):  # a non-Tensor argument and a ctx attribute
        @staticmethod
        def forward(ctx, tensor, constant):
            ctx.constant = constant
            return tensor * constant

        @staticmethod
        def backward(ctx, grad_output):
            assert ctx.needs_input_grad[0] and not ctx.needs_input_grad[1]
            return grad_output * ctx.constant, None

    class ScaledSum(lib.autograd.Function):  # the newer style: forward without ctx, setup_context
        @staticmethod
        def forward(a, b):
            return a * b + b

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(*inputs)

        @staticmethod
        def backward(ctx, grad):
            a, b = ctx.saved_tensors
            return grad * b if ctx.needs_input_grad[0] else None, grad * (a + 1)

    return MyReLU, LegendrePolynomial3, MulConstant, ScaledSum


def test_autograd_function_with_ctx_matches_torch() -> None:
    x0 = np.linspace(-1.0, 1.0, 7)

    def snippet(lib):
        MyReLU, P3, MulConstant, ScaledSum = _functions(lib)
        x = lib.tensor(x0, requires_grad=True)
        b = lib.tensor(np.cos(x0), requires_grad=True)
        out = (MyReLU.apply(x) * 2 + P3.apply(x) + MulConstant.apply(x, 3.0) + ScaledSum.apply(x, b)).sum()
        out.backward()
        return out, x.grad, b.grad

    run_both(snippet)


def test_autograd_function_errors_as_torch() -> None:
    torch = require_torch()
    for lib in (ck, torch):
        class WrongShape(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return grad.sum().reshape(1)

        class TooMany(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                return grad, grad

        _, P3, _, _ = _functions(lib)
        x = lib.ones(5, dtype=lib.float64, requires_grad=True)
        with pytest.raises(RuntimeError, match=r"returned an invalid gradient at index 0 - got \[1\] but expected "
                                               r"shape compatible with \[5\]"):
            WrongShape.apply(x).sum().backward()
        with pytest.raises(RuntimeError, match=r"returned an incorrect number of gradients \(expected 1, got 2\)"):
            TooMany.apply(x).sum().backward()
        y = x * 1
        out = P3.apply(y).sum()
        with torch.no_grad() if lib is torch else ck.no_grad():
            y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.backward()
        out = P3.apply(x).sum()
        out.backward()
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
            out.backward()


def test_grad_fn_next_functions_and_name() -> None:
    torch = require_torch()
    for lib in (ck, torch):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        c = lib.tensor([3.0, 4.0])
        y = (w * c).exp()
        exp_node = y.grad_fn
        assert exp_node.name().startswith("ExpBackward")
        ((mul_node, _),) = exp_node.next_functions
        assert mul_node.name().startswith("MulBackward")
        (leaf, _), (nothing, _) = mul_node.next_functions
        assert leaf.name().endswith("AccumulateGrad") and leaf.variable is w and nothing is None


# ---------------------------------------------------------------------------
# 6. backward semantics
# ---------------------------------------------------------------------------
def test_second_backward_through_a_graph_that_saved_nothing() -> None:
    def snippet(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x + 1).sum()
        y.backward()
        y.backward()  # nothing was saved: allowed
        return x.grad

    run_both(snippet)
    torch = require_torch()
    for lib in (ck, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        with pytest.raises(RuntimeError, match="backward through the graph a second time"):
            y.backward()


def test_retain_graph_then_backward_again() -> None:
    def snippet(lib):
        x = lib.tensor([0.5, -1.5], requires_grad=True)
        y = (x.sin() * x).sum()
        y.backward(retain_graph=True)
        y.backward()
        return x.grad

    run_both(snippet)


def test_in_place_on_a_non_leaf_is_recorded_as_torch() -> None:
    def snippet(lib):
        x = lib.tensor([0.5, -1.5, 2.0], requires_grad=True)
        w = lib.tensor([2.0, 3.0, -1.0], requires_grad=True)
        y = x * 2
        y += 1                 # backward does not need y's old value
        y *= w                 # now y depends on w too
        y[0] = 0.0             # no gradient to the overwritten entry
        z = lib.zeros(3)
        z += x                 # z did not require grad: it joins the graph
        v = x * 3
        before = v + 0         # read v before the change: its gradient must reach x through x * 3 only
        v *= w
        out = (y * y).sum() + (z * x).sum() + (before * before).sum() + v.sum()
        out.backward()
        return out, x.grad, w.grad, y.is_leaf, z.requires_grad

    run_both(snippet)


# ---------------------------------------------------------------------------
# 7. deliberate differences are loud
# ---------------------------------------------------------------------------
def test_float32_data_into_a_float64_model_warns() -> None:
    model = nn.Linear(3, 2)
    with pytest.warns(UserWarning, match="float32 meets float64.*default dtype is float64.*PyTorch"):
        out = model(ck.tensor(np.ones((4, 3), np.float32)))
    assert out.dtype == np.float64
    with pytest.warns(UserWarning, match="float32 meets float64"):
        ck.ones(2, 2, dtype=ck.float32) @ ck.ones(2, 2)


def test_variable_from_old_tutorials() -> None:
    def snippet(lib):
        x = lib.autograd.Variable(lib.tensor([1.0, -2.0]), requires_grad=True)
        (x * x * x).sum().backward()
        return x.grad

    run_both(snippet)


def test_numpy_functions_on_tensors_give_tensors_when_nothing_is_recorded() -> None:
    torch = require_torch()
    x, t = ck.tensor([0.5, 2.0]), torch.tensor([0.5, 2.0], dtype=torch.float64)
    ours, theirs = np.log1p(x), np.log1p(t)
    assert isinstance(ours, ck.Tensor) and isinstance(theirs, torch.Tensor)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=RTOL)
    assert isinstance(np.less(x, 1.0), ck.Tensor) and np.asarray(np.less(x, 1.0)).tolist() == [True, False]
    with pytest.raises(TypeError, match="would drop the gradient"):
        np.log1p(ck.tensor([0.5], requires_grad=True))
