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
