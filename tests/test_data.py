"""Tests for coursekit.data: toy generators, the shipped dataset, splits, loader."""

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import coursekit as ck
from coursekit.data import (
    DataLoader,
    Standardizer,
    TensorDataset,
    gabor_loss,
    gabor_model,
    load_wine,
    make_blobs,
    make_circles,
    make_gabor_data,
    make_moons,
    make_sine_regression,
    make_spirals,
    make_xor,
    train_val_test_split,
)

# (generator, kwargs, number of classes) for every classification generator.
CLASSIFIERS = [
    (make_xor, {"n_per_corner": 25, "noise": 0.1}, 2),
    (make_moons, {"n_samples": 101}, 2),
    (make_circles, {"n_samples": 101}, 2),
    (make_spirals, {"n_samples": 301, "n_classes": 4}, 4),
    (make_blobs, {"n_samples": 301, "centers": 5}, 5),
]
ALL_GENERATORS = [(fn, kw) for fn, kw, _ in CLASSIFIERS] + [
    (make_sine_regression, {"n_samples": 50}),
    (make_gabor_data, {"n_samples": 50}),
]


# ---------------------------------------------------------------- synthetic


@pytest.mark.parametrize("fn, kwargs, n_classes", CLASSIFIERS)
def test_classification_shapes_dtypes_and_labels(fn, kwargs, n_classes):
    X, y = fn(**kwargs)
    n = len(y)
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    assert set(np.unique(y)) == set(range(n_classes))
    assert np.all(np.isfinite(X))


@pytest.mark.parametrize("fn, kwargs, n_classes", CLASSIFIERS)
def test_classes_are_balanced(fn, kwargs, n_classes):
    _, y = fn(**kwargs)
    counts = np.bincount(y, minlength=n_classes)
    assert counts.max() - counts.min() <= 1


@pytest.mark.parametrize("fn, kwargs", ALL_GENERATORS)
def test_same_seed_same_data_other_seed_other_data(fn, kwargs):
    X1, y1 = fn(**kwargs, seed=3)
    X2, y2 = fn(**kwargs, seed=3)
    X3, _ = fn(**kwargs, seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize("fn", [make_moons, make_circles, make_spirals, make_blobs])
def test_samples_are_shuffled_not_grouped_by_class(fn):
    _, y = fn(n_samples=200, seed=0)
    # Sorted labels would change class only n_classes - 1 times.
    assert np.count_nonzero(np.diff(y)) > 20


@pytest.mark.parametrize("fn", [make_moons, make_circles, make_spirals, make_blobs])
def test_requested_sample_count(fn):
    for n in (1, 2, 7, 60):
        X, y = fn(n_samples=n)
        assert len(X) == len(y) == n


def test_xor_default_is_exact_truth_table():
    X, y = make_xor()
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    assert X.dtype == np.float64 and y.dtype == np.int64


def test_xor_corners_without_noise_obey_xor():
    X, y = make_xor(n_per_corner=5)
    assert X.shape == (20, 2)
    assert set(map(tuple, X)) == {(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)}
    np.testing.assert_array_equal(y, (X[:, 0] != X[:, 1]).astype(int))


def test_xor_noise_moves_points_but_keeps_labels_of_nearest_corner():
    X, y = make_xor(n_per_corner=50, noise=0.05)
    assert not np.array_equal(X, np.round(X))
    corner = np.round(X)
    np.testing.assert_array_equal(y, (corner[:, 0] != corner[:, 1]).astype(int))


def test_moons_without_noise_lie_on_two_unit_semicircles():
    X, y = make_moons(n_samples=100, noise=0.0)
    outer, inner = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(outer[:, 0], outer[:, 1]), 1.0)
    assert np.all(outer[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1.0, inner[:, 1] - 0.5), 1.0)
    assert np.all(inner[:, 1] <= 0.5 + 1e-12)
    # Semicircle ends: the arcs run from angle 0 to pi.
    assert np.isclose(outer[:, 0].min(), -1.0) and np.isclose(outer[:, 0].max(), 1.0)


def test_moons_noise_has_requested_scale():
    X, y = make_moons(n_samples=4000, noise=0.1)
    radius = np.hypot(X[y == 0, 0], X[y == 0, 1])
    assert 0.07 < np.std(radius - 1.0) < 0.13


