"""Seeded toy datasets for the course.

Conventions shared by every generator here:

* features ``X`` are float64 with shape ``(n_samples, n_features)``;
* classification labels ``y`` are int64 with shape ``(n_samples,)`` and values
  ``0 .. n_classes - 1``;
* regression targets ``y`` are float64 with shape ``(n_samples, 1)``, so that
  ``mse_loss(model(X), y)`` compares two ``(n, 1)`` arrays;
* randomness comes only from ``np.random.default_rng(seed)``: the same seed
  gives the same data.

Names and semantics follow scikit-learn's ``make_*`` functions where those
exist, so what students learn here transfers (scikit-learn is not imported).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "make_xor",
    "make_moons",
    "make_circles",
    "make_spirals",
    "make_blobs",
    "make_sine_regression",
    "gabor_model",
    "make_gabor_data",
    "gabor_loss",
]

Float = NDArray[np.float64]
Int = NDArray[np.int64]


def _class_sizes(n_samples: int, n_classes: int) -> list[int]:
    """Split ``n_samples`` into ``n_classes`` sizes that differ by at most one."""
    if n_samples < 0 or n_classes < 1:
        raise ValueError(f"need n_samples >= 0 and n_classes >= 1, got {n_samples}, {n_classes}")
    base, extra = divmod(n_samples, n_classes)
    return [base + (k < extra) for k in range(n_classes)]


def _shuffled(X: Float, y: NDArray, rng: np.random.Generator) -> tuple[Float, NDArray]:
    # Generators build data class by class; shuffling stops a naive
    # ``X[:n_train]`` split from seeing only some of the classes.
    order = rng.permutation(len(X))
    return X[order], y[order]


def _two_classes(class0: Float, class1: Float, noise: float, seed: int) -> tuple[Float, Int]:
    """Points of class 0 and class 1, with Gaussian noise of std ``noise``, shuffled."""
    X = np.vstack([class0, class1])
    y = np.repeat(np.array([0, 1], dtype=np.int64), [len(class0), len(class1)])
    rng = np.random.default_rng(seed)
    return _shuffled(X + noise * rng.standard_normal(X.shape), y, rng)


def make_xor(
    n_per_corner: int | None = None, noise: float = 0.0, seed: int = 0
) -> tuple[Float, Int]:
    """The XOR problem: label 1 where exactly one coordinate is 1.

    Parameters
    ----------
    n_per_corner : int or None, default None
        Points per corner of the unit square. ``None`` gives the four corners
        once each, in the order ``[0,0], [0,1], [1,0], [1,1]``.
    noise : float, default 0.0
        Standard deviation of Gaussian noise added to every coordinate.
    seed : int, default 0
        Seed for the noise.

    Returns
    -------
    X : ndarray of shape (4 * n_per_corner, 2), float64
        Points in corner order (corner 0 repeated, then corner 1, ...).
    y : ndarray of shape (4 * n_per_corner,), int64
        XOR of the two coordinates of the clean corner.

    Examples
    --------
    >>> X, y = make_xor()
    >>> X.tolist(), y.tolist()
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    >>> make_xor(n_per_corner=10, noise=0.1)[0].shape
    (40, 2)
    """
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    labels = np.array([0, 1, 1, 0], dtype=np.int64)
    repeats = 1 if n_per_corner is None else n_per_corner
    X = np.repeat(corners, repeats, axis=0)
    y = np.repeat(labels, repeats)
    if noise:
        X = X + noise * np.random.default_rng(seed).standard_normal(X.shape)
    return X, y


def make_moons(n_samples: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[Float, Int]:
    """Two interleaving half circles (scikit-learn's ``make_moons``).

    Class 0 lies on the upper half of the unit circle centred at ``(0, 0)``;
    class 1 on the lower half of the unit circle centred at ``(1, 0.5)``.
    Points are evenly spaced in angle before noise is added.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points; class 0 gets ``n_samples // 2``.
    noise : float, default 0.1
        Standard deviation of Gaussian noise added to every coordinate.
    seed : int, default 0
        Seed for the noise and the shuffle.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64
        Labels 0 and 1, shuffled together with ``X``.

    Examples
    --------
    >>> X, y = make_moons(100, noise=0.0)
    >>> X.shape, y.dtype.name, int(y.sum())
    ((100, 2), 'int64', 50)
    """
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    t_outer = np.linspace(0.0, np.pi, n_outer)
    t_inner = np.linspace(0.0, np.pi, n_inner)
    outer = np.column_stack([np.cos(t_outer), np.sin(t_outer)])
    inner = np.column_stack([1.0 - np.cos(t_inner), 0.5 - np.sin(t_inner)])
    return _two_classes(outer, inner, noise, seed)


def make_circles(
    n_samples: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int = 0
) -> tuple[Float, Int]:
    """A circle inside a circle (scikit-learn's ``make_circles``).

    Class 0 lies on the unit circle, class 1 on a concentric circle of radius
    ``factor``. No straight line separates them; the squared radius does.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points; class 0 (outer) gets ``n_samples // 2``.
    noise : float, default 0.05
        Standard deviation of Gaussian noise added to every coordinate.
    factor : float, default 0.5
        Radius of the inner circle, ``0 <= factor < 1``.
    seed : int, default 0
        Seed for the noise and the shuffle.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), int64
        0 for the outer circle, 1 for the inner one.

    Examples
    --------
    >>> X, y = make_circles(8, noise=0.0, factor=0.3)
    >>> np.round(np.hypot(X[:, 0], X[:, 1]), 6)[y == 1].tolist()
    [0.3, 0.3, 0.3, 0.3]
    """
    if not 0.0 <= factor < 1.0:
        raise ValueError(f"factor must be in [0, 1), got {factor}")
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    t_outer = np.linspace(0.0, 2 * np.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0.0, 2 * np.pi, n_inner, endpoint=False)
    outer = np.column_stack([np.cos(t_outer), np.sin(t_outer)])
    inner = factor * np.column_stack([np.cos(t_inner), np.sin(t_inner)])
    return _two_classes(outer, inner, noise, seed)


def make_spirals(
    n_samples: int = 300, n_classes: int = 3, noise: float = 0.2, seed: int = 0
) -> tuple[Float, Int]:
    """Interleaved spiral arms, the classic CS231n toy problem.

    Arm ``k`` has points at radius ``r`` evenly spaced in ``[0, 1]`` and angle
    ``t = 4k + 4r + noise * N(0, 1)`` (radians), mapped to
    ``(r sin t, r cos t)``.

    Parameters
    ----------
    n_samples : int, default 300
        Total number of points, split as evenly as possible over the arms.
    n_classes : int, default 3
        Number of arms (classes).
    noise : float, default 0.2
        Standard deviation of the noise on the *angle*, in radians.
    seed : int, default 0
        Seed for the noise and the shuffle.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
        Every point lies in the unit disc.
    y : ndarray of shape (n_samples,), int64
        Arm index, ``0 .. n_classes - 1``.

    Examples
    --------
    >>> X, y = make_spirals(300, n_classes=3)
    >>> X.shape, np.bincount(y).tolist()
    ((300, 2), [100, 100, 100])
    """
    rng = np.random.default_rng(seed)
    parts, labels = [], []
    for k, size in enumerate(_class_sizes(n_samples, n_classes)):
        r = np.linspace(0.0, 1.0, size)
        t = np.linspace(4.0 * k, 4.0 * (k + 1), size) + noise * rng.standard_normal(size)
        parts.append(np.column_stack([r * np.sin(t), r * np.cos(t)]))
        labels.append(np.full(size, k, dtype=np.int64))
    return _shuffled(np.vstack(parts), np.concatenate(labels), rng)


def make_blobs(
    n_samples: int = 300,
    centers: int | ArrayLike = 3,
    std: float = 1.0,
    seed: int = 0,
) -> tuple[Float, Int]:
    """Isotropic Gaussian clusters (scikit-learn's ``make_blobs``).

    Parameters
    ----------
    n_samples : int, default 300
        Total number of points, split as evenly as possible over the clusters.
    centers : int or array_like of shape (n_clusters, n_features), default 3
        An int draws that many 2-D centres uniformly from ``[-10, 10]^2``;
        an array gives the centres themselves (any number of features).
    std : float, default 1.0
        Standard deviation of every cluster along every axis.
    seed : int, default 0
        Seed for the centres, the points and the shuffle.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,), int64
        Index of the cluster each point was drawn from.

    Examples
    --------
    >>> X, y = make_blobs(6, centers=[[0.0, 0.0], [5.0, 5.0]], std=0.0)
    >>> X[y == 1].tolist()
    [[5.0, 5.0], [5.0, 5.0], [5.0, 5.0]]
    """
    rng = np.random.default_rng(seed)
    if isinstance(centers, (int, np.integer)):
        means = rng.uniform(-10.0, 10.0, size=(int(centers), 2))
    else:
        means = np.asarray(centers, dtype=np.float64)
        if means.ndim != 2:
            raise ValueError(f"centers must be an int or a 2-D array, got shape {means.shape}")
    sizes = _class_sizes(n_samples, len(means))
    y = np.repeat(np.arange(len(means), dtype=np.int64), sizes)
    X = means[y] + std * rng.standard_normal((n_samples, means.shape[1]))
    return _shuffled(X, y, rng)


def make_sine_regression(
    n_samples: int = 100,
    noise: float = 0.1,
    seed: int = 0,
    x_range: tuple[float, float] = (0.0, 2 * np.pi),
) -> tuple[Float, Float]:
    """Noisy samples of ``sin(x)`` for 1-D regression.

    Parameters
    ----------
    n_samples : int, default 100
        Number of points.
    noise : float, default 0.1
        Standard deviation of Gaussian noise added to the targets.
    seed : int, default 0
        Seed for the inputs and the noise.
    x_range : (float, float), default (0, 2 pi)
        Inputs are drawn uniformly from ``[low, high)`` (unsorted: sort by
        ``X[:, 0]`` before drawing a line through them).

    Returns
    -------
    X : ndarray of shape (n_samples, 1), float64
    y : ndarray of shape (n_samples, 1), float64
        ``sin(X) + noise * N(0, 1)``; a column, like a model's output.

    Examples
    --------
    >>> X, y = make_sine_regression(50, noise=0.0)
    >>> X.shape, y.shape, bool(np.allclose(y, np.sin(X)))
    ((50, 1), (50, 1), True)
    """
    rng = np.random.default_rng(seed)
    low, high = x_range
    X = rng.uniform(low, high, size=(n_samples, 1))
    y = np.sin(X) + noise * rng.standard_normal((n_samples, 1))
    return X, y


def gabor_model(x: ArrayLike, phi: ArrayLike) -> Float:
    """The course's Gabor model ``sin(z) exp(-z^2 / 8)`` with ``z = p0 + 0.06 p1 x``.

    A one-input, two-parameter model whose squared-error loss has several
    valleys: the course uses it to show local minima and saddle points.

    Parameters
    ----------
    x : array_like
        Inputs, any shape.
    phi : array_like of shape (2,) or (..., 2)
        Parameters ``(p0, p1)``. Leading axes form a batch of parameter
        settings, e.g. a grid for drawing the loss landscape.

    Returns
    -------
    ndarray of shape ``phi.shape[:-1] + x.shape``, float64
        ``f[x, phi]`` for every parameter setting and every input.

    Examples
    --------
    >>> float(gabor_model(0.0, [0.0, 1.0]))
    0.0
    >>> gabor_model(np.linspace(-15, 15, 7), np.zeros((4, 3, 2))).shape
    (4, 3, 7)
    """
    x = np.asarray(x, dtype=np.float64)
    phi = np.asarray(phi, dtype=np.float64)
    # Trailing singleton axes let the parameter batch broadcast against x.
    p0, p1 = (p.reshape(p.shape + (1,) * x.ndim) for p in (phi[..., 0], phi[..., 1]))
    z = p0 + 0.06 * p1 * x
    return np.sin(z) * np.exp(-(z**2) / 8.0)


def make_gabor_data(
    n_samples: int = 30,
    phi_true: tuple[float, float] = (0.0, 10.0),
    noise: float = 0.1,
    seed: int = 0,
    x_range: tuple[float, float] = (-15.0, 15.0),
) -> tuple[Float, Float]:
    """Noisy samples of :func:`gabor_model` at ``phi_true``.

    Parameters
    ----------
    n_samples : int, default 30
        Number of points.
    phi_true : (float, float), default (0.0, 10.0)
        The parameters ``(p0, p1)`` that generate the data.
    noise : float, default 0.1
        Standard deviation of Gaussian noise added to the targets.
    seed : int, default 0
        Seed for the inputs and the noise.
    x_range : (float, float), default (-15, 15)
        Inputs are drawn uniformly from ``[low, high)``.

    Returns
    -------
    X : ndarray of shape (n_samples, 1), float64
    y : ndarray of shape (n_samples, 1), float64

    Examples
    --------
    >>> X, y = make_gabor_data(20, noise=0.0)
    >>> bool(np.allclose(y, gabor_model(X, (0.0, 10.0))))
    True
    """
    rng = np.random.default_rng(seed)
    low, high = x_range
    X = rng.uniform(low, high, size=(n_samples, 1))
    y = gabor_model(X, phi_true) + noise * rng.standard_normal((n_samples, 1))
    return X, y


def gabor_loss(phi: ArrayLike, x: ArrayLike, y: ArrayLike) -> Float:
    """Sum of squared errors of :func:`gabor_model`, for one or many ``phi``.

    Parameters
    ----------
    phi : array_like of shape (2,) or (..., 2)
        Parameters ``(p0, p1)``; leading axes are a batch (e.g. a grid).
    x : array_like
        Inputs, e.g. ``X`` of shape (n, 1) or (n,).
    y : array_like, same shape as ``x``
        Targets.

    Returns
    -------
    ndarray of shape ``phi.shape[:-1]``, float64
        ``sum_i (f[x_i, phi] - y_i)^2`` for every parameter setting.

    Examples
    --------
    >>> X, y = make_gabor_data(30, phi_true=(0.0, 10.0), noise=0.0)
    >>> float(gabor_loss([0.0, 10.0], X, y))
    0.0
    >>> p0, p1 = np.meshgrid(np.linspace(-10, 10, 41), np.linspace(0, 20, 21))
    >>> gabor_loss(np.stack([p0, p1], axis=-1), X, y).shape
    (21, 41)
    """
    x = np.asarray(x, dtype=np.float64)
    residual = gabor_model(x, phi) - np.asarray(y, dtype=np.float64)
    return np.sum(residual**2, axis=tuple(range(-x.ndim, 0)))
