"""Tests for coursekit.temperature against the course outline's table and the limits."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.temperature import entropy, softmax_limits, softmax_t

ETA = [3.0, 0.0, 1.0]
TABLE = {  # COURSE_OUTLINE.md, section 4
    0.1: (1.000000, 0.000000, 0.000000),
    0.5: (0.979629, 0.002428, 0.017943),
    1: (0.843795, 0.042010, 0.114195),
    2: (0.628532, 0.140244, 0.231224),
    5: (0.450627, 0.247309, 0.302064),
    100: (0.338909, 0.328893, 0.332198),
}


@pytest.mark.parametrize("T", list(TABLE))
def test_outline_table_to_six_decimals(T):
    assert np.round(softmax_t(ETA, T), 6).tolist() == pytest.approx(TABLE[T], abs=1e-12)


@pytest.mark.parametrize("T", [1e-3, 1e-2, 0.3, 1.0, 10.0, 1e3])
def test_matches_the_naive_formula_and_is_a_distribution(T):
    p = softmax_t(ETA, T)
    assert p.sum() == pytest.approx(1.0) and np.all(p >= 0)
    with np.errstate(
        over="ignore"
    ):  # p_i = 1 / sum_j exp((eta_j - eta_i) / T): overflow -> inf -> p_i = 0
        ratios = np.exp((np.array(ETA)[None, :] - np.array(ETA)[:, None]) / T)
    assert np.allclose(p, 1 / ratios.sum(axis=1), rtol=1e-12, atol=1e-300)


def test_extreme_logits_do_not_overflow():
    p = softmax_t([1e4, -1e4, 0.0], 1e-3)
    assert np.all(np.isfinite(p)) and p.tolist() == [1.0, 0.0, 0.0]


def test_limits():
    cold, hot = softmax_limits(ETA)
    assert cold.tolist() == [1.0, 0.0, 0.0] and np.allclose(hot, 1 / 3)
    assert np.allclose(softmax_t(ETA, 1e-3), cold) and np.allclose(
        softmax_t(ETA, 1e6), hot, atol=1e-5
    )
    assert softmax_t(ETA, 0.0).tolist() == cold.tolist()
    assert np.allclose(softmax_t(ETA, np.inf), hot)
    ties = [2.0, 5.0, 5.0, 5.0]
    assert np.allclose(softmax_t(ties, 0.0), [0, 1 / 3, 1 / 3, 1 / 3])
    assert np.allclose(softmax_t(ties, 1e-3), [0, 1 / 3, 1 / 3, 1 / 3])
    with pytest.raises(ValueError):
        softmax_t(ETA, -1.0)


def test_batches_over_the_last_axis():
    batch = np.array([ETA, [0.0, 0.0, 0.0], [1.0, 2.0, 3.0]])
    p = softmax_t(batch, 2.0)
    assert p.shape == (3, 3) and np.allclose(p.sum(axis=1), 1)
    assert np.allclose(p[0], TABLE[2], atol=1e-6)
    assert softmax_limits(batch)[0].tolist() == [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [0, 0, 1]]


def test_entropy():
    assert entropy([1.0, 0.0, 0.0]) == 0.0
    assert entropy([0.25] * 4) == pytest.approx(np.log(4))
    assert entropy([0.5, 0.5, 0.0]) == pytest.approx(np.log(2))
    p = np.array([0.2, 0.3, 0.5])
    assert entropy(p) == pytest.approx(-(0.2 * np.log(0.2) + 0.3 * np.log(0.3) + 0.5 * np.log(0.5)))
    Ts = np.geomspace(1e-2, 1e2, 50)
    H = np.array([entropy(softmax_t(ETA, T)) for T in Ts])
    assert np.all(np.diff(H) > -1e-15)  # heating up never lowers the entropy
    assert H[0] == pytest.approx(0.0, abs=1e-12) and H[-1] == pytest.approx(np.log(3), abs=1e-3)
