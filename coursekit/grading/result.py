"""The score of one check, as the trusted side reports it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Result"]


@dataclass(frozen=True)
class Result:
    """The outcome of :func:`~coursekit.grading.compare_recorded` for one check.

    Attributes
    ----------
    check_id : str
    points : float
        ``max_points`` if every case of every expected variant passed, else 0.
    max_points : float
    passed : bool
    message : str
        Feedback safe to show the student: the first failure's teaching
        message (no hidden input values, no reference code), or a summary of
        what passed.
    statuses : dict of str to list of str
        Per variant, the status of each case: ``"passed"``, ``"failed"``,
        ``"exception"``, ``"wrong_type"``, ``"forbidden"``, or ``["missing"]``
        / ``["invalid"]`` for an absent or malformed record.
    """

    check_id: str
    points: float
    max_points: float
    passed: bool
    message: str
    statuses: dict[str, list[str]]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict of the fields."""
        return asdict(self)
