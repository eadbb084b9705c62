"""nn.BatchNorm1d and nn.LayerNorm against torch.nn: outputs, gradients, running statistics, modes.

torch (float64, and float32 with a looser tolerance) is the oracle; central
finite differences check the gradients independently of torch.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from oracle import require_torch

import coursekit as ck
from coursekit import nn

torch = require_torch()

DTYPES = {"float64": (np.float64, torch.float64, 1e-10, 1e-12), "float32": (np.float32, torch.float32, 2e-5, 5e-5)}


def _pair(make_ck: Any, make_torch: Any, dtype: str, seed: int = 0) -> tuple[nn.Module, Any]:
    """A coursekit module and a torch one with the same random affine parameters."""
    np_dtype, torch_dtype, _, _ = DTYPES[dtype]
    ours, theirs = make_ck(np_dtype), make_torch().to(torch_dtype)
    rng = np.random.default_rng(seed)
    for name, p in ours.named_parameters():
        p.data[...] = 1 + 0.5 * rng.standard_normal(p.shape)
        with torch.no_grad():
            dict(theirs.named_parameters())[name].copy_(torch.tensor(p.detach().numpy()))
    return ours, theirs


def _step(ours: nn.Module, theirs: Any, x: np.ndarray, dtype: str, seed: int) -> None:
    """One forward and backward pass with a random upstream gradient; everything must agree."""
    np_dtype, torch_dtype, rtol, atol = DTYPES[dtype]
    for p in ours.parameters():
        p.grad = None
    theirs.zero_grad()
    xc = ck.tensor(x.astype(np_dtype), requires_grad=True)
    xt = torch.tensor(x, dtype=torch_dtype, requires_grad=True)
    y, yt = ours(xc), theirs(xt)
    assert y.dtype == np_dtype
    np.testing.assert_allclose(y.data, yt.detach().numpy(), rtol=rtol, atol=atol, err_msg="output")
    upstream = np.random.default_rng(seed).standard_normal(y.shape)
    y.backward(upstream.astype(np_dtype))
    yt.backward(torch.tensor(upstream, dtype=torch_dtype))
    np.testing.assert_allclose(xc.grad, xt.grad.numpy(), rtol=rtol, atol=atol, err_msg="input gradient")
    for name, tp in theirs.named_parameters():
        got = dict(ours.named_parameters())[name].grad
        np.testing.assert_allclose(got, tp.grad.numpy(), rtol=rtol, atol=atol, err_msg=f"gradient of {name}")


def _same_state(ours: nn.Module, theirs: Any, dtype: str) -> None:
    _, _, rtol, atol = DTYPES[dtype]
    expected = theirs.state_dict()
    got = ours.state_dict()
    assert list(got) == list(expected), "state_dict keys and order must be torch's"
    for key, value in expected.items():
        assert got[key].dtype == value.numpy().dtype, key
        np.testing.assert_allclose(got[key], value.numpy(), rtol=rtol, atol=atol, err_msg=key)


# ---- BatchNorm1d -----------------------------------------------------------------------------------
BN_OPTIONS = [
    dict(zip(("momentum", "affine", "track_running_stats"), values))
    for values in itertools.product([0.1, None], [True, False], [True, False])
] + [{"momentum": 0.35, "eps": 1e-2}, {"eps": 0.5, "momentum": 1.0}, {"bias": False}]
# (2, 3, 1): two values per feature, the smallest batch training accepts.
BN_CASES = [(options, shape, "float64") for options in BN_OPTIONS for shape in [(6, 3), (4, 3, 5), (2, 3, 1)]]
# float32 in a few cases only (the maths is the same); n = 2 is left out, as its gradient is all cancellation.
BN_CASES += [(options, shape, "float32") for options in BN_OPTIONS[::3] for shape in [(6, 3), (4, 3, 5)]]


def _batchnorm_pair(options: dict[str, Any], dtype: str) -> tuple[nn.Module, Any]:
    return _pair(lambda d: nn.BatchNorm1d(3, dtype=d, **options), lambda: torch.nn.BatchNorm1d(3, **options), dtype)


def _batches(shape: tuple[int, ...], count: int, seed: int = 1) -> list[np.ndarray]:
    """Batches whose features have different means and spreads, so normalising changes them."""
    rng = np.random.default_rng(seed)
    scale = np.array([0.5, 2.0, 5.0]).reshape((1, 3) + (1,) * (len(shape) - 2))
    return [scale * rng.standard_normal(shape) + 3 * scale for _ in range(count)]


def _case_id(case: tuple[dict[str, Any], tuple[int, ...], str]) -> str:
    options, shape, dtype = case
    return ",".join(f"{k}={v}" for k, v in options.items()) + "-" + "x".join(map(str, shape)) + "-" + dtype


@pytest.mark.parametrize(("options", "shape", "dtype"), BN_CASES, ids=[_case_id(c) for c in BN_CASES])
def test_batchnorm1d_training_then_eval_then_training_matches_torch(
    options: dict[str, Any], shape: tuple[int, ...], dtype: str
) -> None:
    ours, theirs = _batchnorm_pair(options, dtype)
    batches = _batches(shape, 7)
    for i, x in enumerate(batches[:4]):
        _step(ours, theirs, x, dtype, seed=i)
        _same_state(ours, theirs, dtype)
    ours.eval(), theirs.eval()
    for i, x in enumerate(batches[4:6]):
        _step(ours, theirs, x, dtype, seed=10 + i)
        _same_state(ours, theirs, dtype)  # eval mode must not touch the running statistics
    ours.train(), theirs.train()
    _step(ours, theirs, batches[6], dtype, seed=20)
    _same_state(ours, theirs, dtype)
    if options.get("track_running_stats", True):
        assert int(ours.num_batches_tracked.data) == 5


def test_batchnorm1d_running_statistics_follow_the_formulas() -> None:
    """Independent of torch: momentum average of the mean and of the unbiased (n - 1) variance."""
    bn = nn.BatchNorm1d(3, momentum=0.2)
    mean, var = np.zeros(3), np.ones(3)
    for x in _batches((5, 3, 4), 3):
        bn(x)
        values = x.transpose(1, 0, 2).reshape(3, -1)
        mean = 0.8 * mean + 0.2 * values.mean(axis=1)
        var = 0.8 * var + 0.2 * values.var(axis=1, ddof=1)
    np.testing.assert_allclose(bn.running_mean.data, mean, rtol=1e-13)
    np.testing.assert_allclose(bn.running_var.data, var, rtol=1e-13)

    cumulative = nn.BatchNorm1d(3, momentum=None)
    batches = _batches((4, 3), 5)
    for x in batches:
        cumulative(x)
    np.testing.assert_allclose(cumulative.running_mean.data, np.mean([x.mean(0) for x in batches], axis=0), rtol=1e-13)
    np.testing.assert_allclose(cumulative.running_var.data, np.mean([x.var(0, ddof=1) for x in batches], axis=0),
                               rtol=1e-13)


def test_batchnorm1d_training_output_uses_the_biased_batch_variance() -> None:
    x = _batches((8, 3), 1)[0]
    bn = nn.BatchNorm1d(3, eps=1e-3)
    expected = (x - x.mean(0)) / np.sqrt(x.var(0, ddof=0) + 1e-3)
    np.testing.assert_allclose(bn(x).data, expected, rtol=1e-13)
    bn.eval()
    expected_eval = (x - bn.running_mean.data) / np.sqrt(bn.running_var.data + 1e-3)
    np.testing.assert_allclose(bn(x).data, expected_eval, rtol=1e-13)


def test_batchnorm1d_eval_output_of_an_example_does_not_depend_on_its_batch() -> None:
    bn = nn.BatchNorm1d(3)
    for x in _batches((6, 3), 3):
        bn(x)
    bn.eval()
    x = _batches((6, 3), 1, seed=5)[0]
    np.testing.assert_allclose(bn(x[:1]).data, bn(x).data[:1], rtol=1e-14)


@pytest.mark.parametrize("shape", [(4, 3), (3, 3, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm1d_gradcheck(shape: tuple[int, ...], training: bool) -> None:
    bn = nn.BatchNorm1d(3)
    bn(_batches(shape, 1, seed=3)[0])  # running statistics that are not 0 and 1
    bn.train(training)
    rng = np.random.default_rng(4)
    x = ck.tensor(rng.standard_normal(shape), requires_grad=True)
    w = ck.tensor(1 + 0.3 * rng.standard_normal(3), requires_grad=True)
    b = ck.tensor(0.3 * rng.standard_normal(3), requires_grad=True)

    weights = ck.tensor(np.arange(1.0, 1.0 + x.numel()).reshape(shape))  # every output entry counts

    def forward(x: ck.Tensor, w: ck.Tensor, b: ck.Tensor) -> ck.Tensor:
        saved = dict(bn.__dict__)
        bn.__dict__.update(weight=w, bias=b)  # bypass registration: gradcheck passes plain Tensors
        try:
            return bn(x) * weights
        finally:
            bn.__dict__.update(saved)

    assert ck.gradcheck(forward, [x, w, b])


def test_batchnorm1d_buffers_state_dict_and_dtype() -> None:
    bn = nn.BatchNorm1d(4)
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
    assert list(bn.state_dict()) == list(torch.nn.BatchNorm1d(4).state_dict())
    bn(np.random.default_rng(0).standard_normal((5, 4)))
    copy = nn.BatchNorm1d(4)
    copy.load_state_dict(bn.state_dict())
    for key, value in bn.state_dict().items():
        np.testing.assert_array_equal(copy.state_dict()[key], value)
    # A checkpoint saved by torch loads too.
    theirs = torch.nn.BatchNorm1d(4).double()
    theirs(torch.randn(6, 4, dtype=torch.float64))
    copy.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    np.testing.assert_array_equal(copy.running_var.data, theirs.running_var.numpy())
    assert int(copy.num_batches_tracked.data) == 1
    bn.to(np.float32)
    assert bn.running_mean.dtype == np.float32 and bn.weight.dtype == np.float32
    assert bn.num_batches_tracked.dtype == np.int64, "the batch counter stays an integer, as in torch"
    assert list(bn.parameters()) == [bn.weight, bn.bias], "running statistics are not learned"


def test_batchnorm1d_without_running_stats_has_no_buffers_and_uses_batch_statistics_in_eval() -> None:
    bn = nn.BatchNorm1d(3, track_running_stats=False, affine=False)
    assert bn.running_mean is None and list(bn.state_dict()) == [] and list(bn.parameters()) == []
    x = _batches((5, 3), 1)[0]
    np.testing.assert_allclose(bn.eval()(x).data, bn.train()(x).data, rtol=1e-14)


def test_batchnorm1d_reset_and_repr_match_torch() -> None:
    for options in ({}, {"momentum": None, "affine": False}, {"eps": 1e-3, "track_running_stats": False},
                    {"bias": False}):
        assert repr(nn.BatchNorm1d(5, **options)) == repr(torch.nn.BatchNorm1d(5, **options))
    bn = nn.BatchNorm1d(3)
    bn(_batches((4, 3), 1)[0])
    bn.weight.data[...] = 7
    bn.reset_parameters()
    np.testing.assert_array_equal(bn.running_mean.data, 0)
    np.testing.assert_array_equal(bn.running_var.data, 1)
    np.testing.assert_array_equal(bn.weight.data, 1)
    assert int(bn.num_batches_tracked.data) == 0


def test_batchnorm1d_errors_name_the_shapes() -> None:
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"\(4, 5\) has 5 features in dimension 1, expected 3"):
        bn(np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"2-D \(N, C\) or 3-D \(N, C, L\) input, got shape \(3,\).*reshape\(1, 3\)"):
        bn(np.zeros(3))
    with pytest.raises(ValueError, match=r"got shape \(2, 3, 4, 5\)"):
        bn(np.zeros((2, 3, 4, 5)))
    with pytest.raises(ValueError, match=r"more than 1 value per feature when training.*\(1, 3\).*eval"):
        bn(np.zeros((1, 3)))
    assert bn.eval()(np.ones((1, 3))).shape == (1, 3), "one example is fine in eval mode"
    with pytest.raises(ValueError, match="num_features must be a positive integer"):
        nn.BatchNorm1d(0)


def test_batchnorm1d_in_a_network_trains_like_torch() -> None:
    """Linear -> BatchNorm1d -> ReLU -> Linear, 20 SGD steps, then evaluation: same as torch."""
    ck.manual_seed(0)
    ours = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6), torch.nn.ReLU(),
                                 torch.nn.Linear(6, 2)).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    opt = ck.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(0)
    for _ in range(20):
        x, y = rng.standard_normal((8, 4)), rng.standard_normal((8, 2))
        opt.zero_grad(), topt.zero_grad()
        ((ours(x) - y) ** 2).mean().backward()
        ((theirs(torch.tensor(x)) - torch.tensor(y)) ** 2).mean().backward()
        opt.step(), topt.step()
    _same_state(ours, theirs, "float64")
    x = rng.standard_normal((3, 4))
    np.testing.assert_allclose(ours.eval()(x).data, theirs.eval()(torch.tensor(x)).detach().numpy(), rtol=1e-10)


# ---- LayerNorm ----------------------------------------------------------------------------------
LN_CASES = [
    (5, (3, 5), {}),
    (5, (2, 3, 5), {}),
    (5, (5,), {}),
    (5, (1, 5), {"eps": 1e-2}),
    ((3, 5), (2, 3, 5), {}),
    ((2, 3, 5), (2, 3, 5), {}),
    (5, (4, 5), {"elementwise_affine": False}),
    (5, (4, 5), {"bias": False}),
    ((2, 3), (3, 2, 3), {"bias": False, "eps": 0.1}),
]


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("case", LN_CASES, ids=lambda c: f"{c[0]}-{'x'.join(map(str, c[1]))}-{c[2]}")
def test_layernorm_matches_torch_in_training_and_eval(case: tuple[Any, tuple[int, ...], dict], dtype: str) -> None:
    normalized_shape, shape, options = case
    ours, theirs = _pair(lambda d: nn.LayerNorm(normalized_shape, dtype=d, **options),
                         lambda: torch.nn.LayerNorm(normalized_shape, **options), dtype)
    rng = np.random.default_rng(2)
    for i in range(2):
        x = 3 * rng.standard_normal(shape) + rng.standard_normal(shape[-1:])
        _step(ours, theirs, x, dtype, seed=i)
    ours.eval(), theirs.eval()
    _step(ours, theirs, 2 * rng.standard_normal(shape), dtype, seed=5)
    _same_state(ours, theirs, dtype)
    assert repr(ours) == repr(theirs)


def test_layernorm_normalises_each_example_by_its_own_biased_statistics() -> None:
    x = _batches((4, 3), 1)[0]
    expected = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, ddof=0, keepdims=True) + 1e-5)
    np.testing.assert_allclose(nn.LayerNorm(3)(x).data, expected, rtol=1e-13)


def test_layernorm_gradcheck() -> None:
    rng = np.random.default_rng(6)
    x = ck.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    w = ck.tensor(1 + 0.3 * rng.standard_normal((2, 4)), requires_grad=True)
    b = ck.tensor(0.3 * rng.standard_normal((2, 4)), requires_grad=True)
    weights = ck.tensor(np.arange(1.0, 25.0).reshape(3, 2, 4))

    def forward(x: ck.Tensor, w: ck.Tensor, b: ck.Tensor) -> ck.Tensor:
        ln = nn.LayerNorm((2, 4), elementwise_affine=False)
        return (ln(x) * w + b) * weights

    assert ck.gradcheck(forward, [x, w, b])


def test_layernorm_errors_name_the_shapes() -> None:
    with pytest.raises(ValueError, match=r"normalized_shape=\(4,\) needs an input of shape \(\*, 4\), got shape \(2, 3\)"):
        nn.LayerNorm(4)(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"got shape \(3,\)"):
        nn.LayerNorm((2, 3))(np.zeros(3))
    with pytest.raises(ValueError, match="positive integer"):
        nn.LayerNorm(0)
