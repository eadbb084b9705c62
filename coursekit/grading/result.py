"""The score of one check, as the trusted side reports it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Part", "Result"]


@dataclass(frozen=True)
class Part:
    """One partial-credit part of a check: its name, points earned, points possible, passed or not."""

    name: str
    points: float
    max_points: float
    passed: bool


@dataclass(frozen=True)
class Result:
    """The outcome of :func:`~coursekit.grading.api.compare_record` for one check.

    Attributes
    ----------
    check_id : str
    points : float
        ``max_points`` if every case of every expected variant passed, else 0;
        with partial credit (``Check.partial``) the sum of the parts earned.
    max_points : float
    passed : bool
        Every case of every variant passed.
    message : str
        Feedback safe to show the student: the first failure's teaching
        message (no reference code), or a summary of what passed.
    statuses : dict of str to list of str
        Per variant, the status of each case: ``"passed"``, ``"failed"``,
        ``"exception"``, ``"wrong_type"``, ``"missing"`` or ``"invalid"``.
    parts : tuple of Part
        The partial-credit parts (empty for all-or-nothing checks).
    """

    check_id: str
    points: float
    max_points: float
    passed: bool
    message: str
    statuses: dict[str, list[str]]
    parts: tuple[Part, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict of the fields."""
        return asdict(self)
