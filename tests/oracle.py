"""PyTorch as an oracle: compare coursekit's values and gradients with torch.autograd in float64."""

from __future__ import annotations

import os
from typing import Any, Callable, Sequence

import numpy as np
import pytest

import coursekit as ck


def require_torch() -> Any:
    """torch, or a skip on machines without it; in CI (CI=true) a missing torch is an error."""
    if os.environ.get("CI") == "true":
        import torch  # noqa: PLC0415  (CI installs the dev extra: torch must be there)

        return torch
    return pytest.importorskip("torch", reason="pip install torch==2.13.0 for the PyTorch oracle tests")


def compare_with_torch(
    fn_ck: Callable[..., Any],
    fn_torch: Callable[..., Any],
    arrays: Sequence[np.ndarray],
    rtol: float = 1e-10,
    atol: float = 1e-12,
    seed: int = 0,
) -> None:
    """Same inputs, same random upstream gradient: values and input gradients must agree."""
    torch = require_torch()
    xs = [ck.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out, tout = fn_ck(*xs), fn_torch(*ts)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=rtol, atol=atol, err_msg="forward value")
    upstream = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(upstream)
    tout.backward(torch.tensor(upstream))
    for i, (x, t) in enumerate(zip(xs, ts)):
        expected = np.zeros(x.shape) if t.grad is None else t.grad.numpy()
        got = np.zeros(x.shape) if x.grad is None else x.grad
        assert got.shape == x.shape and got.dtype == x.dtype, f"input {i}: grad {got.shape} {got.dtype}"
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, err_msg=f"gradient of input {i}")
