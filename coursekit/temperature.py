"""Softmax with temperature, its two limits, and the entropy that measures how peaked it is.

``softmax_t(eta, T) = softmax(eta / T)``: a high T flattens the distribution
towards uniform, a low T piles the mass on the largest logit.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def softmax_t(logits: Any, T: float) -> np.ndarray:
    """Softmax of ``logits / T`` over the last axis, stable for any T in [0, inf].

    The max is subtracted *before* dividing by T, so ``(eta - max) / T`` is
    <= 0 and never overflows, even for T = 1e-3 (exp underflows to 0, harmlessly).
    T = 0 and T = inf return the limits of :func:`softmax_limits`.

    Parameters
    ----------
    logits : array_like, shape (..., k)
    T : float
        Temperature, ``T >= 0``.

    Examples
    --------
    >>> softmax_t([3.0, 0.0, 1.0], 1.0).round(6).tolist()
    [0.843795, 0.04201, 0.114195]
    >>> softmax_t([2.0, 2.0, 0.0], 0.0).tolist()
    [0.5, 0.5, 0.0]
    """
    eta = np.asarray(logits, dtype=float)
    if T < 0:
        raise ValueError(f"temperature must be >= 0, got {T}")
    if T == 0:
        return softmax_limits(eta)[0]
    z = (eta - eta.max(axis=-1, keepdims=True)) / T  # ties with the max give exactly 0 -> exp = 1
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def softmax_limits(logits: Any) -> tuple[np.ndarray, np.ndarray]:
    """The T -> 0 and T -> inf limits of :func:`softmax_t`.

    Returns
    -------
    cold : ndarray
        One-hot on the argmax; tied maxima share the mass evenly.
    hot : ndarray
        Uniform, ``1 / k`` everywhere.

    Examples
    --------
    >>> cold, hot = softmax_limits([3.0, 0.0, 3.0, 1.0])
    >>> cold.tolist(), hot.tolist()
    ([0.5, 0.0, 0.5, 0.0], [0.25, 0.25, 0.25, 0.25])
    """
    eta = np.asarray(logits, dtype=float)
    top = (eta == eta.max(axis=-1, keepdims=True)).astype(float)
    return top / top.sum(axis=-1, keepdims=True), np.full_like(eta, 1.0 / eta.shape[-1])


def entropy(p: Any) -> np.ndarray | float:
    """Shannon entropy ``-sum p log p`` in nats over the last axis, with ``0 log 0 = 0``.

    It runs from 0 (one-hot, T -> 0) to ``log k`` (uniform, T -> inf).

    Examples
    --------
    >>> float(entropy([0.5, 0.5, 0.0])) == float(np.log(2))
    True
    >>> float(entropy([1.0, 0.0]))
    0.0
    """
    p = np.asarray(p, dtype=float)
    terms = np.where(
        p > 0, -p * np.log(np.where(p > 0, p, 1.0)), 0.0
    )  # inner where: no log(0) warning
    return terms.sum(axis=-1)
