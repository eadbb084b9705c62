"""Late submissions: when a notebook was submitted, how late it was, and the penalty the course's rule gives.

The time comes from nbgrader's ``submitted/<student>/<assignment>/timestamp.txt``,
written by ``collect`` (the LMS's time) or by ``nbgrader collect``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from .config import LateRule

__all__ = ["Lateness", "format_timestamp", "lateness", "parse_timestamp", "read_timestamp"]

_ZONE_WORD = re.compile(r"^(?P<time>.*\d)\s*(?P<zone>UTC|GMT|Z)$")


def format_timestamp(moment: datetime) -> str:
    """nbgrader's ``timestamp.txt`` text for an aware time, in UTC.

    Examples
    --------
    >>> format_timestamp(datetime(2026, 10, 14, 21, 5, tzinfo=UTC))
    '2026-10-14 21:05:00.000000 UTC'
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def parse_timestamp(text: str, default_tz: tzinfo = UTC) -> datetime:
    """Read a ``timestamp.txt``: ISO 8601 with or without offset, or nbgrader's ``... UTC``.

    A time without a zone is taken to be in ``default_tz``.

    Raises
    ------
    ValueError
        When the text is not a time; the message quotes it.

    Examples
    --------
    >>> parse_timestamp("2026-10-14 21:05:00.000000 UTC").isoformat()
    '2026-10-14T21:05:00+00:00'
    >>> parse_timestamp("2026-10-14T23:05:00+02:00").astimezone(UTC).hour
    21
    """
    raw = text.strip()
    m = _ZONE_WORD.match(raw)
    try:
        if m:
            return datetime.fromisoformat(m.group("time").strip()).replace(tzinfo=UTC)
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{raw[:60]!r} is not a time such as '2026-10-14 21:05:00.000000 UTC'") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=default_tz)


def read_timestamp(folder: Path, default_tz: tzinfo = UTC) -> datetime | None:
    """The submission time in ``folder/timestamp.txt``, or None when there is none (or it is unreadable)."""
    path = Path(folder) / "timestamp.txt"
    try:
        return parse_timestamp(path.read_text(encoding="utf-8"), default_tz)
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class Lateness:
    """How late one submission is and what it costs.

    ``hours_late`` is 0 when on time (or when the due date or the time is
    unknown); ``penalty`` is in points.
    """

    submitted: datetime | None
    due: datetime | None
    hours_late: float
    penalty: float

    @property
    def late(self) -> bool:
        return self.hours_late > 0

    def final(self, raw: float) -> float:
        """The score after the penalty (never below 0)."""
        return max(0.0, raw - self.penalty)


def lateness(submitted: datetime | None, due: datetime | None, rule: LateRule,
             raw: float, max_score: float) -> Lateness:
    """Apply ``rule`` to a submission made at ``submitted`` for an assignment due at ``due``.

    Parameters
    ----------
    submitted, due : datetime or None
        Aware times; either None means "not late" (no due date, or no time was recorded).
    rule : LateRule
    raw : float
        The score before the penalty.
    max_score : float
        The assignment's maximum, which percentages refer to.

    Examples
    --------
    >>> from datetime import timedelta
    >>> due = datetime(2026, 10, 14, 23, 59, tzinfo=UTC)
    >>> rule = LateRule("percent_per_day", percent=10, max_percent=25)
    >>> lateness(due + timedelta(hours=30), due, rule, raw=16.0, max_score=20.0).penalty  # 2 started days
    4.0
    >>> lateness(due + timedelta(days=9), due, rule, raw=16.0, max_score=20.0).penalty   # capped at 25%
    5.0
    """
    if submitted is None or due is None:
        return Lateness(submitted, due, 0.0, 0.0)
    seconds = (submitted - due).total_seconds()
    hours = max(0.0, seconds / 3600.0)
    if seconds <= rule.grace_minutes * 60.0 or rule.rule == "none":
        return Lateness(submitted, due, hours, 0.0)
    if rule.rule == "zero":
        return Lateness(submitted, due, hours, raw)
    unit = 24.0 if rule.rule == "percent_per_day" else 1.0
    periods = math.ceil(hours / unit)  # a started day (hour) counts as a whole one
    percent = min(rule.max_percent, rule.percent * periods)
    return Lateness(submitted, due, hours, min(raw, percent / 100.0 * max_score))
