"""Tests for coursekit.regions: exact regions in 1-D/2-D, sampling, bounds, sawtooth, as_layers."""

from __future__ import annotations

import itertools
from math import comb, prod

import numpy as np
import pytest

from coursekit.regions import (
    as_layers,
    bound_trivial,
    count_linear_regions,
    count_regions_by_sampling,
    evaluate,
    grid_points,
    linear_regions,
    montufar_lower_bound,
    sawtooth,
    sawtooth_layers,
    serra_upper_bound,
    zaslavsky,
)

BOX = ((-2.0, 2.0), (-2.0, 2.0))


def random_net(widths, seed, bias_std=0.5):
    """He-initialised weights, (out, in) layout, small random biases."""
    rng = np.random.default_rng(seed)
    return [
        (rng.normal(0, np.sqrt(2 / a), (b, a)), rng.normal(0, bias_std, b))
        for a, b in itertools.pairwise(widths)
    ]


def patterns(net, X):
    """Activation patterns by a plain forward pass (independent of the library)."""
    H, bits = np.asarray(X, float), []
    for W, b in net:
        Z = H @ np.asarray(W).T + b
        bits.append(Z > 0)
        H = np.maximum(Z, 0)
    return np.concatenate(bits, axis=1)


def shoelace(v):
    w = np.roll(v, -1, axis=0)
    return 0.5 * np.sum(v[:, 0] * w[:, 1] - w[:, 0] * v[:, 1])


def perimeter(v):
    return np.sum(np.linalg.norm(np.roll(v, -1, axis=0) - v, axis=1))


def pattern_set(P):
    """The distinct rows of a boolean pattern array, as integers (fast for millions of rows)."""
    return set(
        np.unique(P.astype(np.int64) @ (1 << np.arange(P.shape[1], dtype=np.int64))).tolist()
    )


# ---------------------------------------------------------------- 2-D exact


@pytest.mark.parametrize("H", [1, 2, 3, 5, 8, 12])
@pytest.mark.parametrize("seed", [0, 1])
def test_one_layer_count_is_zaslavsky_when_box_holds_all_crossings(H, seed):
    W, b = random_net([2, H], seed, bias_std=1.0)[0]
    crossings = [
        np.linalg.solve(W[[i, j]], -b[[i, j]]) for i, j in itertools.combinations(range(H), 2)
    ]
    feet = list(-b[:, None] * W / np.sum(W**2, axis=1, keepdims=True))  # a point on every line
    pts = np.array(crossings + feet)
    box = tuple((lo - 1.0, hi + 1.0) for lo, hi in zip(pts.min(0), pts.max(0)))
    assert count_linear_regions([(W, b)], box) == 1 + H + H * (H - 1) // 2


