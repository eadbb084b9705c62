"""Issue 20: four silent differences from PyTorch, each now torch's behaviour or a loud error.

Each test asks real torch (float64 default dtype, coursekit's own default) what
it does and checks that coursekit does the same: the same error type for a
call torch refuses, the same dtype, the same name, the same parameter order.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from oracle import require_torch

import coursekit as ck


@contextlib.contextmanager
def torch_float64() -> Iterator[Any]:
    """Real torch with float64 as its default dtype (coursekit's), restored afterwards."""
    torch = require_torch()
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield torch
    finally:
        torch.set_default_dtype(before)


# ---- 1. softmax without dim ------------------------------------------------------------------

SOFTMAX_CALLS = {
    "softmax(x)": lambda lib, x: lib.softmax(x),
    "log_softmax(x)": lambda lib, x: lib.log_softmax(x),
    "x.softmax()": lambda lib, x: x.softmax(),
    "x.log_softmax()": lambda lib, x: x.log_softmax(),
}


@pytest.mark.parametrize("call", SOFTMAX_CALLS)
def test_softmax_without_dim_is_a_type_error_as_torch(call: str) -> None:
    with torch_float64() as torch:
        with pytest.raises(TypeError):
            SOFTMAX_CALLS[call](torch, torch.ones(2, 3))
    with pytest.raises(TypeError, match="dim=-1"):  # says how to write it
        SOFTMAX_CALLS[call](ck, ck.ones(2, 3))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_with_dim_matches_torch_positionally_and_by_keyword(name: str, dim: int) -> None:
    values = np.random.default_rng(dim + 3).normal(size=(3, 4))
    with torch_float64() as torch:
        t = torch.tensor(values)
        expected = [getattr(torch, name)(t, dim).numpy(), getattr(t, name)(dim=dim).numpy()]
    x = ck.tensor(values)
    got = [getattr(ck, name)(x, dim).numpy(), getattr(x, name)(dim=dim).numpy()]
    np.testing.assert_allclose(got, expected, rtol=1e-13)


# ---- 3. grad_fn names ------------------------------------------------------------------------

GRAD_FN_CASES = {
    "add": lambda lib, x, m: x + x,
    "add a number": lambda lib, x, m: x + 2,
    "sub": lambda lib, x, m: x - x,
    "mul": lambda lib, x, m: x * x,
    "mul a number": lambda lib, x, m: 3 * x,
    "div": lambda lib, x, m: x / x,
    "neg": lambda lib, x, m: -x,
    "pow a number": lambda lib, x, m: x**2,
    "pow a tensor": lambda lib, x, m: x.pow(x),
    "number ** tensor": lambda lib, x, m: 2**x,
    "matmul": lambda lib, x, m: m @ m,
    "mm": lambda lib, x, m: lib.mm(m, m),
    "matrix @ vector": lambda lib, x, m: m @ x,
    "vector @ vector": lambda lib, x, m: x @ x,
    "sum": lambda lib, x, m: x.sum(),
    "sum over dim": lambda lib, x, m: m.sum(0),
    "mean": lambda lib, x, m: x.mean(),
    "mean over dim": lambda lib, x, m: m.mean(dim=1),
    "max": lambda lib, x, m: x.max(),
    "prod": lambda lib, x, m: x.prod(),
    "exp": lambda lib, x, m: x.exp(),
    "log": lambda lib, x, m: x.log(),
    "sqrt": lambda lib, x, m: x.sqrt(),
    "abs": lambda lib, x, m: x.abs(),
    "relu": lambda lib, x, m: x.relu(),
    "torch.relu": lambda lib, x, m: lib.relu(x),
    "sigmoid": lambda lib, x, m: x.sigmoid(),
    "tanh": lambda lib, x, m: lib.tanh(x),
    "softmax": lambda lib, x, m: m.softmax(dim=1),
    "log_softmax": lambda lib, x, m: m.log_softmax(dim=1),
    "clamp": lambda lib, x, m: x.clamp(0.5, 1.5),
    "reshape": lambda lib, x, m: m.reshape(4),
    "T": lambda lib, x, m: m.T,
    "var": lambda lib, x, m: x.var(),
    "logsumexp": lambda lib, x, m: m.logsumexp(dim=1),
}


@pytest.mark.parametrize("case", GRAD_FN_CASES)
def test_grad_fn_names_are_torchs(case: str) -> None:
    values_x, values_m = [1.5, 2.0], [[1.0, 2.0], [3.0, 4.0]]
    with torch_float64() as torch:
        node = GRAD_FN_CASES[case](torch, torch.tensor(values_x, requires_grad=True),
                                   torch.tensor(values_m, requires_grad=True)).grad_fn
        expected = node.name()
    ours = GRAD_FN_CASES[case](ck, ck.tensor(values_x, requires_grad=True), ck.tensor(values_m, requires_grad=True))
    assert ours.grad_fn.name() == expected
    assert f"grad_fn=<{expected}>" in repr(ours)


@pytest.mark.parametrize("case", ["add", "mul", "mm", "sum", "exp", "relu", "sigmoid", "tanh"])
def test_grad_fn_class_names_are_torchs(case: str) -> None:
    values_x, values_m = [1.5, 2.0], [[1.0, 2.0], [3.0, 4.0]]
    with torch_float64() as torch:
        expected = type(GRAD_FN_CASES[case](torch, torch.tensor(values_x, requires_grad=True),
                                            torch.tensor(values_m, requires_grad=True)).grad_fn).__name__
    ours = GRAD_FN_CASES[case](ck, ck.tensor(values_x, requires_grad=True), ck.tensor(values_m, requires_grad=True))
    assert type(ours.grad_fn).__name__ == expected


def test_grad_fn_name_survives_the_backward_pass() -> None:
    x = ck.tensor([1.0, 2.0], requires_grad=True)
    y = (x**2).sum(0)
    y.backward()
    assert (y.grad_fn.name(), y.grad_fn.next_functions[0][0].name()) == ("SumBackward1", "PowBackward0")


# ---- 4. loss and activation signatures ----------------------------------------------------------


def _positional_names(fn: Any) -> list[str]:
    """The names of the parameters ``fn`` takes by position; for torch's builtins, from the docstring's first line."""
    import inspect
    import re

    try:
        params = inspect.signature(fn).parameters.values()
    except ValueError:  # a C builtin: its docstring starts "gelu(input, approximate = 'none') -> Tensor"
        head = re.match(r"\s*\w+\((.*?)\)", fn.__doc__).group(1)
        names = [part.split("=")[0].strip() for part in head.split(",")]
        return [n for n in names[: names.index("*")] if n] if "*" in names else names
    return [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def _functional_names() -> list[str]:
    from coursekit.nn import functional as F

    return sorted(name for name, value in vars(F).items()
                  if callable(value) and not isinstance(value, type) and not name.startswith("_")
                  and getattr(value, "__module__", None) == F.__name__)


def test_every_functional_shared_with_torch_takes_torchs_positional_parameters() -> None:
    from coursekit.nn import functional as F

    with torch_float64() as torch:
        shared = [name for name in _functional_names() if hasattr(torch.nn.functional, name)]
        expected = {name: _positional_names(getattr(torch.nn.functional, name)) for name in shared}
    assert {"mse_loss", "l1_loss", "cross_entropy", "kl_div", "relu", "gelu", "softmax"} <= set(shared)
    ours = {name: _positional_names(getattr(F, name)) for name in shared}
    assert ours == expected


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "kl_div"])
def test_a_reduction_passed_by_position_is_refused_with_the_keyword_spelling(name: str) -> None:
    from coursekit.nn import functional as F

    values = [[0.1, 0.2], [0.3, 0.4]]
    with torch_float64() as torch:  # torch reads "sum" as size_average: it does not sum
        with pytest.warns(UserWarning, match="size_average"):
            loss_torch = getattr(torch.nn.functional, name)(torch.tensor(values), torch.full((2, 2), 0.25), "sum")
        assert loss_torch.item() != getattr(torch.nn.functional, name)(
            torch.tensor(values), torch.full((2, 2), 0.25), reduction="sum").item()
    with pytest.raises(TypeError, match="reduction='sum'"):
        getattr(F, name)(ck.tensor(values), ck.full((2, 2), 0.25), "sum")


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_loss_weight_matches_torch(name: str, reduction: str) -> None:
    from coursekit.nn import functional as F

    rng = np.random.default_rng(5)
    x, y, w = rng.normal(size=(3, 4)) * 2, rng.normal(size=(3, 4)), rng.uniform(0.1, 2.0, size=(3, 4))
    with torch_float64() as torch:
        xt = torch.tensor(x, requires_grad=True)
        out = getattr(torch.nn.functional, name)(xt, torch.tensor(y), reduction=reduction, weight=torch.tensor(w))
        out.sum().backward()
        expected = out.detach().numpy(), xt.grad.numpy()
    xc = ck.tensor(x, requires_grad=True)
    ours = getattr(F, name)(xc, ck.tensor(y), reduction=reduction, weight=ck.tensor(w))
    ours.sum().backward()
    np.testing.assert_allclose(ours.detach().numpy(), expected[0], rtol=1e-13)
    np.testing.assert_allclose(xc.grad.numpy(), expected[1], rtol=1e-13)


