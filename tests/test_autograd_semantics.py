"""PyTorch's semantics: accumulation, reuse, no_grad, retain_graph, dtypes, errors, deep graphs."""

from __future__ import annotations

import numpy as np
import pytest

import coursekit as ck
from coursekit.nn import functional as F


def test_gradients_accumulate_across_backward_calls() -> None:
    x = ck.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [3 + 2, 3 + 4])


@pytest.mark.parametrize(
    "build, expected",
    [
        (lambda a: a + a, lambda a: 2 * np.ones_like(a)),
        (lambda a: a * a, lambda a: 2 * a),
        (lambda a: (a * 2) * (a.exp()), lambda a: 2 * np.exp(a) + 2 * a * np.exp(a)),
        (lambda a: a[0] * a + a, lambda a: np.array([a[0] + 1, 0]) + np.array([a.sum(), a[0]]) + [0, 1]),
    ],
    ids=["a+a", "x*x", "shared", "index-reuse"],
)
def test_reused_nodes_get_summed_gradients(build, expected) -> None:
    a = np.array([0.7, -1.3])
    x = ck.tensor(a, requires_grad=True)
    build(x).sum().backward()
    np.testing.assert_allclose(x.grad, expected(a), rtol=1e-12)


def test_a_value_feeding_several_ops_and_outputs() -> None:
    x = ck.tensor(1.5, requires_grad=True)
    h = x * x          # used twice below
    y = h.sin() + h.exp()
    y.backward()
    np.testing.assert_allclose(x.grad, (np.cos(2.25) + np.exp(2.25)) * 3.0, rtol=1e-12)


def test_deep_chain_of_100k_ops_needs_no_recursion() -> None:
    x = ck.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0000001
    y.backward()
    np.testing.assert_allclose(x.grad, 1.0000001**100_000, rtol=1e-9)


@pytest.mark.parametrize("seed", range(8))
def test_random_graphs_with_shared_nodes_match_finite_differences(seed) -> None:
    """The backward order (highest sequence number first) on graphs whose ops
    read any earlier value, some more than once, some not on the way to the output."""
    rng = np.random.default_rng(seed)
    ops = [lambda a, b: a * b, lambda a, b: a + b, lambda a, b: (a - b).sin(), lambda a, b: (0.3 * a).exp() * b]

    def f(x, y):
        nodes = [x, y]
        for _ in range(12):
            i, j = rng.integers(len(nodes), size=2)
            nodes.append(ops[rng.integers(len(ops))](nodes[i], nodes[j]))
        chosen = rng.choice(len(nodes), size=3, replace=False)
        return sum(nodes[k] for k in chosen) + nodes[-1]

    x = ck.tensor(rng.uniform(-1, 1, 3), requires_grad=True)
    y = ck.tensor(rng.uniform(-1, 1, 3), requires_grad=True)
    state = rng.bit_generator.state

    def fixed_graph(*inputs):
        rng.bit_generator.state = state  # the same graph on every call
        return f(*inputs).sum()

    assert ck.gradcheck(fixed_graph, (x, y))
    fixed_graph(x, y).backward()  # each op's rule once: a second visit would find its graph freed
    (gx, gy) = ck.autograd.grad(fixed_graph(x, y), (x, y))
    np.testing.assert_allclose(x.grad, gx.data, rtol=1e-12)
    np.testing.assert_allclose(y.grad, gy.data, rtol=1e-12)


def test_a_retained_graph_extended_after_a_backward_pass() -> None:
    x = ck.tensor(0.4, requires_grad=True)
    h = x * x
    y1 = h.sin()
    y1.backward(retain_graph=True)
    y2 = h.exp() * y1  # newer ops on top of the retained ones
    y2.backward()
    dy1 = np.cos(0.16) * 0.8
    expected = dy1 + np.exp(0.16) * 0.8 * np.sin(0.16) + np.exp(0.16) * dy1
    np.testing.assert_allclose(x.grad, expected, rtol=1e-12)
    assert type(x.grad.numpy()) is np.ndarray  # not a NumPy scalar, though 0-d arithmetic makes those


def test_no_grad_as_context_manager_and_decorator() -> None:
    x = ck.tensor(2.0, requires_grad=True)
    with ck.no_grad():
        y = x * 3
        with ck.enable_grad():
            z = x * 3
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad

    @ck.no_grad()
    def f(t):
        return t * t

    assert not f(x).requires_grad
    assert ck.is_grad_enabled()


def test_second_backward_needs_retain_graph() -> None:
    x = ck.tensor(2.0, requires_grad=True)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad == 8.0
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_non_scalar_output_needs_gradient() -> None:
    x = ck.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"shape \(2,\)"):
        y.backward()
    y.backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 20.0])


def test_backward_without_requires_grad_says_so() -> None:
    with pytest.raises(RuntimeError, match="does not require grad"):
        (ck.tensor([1.0]) * 2).sum().backward()


def test_integer_tensors_cannot_require_grad() -> None:
    with pytest.raises(TypeError, match="floating-point"):
        ck.tensor([1, 2, 3], requires_grad=True)
    assert ck.tensor([1, 2]).dtype == np.int64
    assert ck.tensor([1.0, 2]).dtype == np.float64