@pytest.mark.parametrize("factor", [0.0, 0.3, 0.8])
def test_circles_without_noise_have_radii_one_and_factor(factor):
    X, y = make_circles(n_samples=60, noise=0.0, factor=factor)
    r = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], factor, atol=1e-12)


@pytest.mark.parametrize("factor", [-0.1, 1.0, 2.0])
def test_circles_reject_bad_factor(factor):
    with pytest.raises(ValueError):
        make_circles(factor=factor)


def test_spirals_follow_the_cs231n_formula_without_noise():
    n_per_class, k = 50, 3
    X, y = make_spirals(n_samples=n_per_class * k, n_classes=k, noise=0.0)
    assert np.all(np.bincount(y) == n_per_class)
    for label in range(k):
        pts = X[y == label]
        r = np.hypot(pts[:, 0], pts[:, 1])
        t = 4.0 * label + 4.0 * r  # arm k sweeps angles [4k, 4k + 4] as r goes 0 -> 1
        np.testing.assert_allclose(pts[:, 0], r * np.sin(t), atol=1e-12)
        np.testing.assert_allclose(pts[:, 1], r * np.cos(t), atol=1e-12)
        np.testing.assert_allclose(np.sort(r), np.linspace(0, 1, n_per_class), atol=1e-12)


def test_spirals_stay_in_unit_disc_with_noise():
    X, _ = make_spirals(n_samples=300, noise=0.5)
    assert np.all(np.hypot(X[:, 0], X[:, 1]) <= 1.0 + 1e-12)


def test_blobs_with_given_centres_and_zero_std_are_the_centres():
    centres = np.array([[0.0, 0.0, 1.0], [5.0, -5.0, 2.0]])
    X, y = make_blobs(n_samples=10, centers=centres, std=0.0)
    assert X.shape == (10, 3)
    np.testing.assert_array_equal(X, centres[y])


def test_blobs_spread_around_their_centres_with_given_std():
    centres = np.array([[-4.0, 0.0], [4.0, 0.0]])
    X, y = make_blobs(n_samples=4000, centers=centres, std=0.5)
    for k, c in enumerate(centres):
        np.testing.assert_allclose(X[y == k].mean(axis=0), c, atol=0.05)
        np.testing.assert_allclose(X[y == k].std(axis=0), 0.5, atol=0.05)


def test_blobs_random_centres_are_in_the_box():
    X, y = make_blobs(n_samples=300, centers=4, std=0.0)
    centres = np.unique(X, axis=0)
    assert len(centres) == 4
    assert np.all(np.abs(centres) <= 10.0)


def test_sine_regression_shapes_range_and_noise():
    X, y = make_sine_regression(n_samples=2000, noise=0.2, x_range=(-1.0, 3.0))
    assert X.shape == (2000, 1) and y.shape == (2000, 1)
    assert X.dtype == y.dtype == np.float64
    assert X.min() >= -1.0 and X.max() < 3.0
    assert 0.18 < np.std(y - np.sin(X)) < 0.22


def test_sine_regression_without_noise_is_sine():
    X, y = make_sine_regression(n_samples=30, noise=0.0)
    assert X.min() >= 0.0 and X.max() < 2 * math.pi
    np.testing.assert_allclose(y[:, 0], [math.sin(v) for v in X[:, 0]])


def _gabor_by_hand(x, p0, p1):
    z = p0 + 0.06 * p1 * x
    return math.sin(z) * math.exp(-(z**2) / 8.0)


def test_gabor_model_matches_formula():
    xs = np.linspace(-15, 15, 13)
    for p0, p1 in [(0.0, 10.0), (-1.5, 3.0), (2.0, -7.0)]:
        got = gabor_model(xs, (p0, p1))
        want = [_gabor_by_hand(x, p0, p1) for x in xs]
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_gabor_model_broadcasts_over_a_grid_of_phi():
    xs = np.array([[-3.0], [0.5], [7.0]])  # (n, 1), as returned by make_gabor_data
    phis = np.array([[[0.0, 10.0], [1.0, 2.0]], [[-2.0, 5.0], [3.0, 20.0]]])  # (2, 2, 2)
    out = gabor_model(xs, phis)
    assert out.shape == (2, 2, 3, 1)
    for i in range(2):
        for j in range(2):
            p0, p1 = phis[i, j]
            want = [_gabor_by_hand(x, p0, p1) for x in xs[:, 0]]
            np.testing.assert_allclose(out[i, j, :, 0], want, rtol=1e-12, atol=1e-15)


