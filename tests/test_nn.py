"""coursekit.nn: modules, layers, activations, losses, init, dropout, penalties, MLP.

PyTorch (float64) is the oracle for values and gradients; formulas written out
here independently are the oracle for the modules torch does not have.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections import OrderedDict

import numpy as np
import pytest
from oracle import compare_with_torch, require_torch

import coursekit as ck
from coursekit import nn
from coursekit.nn import functional as F


def _randomize(module: nn.Module, seed: int = 0, scale: float = 0.7) -> None:
    """Overwrite every parameter with random numbers (no structure the tests could rely on)."""
    rng = np.random.default_rng(seed)
    with ck.no_grad():
        for _, p in module.named_parameters():
            p.data[...] = scale * rng.standard_normal(p.shape)


def _to_torch(module: nn.Module, torch_module):
    """Copy coursekit parameters into a float64 torch module (same state_dict keys as torch)."""
    torch = require_torch()
    torch_module = torch_module.double()
    torch_module.load_state_dict({k: torch.tensor(v) for k, v in module.state_dict().items()})
    return torch_module


# ---------------------------------------------------------------------------
# Module: registration, traversal, modes, repr
# ---------------------------------------------------------------------------
class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter([2.0])
        self.body = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
        self.head = nn.Linear(3, 1, bias=False)
        self.not_a_param = ck.tensor([1.0], requires_grad=True)  # plain tensors are not registered
        self.note = "hello"

    def forward(self, x):
        return self.head(self.body(x)) * self.scale


def test_parameters_and_submodules_are_registered_with_dotted_names() -> None:
    net = _Net()
    names = [name for name, _ in net.named_parameters()]
    assert names == ["scale", "body.0.weight", "body.0.bias", "head.weight"]
    assert [p.shape for p in net.parameters()] == [(1,), (3, 2), (3,), (1, 3)]
    assert [type(c).__name__ for c in net.children()] == ["Sequential", "Linear"]
    assert [type(m).__name__ for m in net.modules()] == ["_Net", "Sequential", "Linear", "ReLU", "Linear"]
    assert net.head.bias is None
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())


def test_reassigning_and_deleting_attributes_updates_the_registry() -> None:
    net = _Net()
    net.head = nn.Linear(3, 1)
    assert "head.bias" in dict(net.named_parameters())
    del net.head
    assert not any(name.startswith("head") for name, _ in net.named_parameters())
    with pytest.raises(TypeError, match="Parameter"):
        net.scale = ck.tensor([1.0])
    net.scale = None
    assert "scale" not in dict(net.named_parameters())


def test_setting_attributes_before_init_is_a_clear_error() -> None:
    class Forgot(nn.Module):
        def __init__(self) -> None:
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Forgot()


def test_shared_parameters_are_listed_once() -> None:
    layer = nn.Linear(2, 2)
    net = nn.Sequential(layer, nn.ReLU(), layer)
    assert len(list(net.parameters())) == 2
    assert [name for name, _ in net.named_parameters()] == ["0.weight", "0.bias"]


def test_call_runs_forward_and_the_graph_reaches_every_parameter() -> None:
    net = _Net()
    _randomize(net)
    x = np.array([[0.5, -1.0], [1.5, 2.0]])
    out = net(ck.tensor(x))
    W1, b1, w2, s = net.body[0].weight.data, net.body[0].bias.data, net.head.weight.data, net.scale.data
    expected = np.maximum(x @ W1.T + b1, 0) @ w2.T * s
    np.testing.assert_allclose(out.data, expected, rtol=1e-13)
    out.sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in net.parameters())
    assert net.not_a_param.grad is None


def test_zero_grad_sets_none_or_zeros_in_place() -> None:
    net = _Net()
    net(ck.ones(3, 2)).sum().backward()
    grad = net.body[0].weight.grad
    net.zero_grad(set_to_none=False)
    assert net.body[0].weight.grad is grad and not grad.any()
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_train_and_eval_reach_every_submodule() -> None:
    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5), nn.ReLU()))
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.train(False)
    assert not net[1][0].training


def test_repr_matches_torch() -> None:
    torch = require_torch()
    ours = nn.Sequential(
        nn.Linear(2, 3), nn.ReLU(), nn.LeakyReLU(), nn.PReLU(3), nn.Linear(3, 4, bias=False),
        nn.Sequential(nn.Tanh(), nn.Sigmoid(), nn.Hardtanh(-2.0, 2.0)), nn.Identity(), nn.Softmax(dim=-1),
        nn.LogSoftmax(dim=1),
    )
    T = torch.nn
    theirs = T.Sequential(
        T.Linear(2, 3), T.ReLU(), T.LeakyReLU(), T.PReLU(3), T.Linear(3, 4, bias=False),
        T.Sequential(T.Tanh(), T.Sigmoid(), T.Hardtanh(-2.0, 2.0)), T.Identity(), T.Softmax(dim=-1),
        T.LogSoftmax(dim=1),
    )
    assert repr(ours) == repr(theirs)


def test_mlp_and_parameter_repr() -> None:
    assert repr(nn.MLP([2, 3, 1], dropout=0.5)) == (
        "MLP(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Dropout(p=0.5)\n"
        "  (3): Linear(in_features=3, out_features=1, bias=True)\n"
        ")"
    )
    assert repr(nn.Parameter([1.0, 2.0])) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"


def test_parameter_construction() -> None:
    source = ck.tensor([1.0, 2.0])
    p = nn.Parameter(source)
    assert isinstance(p, ck.Tensor) and p.requires_grad and p.is_leaf
    p.data[0] = 5.0
    assert source.data[0] == 1.0  # copied
    assert nn.Parameter([1, 2]).dtype == np.float64
    assert not nn.Parameter(np.ones(2), requires_grad=False).requires_grad
    assert type(p * 2) is ck.Tensor  # results of ops are plain tensors
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and not np.shares_memory(q.data.numpy(), p.data.numpy()) and q.data.tolist() == [5.0, 2.0]


def test_dtype_conversion_and_pickling_keep_the_parameters() -> None:
    import pickle

    model = nn.MLP([3, 4, 2], activation="prelu")
    weight = model[0].weight
    assert model.to(np.float32) is model and model[0].weight is weight
    assert all(p.dtype == np.float32 for p in model.parameters())
    out = model(ck.ones(2, 3, dtype=np.float32))
    out.sum().backward()
    assert out.dtype == np.float32 and weight.grad.dtype == np.float32
    assert model.double()[0].weight.dtype == np.float64 and weight.grad is None
    with pytest.raises(TypeError):
        model.to(np.int64)
    clone = pickle.loads(pickle.dumps(model))
    assert isinstance(clone[0].weight, nn.Parameter)
    for (name, a), b in zip(model.state_dict().items(), clone.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=name)
    assert clone[0].weight is dict(clone.named_parameters())["0.weight"]


# ---------------------------------------------------------------------------
# state_dict
# ---------------------------------------------------------------------------
def test_state_dict_holds_copies_and_round_trips() -> None:
    ck.manual_seed(0)
    a = nn.MLP([3, 4, 2], activation="prelu")
    ck.manual_seed(1)
    b = nn.MLP([3, 4, 2], activation="prelu")
    _randomize(a, seed=5)
    sd = a.state_dict()
    assert list(sd) == ["0.weight", "0.bias", "1.weight", "2.weight", "2.bias"]
    before = sd["0.weight"].copy()
    with ck.no_grad():
        a[0].weight.data += 1.0
    np.testing.assert_array_equal(sd["0.weight"], before)  # a snapshot, not a view

    weight_array = b[0].weight.data.numpy()
    result = b.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert b[0].weight.data.numpy() is weight_array  # loaded in place: optimizers keep their references
    x = np.random.default_rng(0).standard_normal((5, 3))
    with ck.no_grad():
        a[0].weight.data[...] = before
    np.testing.assert_array_equal(b(ck.tensor(x)).data, a(ck.tensor(x)).data)


def test_state_dict_keys_match_torch() -> None:
    torch = require_torch()
    ours = nn.MLP([3, 5, 5, 2], activation="prelu", dropout=0.1)
    T = torch.nn
    theirs = T.Sequential(T.Linear(3, 5), T.PReLU(5), T.Dropout(0.1), T.Linear(5, 5), T.PReLU(5), T.Dropout(0.1),
                          T.Linear(5, 2))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [v.shape for v in ours.state_dict().values()] == [tuple(v.shape) for v in theirs.state_dict().values()]


def test_load_state_dict_errors_name_the_keys_and_shapes() -> None:
    net = nn.MLP([2, 3, 1])
    sd = net.state_dict()
    good = {k: v.copy() for k, v in sd.items()}

    missing = dict(good)
    del missing["2.bias"]
    missing["extra.weight"] = np.zeros(1)
    with pytest.raises(RuntimeError) as err:
        net.load_state_dict(missing)
    assert "'2.bias'" in str(err.value) and "'extra.weight'" in str(err.value)
    assert "missing" in str(err.value) and "unexpected" in str(err.value)

    wrong = dict(good)
    wrong["0.weight"] = np.zeros((4, 2))
    wrong["2.bias"] = np.full(1, 7.0)
    with pytest.raises(RuntimeError) as err:
        net.load_state_dict(wrong)
    message = str(err.value)
    assert "'0.weight'" in message and "(4, 2)" in message and "(3, 2)" in message
    np.testing.assert_array_equal(net[2].bias.data, sd["2.bias"])  # nothing half-loaded

    partial = {"0.weight": np.ones((3, 2)), "foo": np.ones(3)}
    result = net.load_state_dict(partial, strict=False)
    assert result.missing_keys == ["0.bias", "2.weight", "2.bias"] and result.unexpected_keys == ["foo"]
    np.testing.assert_array_equal(net[0].weight.data, np.ones((3, 2)))


# ---------------------------------------------------------------------------
# Sequential, Identity, Linear
# ---------------------------------------------------------------------------
def test_sequential_indexing_len_iteration_append() -> None:
    a, r, b = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    net = nn.Sequential(a, r)
    assert len(net) == 2 and net[0] is a and net[-1] is r and list(net) == [a, r]
    assert net.append(b) is net and len(net) == 3 and net[2] is b
    head = net[:2]
    assert isinstance(head, nn.Sequential) and list(head) == [a, r] and head[0].weight is a.weight
    with pytest.raises(IndexError):
        net[3]
    with pytest.raises(TypeError, match="Lambda"):
        nn.Sequential(nn.Linear(1, 1), np.tanh)
    named = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert [n for n, _ in named.named_parameters()] == ["hidden.weight", "hidden.bias"]
    x = ck.tensor([[0.3, -0.2]])
    np.testing.assert_array_equal(nn.Identity()(x).data, x.data)


def test_linear_forward_shapes_and_options() -> None:
    layer = nn.Linear(4, 3)
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)
    _randomize(layer)
    x = np.random.default_rng(1).standard_normal((6, 4))
    np.testing.assert_allclose(layer(ck.tensor(x)).data, x @ layer.weight.data.T + layer.bias.data, rtol=1e-13)
    assert layer(ck.tensor(np.zeros((2, 5, 4)))).shape == (2, 5, 3)
    assert nn.Linear(4, 3, bias=False).bias is None
    assert nn.Linear(4, 3, bias_init=0.1).bias.data.tolist() == [0.1, 0.1, 0.1]
    assert nn.Linear(4, 3, dtype=np.float32).weight.dtype == np.float32
    with pytest.raises(ValueError, match="init must be one of"):
        nn.Linear(2, 2, init="glorot")
    with pytest.raises(ck.ShapeError):
        layer(ck.ones(2, 5))


# ---------------------------------------------------------------------------
# init
# ---------------------------------------------------------------------------
def test_calculate_gain_matches_torch() -> None:
    torch = require_torch()
    for name, param in [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
                        ("leaky_relu", 0.2), ("selu", None)]:
        assert nn.init.calculate_gain(name, param) == pytest.approx(torch.nn.init.calculate_gain(name, param))
    with pytest.raises(ValueError):
        nn.init.calculate_gain("swish")


@pytest.mark.parametrize(
    "fill, bound, std",
    [
        (lambda w: nn.init.xavier_uniform_(w), math.sqrt(6 / (300 + 200)), math.sqrt(2 / (300 + 200))),
        (lambda w: nn.init.xavier_uniform_(w, gain=2.0), 2 * math.sqrt(6 / 500), 2 * math.sqrt(2 / 500)),
        (lambda w: nn.init.xavier_normal_(w), None, math.sqrt(2 / (300 + 200))),
        (lambda w: nn.init.kaiming_uniform_(w, nonlinearity="relu"), math.sqrt(6 / 200), math.sqrt(2 / 200)),
        (lambda w: nn.init.kaiming_uniform_(w, a=math.sqrt(5)), 1 / math.sqrt(200), 1 / math.sqrt(3 * 200)),
        (lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"), None, math.sqrt(2 / 200)),
        (lambda w: nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"), None, math.sqrt(2 / 300)),
        (lambda w: nn.init.normal_(w, 0.0, 0.01), None, 0.01),
        (lambda w: nn.init.uniform_(w, -0.5, 0.5), 0.5, math.sqrt(1 / 12)),
    ],
    ids=["xavier_u", "xavier_u_gain", "xavier_n", "kaiming_u_relu", "kaiming_u_torchdefault", "kaiming_n",
         "kaiming_n_fanout", "normal", "uniform"],
)
def test_init_bounds_and_statistics(fill, bound, std) -> None:
    ck.manual_seed(0)
    w = nn.Parameter(np.zeros((300, 200)))  # fan_out = 300, fan_in = 200; 60,000 samples
    array = w.data.numpy()
    assert fill(w) is w and w.data.numpy() is array  # in place, same tensor returned
    values = w.detach().numpy()
    assert abs(values.mean()) < 5 * std / math.sqrt(values.size)
    assert values.std() == pytest.approx(std, rel=0.02)
    if bound is not None:
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.99 * bound  # the whole range is used


def test_init_is_reproducible_from_the_shared_seed() -> None:
    ck.manual_seed(7)
    a = nn.MLP([3, 8, 2], activation="prelu")
    ck.manual_seed(7)
    b = nn.MLP([3, 8, 2], activation="prelu")
    c = nn.MLP([3, 8, 2], activation="prelu")  # the generator moved on
    for (k, va), vb, vc in zip(a.state_dict().items(), b.state_dict().values(), c.state_dict().values()):
        np.testing.assert_array_equal(va, vb)
        if k.endswith("0.weight"):
            assert not np.array_equal(va, vc)
    gen = np.random.default_rng(3)
    w1 = nn.init.normal_(ck.zeros(5), generator=gen)
    w2 = nn.init.normal_(ck.zeros(5), generator=np.random.default_rng(3))
    np.testing.assert_array_equal(w1.data, w2.data)


def test_linear_default_init_has_torch_statistics() -> None:
    torch = require_torch()
    ck.manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = nn.Linear(400, 300), torch.nn.Linear(400, 300)
    tw, tb = theirs.weight.detach().double().numpy(), theirs.bias.detach().double().numpy()
    assert np.abs(ours.weight.data).max() <= 1 / 20 and np.abs(ours.bias.data).max() <= 1 / 20
    assert ours.weight.data.std() == pytest.approx(tw.std(), rel=0.02)
    assert ours.bias.data.std() == pytest.approx(tb.std(), rel=0.25)  # 300 samples only


@pytest.mark.parametrize(
    "scheme, std, bias_zero",
    [("kaiming_normal", math.sqrt(2 / 400), True), ("xavier_uniform", math.sqrt(2 / 700), True),
     ("xavier_normal", math.sqrt(2 / 700), True), ("normal", 0.01, True),
     ("kaiming_uniform", 1 / math.sqrt(3 * 400), False)],
)
def test_linear_init_schemes(scheme, std, bias_zero) -> None:
    ck.manual_seed(1)
    layer = nn.Linear(400, 300, init=scheme)
    assert layer.weight.data.std() == pytest.approx(std, rel=0.02)
    assert (not layer.bias.data.any()) == bias_zero
    assert np.all(nn.Linear(400, 300, init=scheme, bias_init=0.1).bias.data == 0.1)
    custom = nn.Linear(3, 2, init=lambda w: nn.init.constant_(w, 0.5))
    assert np.all(custom.weight.data == 0.5)


# ---------------------------------------------------------------------------
# Module parity with torch.nn: outputs, loss and parameter gradients
# ---------------------------------------------------------------------------
def _torch_act(name: str, width: int):
    torch = require_torch()
    T = torch.nn
    return {
        "relu": lambda: T.ReLU(), "leaky_relu": lambda: T.LeakyReLU(), "leaky_relu_0.2": lambda: T.LeakyReLU(0.2),
        "tanh": lambda: T.Tanh(), "sigmoid": lambda: T.Sigmoid(), "softplus": lambda: T.Softplus(),
        "prelu_per_unit": lambda: T.PReLU(width), "prelu_shared": lambda: T.PReLU(), "hardtanh": lambda: T.Hardtanh(),
    }[name]()


_OUR_ACTS = {
    "relu": "relu", "leaky_relu": nn.LeakyReLU, "leaky_relu_0.2": nn.LeakyReLU(0.2), "tanh": "tanh",
    "sigmoid": nn.Sigmoid, "softplus": "softplus", "prelu_per_unit": "prelu", "prelu_shared": nn.PReLU,
    "hardtanh": "hardtanh",
}


@pytest.mark.parametrize("act", list(_OUR_ACTS))
def test_mlp_matches_torch_outputs_loss_and_gradients(act: str) -> None:
    torch = require_torch()
    sizes = [3, 6, 5, 4]
    model = nn.MLP(sizes, activation=_OUR_ACTS[act])
    _randomize(model, seed=1, scale=0.9)
    layers = []
    for n_in, n_out in itertools.pairwise(sizes[:-1]):
        layers += [torch.nn.Linear(n_in, n_out), _torch_act(act, n_out)]
    reference = _to_torch(model, torch.nn.Sequential(*layers, torch.nn.Linear(sizes[-2], sizes[-1])))

    rng = np.random.default_rng(2)
    x = 2.0 * rng.standard_normal((16, 3))
    y = rng.integers(0, 4, 16)
    xt = torch.tensor(x, requires_grad=True)
    xc = ck.tensor(x, requires_grad=True)
    out, tout = model(xc), reference(xt)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    loss = nn.CrossEntropyLoss()(out, y)
    tloss = torch.nn.CrossEntropyLoss()(tout, torch.tensor(y))
    assert loss.item() == pytest.approx(tloss.item(), rel=1e-10)
    loss.backward()
    tloss.backward()
    tparams = dict(reference.named_parameters())
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.grad, tparams[name].grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(xc.grad, xt.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("output", ["softmax", "log_softmax", "sigmoid"])
def test_mlp_output_layers_match_torch(output: str) -> None:
    torch = require_torch()
    model = nn.MLP([2, 5, 3], activation="tanh", output=output)
    _randomize(model, seed=3)
    head = {"softmax": torch.nn.Softmax(dim=-1), "log_softmax": torch.nn.LogSoftmax(dim=-1),
            "sigmoid": torch.nn.Sigmoid()}[output]
    reference = _to_torch(model, torch.nn.Sequential(torch.nn.Linear(2, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3),
                                                     head))
    x = np.random.default_rng(4).standard_normal((7, 2))
    compare_with_torch(model, reference, [x])


# ---------------------------------------------------------------------------
# Loss modules vs torch.nn losses
# ---------------------------------------------------------------------------
def _loss_cases():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((8, 4)) * 2
    labels = rng.integers(0, 4, 8)
    probs = rng.dirichlet(np.ones(4), size=8)
    reg = rng.standard_normal((8, 3))
    bits = rng.integers(0, 2, (8, 3)).astype(float)
    return [
        ("mse", nn.MSELoss, lambda T, r: T.MSELoss(reduction=r), reg, rng.standard_normal((8, 3))),
        ("l1", nn.L1Loss, lambda T, r: T.L1Loss(reduction=r), reg, rng.standard_normal((8, 3))),
        ("bce", nn.BCEWithLogitsLoss, lambda T, r: T.BCEWithLogitsLoss(reduction=r), reg * 3, bits),
        ("ce_index", nn.CrossEntropyLoss, lambda T, r: T.CrossEntropyLoss(reduction=r), z, labels),
        ("ce_probs", nn.CrossEntropyLoss, lambda T, r: T.CrossEntropyLoss(reduction=r), z, probs),
        ("nll", nn.NLLLoss, lambda T, r: T.NLLLoss(reduction=r), np.log(probs), labels),
        ("multi_hinge", nn.HingeLoss, lambda T, r: T.MultiMarginLoss(reduction=r), z, labels),
    ]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", _loss_cases(), ids=lambda c: c[0])
def test_loss_modules_match_torch(case, reduction: str) -> None:
    torch = require_torch()
    _, ours, theirs, inputs, target = case
    ours = ours(reduction=reduction)
    theirs = theirs(torch.nn, reduction)
    t_target = torch.tensor(target)
    compare_with_torch(lambda z: ours(z, target), lambda z: theirs(z, t_target), [inputs])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_hinge_loss_matches_its_formula(reduction: str) -> None:
    torch = require_torch()
    rng = np.random.default_rng(1)
    scores, signs = rng.standard_normal(10) * 2, rng.choice([-1.0, 1.0], 10)
    reduce = {"mean": lambda t: t.mean(), "sum": lambda t: t.sum(), "none": lambda t: t}[reduction]
    compare_with_torch(
        lambda s: nn.HingeLoss(margin=0.5, reduction=reduction)(s, signs),
        lambda s: reduce(torch.clamp(0.5 - s * torch.tensor(signs), min=0)),
        [scores],
    )


def test_loss_module_rejects_unknown_reduction() -> None:
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="average")


# ---------------------------------------------------------------------------
# Activations: values vs formulas, gradcheck, torch where torch has them
# ---------------------------------------------------------------------------
def test_maxout_values_and_errors() -> None:
    x = np.random.default_rng(0).standard_normal((5, 6))
    out = nn.Maxout(3)(ck.tensor(x)).data
    expected = [[max(row[0], row[1], row[2]), max(row[3], row[4], row[5])] for row in x.tolist()]
    np.testing.assert_array_equal(out, expected)
    assert nn.Maxout(2)(ck.ones(2, 3, 4)).shape == (2, 3, 2)
    with pytest.raises(ck.ShapeError, match="multiple of 4"):
        nn.Maxout(4)(ck.ones(2, 6))
    with pytest.raises(ValueError):
        nn.Maxout(0)


def test_abs_rectifier_is_the_generalized_rectifier_with_alpha_minus_one() -> None:
    z = np.array([-2.5, -0.1, 0.0, 0.4, 3.0])
    alpha = -1.0
    expected = np.maximum(0, z) + alpha * np.minimum(0, z)
    np.testing.assert_array_equal(nn.AbsRectifier()(ck.tensor(z)).data, expected)


def test_rbf_values_match_the_formula() -> None:
    ck.manual_seed(0)
    rbf = nn.RBF(3, 4)
    rng = np.random.default_rng(1)
    with ck.no_grad():
        rbf.widths.data[...] = rng.uniform(0.5, 2.0, 4)
    x = rng.standard_normal((6, 3))
    out = rbf(ck.tensor(x)).data
    c, s = rbf.centres.data, rbf.widths.data
    for n in range(6):
        for i in range(4):
            dist2 = sum((c[i, j] - x[n, j]) ** 2 for j in range(3))
            assert out[n, i] == pytest.approx(math.exp(-dist2 / s[i] ** 2), rel=1e-12)
    assert [n for n, _ in rbf.named_parameters()] == ["centres", "widths"]
    assert rbf.centres.shape == (4, 3) and rbf.widths.shape == (4,)


def _with_parameters(module: nn.Module, names: list[str]):
    """f(x, *params) evaluating ``module`` with the given tensors in place of its parameters."""

    def fn(x, *params):
        saved = {n: module.__dict__[n] for n in names}
        module.__dict__.update(zip(names, params))  # bypass registration: gradcheck passes plain Tensors
        try:
            return module(x)
        finally:
            module.__dict__.update(saved)

    return fn


@pytest.mark.parametrize(
    "make, params",
    [
        (lambda: nn.ReLU(), []), (lambda: nn.LeakyReLU(0.1), []), (lambda: nn.PReLU(4, init=0.3), ["weight"]),
        (lambda: nn.Sigmoid(), []), (lambda: nn.Tanh(), []), (lambda: nn.Softplus(), []),
        (lambda: nn.Softplus(beta=2.0), []), (lambda: nn.Hardtanh(-0.5, 0.5), []), (lambda: nn.AbsRectifier(), []),
        (lambda: nn.Maxout(2), []), (lambda: nn.RBF(4, 3), ["centres", "widths"]), (lambda: nn.Softmax(), []),
        (lambda: nn.LogSoftmax(), []), (lambda: nn.Linear(4, 3), ["weight", "bias"]), (lambda: nn.Identity(), []),
        (lambda: nn.Lambda(ck.cos), []),
    ],
    ids=["relu", "leaky", "prelu", "sigmoid", "tanh", "softplus", "softplus_beta", "hardtanh", "abs", "maxout", "rbf",
         "softmax", "log_softmax", "linear", "identity", "lambda"],
)
def test_gradcheck_module_forward(make, params) -> None:
    ck.manual_seed(0)
    module = make()
    # Inputs away from the kinks (0 and +-0.5) and without ties, so finite differences are valid.
    rng = np.random.default_rng(0)
    x = rng.uniform(0.1, 0.4, (3, 4)) * rng.choice([-1, 1], (3, 4)) + rng.choice([-1.0, 0.0, 1.0], (3, 4))
    x = x + 1e-3 * np.arange(12).reshape(3, 4)
    values = [ck.tensor(x, requires_grad=True)]
    values += [ck.tensor(getattr(module, n).detach().numpy().copy(), requires_grad=True) for n in params]
    assert ck.gradcheck(_with_parameters(module, params), values)


def test_gradcheck_dropout_with_a_fixed_mask() -> None:
    drop = nn.Dropout(0.4)

    def fn(x):
        ck.manual_seed(3)  # the same mask at every evaluation
        return drop(x)

    assert ck.gradcheck(fn, [ck.tensor(np.random.default_rng(0).standard_normal((4, 5)), requires_grad=True)])


def test_prelu_matches_torch_per_channel_on_3d_input() -> None:
    torch = require_torch()
    slopes = np.array([0.1, -0.3, 0.7])
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    compare_with_torch(F.prelu, torch.nn.functional.prelu, [x, slopes])
    compare_with_torch(F.prelu, torch.nn.functional.prelu, [x, np.array([0.2])])
    compare_with_torch(F.prelu, torch.nn.functional.prelu, [x[:, :, 0], slopes])


def test_softplus_with_beta_matches_torch() -> None:
    torch = require_torch()
    x = np.linspace(-4, 4, 17)
    compare_with_torch(nn.Softplus(beta=2.0), torch.nn.Softplus(beta=2.0), [x])


def test_activation_modules_match_their_formulas() -> None:
    z = np.linspace(-3, 3, 13)
    t = ck.tensor(z)
    np.testing.assert_allclose(nn.Sigmoid()(t).data, 1 / (1 + np.exp(-z)), rtol=1e-14)
    np.testing.assert_allclose(nn.Tanh()(t).data, 2 / (1 + np.exp(-2 * z)) - 1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(nn.Softplus()(t).data, np.log(1 + np.exp(z)), rtol=1e-13)
    np.testing.assert_array_equal(nn.Hardtanh()(t).data, np.maximum(-1, np.minimum(1, z)))
    np.testing.assert_array_equal(nn.LeakyReLU()(t).data, np.maximum(0, z) + 0.01 * np.minimum(0, z))
    np.testing.assert_array_equal(nn.PReLU(init=0.25)(t).data, np.maximum(0, z) + 0.25 * np.minimum(0, z))
    assert nn.Sigmoid()(ck.tensor(0.0)).item() == 0.5
    with pytest.raises(ValueError):
        nn.Hardtanh(1.0, -1.0)


# ---------------------------------------------------------------------------
# Dropout
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_is_unbiased_and_drops_a_fraction_p(p: float) -> None:
    ck.manual_seed(0)
    n = 200_000
    x = np.random.default_rng(1).uniform(0.5, 1.5, n)
    out = nn.Dropout(p)(ck.tensor(x)).data
    zero = out == 0
    # the fraction zeroed: binomial(n, p) / n has standard error sqrt(p (1 - p) / n)
    assert abs(zero.mean() - p) < 4 * math.sqrt(p * (1 - p) / n)
    # survivors are scaled by exactly 1 / (1 - p)
    np.testing.assert_allclose(out[~zero], x[~zero] / (1 - p), rtol=1e-15)
    # unbiased: E[out_i / x_i] = 1; the mean of n such ratios has standard error sd / sqrt(n)
    ratio = out / x
    assert abs(ratio.mean() - 1) < 4 * ratio.std() / math.sqrt(n)


def test_dropout_mean_over_many_samples_per_element() -> None:
    ck.manual_seed(2)
    x = ck.tensor([[0.5, -2.0, 3.0]])
    drop = nn.Dropout(0.5)
    samples = np.stack([drop(x).data for _ in range(20_000)])
    sem = samples.std(axis=0) / math.sqrt(len(samples))
    assert np.all(np.abs(samples.mean(axis=0) - x.data) < 4 * sem)


def test_dropout_is_the_identity_in_eval_mode() -> None:
    ck.manual_seed(0)
    model = nn.MLP([3, 16, 16, 2], dropout=0.5)
    plain = nn.Sequential(*[m for m in model if not isinstance(m, nn.Dropout)])
    x = ck.tensor(np.random.default_rng(0).standard_normal((10, 3)))
    model.eval()
    np.testing.assert_array_equal(model(x).data, plain(x).data)
    model.train()
    assert not np.array_equal(model(x).data, plain(x).data)


def test_dropout_gradient_edge_cases_and_seeding() -> None:
    x = ck.tensor(np.random.default_rng(0).standard_normal(1000), requires_grad=True)
    ck.manual_seed(5)
    out = F.dropout(x, 0.3)
    out.sum().backward()
    kept = out.data != 0
    np.testing.assert_allclose(x.grad, kept / 0.7, rtol=1e-15)  # d out_i / d x_i = mask_i
    ck.manual_seed(5)
    np.testing.assert_array_equal(F.dropout(x, 0.3).data, out.data)
    assert F.dropout(x, 0.0) is x and F.dropout(x, 0.9, training=False) is x
    assert not F.dropout(x, 1.0).data.any()
    with pytest.raises(ValueError):
        nn.Dropout(1.5)
    assert F.dropout(ck.ones(4, dtype=np.float32), 0.5).dtype == np.float32


# ---------------------------------------------------------------------------
# Penalties
# ---------------------------------------------------------------------------
def test_l2_and_l1_penalties() -> None:
    model = nn.MLP([3, 4, 2], activation="prelu")
    _randomize(model, seed=9)
    arrays = model.state_dict()
    weights = [v for k, v in arrays.items() if not k.endswith("bias")]
    everything = list(arrays.values())
    assert nn.l2_penalty(model).item() == pytest.approx(sum((w**2).sum() for w in weights), rel=1e-13)
    assert nn.l2_penalty(model, weights_only=False).item() == pytest.approx(
        sum((w**2).sum() for w in everything), rel=1e-13)
    assert nn.l1_penalty(model).item() == pytest.approx(sum(np.abs(w).sum() for w in weights), rel=1e-13)
    assert nn.l1_penalty(model, weights_only=False).item() == pytest.approx(
        sum(np.abs(w).sum() for w in everything), rel=1e-13)

    lam = 0.3
    (lam * nn.l2_penalty(model)).backward()
    np.testing.assert_allclose(model[0].weight.grad, 2 * lam * arrays["0.weight"], rtol=1e-13)
    assert model[0].bias.grad is None  # biases not penalised

    model[0].weight.requires_grad_(False)  # frozen parameters are skipped
    assert nn.l2_penalty(model).item() == pytest.approx(
        sum((arrays[k] ** 2).sum() for k in ["1.weight", "2.weight"]), rel=1e-13)
    assert nn.l2_penalty(nn.ReLU()).item() == 0.0
    with pytest.raises(TypeError):
        nn.l2_penalty([np.ones(2)])


# ---------------------------------------------------------------------------
# MLP structure
# ---------------------------------------------------------------------------
def test_mlp_structure_and_hidden_layers() -> None:
    model = nn.MLP([2, 8, 4, 3], activation="leaky_relu", dropout=0.2, bias_init=0.1, output="softmax")
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Linear", "LeakyReLU", "Dropout", "Linear", "LeakyReLU", "Dropout", "Linear", "Softmax"]
    assert all(np.all(m.bias.data == 0.1) for m in model if isinstance(m, nn.Linear))
    pairs = model.hidden_layers()
    assert [(lin.in_features, lin.out_features, type(act).__name__) for lin, act in pairs] == [
        (2, 8, "LeakyReLU"), (8, 4, "LeakyReLU")]
    assert model.sizes == [2, 8, 4, 3]


def test_mlp_activation_specs() -> None:
    shared = nn.PReLU()
    model = nn.MLP([2, 3, 3, 1], activation=shared)
    assert model[1] is not shared and model[1].weight is not model[3].weight  # copied per layer
    assert model[1].weight.shape == (1,)
    assert nn.MLP([2, 5, 1], activation="prelu")[1].weight.shape == (5,)  # one slope per unit
    assert isinstance(nn.MLP([2, 3, 1], activation=nn.Tanh)[1], nn.Tanh)
    wrapped = nn.MLP([2, 3, 1], activation=ck.cos)
    x = np.array([[0.2, -0.4]])
    lin = wrapped[0]
    np.testing.assert_allclose(wrapped[1](lin(ck.tensor(x))).data, np.cos(x @ lin.weight.data.T + lin.bias.data))
    assert [type(m).__name__ for m in nn.MLP([4, 2, 4], activation=None)] == ["Linear", "Identity", "Linear"]
    with pytest.raises(ValueError, match="unknown activation"):
        nn.MLP([2, 3, 1], activation="swish")
    with pytest.raises(ValueError):
        nn.MLP([2])
    with pytest.raises(ValueError):
        nn.MLP([2, 3, 1], output="softmin")


def test_mlp_works_with_the_linear_region_tools() -> None:
    regions = pytest.importorskip("coursekit.regions")
    model = nn.MLP([2, 5, 4, 1])
    _randomize(model, seed=2)
    layers = regions.as_layers(model)
    assert len(layers) == 2
    np.testing.assert_array_equal(layers[0][0], model[0].weight.data)
    np.testing.assert_array_equal(layers[1][1], model[2].bias.data)