def test_float32_end_to_end() -> None:
    rng = np.random.default_rng(0)
    x = ck.tensor(rng.standard_normal((8, 5)), dtype=np.float32)
    w = ck.tensor(rng.standard_normal((3, 5)), dtype=np.float32, requires_grad=True)
    b = ck.tensor(np.zeros(3), dtype=np.float32, requires_grad=True)
    h = F.linear(x, w, b).tanh() * 2.0 + 1
    loss = F.cross_entropy(h, rng.integers(0, 3, 8)) + (w**2).sum() * 0.01
    assert loss.dtype == np.float32
    loss.backward()
    assert w.grad.dtype == np.float32 and b.grad.dtype == np.float32


def test_gradient_of_a_promoted_op_is_cast_back_to_the_input_dtype() -> None:
    x = ck.tensor([1.0, 2.0], dtype=np.float32, requires_grad=True)
    y = x * np.array([3.0, 4.0])  # a float64 array promotes the result, as in NumPy
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [3.0, 4.0])


def test_shape_mismatch_names_both_shapes_and_the_op() -> None:
    a, b = ck.tensor(np.ones((2, 3))), ck.tensor(np.ones((4,)))
    with pytest.raises(ck.ShapeError, match=r"Add.*\(2, 3\).*\(4,\)"):
        a + b
    with pytest.raises(ck.ShapeError, match=r"matmul.*\(2, 3\).*\(4,\)"):
        a @ b
    with pytest.raises(ValueError, match=r"\(5, 1\).*\(5,\)"):
        F.mse_loss(ck.tensor(np.ones((5, 1))), np.ones(5))


@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.uint8, np.uint32])
def test_class_indices_outside_the_classes_are_refused(dtype) -> None:
    z = ck.tensor(np.zeros((3, 4)), requires_grad=True)
    for fn in (F.cross_entropy, lambda z, y: F.nll_loss(z.log_softmax(-1), y)):
        assert fn(z, np.array([0, 3, 2], dtype=dtype)).item() == pytest.approx(np.log(4))
        with pytest.raises(IndexError, match=r"\[0, 3\].*from 0 to 4"):
            fn(z, np.array([0, 4, 1], dtype=dtype))
        if np.dtype(dtype).kind == "i":  # a negative index would silently pick from the end
            with pytest.raises(IndexError, match="from -1 to 2"):
                fn(z, np.array([2, -1, 0], dtype=dtype))


def test_in_place_update_of_a_leaf_needs_no_grad() -> None:
    w = ck.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w -= 1.0
    with ck.no_grad():
        w -= 1.0
    assert w.is_leaf and w.requires_grad
    np.testing.assert_array_equal(w.data, [0.0, 1.0])


def test_leaf_grads_never_share_memory() -> None:
    a = ck.tensor([1.0, 2.0], requires_grad=True)
    b = ck.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad += 1
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    c = ck.tensor(np.ones((2, 3)), requires_grad=True)
    c.sum().backward()  # the gradient of a sum is a broadcast view
    c.grad[0, 0] = 5.0
    assert c.grad.numpy().flags.writeable and c.grad.sum() == 10.0


def test_retain_grad_keeps_intermediate_gradients() -> None:
    x = ck.tensor(2.0, requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).backward()
    assert h.grad == 12.0 and x.grad == 36.0


def test_detach_and_numpy_follow_pytorch() -> None:
    x = ck.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    d = x.detach()
    assert not d.requires_grad and d.numpy() is x.data.numpy()
    assert x.item() == 1.0


def test_repr_shows_the_grad_fn() -> None:
    x = ck.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert "grad_fn=<MulBackward0>" in repr(x * 2)


def test_gradcheck_catches_a_wrong_rule_and_explains() -> None:
    class BadSin(ck.Function):
        @staticmethod
        def forward(ctx, x):
            return np.sin(x)

        @staticmethod
        def backward(ctx, grad):
            return (-grad * np.cos(ctx.inputs[0]),)  # the slide's sign error

    x = ck.tensor([0.3, 1.1], requires_grad=True)
    with pytest.raises(ck.GradcheckError, match=r"input 0.*analytic -0\.9553.*numeric 0\.9553"):
        ck.gradcheck(BadSin.apply, [x])
    assert ck.gradcheck(BadSin.apply, [x], raise_exception=False) is False


def test_gradcheck_warns_in_float32() -> None:
    x = ck.tensor([0.3], dtype=np.float32, requires_grad=True)
    with pytest.warns(UserWarning, match="float64"):
        ck.gradcheck(lambda t: t * 2, [x], atol=1e-2, rtol=1e-2)


def test_grad_returns_tensors_and_leaves_dot_grad_alone() -> None:
    x = ck.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ck.autograd.grad((x**2).sum(), x)
    assert isinstance(g, ck.Tensor) and x.grad is None
    np.testing.assert_array_equal(g.data, [2.0, 4.0])
    y = ck.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused"):
        ck.autograd.grad((x * 2).sum(), [x, y])
    assert ck.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)[1] is None
