"""Differential test: random expressions built from the engine's ops, against torch.autograd.

Hypothesis draws a small program: leaves of broadcastable shapes (0-d and
size-1 axes included) in float64 or float32, non-contiguous views of them
(``.T``, strided slices), then a chain of ops whose operands are any earlier
node (so nodes are reused), ending in a weighted sum, sometimes plus a
cross-entropy with class indices on (possibly transposed) logits.  The same
program runs in coursekit and in torch; values, first derivatives and, for
some programs, second derivatives (``create_graph``) must agree.

Deterministic (``derandomize``, no example database) and bounded: a fixed
number of small programs, no deadline (the machine's speed must not matter).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import coursekit as ck
from coursekit.nn import functional as F
from oracle import require_torch

SETTINGS = settings(
    max_examples=120, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
TOL = {"float64": (1e-9, 1e-10), "float32": (2e-3, 2e-4)}

# Each op: (name, arity, coursekit version, torch version).  Inputs are kept in safe ranges by the ops
# themselves (exp of tanh, log of 1 + x^2, division by 1 + y^2) so that no value overflows.
UNARY: list[tuple[str, Callable, Callable]] = [
    ("tanh", lambda x: x.tanh(), lambda T, x: x.tanh()),
    ("sigmoid", lambda x: x.sigmoid(), lambda T, x: x.sigmoid()),
    ("sin", lambda x: x.sin(), lambda T, x: x.sin()),
    ("cos", np.cos, lambda T, x: x.cos()),  # through __array_ufunc__
    ("exp_tanh", lambda x: x.tanh().exp(), lambda T, x: x.tanh().exp()),
    ("log1p_sq", lambda x: (x * x + 1).log(), lambda T, x: (x * x + 1).log()),
    ("sqrt1p_sq", lambda x: (1 + x * x).sqrt(), lambda T, x: (1 + x * x).sqrt()),
    ("softplus", lambda x: x.softplus(), lambda T, x: T.nn.functional.softplus(x)),
    ("neg", lambda x: -x, lambda T, x: -x),
    ("abs", lambda x: abs(x), lambda T, x: abs(x)),
    ("square", lambda x: x**2, lambda T, x: x**2),
    ("pow_abs", lambda x: (x.abs() + 0.5) ** 1.5, lambda T, x: (x.abs() + 0.5) ** 1.5),
    ("number_pow", lambda x: 1.5 ** x.tanh(), lambda T, x: 1.5 ** x.tanh()),
    ("clamp", lambda x: x.clamp(-0.7, 0.8), lambda T, x: x.clamp(-0.7, 0.8)),
    ("T", lambda x: x.T, lambda T, x: x.permute(tuple(reversed(range(x.ndim))))),
    ("flip_slice", lambda x: x[..., ::-2] if x.ndim else x, lambda T, x: _torch_step_back(T, x)),
    ("clone", lambda x: x.clone(), lambda T, x: x.clone()),
    ("gelu", F.gelu, lambda T, x: T.nn.functional.gelu(x)),
    ("silu", F.silu, lambda T, x: T.nn.functional.silu(x)),
    ("elu", F.elu, lambda T, x: T.nn.functional.elu(x)),
]

BINARY: list[tuple[str, Callable, Callable]] = [
    ("add", lambda a, b: a + b, lambda T, a, b: a + b),
    ("sub", lambda a, b: a - b, lambda T, a, b: a - b),
    ("mul", lambda a, b: a * b, lambda T, a, b: a * b),
    ("div", lambda a, b: a / (b * b + 1), lambda T, a, b: a / (b * b + 1)),
    ("maximum", ck.maximum, lambda T, a, b: T.maximum(a, b)),
    ("where", lambda a, b: ck.where(a.data > b.data, a, b * 2), lambda T, a, b: T.where(a > b, a, b * 2)),
    ("pow", lambda a, b: (a.abs() + 0.5) ** b.tanh(), lambda T, a, b: (a.abs() + 0.5) ** b.tanh()),
]


def _torch_step_back(T: Any, x: Any) -> Any:
    """``x[..., ::-2]`` for torch, which has no negative steps: flip then step."""
    return x if x.ndim == 0 else T.flip(x, [-1])[..., ::2]


REDUCTIONS = ["sum", "mean", "amax", "logsumexp", "softmax", "log_softmax", "var", "prod"]


def _reduce(k: int, x: Any) -> tuple[str, Callable, Callable]:
    """Reduction number ``k`` over an axis ``k`` picks (kept, so shapes stay broadcastable)."""
    if x.ndim == 0:
        return ("sum_all", lambda v: v.sum(), lambda T, v: v.sum())
    axis = k % (2 * x.ndim) - x.ndim
    kind = REDUCTIONS[(k // 7) % len(REDUCTIONS)]
    if kind in ("softmax", "log_softmax"):
        return (kind, lambda v: getattr(v, kind)(dim=axis), lambda T, v: getattr(v, kind)(dim=axis))
    if kind == "var":
        return (kind, lambda v: v.var(dim=axis, keepdim=True, correction=0),
                lambda T, v: v.var(dim=axis, keepdim=True, correction=0))
    if kind == "prod":
        return (kind, lambda v: v.tanh().prod(dim=axis, keepdim=True), lambda T, v: v.tanh().prod(dim=axis, keepdim=True))
    return (kind, lambda v: getattr(v, kind)(dim=axis, keepdim=True), lambda T, v: getattr(v, kind)(dim=axis, keepdim=True))


def _broadcastable(a: tuple, b: tuple) -> bool:
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


@st.composite
def programs(draw: Any) -> dict:
    n_leaves = draw(st.integers(1, 3))
    shapes = draw(mutually_broadcastable_shapes(num_shapes=n_leaves, min_dims=0, max_dims=3, max_side=4)).input_shapes
    cross_entropy = draw(st.sampled_from([None, "T", "plain", "strided"]))
    if cross_entropy:  # logits for it: one more leaf, (N, C) or stored as (C, N)
        shapes = (*shapes, draw(st.tuples(st.integers(1, 4), st.integers(1, 4))))
    dtype = draw(st.sampled_from(["float64", "float32"]))
    seed = draw(st.integers(0, 2**32 - 1))
    steps = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["unary", "unary", "binary", "binary", "reduce", "matmul", "view"]))
        steps.append((kind, *(draw(st.integers(0, 10**6)) for _ in range(3))))
    return {
        "shapes": shapes, "dtype": dtype, "seed": seed, "steps": steps,
        "cross_entropy": cross_entropy,
        "second": draw(st.booleans()),
    }


def run(program: dict, lib: str, T: Any) -> tuple[Any, list, list]:
    """Build the program in ``lib`` ('ck' or 'torch'); return (final scalar, nodes, leaves)."""
    rng = np.random.default_rng(program["seed"])
    dtype = program["dtype"]
    arrays = [rng.uniform(-1.5, 1.5, s).astype(dtype) for s in program["shapes"]]
    if lib == "ck":
        leaves = [ck.tensor(a, requires_grad=True) for a in arrays]
    else:
        leaves = [T.tensor(a, requires_grad=True) for a in arrays]
    nodes = list(leaves)
    for kind, i, j, k in program["steps"]:
        a = nodes[i % len(nodes)]
        if kind == "unary":
            name, f_ck, f_t = UNARY[j % len(UNARY)]
            nodes.append(f_ck(a) if lib == "ck" else f_t(T, a))
        elif kind == "binary":
            partners = [b for b in nodes if _broadcastable(tuple(a.shape), tuple(b.shape))]
            b = partners[j % len(partners)]
            name, f_ck, f_t = BINARY[(i + j) % len(BINARY)]
            nodes.append(f_ck(a, b) if lib == "ck" else f_t(T, a, b))
        elif kind == "reduce":
            name, f_ck, f_t = _reduce(k, a)
            nodes.append(f_ck(a) if lib == "ck" else f_t(T, a))
        elif kind == "matmul":
            fits = [b for b in nodes if a.ndim >= 1 and b.ndim >= 1 and b.shape[0 if b.ndim == 1 else -2] == a.shape[-1]
                    and (a.ndim <= 2 and b.ndim <= 2)]
            if fits:
                nodes.append(a @ fits[j % len(fits)])
        else:  # a non-contiguous view of a leaf: transposed or strided
            leaf = leaves[i % len(leaves)]
            if leaf.ndim >= 2:
                nodes.append(leaf.mT if j % 2 else leaf[::2])
            elif leaf.ndim == 1:
                nodes.append(leaf[::2])
    out = nodes[-1]
    weights = np.random.default_rng(program["seed"] + 1).standard_normal(tuple(out.shape)).astype(dtype)
    total = (out * (ck.tensor(weights) if lib == "ck" else T.tensor(weights))).sum()
    ce = program["cross_entropy"]
    if ce:  # on the logits leaf, or on a later 2-D node computed from it or from others
        two_d = [x for x in nodes if x.ndim == 2 and x.shape[0] and x.shape[1]]
        z = two_d[program["seed"] % len(two_d)]
        z = {"T": z.T if lib == "ck" else z.t(), "plain": z, "strided": z[::2]}[ce]
        target = np.random.default_rng(program["seed"] + 2).integers(0, z.shape[1], z.shape[0])
        if lib == "ck":
            total = total + F.cross_entropy(z, target)
        else:
            total = total + T.nn.functional.cross_entropy(z, T.tensor(target))
    return total, nodes, leaves


def assert_close(ours: Any, theirs: Any, dtype: str, what: str) -> None:
    rtol, atol = TOL[dtype]
    theirs = np.asarray(theirs)
    scale = 1 + float(np.max(np.abs(theirs))) if theirs.size else 1.0
    np.testing.assert_allclose(np.asarray(ours), theirs, rtol=rtol, atol=atol * scale, err_msg=what)


@SETTINGS
@given(program=programs())
def test_random_expressions_match_torch(program: dict) -> None:
    torch = require_torch()
    total, nodes, leaves = run(program, "ck", None)
    t_total, t_nodes, t_leaves = run(program, "torch", torch)
    if not np.isfinite(t_total.item()):
        return  # torch overflowed as well: nothing to compare
    dtype = program["dtype"]
    for k, (n, tn) in enumerate(zip(nodes, t_nodes)):
        assert n.dtype == np.dtype(dtype) and n.shape == tuple(tn.shape), f"node {k}: {n.dtype} {n.shape}"
        assert_close(n.data, tn.detach().numpy(), dtype, f"value of node {k}")
    if not program["second"]:
        total.backward()
        t_total.backward()
        for i, (x, t) in enumerate(zip(leaves, t_leaves)):
            expected = np.zeros(x.shape, dtype) if t.grad is None else t.grad.numpy()
            got = np.zeros(x.shape, dtype) if x.grad is None else x.grad
            assert got.dtype == np.dtype(dtype)
            assert_close(got, expected, dtype, f"gradient of leaf {i}")
        return
    # Second derivatives: differentiate v . grad(total) again.
    grads = ck.autograd.grad(total, leaves, create_graph=True, allow_unused=True)
    t_grads = torch.autograd.grad(t_total, t_leaves, create_graph=True, allow_unused=True)
    rng = np.random.default_rng(program["seed"] + 3)
    vs = [rng.standard_normal(x.shape).astype(dtype) for x in leaves]
    inner = sum((g * v).sum() for g, v in zip(grads, vs) if g is not None and g.requires_grad)
    t_inner = sum((g * torch.tensor(v)).sum() for g, v in zip(t_grads, vs) if g is not None and g.requires_grad)
    for g, tg in zip(grads, t_grads):
        if tg is not None:
            assert_close(g.data, tg.detach().numpy(), dtype, "first derivative")
    if not isinstance(t_inner, torch.Tensor) or not isinstance(inner, ck.Tensor):
        return  # the program is linear in every leaf: no second derivative to compare
    hv = ck.autograd.grad(inner, leaves, allow_unused=True)
    t_hv = torch.autograd.grad(t_inner, t_leaves, allow_unused=True)
    for i, (h, th) in enumerate(zip(hv, t_hv)):
        expected = np.zeros(leaves[i].shape, dtype) if th is None else th.numpy()
        got = np.zeros(leaves[i].shape, dtype) if h is None else h.data
        assert_close(got, expected, dtype, f"Hessian-vector product, leaf {i}")


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(
    rows=st.integers(1, 5), classes=st.integers(1, 5), layout=st.sampled_from(["T", "strided", "column", "plain"]),
    reduction=st.sampled_from(["mean", "sum", "none"]), dtype=st.sampled_from(["float64", "float32"]),
    seed=st.integers(0, 2**16),
)
def test_cross_entropy_class_indices_any_layout(rows: int, classes: int, layout: str, reduction: str, dtype: str,
                                                seed: int) -> None:
    torch = require_torch()
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((classes, 2 * rows) if layout in ("T", "strided") else (rows, classes)).astype(dtype)
    target = rng.integers(0, classes, rows)
    z, tz = ck.tensor(base, requires_grad=True), torch.tensor(base, requires_grad=True)
    views = {
        "T": (lambda v: v.T[::2], lambda v: v.t()[::2]),
        "strided": (lambda v: v[:, ::2].T, lambda v: v[:, ::2].t()),
        "column": (lambda v: (v.T @ ck.eye(rows, dtype=dtype)).T, lambda v: (v.t() @ torch.eye(rows, dtype=v.dtype)).t()),
        "plain": (lambda v: v, lambda v: v),
    }
    loss = F.cross_entropy(views[layout][0](z), target, reduction=reduction)
    t_loss = torch.nn.functional.cross_entropy(views[layout][1](tz), torch.tensor(target), reduction=reduction)
    assert_close(loss.data, t_loss.detach().numpy(), dtype, "loss")
    upstream = rng.standard_normal(loss.shape).astype(dtype)
    loss.backward(upstream)
    t_loss.backward(torch.tensor(upstream))
    assert_close(z.grad, tz.grad.numpy(), dtype, "gradient")


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__, "-q"])