def test_gabor_data_follow_the_model_and_range():
    X, y = make_gabor_data(n_samples=40, phi_true=(0.5, 12.0), noise=0.0)
    assert X.shape == y.shape == (40, 1)
    assert X.min() >= -15 and X.max() < 15
    np.testing.assert_allclose(y[:, 0], [_gabor_by_hand(x, 0.5, 12.0) for x in X[:, 0]])


def test_gabor_loss_is_sum_of_squared_errors_over_grid():
    X, y = make_gabor_data(n_samples=25, noise=0.1, seed=1)
    p0, p1 = np.meshgrid(np.linspace(-10, 10, 5), np.linspace(0, 20, 4))
    grid = np.stack([p0, p1], axis=-1)
    L = gabor_loss(grid, X, y)
    assert L.shape == (4, 5)
    for i in range(4):
        for j in range(5):
            pairs = zip(X[:, 0], y[:, 0], strict=True)
            want = sum((_gabor_by_hand(x, p0[i, j], p1[i, j]) - t) ** 2 for x, t in pairs)
            assert L[i, j] == pytest.approx(want, rel=1e-12)
    # Flat (n,) inputs give the same loss as (n, 1) columns.
    np.testing.assert_allclose(gabor_loss(grid, X[:, 0], y[:, 0]), L)


def test_gabor_loss_is_zero_at_true_phi_without_noise_and_positive_elsewhere():
    X, y = make_gabor_data(n_samples=30, phi_true=(0.0, 10.0), noise=0.0)
    assert gabor_loss([0.0, 10.0], X, y) == pytest.approx(0.0, abs=1e-24)
    assert gabor_loss([1.0, 10.0], X, y) > 0.1


# --------------------------------------------------------------------- real


def test_wine_loads_with_documented_shape_and_labels():
    wine = load_wine()
    assert wine.X.shape == (178, 13) and wine.X.dtype == np.float64
    assert wine.y.shape == (178,) and wine.y.dtype == np.int64
    assert not np.isnan(wine.X).any()
    # Class sizes as documented by UCI for cultivars 1, 2, 3.
    assert np.bincount(wine.y).tolist() == [59, 71, 48]
    assert len(wine.feature_names) == 13 and wine.feature_names[0] == "alcohol"
    assert wine.feature_names[-1] == "proline"
    assert len(wine.target_names) == 3
    assert "CC BY 4.0" in wine.description


def test_wine_values_in_uci_documented_ranges():
    wine = load_wine()
    alcohol = wine.X[:, wine.feature_names.index("alcohol")]
    proline = wine.X[:, wine.feature_names.index("proline")]
    # UCI summary: alcohol 11.0-14.8 (mean 13.0), proline 278-1680 (mean 746).
    assert 11.0 <= alcohol.min() and alcohol.max() <= 14.9
    assert abs(alcohol.mean() - 13.0) < 0.05
    assert proline.min() == 278 and proline.max() == 1680


def test_wine_return_X_y_matches_full_result():
    X, y = load_wine(return_X_y=True)
    wine = load_wine()
    np.testing.assert_array_equal(X, wine.X)
    np.testing.assert_array_equal(y, wine.y)


