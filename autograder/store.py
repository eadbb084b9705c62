"""The autograder's own results store: one row per (assignment, student), keyed by content hash.

It is what makes grading idempotent and resumable: a row is written only
after the gradebook has been updated, so a run killed at any point redoes
exactly the submissions without a row.  SQLite, written by the driver only.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any, Self

__all__ = ["ResultsStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    assignment TEXT NOT NULL, student TEXT NOT NULL, key TEXT NOT NULL,
    status TEXT NOT NULL, reason TEXT NOT NULL, score REAL, max_score REAL,
    seconds REAL, finished REAL, data TEXT NOT NULL,
    PRIMARY KEY (assignment, student))
"""


class ResultsStore:
    """Rows of graded submissions; ``data`` is the JSON of the scored result (cells, messages)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), timeout=60)
        self.db.execute(_SCHEMA)
        self.db.commit()

    def done(self, assignment: str) -> dict[str, str]:
        """student -> key of the finished grading (a grader failure, status ``error``, is not finished)."""
        rows = self.db.execute("SELECT student, key FROM results WHERE assignment=? AND status != 'error'",
                               (assignment,))
        return dict(rows.fetchall())

    def put(self, result: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO results VALUES (?,?,?,?,?,?,?,?,?,?)",
            (result["assignment"], result["student"], result["key"], result["status"],
             result["reason"], result["score"], result["max_score"], result["seconds"],
             time.time(), json.dumps(result)),
        )
        self.db.commit()

    def rows(self, assignment: str | None = None) -> list[dict[str, Any]]:
        """Every stored result (as the dicts given to :meth:`put`), sorted by assignment and student."""
        sql = "SELECT data FROM results"
        args: tuple = ()
        if assignment:
            sql, args = sql + " WHERE assignment=?", (assignment,)
        rows = [json.loads(r[0]) for r in self.db.execute(sql + " ORDER BY assignment, student", args)]
        return rows

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