@pytest.mark.parametrize("name", ["hardtanh", "dropout"])
def test_hardtanh_and_dropout_take_inplace_as_torch(name: str) -> None:
    from coursekit.nn import functional as F

    values = [-2.0, 0.5, 3.0]
    x = ck.tensor(values)
    out = getattr(F, name)(x, 0.0, *([1.0] if name == "hardtanh" else [True]), True)
    assert out is x
    with torch_float64() as torch:
        t = torch.tensor(values)
        expected = getattr(torch.nn.functional, name)(t, 0.0, *([1.0] if name == "hardtanh" else [True]), True)
        assert expected is t
    np.testing.assert_array_equal(x.numpy(), expected.numpy())


# ---- 2. type promotion ---------------------------------------------------------------------------

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
OPERATORS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b,
             "**": lambda a, b: a**b}


def _full(lib: Any, dtype: str, zero_dim: bool, value: float = 2) -> Any:
    """A tensor of ``dtype`` holding ``value``, 0-d or of shape (2,), made with ``lib``."""
    shape = () if zero_dim else (2,)
    if dtype == "bool":
        value = True
    return lib.full(shape, value, dtype=getattr(lib, dtype))


def _result_dtype_or_error(fn: Any) -> str:
    try:
        return str(fn().dtype).removeprefix("torch.")
    except (TypeError, RuntimeError):
        return "error"