def test_library_imports_no_sklearn_scipy_or_torch():
    code = (
        "import sys, coursekit.data\n"
        "bad = [m for m in ('sklearn', 'scipy', 'torch') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_data_imports_without_autograd_as_in_the_grading_sandbox(tmp_path):
    """The autograder ships coursekit/data alone (a3 and a5 allow it): the toy data must load on NumPy only."""
    import shutil
    from pathlib import Path

    import coursekit.data

    package = tmp_path / "coursekit"
    shutil.copytree(Path(coursekit.data.__file__).parent, package / "data")
    (package / "__init__.py").write_text("")
    code = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.startswith('coursekit.') and not name.startswith('coursekit.data'):\n"
        "            raise ImportError('not in the sandbox: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from coursekit.data import make_spirals, make_moons, DataLoader, random_split\n"
        "X, y = make_spirals(20)\n"
        "assert X.shape[0] == y.shape[0] > 0\n"
        "try:\n"
        "    next(iter(DataLoader((X, y), batch_size=4)))\n"
        "except ImportError as e:\n"
        "    assert 'coursekit.autograd is not available' in str(e), e\n"
        "else:\n"
        "    raise AssertionError('DataLoader made Tensors without coursekit.autograd')\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -------------------------------------------------------------------- split


def _ids(n=100, n_classes=3):
    """Features whose first column is the sample's id, and labels id % n_classes."""
    ids = np.arange(n)
    return np.column_stack([ids, ids * 2.0]), ids % n_classes


def test_split_sizes_disjoint_and_complete():
    X, y = _ids(200)
    (Xtr, ytr), (Xva, yva), (Xte, yte) = train_val_test_split(X, y, val=0.15, test=0.25)
    assert (len(Xtr), len(Xva), len(Xte)) == (120, 30, 50)
    parts = [Xtr[:, 0], Xva[:, 0], Xte[:, 0]]
    all_ids = np.concatenate(parts)
    assert sorted(all_ids.tolist()) == list(range(200))
    # X and y rows stay paired.
    for Xp, yp in [(Xtr, ytr), (Xva, yva), (Xte, yte)]:
        np.testing.assert_array_equal(yp, Xp[:, 0].astype(int) % 3)
        np.testing.assert_array_equal(Xp[:, 1], 2 * Xp[:, 0])


def test_split_is_shuffled_and_seeded():
    X, y = _ids(100)
    a = train_val_test_split(X, y, seed=1)
    b = train_val_test_split(X, y, seed=1)
    c = train_val_test_split(X, y, seed=2)
    for (Xa, _), (Xb, _) in zip(a, b, strict=True):
        np.testing.assert_array_equal(Xa, Xb)
    # Different seeds pick different samples, not just a different order.
    assert set(a[2][0][:, 0]) != set(c[2][0][:, 0])
    assert not np.array_equal(a[0][0][:, 0], np.sort(a[0][0][:, 0]))


def test_stratified_split_keeps_class_proportions():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], [500, 300, 200])
    X = rng.standard_normal((1000, 2))
    parts = train_val_test_split(X, y, val=0.2, test=0.1, stratify=True)
    for (_, yp), frac in zip(parts, [0.7, 0.2, 0.1], strict=True):
        counts = np.bincount(yp, minlength=3)
        np.testing.assert_allclose(counts, frac * np.array([500, 300, 200]), atol=1)


def test_stratified_split_is_not_ordered_by_class():
    X, y = _ids(300)
    (_, ytr), _, _ = train_val_test_split(X, y, stratify=True)
    assert np.count_nonzero(np.diff(ytr)) > 10


@settings(max_examples=50, deadline=None)
@given(
    n=st.integers(1, 80),
    val=st.floats(0.0, 0.45),
    test=st.floats(0.0, 0.45),
    stratify=st.booleans(),
)
def test_split_partitions_any_size(n, val, test, stratify):
    X, y = _ids(n)
    parts = train_val_test_split(X, y, val=val, test=test, stratify=stratify)
    ids = np.concatenate([Xp[:, 0] for Xp, _ in parts])
    assert sorted(ids.tolist()) == list(range(n))
    if not stratify:
        assert len(parts[1][0]) == round(val * n) and len(parts[2][0]) == round(test * n)


@pytest.mark.parametrize("val, test", [(-0.1, 0.2), (0.5, 0.5), (0.2, -0.01), (0.7, 0.4)])
def test_split_rejects_bad_fractions(val, test):
    X, y = _ids(10)
    with pytest.raises(ValueError):
        train_val_test_split(X, y, val=val, test=test)


def test_split_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="10.*9"):
        train_val_test_split(np.zeros((10, 2)), np.zeros(9))


def test_standardizer_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    train = rng.normal(3.0, 2.0, size=(500, 3))
    test = rng.normal(-10.0, 5.0, size=(50, 3))
    s = Standardizer().fit(train)
    np.testing.assert_allclose(s.mean_, train.mean(axis=0))
    np.testing.assert_allclose(s.std_, train.std(axis=0))
    np.testing.assert_allclose(s.transform(test), (test - train.mean(0)) / train.std(0))
    Z = s.transform(train)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1.0)
    # Transforming test data must not refit.
    before = s.mean_.copy()
    s.transform(test)
    np.testing.assert_array_equal(s.mean_, before)


def test_standardizer_round_trips_and_fit_transform_matches():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 4)) * [1.0, 10.0, 0.1, 100.0]
    s = Standardizer()
    Z = s.fit_transform(X)
    np.testing.assert_allclose(Z, Standardizer().fit(X).transform(X))
    np.testing.assert_allclose(s.inverse_transform(Z), X)


