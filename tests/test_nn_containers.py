"""nn.ModuleList, nn.ModuleDict, nn.Flatten and module buffers, against torch.nn's behaviour."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from oracle import require_torch

import coursekit as ck
from coursekit import nn

torch = require_torch()


def _layers(ours_or_torch, sizes=((2, 3), (3, 3), (3, 3), (3, 1))):
    return [ours_or_torch.Linear(i, o) for i, o in sizes]


# ---- ModuleList ------------------------------------------------------------------------------------
def test_modulelist_registers_its_entries_like_torch() -> None:
    class Net:
        def __init__(self, lib):
            self.model = type("M", (lib.Module,), {})()
            self.model.blocks = lib.ModuleList(_layers(lib))
            self.model.head = lib.Linear(1, 2)

    ours, theirs = Net(nn).model, Net(torch.nn).model
    names = [n for n, _ in ours.named_parameters()]
    assert names == [n for n, _ in theirs.named_parameters()]
    assert names[:2] == ["blocks.0.weight", "blocks.0.bias"]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert len(list(ours.parameters())) == 10
    ours.eval()
    assert all(not m.training for m in ours.blocks)


def test_a_plain_list_of_layers_hides_their_parameters() -> None:
    """Why ModuleList exists: the same model with a Python list has no parameters to train."""
    model = nn.Module()
    model.blocks = _layers(nn)
    assert list(model.parameters()) == []
    model.blocks = nn.ModuleList(model.blocks)
    assert len(list(model.parameters())) == 8


def test_modulelist_indexing_slicing_and_mutation_follow_torch() -> None:
    ours, theirs = nn.ModuleList(_layers(nn)), torch.nn.ModuleList(_layers(torch.nn))
    for lst in (ours, theirs):
        assert len(lst) == 4 and lst[-1].out_features == 1 and lst[1] is list(lst)[1]
        assert [m.out_features for m in lst[1:3]] == [3, 3] and type(lst[1:3]) is type(lst)
        lst.append(type(lst[0])(1, 5))
        lst.extend([type(lst[0])(5, 6), type(lst[0])(6, 7)])
        lst.insert(1, type(lst[0])(9, 9))
        del lst[0]
        lst[0] = type(lst[0])(8, 8)
        lst += [type(lst[0])(7, 2)]
        popped = lst.pop(2)
        assert popped.in_features == 3
    assert [m.out_features for m in ours] == [m.out_features for m in theirs]
    assert [k for k, _ in ours.named_children()] == [k for k, _ in theirs.named_children()]
    assert [k for k, _ in ours.named_children()] == [str(i) for i in range(len(ours))], "names stay 0..n-1"
    del ours[1:3], theirs[1:3]
    assert [m.out_features for m in ours] == [m.out_features for m in theirs]
    both = ours + nn.ModuleList([nn.ReLU()])
    assert len(both) == len(ours) + 1 and isinstance(both, nn.ModuleList)


def test_modulelist_repr_groups_repeated_entries_like_torch() -> None:
    ck.manual_seed(0)
    ours = nn.ModuleList([nn.Linear(2, 3), nn.Linear(3, 3), nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1)])
    theirs = torch.nn.ModuleList([torch.nn.Linear(2, 3), torch.nn.Linear(3, 3), torch.nn.Linear(3, 3),
                                  torch.nn.ReLU(), torch.nn.Linear(3, 1)])
    assert repr(ours) == repr(theirs)
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList())
    outer = nn.Sequential(nn.ModuleList([nn.Tanh(), nn.Tanh()]))
    touter = torch.nn.Sequential(torch.nn.ModuleList([torch.nn.Tanh(), torch.nn.Tanh()]))
    assert repr(outer) == repr(touter)


def test_modulelist_errors_are_clear() -> None:
    lst = nn.ModuleList([nn.ReLU()])
    with pytest.raises(IndexError, match="index 3 is out of range for a ModuleList of length 1"):
        lst[3]
    with pytest.raises(TypeError, match="indices must be integers or slices, not float"):
        lst[0.0]
    assert lst[np.int64(0)] is lst[0]
    with pytest.raises(TypeError, match="not a Module.*nn.Lambda"):
        lst.append(ck.tanh)
    with pytest.raises(TypeError, match="use append"):
        lst.extend(nn.Linear(2, 2))
    with pytest.raises(NotImplementedError, match="no forward.*loop over it"):
        lst(ck.ones(2))


def test_modulelist_trains_with_an_optimizer_like_torch() -> None:
    ck.manual_seed(0)
    ours = nn.ModuleList(_layers(nn))
    theirs = torch.nn.ModuleList(_layers(torch.nn)).double()
    theirs.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 2))
    opt, topt = ck.optim.Adam(ours.parameters(), lr=0.05), torch.optim.Adam(theirs.parameters(), lr=0.05)
    for _ in range(5):
        h, th = ck.tensor(x), torch.tensor(x)
        for layer, tlayer in zip(ours, theirs):
            h, th = layer(h).tanh(), tlayer(th).tanh()
        opt.zero_grad(), topt.zero_grad()
        (h * h).sum().backward(), (th * th).sum().backward()
        opt.step(), topt.step()
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key], value.numpy(), rtol=1e-10, err_msg=key)


# ---- ModuleDict ------------------------------------------------------------------------------------
def test_moduledict_follows_torch() -> None:
    ck.manual_seed(0)
    ours = nn.ModuleDict({"enc": nn.Linear(2, 3), "act": nn.ReLU()})
    theirs = torch.nn.ModuleDict({"enc": torch.nn.Linear(2, 3), "act": torch.nn.ReLU()})
    for d, lib in ((ours, nn), (theirs, torch.nn)):
        d["dec"] = lib.Linear(3, 2)
        d.update([("extra", lib.Tanh())])
        d.update({"act": lib.Sigmoid()})
        assert d.pop("extra").__class__.__name__ == "Tanh"
        assert "enc" in d and "extra" not in d and len(d) == 3
    assert list(ours) == list(theirs) == ["enc", "act", "dec"]
    assert list(ours.keys()) == list(theirs.keys())
    assert [type(m).__name__ for m in ours.values()] == [type(m).__name__ for m in theirs.values()]
    assert [k for k, _ in ours.items()] == [k for k, _ in theirs.items()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert repr(ours) == repr(theirs)
    del ours["act"]
    assert list(ours) == ["enc", "dec"]
    ours.clear()
    assert len(ours) == 0 and list(ours.parameters()) == []


def test_moduledict_errors_are_clear() -> None:
    d = nn.ModuleDict({"a": nn.ReLU()})
    with pytest.raises(KeyError, match=r"'b' is not in this ModuleDict; its keys are \['a'\]"):
        d["b"]
    with pytest.raises(TypeError, match="entry 'c' is a int, not a Module"):
        d["c"] = 3
    with pytest.raises(KeyError, match="without '.'"):
        d["x.y"] = nn.ReLU()
    with pytest.raises(TypeError, match=r"element 0 should be a \(key, module\) pair"):
        d.update([nn.ReLU()])
    with pytest.raises(NotImplementedError, match="no forward"):
        d(ck.ones(1))


# ---- Flatten ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "shape, start, end",
    [((4, 2, 3, 5), 1, -1), ((4, 2, 3, 5), 0, 1), ((4, 2, 3, 5), 1, 2), ((4, 2, 3, 5), -2, -1), ((4, 3), 1, -1),
     ((4, 3), 0, -1), ((3, 0, 2), 1, -1), ((4, 2, 3), 2, 2)],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_flatten_matches_torch_in_value_and_gradient(shape, start, end, dtype) -> None:
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    xc, xt = ck.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, yt = nn.Flatten(start, end)(xc), torch.nn.Flatten(start, end)(xt)
    assert y.shape == tuple(yt.shape) and y.dtype == dtype
    np.testing.assert_array_equal(y.data, yt.detach().numpy())
    upstream = np.random.default_rng(1).standard_normal(y.shape).astype(dtype)
    y.backward(upstream), yt.backward(torch.tensor(upstream))
    assert xc.grad.dtype == dtype
    np.testing.assert_array_equal(xc.grad, xt.grad.numpy())
    assert repr(nn.Flatten(start, end)) == repr(torch.nn.Flatten(start, end))


def test_flatten_errors_name_the_shape() -> None:
    with pytest.raises(IndexError, match=r"start_dim=1 is out of range for an input of shape \(5,\)"):
        nn.Flatten()(ck.ones(5))
    with pytest.raises(ValueError, match="start_dim=2 comes after end_dim=1"):
        nn.Flatten(2, 1)(ck.ones(2, 3, 4))


def test_flatten_feeds_a_linear_layer_in_a_sequential() -> None:
    net = nn.Sequential(nn.Flatten(), nn.Linear(12, 2))
    assert net(ck.ones(5, 3, 4)).shape == (5, 2)


# ---- buffers ---------------------------------------------------------------------------------------
def test_buffers_are_saved_and_converted_but_not_learned() -> None:
    m = nn.Module()
    m.lin = nn.Linear(2, 2)
    m.register_buffer("scale", ck.tensor([1.0, 2.0]))
    m.register_buffer("cache", ck.tensor([0.0]), persistent=False)
    assert [n for n, _ in m.named_buffers()] == ["scale", "cache"]
    assert list(m.state_dict()) == ["scale", "lin.weight", "lin.bias"]
    t = torch.nn.Module()
    t.lin = torch.nn.Linear(2, 2)
    t.register_buffer("scale", torch.tensor([1.0, 2.0]))
    t.register_buffer("cache", torch.tensor([0.0]), persistent=False)
    assert list(m.state_dict()) == list(t.state_dict())
    m.scale = ck.tensor([3.0, 4.0])  # reassigning keeps it a buffer
    assert [n for n, _ in m.named_buffers()] == ["scale", "cache"]
    with pytest.raises(TypeError, match="buffer 'scale'.*Tensor or None"):
        m.scale = [1.0, 2.0]
    m.float()
    assert m.scale.dtype == np.float32 and m.state_dict()["scale"].dtype == np.float32
    twin = pickle.loads(pickle.dumps(copy.deepcopy(m)))
    np.testing.assert_array_equal(twin.state_dict()["scale"], [3.0, 4.0])
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("lin", ck.tensor(1.0))
