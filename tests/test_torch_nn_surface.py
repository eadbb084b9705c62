"""Issue 20's nn and data options against torch in float64: values and gradients of losses and activations,
gradient clipping, and the data utilities' batches."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from oracle import require_torch

import coursekit as ck
from coursekit import nn
from coursekit.nn import functional as F

TOL = {"rtol": 1e-10, "atol": 1e-12}


def _grad(t) -> np.ndarray:
    return np.asarray(t.grad)


def check(fn_ck, fn_torch, arrays, *, targets=(), upstream_seed: int = 0) -> None:
    """Same float64 inputs (gradients wanted) and ``targets`` (constants): values and input gradients agree."""
    torch = require_torch()
    xs = [ck.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    ts = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    ck_targets = [ck.tensor(np.asarray(t)) for t in targets]
    torch_targets = [torch.tensor(np.asarray(t)) for t in targets]
    out, tout = fn_ck(*xs, *ck_targets), fn_torch(*ts, *torch_targets)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(np.asarray(out.detach()), tout.detach().numpy(), **TOL, err_msg="value")
    upstream = np.random.default_rng(upstream_seed).standard_normal(out.shape)
    out.backward(ck.tensor(upstream))
    tout.backward(torch.tensor(upstream))
    for i, (x, t) in enumerate(zip(xs, ts)):
        expected = np.zeros(x.shape) if t.grad is None else t.grad.numpy()
        np.testing.assert_allclose(_grad(x), expected, **TOL, err_msg=f"gradient of input {i}")


rng = np.random.default_rng(20)
LOGITS = rng.standard_normal((6, 4)) * 2
LABELS = np.array([0, 3, 1, 3, 2, 0])
LABELS_IGNORED = np.array([0, -100, 1, 3, 7, 0])  # 7: a custom ignore_index below
WEIGHT = np.array([0.5, 2.0, 1.0, 3.0])
PROBS = rng.dirichlet(np.ones(4), 6)
REDUCTIONS = ["mean", "sum", "none"]


# ------------------------------------------------------------------ cross-entropy and NLL


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "options",
    [{}, {"weight": WEIGHT}, {"label_smoothing": 0.1}, {"weight": WEIGHT, "label_smoothing": 0.25}],
    ids=["plain", "weight", "smoothing", "weight+smoothing"],
)
def test_cross_entropy_options_match_torch(options, reduction) -> None:
    torch = require_torch()
    ck_opts = dict(options)
    torch_opts = {k: torch.tensor(v) if k == "weight" else v for k, v in options.items()}
    check(lambda z, y: nn.CrossEntropyLoss(reduction=reduction, **ck_opts)(z, y),
          lambda z, y: torch.nn.CrossEntropyLoss(reduction=reduction, **torch_opts)(z, y),
          [LOGITS], targets=[LABELS])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_ignore_index_matches_torch(reduction, weighted, smoothing) -> None:
    torch = require_torch()
    labels = np.where(LABELS_IGNORED == 7, 2, LABELS_IGNORED)  # the default ignore_index -100 only
    w = WEIGHT if weighted else None
    check(lambda z, y: F.cross_entropy(z, y, weight=w, reduction=reduction, label_smoothing=smoothing),
          lambda z, y: torch.nn.functional.cross_entropy(
              z, y, weight=None if w is None else torch.tensor(w), reduction=reduction, label_smoothing=smoothing),
          [LOGITS], targets=[labels])
    custom = np.where(LABELS_IGNORED == -100, 1, LABELS_IGNORED)  # now 7 is ignored
    check(lambda z, y: nn.CrossEntropyLoss(ignore_index=7, reduction=reduction)(z, y),
          lambda z, y: torch.nn.CrossEntropyLoss(ignore_index=7, reduction=reduction)(z, y),
          [LOGITS], targets=[custom])
    check(lambda z, y: nn.CrossEntropyLoss(ignore_index=3, reduction=reduction)(z, y),  # a real class ignored
          lambda z, y: torch.nn.CrossEntropyLoss(ignore_index=3, reduction=reduction)(z, y),
          [LOGITS], targets=[LABELS])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"weight": WEIGHT}, {"label_smoothing": 0.3},
                                     {"weight": WEIGHT, "label_smoothing": 0.3}], ids=["plain", "w", "ls", "w+ls"])
def test_cross_entropy_with_class_probabilities_matches_torch(options, reduction) -> None:
    torch = require_torch()
    torch_opts = {k: torch.tensor(v) if k == "weight" else v for k, v in options.items()}
    check(lambda z, p: F.cross_entropy(z, p, reduction=reduction, **options),
          lambda z, p: torch.nn.functional.cross_entropy(z, p, reduction=reduction, **torch_opts),
          [LOGITS], targets=[PROBS])


def test_cross_entropy_on_one_row_of_logits_matches_torch() -> None:
    torch = require_torch()
    check(lambda z, y: F.cross_entropy(z, y, weight=WEIGHT, label_smoothing=0.1),
          lambda z, y: torch.nn.functional.cross_entropy(z, y, weight=torch.tensor(WEIGHT), label_smoothing=0.1),
          [LOGITS[0]], targets=[np.int64(3)])


def test_cross_entropy_with_every_row_ignored_is_nan_as_torch() -> None:
    torch = require_torch()
    ours = F.cross_entropy(ck.tensor(LOGITS[:2]), ck.tensor([-100, -100]), weight=WEIGHT).item()
    theirs = torch.nn.functional.cross_entropy(torch.tensor(LOGITS[:2]), torch.tensor([-100, -100]),
                                               weight=torch.tensor(WEIGHT)).item()
    assert math.isnan(ours) and math.isnan(theirs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss_weight_and_ignore_index_match_torch(reduction, weighted) -> None:
    torch = require_torch()
    labels = np.where(LABELS_IGNORED == 7, 2, LABELS_IGNORED)
    w = WEIGHT if weighted else None
    log_p = LOGITS - np.log(np.exp(LOGITS).sum(1, keepdims=True))
    check(lambda lp, y: nn.NLLLoss(weight=w, reduction=reduction)(lp, y),
          lambda lp, y: torch.nn.NLLLoss(weight=None if w is None else torch.tensor(w), reduction=reduction)(lp, y),
          [log_p], targets=[labels])


def test_loss_options_refuse_bad_input_clearly() -> None:
    z = ck.tensor(LOGITS)
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(z, LABELS, label_smoothing=1.5)
    with pytest.raises(ck.ShapeError, match="one number per class"):
        F.cross_entropy(z, LABELS, weight=[1.0, 2.0])
    with pytest.raises(IndexError, match=r"\[0, 3\].*ignore_index"):
        F.cross_entropy(z, np.array([0, 1, 2, 3, 4, 0]), weight=WEIGHT)
    with pytest.raises(TypeError, match="reduction="):
        nn.CrossEntropyLoss(size_average=False)
    with pytest.raises(TypeError, match="reduction="):
        F.nll_loss(z, LABELS, reduce=False)
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(z, LABELS, weight=WEIGHT, reduction="average")


# ------------------------------------------------------------------ binary cross-entropy


BIN_LOGITS = rng.standard_normal((5, 3)) * 3
BIN_TARGETS = (rng.random((5, 3)) > 0.5).astype(np.float64)
BIN_SOFT = rng.random((5, 3))
POS_WEIGHT = np.array([0.5, 3.0, 1.5])
ELEMENT_WEIGHT = rng.random((5, 3)) + 0.5


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", [{}, {"pos_weight": POS_WEIGHT}, {"weight": ELEMENT_WEIGHT},
                                     {"weight": ELEMENT_WEIGHT[0], "pos_weight": POS_WEIGHT}],
                         ids=["plain", "pos_weight", "weight", "both"])
@pytest.mark.parametrize("soft", [False, True])
def test_bce_with_logits_options_match_torch(options, reduction, soft) -> None:
    torch = require_torch()
    torch_opts = {k: torch.tensor(v) for k, v in options.items()}
    y = BIN_SOFT if soft else BIN_TARGETS
    check(lambda z, t: nn.BCEWithLogitsLoss(reduction=reduction, **options)(z, t),
          lambda z, t: torch.nn.BCEWithLogitsLoss(reduction=reduction, **torch_opts)(z, t),
          [BIN_LOGITS], targets=[y])


def test_bce_with_logits_pos_weight_gives_the_target_a_gradient_as_torch() -> None:
    torch = require_torch()
    check(lambda z, t: F.binary_cross_entropy_with_logits(z, t, pos_weight=POS_WEIGHT),
          lambda z, t: torch.nn.functional.binary_cross_entropy_with_logits(z, t, pos_weight=torch.tensor(POS_WEIGHT)),
          [BIN_LOGITS, BIN_SOFT])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_weight_matches_torch(reduction) -> None:
    torch = require_torch()
    probs = 1 / (1 + np.exp(-BIN_LOGITS))
    check(lambda p, t: nn.BCELoss(weight=ELEMENT_WEIGHT, reduction=reduction)(p, t),
          lambda p, t: torch.nn.BCELoss(weight=torch.tensor(ELEMENT_WEIGHT), reduction=reduction)(p, t),
          [probs], targets=[BIN_SOFT])


# ------------------------------------------------------------------ regression losses

PRED = rng.standard_normal((4, 5)) * 2
TARGET = rng.standard_normal((4, 5)) * 2


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "make",
    [lambda nn_, r: nn_.HuberLoss(reduction=r), lambda nn_, r: nn_.HuberLoss(reduction=r, delta=0.7),
     lambda nn_, r: nn_.SmoothL1Loss(reduction=r), lambda nn_, r: nn_.SmoothL1Loss(reduction=r, beta=2.5),
     lambda nn_, r: nn_.SmoothL1Loss(reduction=r, beta=0.0),
     lambda nn_, r: nn_.L1Loss(reduction=r), lambda nn_, r: nn_.MSELoss(reduction=r)],
    ids=["huber", "huber_delta", "smooth_l1", "smooth_l1_beta", "smooth_l1_beta0", "l1", "mse"],
)
def test_regression_losses_match_torch(make, reduction) -> None:
    torch = require_torch()
    check(lambda a, b: make(nn, reduction)(a, b), lambda a, b: make(torch.nn, reduction)(a, b), [PRED, TARGET])


def test_functional_regression_losses_match_torch() -> None:
    torch = require_torch()
    check(lambda a, b: F.huber_loss(a, b, delta=1.7), lambda a, b: torch.nn.functional.huber_loss(a, b, delta=1.7),
          [PRED, TARGET])
    check(lambda a, b: F.smooth_l1_loss(a, b, beta=0.4),
          lambda a, b: torch.nn.functional.smooth_l1_loss(a, b, beta=0.4), [PRED, TARGET])


# ------------------------------------------------------------------ activations

X = np.concatenate([np.linspace(-6, 6, 23), [-30.0, 25.0, 12.5]]).reshape(2, 13)


@pytest.mark.parametrize(
    "make",
    [lambda m: m.GELU(), lambda m: m.GELU(approximate="tanh"), lambda m: m.ELU(), lambda m: m.ELU(alpha=0.3),
     lambda m: m.SiLU(), lambda m: m.Softplus(), lambda m: m.Softplus(beta=2.0, threshold=5.0),
     lambda m: m.Softplus(beta=0.5, threshold=3.0), lambda m: m.LeakyReLU(), lambda m: m.LeakyReLU(0.2),
     lambda m: m.Tanh(), lambda m: m.Sigmoid(), lambda m: m.ReLU(), lambda m: m.Softmax(dim=1),
     lambda m: m.Softmax(dim=0), lambda m: m.LogSoftmax(dim=1), lambda m: m.LogSoftmax(dim=-1)],
    ids=["gelu", "gelu_tanh", "elu", "elu_alpha", "silu", "softplus", "softplus_beta_threshold", "softplus_small_beta",
         "leaky", "leaky_0.2", "tanh", "sigmoid", "relu", "softmax1", "softmax0", "log_softmax1", "log_softmax-1"],
)
def test_activation_modules_match_torch(make) -> None:
    torch = require_torch()
    check(make(nn), make(torch.nn), [X])


@pytest.mark.parametrize("name", ["relu", "elu", "silu", "leaky_relu", "relu6"])
def test_inplace_activations_overwrite_their_input_as_torch(name) -> None:
    torch = require_torch()
    modules = {"relu": "ReLU", "elu": "ELU", "silu": "SiLU", "leaky_relu": "LeakyReLU", "relu6": "ReLU6"}

    def run(lib, functional):
        x = lib.tensor(X, requires_grad=True)
        hidden = x * 2.0  # a non-leaf: PyTorch overwrites it and records the activation
        act = getattr(lib.nn.functional, name) if functional else getattr(lib.nn, modules[name], None)
        out = act(hidden, inplace=True) if functional else act(inplace=True)(hidden)
        assert out is hidden
        (out * lib.tensor(np.linspace(-1, 1, X.size).reshape(X.shape))).sum().backward()
        return np.asarray(hidden.detach()), np.asarray(x.grad)

    for functional in (True, False) if name != "relu6" else (True,):
        (ours, ours_grad), (theirs, theirs_grad) = run(ck, functional), run(torch, functional)
        np.testing.assert_allclose(ours, theirs, **TOL)
        np.testing.assert_allclose(ours_grad, theirs_grad, **TOL)
    no_graph = ck.tensor(X)
    assert F.relu(no_graph, inplace=True) is no_graph and float(no_graph.min()) == 0.0


def test_inplace_activation_on_a_leaf_that_requires_grad_is_refused_as_torch() -> None:
    torch = require_torch()
    with pytest.raises(RuntimeError, match="leaf Variable"):
        torch.nn.ReLU(inplace=True)(torch.tensor(X, requires_grad=True))
    with pytest.raises(RuntimeError, match="leaf Variable"):
        nn.ReLU(inplace=True)(ck.tensor(X, requires_grad=True))


def test_inplace_activation_after_an_op_that_saved_its_output_fails_at_backward_as_torch() -> None:
    torch = require_torch()
    for lib in (torch, ck):
        x = lib.tensor(X, requires_grad=True)
        s = x.sigmoid()  # sigmoid's backward reads its output, which relu_ then overwrites
        out = lib.nn.functional.relu(s, inplace=True)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.sum().backward()


@pytest.mark.parametrize("shape, dim", [((5,), 0), ((3, 4), 1), ((2, 3, 4), 0), ((2, 3, 4, 2), 1)])
@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_without_dim_follows_torchs_implicit_rule_and_warns(shape, dim, fn) -> None:
    torch = require_torch()
    x = np.random.default_rng(1).standard_normal(shape)
    with pytest.warns(UserWarning, match=f"Implicit dimension choice.*dim={dim}"):
        ours = getattr(F, fn)(ck.tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(torch.nn.functional, fn)(torch.tensor(x))
    np.testing.assert_allclose(np.asarray(ours), theirs.numpy(), **TOL)
    module = nn.Softmax() if fn == "softmax" else nn.LogSoftmax()
    with pytest.warns(UserWarning, match="Implicit dimension"):
        np.testing.assert_allclose(np.asarray(module(ck.tensor(x))), theirs.numpy(), **TOL)


def test_functional_activations_match_torch() -> None:
    torch = require_torch()
    tf = torch.nn.functional
    check(lambda x: F.gelu(x, approximate="tanh"), lambda x: tf.gelu(x, approximate="tanh"), [X])
    check(lambda x: F.softplus(x, beta=3.0, threshold=10.0), lambda x: tf.softplus(x, beta=3.0, threshold=10.0), [X])
    check(lambda x: F.elu(x, 0.7), lambda x: tf.elu(x, 0.7), [X])
    check(lambda x: F.relu6(x), lambda x: tf.relu6(x), [X])
    check(lambda x: F.softmax(x, dim=1, dtype=ck.float64), lambda x: tf.softmax(x, dim=1, dtype=torch.float64), [X])


# ------------------------------------------------------------------ gradient clipping


def _grads_pair(torch, seed: int = 0, scale: float = 3.0):
    r = np.random.default_rng(seed)
    shapes = [(3, 4), (4,), (2, 2)]
    grads = [r.standard_normal(s) * scale for s in shapes]
    ours = [ck.tensor(r.standard_normal(s), requires_grad=True) for s in shapes]
    theirs = [torch.tensor(np.asarray(p.detach()), requires_grad=True) for p in ours]
    for p, t, g in zip(ours, theirs, grads):
        (p * ck.tensor(g)).sum().backward()
        (t * torch.tensor(g)).sum().backward()
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_torch(norm_type, max_norm) -> None:
    torch = require_torch()
    ours, theirs = _grads_pair(torch)
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, ck.Tensor) and total.shape == ()
    np.testing.assert_allclose(total.item(), expected.item(), **TOL)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(_grad(p), t.grad.numpy(), **TOL)


def test_clip_grad_norm_skips_parameters_without_gradients_and_accepts_one_tensor() -> None:
    torch = require_torch()
    ours, theirs = _grads_pair(torch, seed=3)
    lonely, lonely_t = ck.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    total = nn.utils.clip_grad_norm_(ours + [lonely], 1.0)
    expected = torch.nn.utils.clip_grad_norm_(theirs + [lonely_t], 1.0)
    np.testing.assert_allclose(total.item(), expected.item(), **TOL)
    assert lonely.grad is None
    single = nn.utils.clip_grad_norm_(ours[0], 0.1)
    single_t = torch.nn.utils.clip_grad_norm_(theirs[0], 0.1)
    np.testing.assert_allclose(single.item(), single_t.item(), **TOL)
    np.testing.assert_allclose(_grad(ours[0]), theirs[0].grad.numpy(), **TOL)


def test_clip_grad_norm_refuses_a_nonfinite_norm_when_asked() -> None:
    p = ck.tensor([1.0, 2.0], requires_grad=True)
    (p * ck.tensor([np.inf, 1.0])).sum().backward()
    with pytest.raises(RuntimeError, match="error_if_nonfinite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


def test_clip_grad_value_matches_torch() -> None:
    torch = require_torch()
    ours, theirs = _grads_pair(torch, seed=1)
    assert nn.utils.clip_grad_value_(ours, 0.8) is None
    torch.nn.utils.clip_grad_value_(theirs, 0.8)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(_grad(p), t.grad.numpy(), **TOL)


def test_parameters_to_vector_and_back_match_torch() -> None:
    torch = require_torch()
    ck.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    twin = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    with torch.no_grad():
        for p, t in zip(model.parameters(), twin.parameters()):
            t.copy_(torch.tensor(np.asarray(p.detach())))
    vec, vec_t = nn.utils.parameters_to_vector(model.parameters()), torch.nn.utils.parameters_to_vector(twin.parameters())
    np.testing.assert_array_equal(np.asarray(vec.detach()), vec_t.detach().numpy())
    (vec * vec).sum().backward()  # differentiable, as torch's
    np.testing.assert_allclose(_grad(model[0].weight), 2 * np.asarray(model[0].weight.detach()), **TOL)
    new = np.arange(vec.shape[0], dtype=np.float64)
    nn.utils.vector_to_parameters(ck.tensor(new), model.parameters())
    torch.nn.utils.vector_to_parameters(torch.tensor(new), twin.parameters())
    for p, t in zip(model.parameters(), twin.parameters()):
        np.testing.assert_array_equal(np.asarray(p.detach()), t.detach().numpy())
    with pytest.raises(ValueError, match="hold 26 numbers"):
        nn.utils.vector_to_parameters(ck.zeros(5), model.parameters())


# ------------------------------------------------------------------ data


class _Pairs:
    """A Dataset subclass written as a PyTorch user would (one sample per index), for either library."""

    @staticmethod
    def build(base, tensor):
        class Pairs(base):
            def __init__(self, n):
                self.n = n

            def __len__(self):
                return self.n

            def __getitem__(self, i):
                return tensor([float(i), 2.0 * i]), i % 3

        return Pairs


def _as_lists(batch):
    if isinstance(batch, (list, tuple)):
        return [_as_lists(b) for b in batch]
    if isinstance(batch, dict):
        return {k: _as_lists(v) for k, v in batch.items()}
    return np.asarray(batch.numpy() if hasattr(batch, "numpy") and not isinstance(batch, ck.Tensor) else batch).tolist()


@pytest.mark.parametrize("kwargs", [{}, {"batch_size": 3}, {"batch_size": 3, "drop_last": True}, {"batch_size": None}],
                         ids=["default", "batch3", "drop_last", "unbatched"])
def test_dataloader_over_a_dataset_subclass_batches_as_torch(kwargs) -> None:
    torch = require_torch()
    from torch.utils.data import DataLoader as TorchLoader
    from torch.utils.data import Dataset as TorchDataset

    ours = list(ck.data.DataLoader(_Pairs.build(ck.data.Dataset, ck.tensor)(7), **kwargs))
    theirs = list(TorchLoader(_Pairs.build(TorchDataset, torch.tensor)(7), **kwargs))
    assert len(ours) == len(theirs)
    assert _as_lists(ours) == _as_lists(theirs)
    first = ours[0]
    assert isinstance(first, list) and isinstance(first[0], ck.Tensor) and isinstance(first[1], (ck.Tensor, int))
    if kwargs.get("batch_size", 1) is not None:
        assert first[0].dtype == np.float64 and first[1].dtype == np.int64  # torch.tensor([..]) float64 here, ints int64


def test_default_collate_of_dicts_numbers_and_arrays_matches_torch() -> None:
    require_torch()
    from torch.utils.data import default_collate as torch_collate

    samples = [{"x": np.array([1.0, 2.0]), "y": 3, "w": 0.5, "flag": True, "name": "a"},
               {"x": np.array([3.0, 4.0]), "y": 4, "w": 1.5, "flag": False, "name": "b"}]
    ours, theirs = ck.data.default_collate(samples), torch_collate(samples)
    assert ours.keys() == theirs.keys()
    for key in ("x", "y", "w", "flag"):
        assert isinstance(ours[key], ck.Tensor)
        np.testing.assert_array_equal(np.asarray(ours[key]), theirs[key].numpy())
        assert np.asarray(ours[key]).dtype == theirs[key].numpy().dtype, key
    assert ours["name"] == theirs["name"] == ["a", "b"]


def test_tensor_dataset_batches_and_samples_match_torch() -> None:
    torch = require_torch()
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10) % 3
    ours = ck.data.TensorDataset(ck.tensor(X), ck.tensor(y))
    theirs = torch.utils.data.TensorDataset(torch.tensor(X), torch.tensor(y))
    assert _as_lists(list(ours[4])) == _as_lists(list(theirs[4]))
    assert _as_lists(list(ours[2:5])) == _as_lists(list(theirs[2:5]))  # the nn tutorial's train_ds[i*bs : i*bs+bs]
    for kwargs in ({"batch_size": 4}, {"batch_size": 4, "drop_last": True}, {}):
        a = list(ck.utils.data.DataLoader(ours, **kwargs))
        b = list(torch.utils.data.DataLoader(theirs, **kwargs))
        assert _as_lists(a) == _as_lists(b)


@pytest.mark.parametrize("lengths", [[0.8, 0.2], [0.34, 0.33, 0.33], [0.5, 0.5], [7, 3], [0.1, 0.9]])
def test_random_split_lengths_match_torch(lengths) -> None:
    torch = require_torch()
    ds = ck.data.TensorDataset(np.arange(10.0))
    parts = ck.data.random_split(ds, lengths, generator=np.random.default_rng(0))
    expected = torch.utils.data.random_split(range(10), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [len(e) for e in expected]
    seen = sorted(int(part[i][0].item()) for part in parts for i in range(len(part)))
    assert seen == list(range(10))


def test_random_split_is_reproducible_from_manual_seed_and_refuses_bad_lengths() -> None:
    ds = ck.data.TensorDataset(np.arange(10.0))
    ck.manual_seed(5)
    a = [p.indices.tolist() for p in ck.data.random_split(ds, [6, 4])]
    ck.manual_seed(5)
    assert a == [p.indices.tolist() for p in ck.data.random_split(ds, [6, 4])]
    with pytest.raises(ValueError, match="add up"):
        ck.data.random_split(ds, [6, 3])
    with pytest.raises(ValueError, match="add up to 1"):
        ck.data.random_split(ds, [0.5, 0.4])
    with pytest.raises(TypeError, match="np.random.default_rng"):
        ck.data.random_split(ds, [5, 5], generator=object())


def test_generator_has_torchs_spelling_and_drives_splits_and_shuffles() -> None:
    torch = require_torch()
    ours, theirs = ck.Generator().manual_seed(42), torch.Generator().manual_seed(42)
    assert ours.initial_seed() == theirs.initial_seed() == 42
    assert ck.Generator().initial_seed() == torch.Generator().initial_seed()
    ds = ck.data.TensorDataset(np.arange(10.0))
    a = [p.indices.tolist() for p in ck.data.random_split(ds, [0.7, 0.3], generator=ck.Generator().manual_seed(1))]
    b = [p.indices.tolist() for p in ck.data.random_split(ds, [0.7, 0.3], generator=ck.Generator().manual_seed(1))]
    assert a == b and [len(p) for p in a] == [7, 3]
    loader = ck.data.DataLoader((np.arange(6.0),), batch_size=6, shuffle=True, generator=ck.Generator().manual_seed(2))
    assert sorted(np.asarray(next(iter(loader))[0]).tolist()) == list(range(6))
    with pytest.raises(RuntimeError, match="CPU only"):
        ck.Generator(device="cuda")


def test_subset_and_dataloader_over_subsets() -> None:
    torch = require_torch()
    X = np.arange(12.0).reshape(6, 2)
    ours = ck.data.Subset(ck.data.TensorDataset(X), [5, 0, 3])
    theirs = torch.utils.data.Subset(torch.utils.data.TensorDataset(torch.tensor(X)), [5, 0, 3])
    assert len(ours) == len(theirs) == 3
    assert _as_lists(list(ck.data.DataLoader(ours, batch_size=2))) == _as_lists(
        list(torch.utils.data.DataLoader(theirs, batch_size=2)))


def test_dataloader_accepts_num_workers_and_pin_memory_loudly() -> None:
    X = np.arange(8.0).reshape(4, 2)
    with pytest.warns(UserWarning, match="main process"):
        loader = ck.data.DataLoader((X,), batch_size=2, num_workers=2, pin_memory=True)
    assert [np.asarray(b[0]).tolist() for b in loader] == [[[0.0, 1.0], [2.0, 3.0]], [[4.0, 5.0], [6.0, 7.0]]]
    with pytest.raises(ValueError, match="num_workers"):
        ck.data.DataLoader((X,), num_workers=-1)
    with pytest.raises(TypeError, match=r"ck.Generator\(\).manual_seed"):
        ck.data.DataLoader((X,), shuffle=True, generator="seed")


def test_dataloader_shuffle_draws_from_the_shared_generator() -> None:
    X = np.arange(20.0).reshape(10, 2)
    ck.manual_seed(3)
    a = [np.asarray(b[0])[:, 0].tolist() for b in ck.data.DataLoader((X,), batch_size=4, shuffle=True)]
    ck.manual_seed(3)
    b = [np.asarray(b[0])[:, 0].tolist() for b in ck.data.DataLoader((X,), batch_size=4, shuffle=True)]
    order = [v for batch in a for v in batch]
    assert a == b and sorted(order) == list(range(0, 20, 2))
    assert order != list(range(0, 20, 2))


# ------------------------------------------------------------------ names old and new tutorials use


def test_accelerator_variable_and_matmul_keywords_as_torch() -> None:
    torch = require_torch()
    assert ck.accelerator.is_available() is False and ck.accelerator.current_accelerator() is None
    if not torch.accelerator.is_available():  # a CPU-only torch answers the same
        assert torch.accelerator.current_accelerator() is None
    x = np.arange(6.0).reshape(2, 3)
    v = ck.autograd.Variable(ck.tensor(x), requires_grad=True)
    t = torch.autograd.Variable(torch.tensor(x), requires_grad=True)
    assert isinstance(v, ck.Tensor) and v.requires_grad and t.requires_grad
    w = np.ones((3, 2))
    ours = ck.matmul(input=v, other=ck.tensor(w))
    theirs = torch.matmul(input=t, other=torch.tensor(w))
    np.testing.assert_array_equal(np.asarray(ours.detach()), theirs.detach().numpy())


def test_cross_entropy_over_extra_dimensions_is_refused_with_the_reshape_that_matches_torch() -> None:
    torch = require_torch()
    z = np.random.default_rng(4).standard_normal((2, 3, 5))  # (N, C, L)
    y = np.random.default_rng(5).integers(0, 3, (2, 5))
    for kwargs in ({}, {"weight": WEIGHT[:3]}):
        with pytest.raises(ck.ShapeError, match=r"permute\(0, 2, 1\)"):
            F.cross_entropy(ck.tensor(z), y, **kwargs)
    ours = F.cross_entropy(ck.tensor(z).permute(0, 2, 1).reshape(-1, 3), ck.tensor(y).reshape(-1))
    theirs = torch.nn.functional.cross_entropy(torch.tensor(z), torch.tensor(y))
    np.testing.assert_allclose(ours.item(), theirs.item(), **TOL)


@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"])
def test_a_reduction_passed_where_torch_takes_weight_is_a_clear_error(loss: str) -> None:
    """``loss(x, y, "sum")``: torch reads the string as ``weight`` and fails; coursekit says what to write."""
    x, y = (ck.rand(3, 4), ck.tensor([0, 1, 2])) if "nll" in loss or loss == "cross_entropy" else (ck.rand(3), ck.rand(3))
    with pytest.raises(TypeError, match="pass reduction='sum' by keyword"):
        getattr(ck.nn.functional, loss)(x, y, "sum")