def test_standardizer_handles_constant_feature():
    X = np.array([[1.0, 7.0], [2.0, 7.0], [3.0, 7.0]])
    s = Standardizer().fit(X)
    Z = s.transform(X)
    assert np.all(np.isfinite(Z))
    np.testing.assert_array_equal(Z[:, 1], 0.0)
    np.testing.assert_allclose(s.inverse_transform(Z), X)


def test_standardizer_requires_fit():
    with pytest.raises(RuntimeError):
        Standardizer().transform(np.zeros((2, 2)))


# ------------------------------------------------------------------- loader


def _epoch_ids(loader):
    return [np.asarray(xb)[:, 0].astype(int).tolist() for xb, _ in loader]


@settings(max_examples=100, deadline=None)
@given(
    n=st.integers(0, 70),
    batch_size=st.integers(1, 25),
    drop_last=st.booleans(),
    shuffle=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_loader_batches_cover_each_sample_once(n, batch_size, drop_last, shuffle, seed):
    X, y = _ids(n)
    loader = DataLoader((X, y), batch_size, shuffle=shuffle, drop_last=drop_last, seed=seed)
    batches = list(loader)
    assert len(batches) == len(loader)
    full, rest = divmod(n, batch_size)
    assert len(loader) == (full if drop_last or rest == 0 else full + 1)
    sizes = [len(xb) for xb, _ in batches]
    assert all(s == batch_size for s in sizes[:full])
    if not drop_last and rest:
        assert sizes[-1] == rest
    seen = [i for xb, _ in batches for i in np.asarray(xb)[:, 0].astype(int)]
    assert len(seen) == len(set(seen))  # without replacement
    if drop_last:
        assert len(seen) == full * batch_size
    else:
        assert sorted(seen) == list(range(n))
    for xb, yb in batches:  # rows stay paired with their labels
        assert isinstance(xb, ck.Tensor) and isinstance(yb, ck.Tensor)  # as PyTorch's DataLoader
        assert xb.dtype == np.float64 and yb.dtype == np.int64
        np.testing.assert_array_equal(np.asarray(yb), np.asarray(xb)[:, 0].astype(int) % 3)
    if not shuffle:
        assert seen == list(range(len(seen)))


def test_loader_without_shuffle_keeps_order():
    X, y = _ids(7)
    assert _epoch_ids(DataLoader((X, y), batch_size=3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert _epoch_ids(DataLoader((X, y), batch_size=3, drop_last=True)) == [[0, 1, 2], [3, 4, 5]]


def test_loader_reshuffles_every_epoch_reproducibly():
    X, y = _ids(50)
    a = DataLoader((X, y), batch_size=8, shuffle=True, seed=7)
    b = DataLoader(TensorDataset(X, y), batch_size=8, shuffle=True, seed=7)
    epochs_a = [_epoch_ids(a) for _ in range(3)]
    epochs_b = [_epoch_ids(b) for _ in range(3)]
    assert epochs_a == epochs_b
    assert epochs_a[0] != epochs_a[1] != epochs_a[2]
    assert epochs_a[0] != _epoch_ids(DataLoader((X, y), batch_size=8, shuffle=True, seed=8))
    assert sum(epochs_a[0], []) != list(range(50))


def test_loader_mismatched_lengths_name_both():
    with pytest.raises(ValueError, match=r"5.*4"):
        DataLoader((np.zeros((5, 2)), np.zeros(4)))
    with pytest.raises(ValueError, match=r"3.*6"):
        TensorDataset(np.zeros(3), np.zeros(6))


@pytest.mark.parametrize("bad", [0, -1, 2.5])
def test_loader_rejects_bad_batch_size(bad):
    with pytest.raises(ValueError):
        DataLoader((np.zeros(4),), batch_size=bad)


def test_loader_accepts_custom_dataset_object():
    class Squares:
        def __len__(self):
            return 5

        def __getitem__(self, idx):
            return (np.asarray(idx), np.asarray(idx) ** 2)

    out = [tuple(b.tolist() for b in batch) for batch in DataLoader(Squares(), batch_size=2)]
    assert out == [([0, 1], [0, 1]), ([2, 3], [4, 9]), ([4], [16])]


def test_loader_batches_are_copies_not_views_of_the_data():
    X = np.arange(6.0).reshape(3, 2)
    for (xb,) in DataLoader((X,), batch_size=3):
        np.asarray(xb)[:] = -1
    np.testing.assert_array_equal(X, np.arange(6.0).reshape(3, 2))
