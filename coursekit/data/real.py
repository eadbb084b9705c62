"""A small real dataset that ships inside the package (never downloaded)."""

from __future__ import annotations

from importlib.resources import files
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

__all__ = ["TabularDataset", "load_wine"]

WINE_DESCRIPTION = """\
Wine recognition data (UCI Machine Learning Repository, CC BY 4.0).

Chemical analysis of 178 wines grown in the same region of Italy from three
cultivars: 13 continuous measurements per wine (alcohol, malic acid, ...,
proline) and the cultivar as class 0, 1 or 2 (59, 71 and 48 wines; UCI
numbers them 1-3). No missing values. Features differ in scale by three
orders of magnitude (hue ~1, proline ~750): standardise before training.

Original owners: M. Forina et al., PARVUS, Institute of Pharmaceutical and
Food Analysis and Technologies, Genoa, Italy. Donor: Stefan Aeberhard (1991).
Cite: Aeberhard, S. & Forina, M. (1991). Wine [Dataset]. UCI Machine Learning
Repository. https://doi.org/10.24432/C5PC7J
"""


class TabularDataset(NamedTuple):
    """A table of features with one target column.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features), float64
    y : ndarray of shape (n_samples,), int64
    feature_names : tuple of str
        Name of each column of ``X``.
    target_names : tuple of str
        Name of each class, indexed by the values of ``y``.
    description : str
        Source, licence and a short description of the data.
    """

    X: NDArray[np.float64]
    y: NDArray[np.int64]
    feature_names: tuple[str, ...]
    target_names: tuple[str, ...]
    description: str


def load_wine(
    return_X_y: bool = False,
) -> TabularDataset | tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Load the UCI wine recognition data (178 wines, 13 features, 3 cultivars).

    The CSV ships in ``coursekit/data/files/wine.csv``; see the README next to
    it for the source, the citation and the licence (CC BY 4.0).

    Parameters
    ----------
    return_X_y : bool, default False
        If True, return only ``(X, y)``, as scikit-learn's loader does.

    Returns
    -------
    TabularDataset or (X, y)
        ``X`` float64 of shape (178, 13), ``y`` int64 of shape (178,) with
        values 0, 1, 2, plus feature names, target names and a description.

    Examples
    --------
    >>> wine = load_wine()
    >>> wine.X.shape, wine.y.shape, wine.feature_names[0], wine.target_names
    ((178, 13), (178,), 'alcohol', ('class_0', 'class_1', 'class_2'))
    >>> X, y = load_wine(return_X_y=True)
    """
    with files("coursekit.data").joinpath("files/wine.csv").open("r", encoding="utf-8") as f:
        header = f.readline().strip().split(",")
        table = np.loadtxt(f, delimiter=",", dtype=np.float64, ndmin=2)
    X = table[:, :-1]
    y = table[:, -1].astype(np.int64)
    if return_X_y:
        return X, y
    return TabularDataset(
        X=X,
        y=y,
        feature_names=tuple(header[:-1]),
        target_names=("class_0", "class_1", "class_2"),
        description=WINE_DESCRIPTION,
    )