@pytest.mark.parametrize("op", OPERATORS)
@pytest.mark.parametrize("zero_dim", ["neither", "left", "right"])
def test_tensor_tensor_result_dtypes_are_torchs(op: str, zero_dim: str) -> None:
    fn, pairs = OPERATORS[op], [(a, b) for a in DTYPES for b in DTYPES]
    left, right = zero_dim == "left", zero_dim == "right"
    with torch_float64() as torch:
        expected = {(a, b): _result_dtype_or_error(lambda: fn(_full(torch, a, left), _full(torch, b, right)))
                    for a, b in pairs}
    ours = {(a, b): _result_dtype_or_error(lambda: fn(_full(ck, a, left), _full(ck, b, right))) for a, b in pairs}
    # Where torch refuses (bool - bool), coursekit must refuse too or agree on a dtype NumPy gives.
    assert {k: v for k, v in ours.items() if expected[k] != "error"} == \
        {k: v for k, v in expected.items() if v != "error"}


@pytest.mark.parametrize("op", OPERATORS)
@pytest.mark.parametrize("number", [True, 3, 2.5])
@pytest.mark.parametrize("zero_dim", [False, True])
def test_tensor_number_result_dtypes_are_torchs(op: str, number: Any, zero_dim: bool) -> None:
    fn = OPERATORS[op]
    with torch_float64() as torch:
        expected = {(d, side): _result_dtype_or_error(
            lambda: fn(_full(torch, d, zero_dim), number) if side == "tensor first"
            else fn(number, _full(torch, d, zero_dim))) for d in DTYPES for side in ("tensor first", "number first")}
    ours = {(d, side): _result_dtype_or_error(
        lambda: fn(_full(ck, d, zero_dim), number) if side == "tensor first"
        else fn(number, _full(ck, d, zero_dim))) for d in DTYPES for side in ("tensor first", "number first")}
    assert {k: v for k, v in ours.items() if expected[k] != "error"} == \
        {k: v for k, v in expected.items() if v != "error"}


