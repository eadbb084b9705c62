"""The course's own autograder settings: ``autograder.toml`` in the course directory (optional).

nbgrader keeps due dates in its gradebook and its late rule in
``nbgrader_config.py`` (executable Python); the autograder reads a small
data-only TOML file instead, so that a typo is an error with a line number
and nothing runs.  Every key is optional::

    timezone = "Europe/Zurich"      # for due dates and times written without a zone (default "UTC")
    secret_file = "~/private/nn-2026.secret"   # the course secret (default: the user's config directory,
                                    # see autograder.secret); ~ is expanded, a relative path is the course's

    [late]                          # the course's late rule (default: no penalty)
    rule = "percent_per_day"        # "none", "zero", "percent_per_day" or "percent_per_hour"
    percent = 10                    # of the assignment's maximum, per started day (hour) late
    max_percent = 50                # the penalty never exceeds this (percent of the maximum)
    grace_minutes = 10              # this much after the due date still counts as on time

    [assignments.a1_backprop_by_hand]
    due = 2026-10-14T23:59:00       # a TOML date-time; without an offset it is in `timezone`
    canvas_column = "A1 Backprop (48213)"   # this assignment's header in Canvas's gradebook export
    late = { rule = "zero" }        # this assignment's own rule (keys as in [late])
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["CONFIG_NAME", "AssignmentConfig", "ConfigError", "CourseConfig", "LateRule", "load_config",
           "missing_due_date"]

CONFIG_NAME = "autograder.toml"
RULES = ("none", "zero", "percent_per_day", "percent_per_hour")


class ConfigError(ValueError):
    """``autograder.toml`` is not what the autograder understands (the message says where and how to fix it)."""


@dataclass(frozen=True)
class LateRule:
    """How a late submission's score is reduced.

    ``none``: no penalty; ``zero``: a late submission scores 0 (nbgrader's
    ``LateSubmissionPlugin`` with ``penalty_method = "zero"``);
    ``percent_per_day`` / ``percent_per_hour``: ``percent`` of the
    assignment's maximum per started day (hour) after the due date plus
    ``grace_minutes``, at most ``max_percent`` (Canvas's late policy works the
    same way).

    Examples
    --------
    >>> LateRule("percent_per_day", percent=10, max_percent=30)
    LateRule(rule='percent_per_day', percent=10.0, max_percent=30.0, grace_minutes=0.0)
    """

    rule: str = "none"
    percent: float = 0.0
    max_percent: float = 100.0
    grace_minutes: float = 0.0

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ConfigError(f"late rule {self.rule!r} is unknown: use one of {', '.join(RULES)}")
        for name in ("percent", "max_percent", "grace_minutes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ConfigError(f"late.{name} must be a number >= 0, got {value!r}")
            object.__setattr__(self, name, float(value))
        if self.max_percent > 100:
            raise ConfigError(f"late.max_percent is a percentage of the maximum score (0-100), got {self.max_percent:g}")


@dataclass(frozen=True)
class AssignmentConfig:
    """One assignment's settings: due date (aware, or None), Canvas column header, late rule."""

    due: datetime | None = None
    canvas_column: str | None = None
    late: LateRule = field(default_factory=LateRule)


@dataclass(frozen=True)
class CourseConfig:
    """The parsed ``autograder.toml`` (defaults when the file is absent)."""

    timezone: tzinfo = UTC
    late: LateRule = field(default_factory=LateRule)
    assignments: dict[str, AssignmentConfig] = field(default_factory=dict)
    path: Path | None = None
    secret_file: Path | None = None  # None: the default place (autograder.secret.default_secret_path)

    def assignment(self, assignment: str) -> AssignmentConfig:
        """The settings of ``assignment`` (the course's late rule when it has none of its own)."""
        return self.assignments.get(assignment, AssignmentConfig(late=self.late))

    def aware(self, moment: datetime) -> datetime:
        """``moment`` with the course's time zone when it has none."""
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=self.timezone)


