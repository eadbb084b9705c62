"""Train/validation/test splits and feature standardisation."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["train_val_test_split", "Standardizer"]

Pair = tuple[NDArray, NDArray]


def _split_sizes(n: int, val: float, test: float) -> tuple[int, int]:
    """Number of validation and test samples out of ``n`` (rounded)."""
    return int(round(val * n)), int(round(test * n))


def _split_indices(
    y: NDArray, val: float, test: float, stratify: bool, rng: np.random.Generator
) -> tuple[NDArray, NDArray, NDArray]:
    """Shuffled train, validation and test index arrays."""
    groups = [np.flatnonzero(y == c) for c in np.unique(y)] if stratify else [np.arange(len(y))]
    train, valid, tests = [], [], []
    for idx in groups:
        idx = rng.permutation(idx)
        n_val, n_test = _split_sizes(len(idx), val, test)
        tests.append(idx[:n_test])
        valid.append(idx[n_test : n_test + n_val])
        train.append(idx[n_test + n_val :])
    # Shuffle again so a stratified split is not ordered by class.
    return (
        rng.permutation(np.concatenate(train)),
        rng.permutation(np.concatenate(valid)),
        rng.permutation(np.concatenate(tests)),
    )


def train_val_test_split(
    X: ArrayLike,
    y: ArrayLike,
    val: float = 0.15,
    test: float = 0.15,
    seed: int = 0,
    stratify: bool = False,
) -> tuple[Pair, Pair, Pair]:
    """Shuffle and split ``(X, y)`` into training, validation and test sets.

    Parameters
    ----------
    X : array_like of shape (n_samples, ...)
        Features; split along the first axis.
    y : array_like of shape (n_samples, ...)
        Targets, split with the same indices as ``X``.
    val, test : float, default 0.15
        Fractions of the samples for validation and test, each rounded to the
        nearest whole sample; training gets the rest. Need ``val, test >= 0``
        and ``val + test < 1``.
    seed : int, default 0
        Seed for the shuffle.
    stratify : bool, default False
        If True, split every class of ``y`` separately with the same
        fractions, so each part keeps the class proportions. Sizes are then
        rounded per class, so totals can differ from the unstratified ones by
        up to one sample per class.

    Returns
    -------
    ((X_train, y_train), (X_val, y_val), (X_test, y_test))
        Three ``(X, y)`` pairs of NumPy arrays that together hold every
        sample exactly once, each in shuffled order.

    Examples
    --------
    >>> X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    >>> (Xtr, ytr), (Xva, yva), (Xte, yte) = train_val_test_split(X, y, val=0.2, test=0.2)
    >>> len(ytr), len(yva), len(yte)
    (6, 2, 2)
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X and y have different lengths: {len(X)} and {len(y)}")
    if val < 0 or test < 0 or val + test >= 1:
        raise ValueError(f"need val >= 0, test >= 0 and val + test < 1, got {val} and {test}")
    rng = np.random.default_rng(seed)
    train, valid, tests = _split_indices(y, val, test, stratify, rng)
    return (X[train], y[train]), (X[valid], y[valid]), (X[tests], y[tests])


class Standardizer:
    """Shift and scale each feature to zero mean and unit variance.

    Fit on the training data only, then apply the *same* ``mean_`` and
    ``std_`` to validation and test data: statistics of held-out data must
    not leak into the model.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
        Per-feature mean of the data passed to :meth:`fit`.
    std_ : ndarray of shape (n_features,)
        Per-feature (population) standard deviation of that data, with zeros
        replaced by 1 so constant features map to 0 instead of dividing by 0.

    Examples
    --------
    >>> train, test = np.array([[1.0], [3.0]]), np.array([[5.0]])
    >>> s = Standardizer().fit(train)
    >>> s.transform(train).ravel().tolist(), s.transform(test).ravel().tolist()
    ([-1.0, 1.0], [3.0])
    >>> s.inverse_transform(s.transform(test)).ravel().tolist()
    [5.0]
    """

    def __init__(self) -> None:
        self.mean_: NDArray[np.float64] | None = None
        self.std_: NDArray[np.float64] | None = None

    def fit(self, X: ArrayLike) -> Standardizer:
        """Learn ``mean_`` and ``std_`` from ``X`` (rows are samples); return self."""
        X = np.asarray(X, dtype=np.float64)
        self.mean_ = X.mean(axis=0)
        std = X.std(axis=0)
        self.std_ = np.where(std > 0, std, 1.0)
        return self

    def _stats(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        if self.mean_ is None or self.std_ is None:
            raise RuntimeError("Standardizer is not fitted yet: call fit(X_train) first")
        return self.mean_, self.std_

    def transform(self, X: ArrayLike) -> NDArray[np.float64]:
        """Return ``(X - mean_) / std_``."""
        mean, std = self._stats()
        return (np.asarray(X, dtype=np.float64) - mean) / std

    def fit_transform(self, X: ArrayLike) -> NDArray[np.float64]:
        """Fit on ``X`` and return it standardised."""
        return self.fit(X).transform(X)

    def inverse_transform(self, Z: ArrayLike) -> NDArray[np.float64]:
        """Undo :meth:`transform`: return ``Z * std_ + mean_``."""
        mean, std = self._stats()
        return np.asarray(Z, dtype=np.float64) * std + mean