def test_float32_model_with_integer_data_stays_float32_with_gradients_as_torch() -> None:
    values = np.arange(6.0).reshape(2, 3)
    with torch_float64() as torch:
        w = torch.tensor(values, dtype=torch.float32, requires_grad=True)
        out = (w * torch.arange(3) + torch.tensor(0.5)) / 4
        out.sum().backward()
        expected = out.dtype, w.grad.dtype, out.detach().double().numpy(), w.grad.double().numpy()
    w = ck.tensor(values, dtype=ck.float32, requires_grad=True)
    out = (w * ck.arange(3) + ck.tensor(0.5)) / 4
    out.sum().backward()
    assert (str(out.dtype), str(w.grad.dtype)) == tuple(str(d).removeprefix("torch.") for d in expected[:2])
    np.testing.assert_allclose(out.detach().numpy(), expected[2], rtol=1e-7)
    np.testing.assert_allclose(w.grad.numpy(), expected[3], rtol=1e-7)


def test_promotion_follows_a_float32_default_dtype_as_torch() -> None:
    torch = require_torch()
    before_torch, before_ck = torch.get_default_dtype(), ck.get_default_dtype()
    torch.set_default_dtype(torch.float32)
    ck.set_default_dtype(ck.float32)
    try:
        expected = [str(e.dtype).removeprefix("torch.") for e in
                    (torch.arange(3) * 2.5, torch.arange(3) / 2, torch.tensor([True]) + 0.5)]
        ours = [str(e.dtype) for e in (ck.arange(3) * 2.5, ck.arange(3) / 2, ck.tensor([True]) + 0.5)]
    finally:
        torch.set_default_dtype(before_torch)
        ck.set_default_dtype(before_ck)
    assert ours == expected


@pytest.mark.parametrize("fn", ["maximum", "minimum", "where"])
@pytest.mark.parametrize("zero_dim", ["neither", "left", "right"])
def test_maximum_minimum_where_result_dtypes_are_torchs(fn: str, zero_dim: str) -> None:
    left, right = zero_dim == "left", zero_dim == "right"
    numeric = DTYPES[1:]  # torch's maximum refuses bool with numbers

    def call(lib: Any, a: str, b: str) -> Any:
        x, y = _full(lib, a, left), _full(lib, b, right)
        return lib.where(lib.ones(2) > 0, x, y) if fn == "where" else getattr(lib, fn)(x, y)

    with torch_float64() as torch:
        expected = {(a, b): _result_dtype_or_error(lambda: call(torch, a, b)) for a in numeric for b in numeric}
    assert {(a, b): _result_dtype_or_error(lambda: call(ck, a, b)) for a in numeric for b in numeric} == expected


def test_every_loss_and_activation_module_shared_with_torch_takes_torchs_positional_parameters() -> None:
    from coursekit.nn import activation, loss

    names = [name for module in (activation, loss) for name, value in vars(module).items()
             if isinstance(value, type) and value.__module__ == module.__name__ and not name.startswith("_")]
    with torch_float64() as torch:
        shared = [name for name in names if hasattr(torch.nn, name)]
        # Hardtanh's min_value/max_value are torch's deprecated aliases, left out here.
        expected = {name: [p for p in _positional_names(getattr(torch.nn, name).__init__)
                           if p not in ("min_value", "max_value")] for name in shared}
    assert {"MSELoss", "CrossEntropyLoss", "ReLU", "Hardtanh", "PReLU"} <= set(shared)
    assert {name: _positional_names(getattr(ck.nn, name).__init__) for name in shared} == expected