def _late(table: Any, base: LateRule, where: str) -> LateRule:
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table such as {{ rule = \"zero\" }}, got {table!r}")
    unknown = set(table) - {"rule", "percent", "max_percent", "grace_minutes"}
    if unknown:
        raise ConfigError(f"{where} has unknown key(s) {sorted(unknown)}: use rule, percent, max_percent, grace_minutes")
    try:
        return replace(base, **table)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _due(value: Any, tz: tzinfo, where: str) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    if isinstance(value, date):  # a bare date means the end of that day
        return datetime.combine(value, time(23, 59, 59), tz)
    raise ConfigError(f"{where} must be a TOML date-time without quotes, e.g. due = 2026-10-14T23:59:00, "
                      f"got {value!r}")


def load_config(course_root: Path) -> CourseConfig:
    """Read ``<course_root>/autograder.toml``; the defaults (UTC, no late rule) when it does not exist.

    Parameters
    ----------
    course_root : Path
        The nbgrader course directory.

    Returns
    -------
    CourseConfig

    Raises
    ------
    ConfigError
        A syntax error (with its line), an unknown key or a value of the wrong kind.

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "autograder.toml").write_text('[assignments.a1]\\ndue = 2026-10-14T23:59:00\\n')
    >>> load_config(d).assignment("a1").due.isoformat()
    '2026-10-14T23:59:00+00:00'
    """
    path = Path(course_root) / CONFIG_NAME
    if not path.is_file():
        return CourseConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    unknown = set(data) - {"timezone", "late", "assignments", "secret_file"}
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {sorted(unknown)}; known: timezone, secret_file, late, assignments")
    secret_file = None
    if "secret_file" in data:
        if not isinstance(data["secret_file"], str) or not data["secret_file"].strip():
            raise ConfigError(f"{path}: secret_file must be a path in quotes, e.g. secret_file = \"~/private/nn.secret\"")
        secret_file = (Path(course_root) / Path(data["secret_file"]).expanduser()).resolve()
    tz: tzinfo = UTC
    if "timezone" in data:
        try:
            tz = ZoneInfo(str(data["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{path}: timezone {data['timezone']!r} is not an IANA zone name "
                              "such as \"UTC\" or \"Europe/Zurich\"") from None
    late = _late(data.get("late", {}), LateRule(), f"{path}: [late]")
    assignments = {}
    for name, table in data.get("assignments", {}).items():
        where = f"{path}: [assignments.{name}]"
        if not isinstance(table, dict):
            raise ConfigError(f"{where} must be a table")
        unknown = set(table) - {"due", "canvas_column", "late"}
        if unknown:
            raise ConfigError(f"{where} has unknown key(s) {sorted(unknown)}; known: due, canvas_column, late")
        column = table.get("canvas_column")
        if column is not None and not isinstance(column, str):
            raise ConfigError(f"{where}: canvas_column must be a string, e.g. \"A1 Backprop (48213)\"")
        assignments[name] = AssignmentConfig(
            due=_due(table["due"], tz, f"{where} due") if "due" in table else None,
            canvas_column=column,
            late=_late(table.get("late", {}), late, f"{where} late"),
        )
    return CourseConfig(timezone=tz, late=late, assignments=assignments, path=path, secret_file=secret_file)


def missing_due_date(course_root: Path, assignment: str) -> str:
    """Why a submission the LMS marked LATE gets no penalty here, when ``assignment`` has no due date ("" otherwise).

    Examples
    --------
    >>> import tempfile
    >>> print(missing_due_date(Path(tempfile.mkdtemp()), "a1"))
    but autograder.toml gives a1 no due date, so no late rule is applied (hours_late and penalty stay empty): add [assignments.a1] due = 2026-10-14T23:59:00 and a [late] rule
    """
    if load_config(Path(course_root)).assignment(assignment).due is not None:
        return ""
    return (f"but {CONFIG_NAME} gives {assignment} no due date, so no late rule is applied (hours_late and penalty "
            f"stay empty): add [assignments.{assignment}] due = 2026-10-14T23:59:00 and a [late] rule")
