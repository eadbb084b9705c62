"""Tests for coursekit.landscapes: gradients, optimiser paths, and Goh's momentum analysis."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.landscapes import (
    GABOR_X,
    GABOR_Y,
    PHI_TRUE,
    GaborLoss,
    Rosenbrock,
    gabor_model,
    gd_components,
    gd_rate,
    ill_conditioned_quadratic,
    momentum_components,
    momentum_matrix,
    momentum_rate,
    optimal_momentum,
    run,
    spectral_radius,
)

LANDSCAPES = {
    "quadratic": ill_conditioned_quadratic(
        kappa=25.0, angle=0.7, lambda_min=0.5, center=(1.0, -2.0)
    ),
    "rosenbrock": Rosenbrock(),
    "gabor": GaborLoss(),
}


def central_difference(f, w, h=1e-6):
    w = np.asarray(w, dtype=float)
    return np.array([(f(w + h * e) - f(w - h * e)) / (2 * h) for e in np.eye(len(w))])


@pytest.mark.parametrize("name", list(LANDSCAPES))
def test_gradients_match_central_differences(name):
    fn = LANDSCAPES[name]
    rng = np.random.default_rng(0)
    for w in rng.uniform([-3, 2], [3, 12], size=(10, 2)):
        num = central_difference(fn.value, w)
        assert np.allclose(fn.grad(w), num, rtol=1e-6, atol=1e-6 * (1 + np.abs(num).max()))


@pytest.mark.parametrize("name", list(LANDSCAPES))
def test_value_and_grad_work_on_grids(name):
    fn = LANDSCAPES[name]
    grid = np.stack(
        np.meshgrid(np.linspace(-2, 2, 5), np.linspace(3, 9, 4), indexing="ij"), axis=-1
    )
    assert fn.value(grid).shape == (5, 4) and fn.grad(grid).shape == (5, 4, 2)
    assert fn.value(grid)[2, 1] == pytest.approx(fn.value(grid[2, 1]))
    assert np.allclose(fn.grad(grid)[3, 2], fn.grad(grid[3, 2]))


def test_quadratic_construction():
    q = ill_conditioned_quadratic(kappa=50.0, angle=0.3, lambda_min=2.0, center=(1.0, 2.0))
    assert np.allclose(q.eigenvalues, [2.0, 100.0])
    assert np.allclose(np.abs(q.eigenvectors[:, 0]), np.abs([np.cos(0.3), np.sin(0.3)]))
    assert q.value(q.minimum) == 0.0 and np.allclose(q.grad(q.minimum), 0.0)
    d = np.array([0.3, -0.4])
    assert q.value(q.minimum + d) == pytest.approx(0.5 * d @ q.A @ d)


def test_rosenbrock_minimum():
    r = Rosenbrock(a=2.0, b=10.0)
    assert r.value(r.minimum) == 0.0 and np.allclose(r.grad(r.minimum), 0.0)
    assert r.value([0.0, 0.0]) == pytest.approx(4.0)


def test_gabor_dataset_is_the_documented_formula():
    k = np.arange(41)
    assert np.array_equal(GABOR_X, -15.0 + 0.75 * k)
    u = PHI_TRUE[0] + 0.06 * PHI_TRUE[1] * GABOR_X
    noise = 0.1 * (((37 * k) % 17) / 8 - 1)
    assert np.allclose(GABOR_Y, np.sin(u) * np.exp(-(u**2) / 8) + noise, rtol=0, atol=1e-15)
    assert np.all(np.abs(noise) <= 0.1)
    assert gabor_model(GABOR_X, PHI_TRUE).shape == (41,)


def test_gabor_has_a_global_and_a_worse_local_valley():
    loss = GaborLoss()
    good = run(loss, [1.0, 9.0], "gd", lr=0.05, steps=3000)
    bad = run(loss, [5.0, 6.0], "gd", lr=0.05, steps=3000)
    for path in (good, bad):
        assert np.linalg.norm(loss.grad(path.w[-1])) < 1e-6  # both reach a stationary point
        assert np.all(np.diff(path.loss) <= 1e-12)
    assert np.linalg.norm(good.w[-1] - PHI_TRUE) < 0.1
    assert bad.loss[-1] > 10 * good.loss[-1]


# ---------------------------------------------------------------- optimisers


def test_gd_with_step_one_over_lambda_max_converges():
    q = LANDSCAPES["quadratic"]
    path = run(q, [4.0, 3.0], "gd", lr=1 / q.eigenvalues.max(), steps=2000)
    assert np.linalg.norm(path.w[-1] - q.minimum) < 1e-10
    assert np.all(np.diff(path.loss) <= 0)


def test_heavy_ball_and_nesterov_follow_their_update_rules():
    q, lr, beta = LANDSCAPES["quadratic"], 0.02, 0.8
    for name in ("momentum", "nesterov"):
        path = run(q, [4.0, 3.0], name, lr=lr, beta=beta, steps=5)
        w, v = np.array([4.0, 3.0]), np.zeros(2)
        for k in range(1, 6):
            v = beta * v - lr * q.grad(w + beta * v if name == "nesterov" else w)
            w = w + v
            assert np.allclose(path.w[k], w, rtol=1e-14)
    assert not np.allclose(
        run(q, [4.0, 3.0], "momentum", lr, beta, 5).w, run(q, [4.0, 3.0], "nesterov", lr, beta, 5).w
    )


@pytest.mark.parametrize("start", [[4.0, 3.0], [-1.0, 0.5]])
def test_adam_first_step_is_about_alpha_per_coordinate(start):
    fn, lr = LANDSCAPES["rosenbrock"], 0.01
    path = run(fn, start, "adam", lr=lr, steps=1)
    step = path.w[1] - path.w[0]
    assert np.allclose(np.abs(step), lr, rtol=1e-6)
    assert np.array_equal(np.sign(step), -np.sign(fn.grad(start)))


def test_adam_reaches_the_quadratic_minimum():
    q = LANDSCAPES["quadratic"]
    path = run(q, [4.0, 3.0], "adam", lr=0.05, steps=3000)
    assert np.linalg.norm(path.w[-1] - q.minimum) < 1e-2


def test_unknown_optimizer_and_divergence():
    q = LANDSCAPES["quadratic"]
    with pytest.raises(ValueError):
        run(q, [1.0, 1.0], "sgd")
    path = run(q, [1.0, 1.0], "gd", lr=1.0, steps=400)  # alpha lambda_max = 12.5 > 2
    assert not np.isfinite(path.loss[-1]) or path.loss[-1] > 1e100


# ---------------------------------------------------------------- Goh's analysis


def envelope_rate(errors, window=50):
    """Per-step decay of a long run: (largest late error / first error)^(1/k)."""
    k = np.arange(len(errors))
    tail = slice(len(errors) - window, len(errors))
    return np.max((errors[tail] / errors[0]) ** (1 / k[tail]))


@pytest.mark.parametrize(
    "alpha,beta", [(0.05, 0.9), (0.1, 0.1), (0.15, 0.5), (0.19, 0.0), (0.02, 0.3)]
)
def test_momentum_rate_matches_simulated_decay(alpha, beta):
    # Minimum at the origin: errors can then shrink far below 1e-16 without hitting rounding.
    q = ill_conditioned_quadratic(kappa=10.0, angle=0.4)
    path = run(q, [3.0, 2.0], "momentum", lr=alpha, beta=beta, steps=1500)
    simulated = envelope_rate(np.hypot(*(path.w - q.minimum).T))  # hypot: no underflow of squares
    assert simulated == pytest.approx(momentum_rate(alpha, beta, q.eigenvalues), rel=0.02)


def test_rate_matches_the_largest_eigenvalue_modulus_of_R():
    for alpha, beta, lam in [
        (0.05, 0.9, 3.0),
        (0.1, 0.1, 1.0),
        (0.3, 0.2, 9.0),
        (0.01, 0.99, 50.0),
    ]:
        expected = np.max(np.abs(np.linalg.eigvals(momentum_matrix(alpha, beta, lam))))
        assert spectral_radius(alpha, beta, lam) == pytest.approx(expected, rel=1e-7)


@pytest.mark.parametrize("kappa", [2.0, 10.0, 100.0, 1e4])
def test_optimal_parameters_give_the_accelerated_rate(kappa):
    lam = 0.5 * np.array([1.0, 1 + (kappa - 1) / 3, 1 + 2 * (kappa - 1) / 3, kappa])
    alpha, beta = optimal_momentum(lam)
    target = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
    assert momentum_rate(alpha, beta, lam) == pytest.approx(target, rel=1e-6)
    assert target < gd_rate(2 / (lam.min() + lam.max()), lam)  # momentum beats the best plain GD
    for a, b in [
        (alpha * 1.1, beta),
        (alpha * 0.9, beta),
        (alpha, beta * 1.05),
        (alpha, beta * 0.95),
    ]:
        assert momentum_rate(a, b, lam) >= momentum_rate(alpha, beta, lam) - 1e-9  # locally optimal


def test_gd_rate_is_momentum_rate_at_beta_zero():
    lam = [1.0, 4.0, 10.0]
    for alpha in (0.01, 0.1, 0.18, 0.25):
        assert momentum_rate(alpha, 0.0, lam) == pytest.approx(gd_rate(alpha, lam))
        assert gd_rate(alpha, lam) == pytest.approx(max(abs(1 - alpha * x) for x in lam))


@pytest.mark.parametrize("optimizer,beta", [("gd", 0.0), ("momentum", 0.7), ("momentum", 0.95)])
def test_eigen_decomposition_sums_to_the_simulated_iterates(optimizer, beta):
    q, alpha, steps = LANDSCAPES["quadratic"], 0.05, 200
    start = np.array([4.0, 3.0])
    path = run(q, start, optimizer, lr=alpha, beta=beta, steps=steps)
    x0 = q.to_eigenbasis(start)
    if optimizer == "gd":
        parts = gd_components(alpha, q.eigenvalues, x0, steps)
    else:
        parts = momentum_components(alpha, beta, q.eigenvalues, x0, steps)
    rebuilt = q.minimum + parts @ q.eigenvectors.T  # sum_i x_i^k q_i
    assert np.allclose(rebuilt, path.w, rtol=0, atol=1e-12)
    assert np.allclose(0.5 * (parts**2) @ q.eigenvalues, path.loss, rtol=1e-10, atol=1e-14)