@pytest.mark.parametrize("widths", [(2, 4, 4), (2, 5, 5, 5), (2, 16, 16, 16)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_polygons_partition_the_box(widths, seed):
    net = random_net(widths, seed)
    regions = linear_regions(net, BOX)
    areas = np.array([shoelace(r.vertices) for r in regions])
    assert np.all(areas > 0)  # counter-clockwise, non-degenerate
    assert areas.sum() == pytest.approx(16.0, rel=1e-12)
    for r in regions:  # convex: every turn is a left turn (up to rounding)
        e = np.roll(r.vertices, -1, axis=0) - r.vertices
        turns = e[:, 0] * np.roll(e[:, 1], -1) - e[:, 1] * np.roll(e[:, 0], -1)
        assert np.all(turns > -1e-12)
    centroids = np.array([r.vertices.mean(axis=0) for r in regions])
    assert np.array_equal(patterns(net, centroids), np.array([r.pattern for r in regions]))
    assert len(pattern_set(np.array([r.pattern for r in regions]))) == len(regions)


@pytest.mark.parametrize("widths", [(2, 4, 4), (2, 5, 5, 5)])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_exact_count_agrees_with_a_fine_grid(widths, seed):
    """Grid patterns are exact patterns; every region thick enough to hold a grid point is found.

    A convex region has inradius >= area / perimeter (its inner parallel body at
    distance t < A/P has area >= A - P t > 0).  A disk of radius >= half the grid
    cell's diagonal contains a cell centre, so such regions must be seen.
    """
    net, n = random_net(widths, seed), 1000
    regions = linear_regions(net, BOX)
    exact = pattern_set(np.array([r.pattern for r in regions]))
    grid = pattern_set(patterns(net, grid_points(BOX, n)))
    half_diagonal = np.hypot(4 / n, 4 / n) / 2
    thick = sum(shoelace(r.vertices) / perimeter(r.vertices) > half_diagonal for r in regions)
    assert grid <= exact
    assert thick <= len(grid) <= len(exact)
    assert count_regions_by_sampling(net, BOX, n=n) == len(grid)
    if thick == len(regions):
        assert len(grid) == len(exact)


@pytest.mark.parametrize("seed", [0, 1])
def test_degenerate_nets_give_no_slivers(seed):
    """Zero biases (all lines through one point) and a duplicated unit: still a clean partition."""
    rng = np.random.default_rng(seed)
    net = [(rng.normal(size=(6, 2)), np.zeros(6)), (rng.normal(size=(6, 6)), np.zeros(6))]
    net[0][0][3] = net[0][0][0]  # a duplicate unit: the same line twice
    regions = linear_regions(net, BOX, rel_measure_tol=0.0)
    assert sum(shoelace(r.vertices) for r in regions) == pytest.approx(16.0, rel=1e-12)
    assert min(shoelace(r.vertices) for r in regions) > 1e-6
    assert len(regions) == count_regions_by_sampling(net, BOX, n=400)


# ---------------------------------------------------------------- 1-D exact


@pytest.mark.parametrize("widths", [(1, 3), (1, 8, 8), (1, 6, 6, 6)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_1d_regions_tile_the_interval(widths, seed):
    net, (lo, hi) = random_net(widths, seed), (-3.0, 2.0)
    regions = linear_regions(net, (lo, hi))
    ends = np.array([r.vertices[:, 0] for r in regions])
    assert ends[0, 0] == lo and ends[-1, 1] == hi
    assert np.array_equal(ends[1:, 0], ends[:-1, 1])
    assert np.all(ends[:, 1] > ends[:, 0])
    P = np.array([r.pattern for r in regions])
    assert np.array_equal(patterns(net, ends.mean(axis=1)[:, None]), P)
    assert np.all(np.any(P[1:] != P[:-1], axis=1))  # a boundary is where some unit switches
    X = np.linspace(lo, hi, 200_001)[:, None]
    assert len(pattern_set(patterns(net, X))) <= len(regions)
    assert count_regions_by_sampling(net, X) == len(pattern_set(patterns(net, X)))


@pytest.mark.parametrize("seed", range(4))
def test_1d_one_layer_count_is_one_plus_roots_inside(seed):
    W, b = random_net([1, 10], seed, bias_std=1.0)[0]
    roots = -b / W[:, 0]
    assert count_linear_regions([(W, b)], (-1.0, 1.0)) == 1 + np.sum(np.abs(roots) < 1)


def tent_power(x, L):
    for _ in range(L):
        x = np.minimum(2 * x, 2 - 2 * x)
    return x


@pytest.mark.parametrize("L", range(1, 9))
def test_sawtooth_has_2_to_the_L_pieces_on_dyadic_intervals(L):
    regions = linear_regions(sawtooth(L), (0.0, 1.0))
    assert len(regions) == 2**L
    ends = np.array([r.vertices[:, 0] for r in regions])
    k = np.arange(2**L)
    assert np.allclose(ends, np.stack([k, k + 1], axis=1) / 2**L, atol=1e-15)


@pytest.mark.parametrize("L", [1, 2, 5, 8])
def test_sawtooth_values_match_the_tent_map(L):
    hidden, out = sawtooth_layers(L)
    x = np.linspace(0.0, 1.0, 4097)
    y = evaluate(hidden, x[:, None], output=out)[:, 0]
    assert np.all((y >= 0) & (y <= 1))
    assert np.allclose(y, tent_power(x, L), atol=1e-12)
    assert len(hidden) == L and all(W.shape[0] == 2 for W, _ in hidden)


# ---------------------------------------------------------------- bounds


@pytest.mark.parametrize("n", range(12))
def test_zaslavsky_small_cases_by_hand(n):
    assert zaslavsky(n, 1) == n + 1
    assert zaslavsky(n, 2) == 1 + n + n * (n - 1) // 2
    assert zaslavsky(n, 3) == 1 + n + n * (n - 1) // 2 + n * (n - 1) * (n - 2) // 6
    assert zaslavsky(n, n + 2) == 2**n


def serra_by_enumeration(widths, n0):
    """Theorem 1 of Serra et al. (2018) read literally: enumerate J."""
    total = 0
    for js in itertools.product(*(range(n + 1) for n in widths)):
        caps = [
            min([n0] + [widths[k] - js[k] for k in range(l)] + [widths[l]])
            for l in range(len(widths))
        ]
        if all(0 <= j <= cap for j, cap in zip(js, caps)):
            total += prod(comb(n, j) for n, j in zip(widths, js))
    return total


@pytest.mark.parametrize(
    "widths,n0",
    [([3], 2), ([4, 4], 2), ([2, 3, 4], 1), ([5, 3, 4], 3), ([6, 2, 6], 2), ([3, 3, 3, 3], 2)],
)
def test_serra_matches_enumeration_of_J(widths, n0):
    assert serra_upper_bound(widths, n0) == serra_by_enumeration(widths, n0)


def test_serra_hand_cases():
    assert serra_upper_bound([3], 2) == 7  # one layer: tight, = Zaslavsky
    assert serra_upper_bound([2, 2], 1) == 9  # j in {0, 1} per layer: (1 + 2)^2
    # A width-1 bottleneck: (j1, j2) in {(0, 0), (0, 1), (1, 0)}; one line, then one more
    # cut of its active side only (the inactive side maps to a single point).
    assert serra_upper_bound([1, 1], 2) == 3


def test_montufar_hand_cases_and_domain():
    assert montufar_lower_bound([4, 4, 4], 2) == 2**2 * 2**2 * (1 + 4 + 6)
    assert montufar_lower_bound([7], 2) == 1 + 7 + 21
    assert montufar_lower_bound([3, 5], 1) == 3 * 6
    with pytest.raises(ValueError):
        montufar_lower_bound([4, 1], 2)


@pytest.mark.parametrize("n0", [1, 2, 3])
def test_bounds_are_ordered(n0):
    for widths in itertools.product(range(n0, n0 + 5), repeat=3):
        lower, upper = montufar_lower_bound(widths, n0), serra_upper_bound(widths, n0)
        assert lower <= upper <= bound_trivial(sum(widths))
    for n in range(1, 10):
        assert (
            montufar_lower_bound([n + n0], n0)
            == serra_upper_bound([n + n0], n0)
            == zaslavsky(n + n0, n0)
        )


@pytest.mark.parametrize(
    "widths", [(2, 4, 4), (2, 5, 5, 5), (2, 8, 8), (2, 16, 16, 16), (1, 6, 6, 6)]
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exact_counts_respect_the_upper_bounds(widths, seed):
    net = random_net(widths, seed)
    count = count_linear_regions(net, BOX if widths[0] == 2 else (-3.0, 3.0))
    assert count <= serra_upper_bound(widths[1:], widths[0]) <= bound_trivial(sum(widths[1:]))


def test_sawtooth_respects_the_bounds():
    for L in range(1, 9):
        assert 2**L <= serra_upper_bound([2] * L, 1) <= bound_trivial(2 * L)


# ---------------------------------------------------------------- sampling and as_layers


def test_sampling_is_a_lower_bound_with_points_or_domain():
    net = random_net((2, 6, 6), 3)
    exact = count_linear_regions(net, BOX)
    X = np.random.default_rng(0).uniform(-2, 2, size=(5000, 2))
    assert count_regions_by_sampling(net, X) <= count_regions_by_sampling(net, BOX, n=300) <= exact
    assert count_regions_by_sampling(net, X, chunk=7) == count_regions_by_sampling(net, X)


def test_grid_points_are_cell_centres():
    g = grid_points(((0.0, 4.0), (-1.0, 1.0)), 4)
    assert g.shape == (16, 2)
    assert sorted(set(g[:, 0])) == [0.5, 1.5, 2.5, 3.5] and sorted(set(g[:, 1])) == [
        -0.75,
        -0.25,
        0.25,
        0.75,
    ]


def test_as_layers_reads_torch_modules():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    body = torch.nn.Sequential(
        torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 3), torch.nn.ReLU()
    )
    model = torch.nn.Sequential(body, torch.nn.Linear(3, 1))  # nested, with a read-out
    layers = as_layers(model)
    assert [W.shape for W, _ in layers] == [(4, 2), (3, 4)]
    X = np.random.default_rng(1).normal(size=(50, 2))
    head = model[1]
    out = (head.weight.detach().numpy(), head.bias.detach().numpy())
    expected = model(torch.tensor(X, dtype=torch.float32)).detach().numpy()
    assert np.allclose(evaluate(model, X, output=out), expected, atol=1e-5)
    assert count_linear_regions(model, BOX) >= 1


def test_as_layers_reads_coursekit_mlp():
    nn = pytest.importorskip("coursekit.nn")
    model = nn.MLP([2, 5, 4, 1])
    layers = as_layers(model)
    assert [W.shape for W, _ in layers] == [(5, 2), (4, 5)]
    X = np.random.default_rng(2).normal(size=(20, 2))
    out = (np.asarray(model[-1].weight.data), np.asarray(model[-1].bias.data))
    assert np.allclose(evaluate(model, X, output=out), np.asarray(model(X).data))


class _Param:
    def __init__(self, a):
        self.data = np.asarray(a, float)


class _Linear:  # stores (in, out), as in ``X @ W + b``
    def __init__(self, W_in_out, b):
        self.weight, self.bias = _Param(W_in_out), _Param(b)
        self.in_features, self.out_features = np.shape(W_in_out)


class ReLU:
    pass


def test_as_layers_duck_typing_and_hooks():
    W1, b1, W2, b2 = np.ones((2, 3)), np.arange(3.0), np.ones((3, 1)), np.zeros(1)
    layers = as_layers([_Linear(W1, b1), ReLU(), _Linear(W2, b2)])
    assert len(layers) == 1 and layers[0][0].shape == (3, 2) and np.array_equal(layers[0][1], b1)

    class WithHook:
        def hidden_layers(self):
            return [(W1.T, b1)]

    assert np.array_equal(as_layers(WithHook())[0][0], W1.T)
    assert as_layers([]) == []
    with pytest.raises(TypeError):
        as_layers(object())
    with pytest.raises(ValueError):
        as_layers([(np.ones((3, 2)), np.zeros(3)), (np.ones((2, 4)), np.zeros(2))])


def test_no_hidden_layer_is_one_region():
    assert count_linear_regions([], BOX) == 1 and count_linear_regions([], (0.0, 1.0)) == 1


@pytest.mark.parametrize("L", [1, 4, 8])
def test_sawtooth_is_a_sequential_from_n_by_1_to_n_by_1(L):
    import coursekit as ck

    net = sawtooth(L)
    x = np.linspace(0, 1, 1001).reshape(-1, 1)
    y = net(ck.tensor(x)).data
    assert y.shape == (1001, 1)
    assert y.min() >= -1e-12 and y.max() <= 1 + 1e-12
    tent = x[:, 0]
    for _ in range(L):
        tent = np.where(tent < 0.5, 2 * tent, 2 - 2 * tent)
    np.testing.assert_allclose(y[:, 0], tent, atol=1e-12)
    assert count_linear_regions(net, (0.0, 1.0)) == 2**L
