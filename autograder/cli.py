"""The command line: ``python -m autograder <command>`` (run from the course directory or pass ``--course``)."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["main"]


def _default_course() -> Path:
    """The current directory if it is a course, else the bundled course (``assignments/``)."""
    here = Path.cwd()
    if (here / "nbgrader_config.py").is_file():
        return here
    return Path(__file__).resolve().parent.parent / "assignments"


def _doctor(args: argparse.Namespace) -> int:
    from .sandbox import protections

    mode, lines = protections()
    print(f"sandbox mode: {mode}")
    for line in lines:
        print(f"  - {line}")
    return 0


def _grade(args: argparse.Namespace) -> int:
    from .driver import GradeOptions, grade
    from .sandbox import Limits, protections

    mode, lines = protections()
    print(f"[autograder] sandbox: {mode}")
    for line in lines:
        print(f"[autograder]   {line}")
    limits = Limits(wall_seconds=args.timeout, memory_bytes=args.memory_mb * 2**20)
    opts = GradeOptions(
        course=args.course, assignments=args.assignment, students=args.student or None,
        workers=args.workers, scheduler=args.scheduler, force=args.force, db_url=args.db_url,
        cell_timeout=args.cell_timeout, limits=limits, progress=not args.no_progress,
    )
    summary = grade(opts)
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(summary["statuses"].items())) or "nothing new"
    print(f"[autograder] graded {summary['graded']} ({statuses}), skipped {summary['skipped']} "
          f"already graded, in {summary['seconds']:.1f} s")
    return 0


def _status(args: argparse.Namespace) -> int:
    from .status import status_lines

    print("\n".join(status_lines(args.course, args.assignment)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    parser.add_argument("--course", type=Path, default=None, help="nbgrader course directory")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("doctor", help="show which sandbox protections are active")
    p.set_defaults(func=_doctor)

    p = sub.add_parser("grade", help="grade submitted/ in the sandbox (parallel, resumable)")
    p.add_argument("assignment", nargs="*", help="assignment ids (default: all)")
    p.add_argument("--student", action="append", help="only this student (repeatable)")
    p.add_argument("--workers", type=int, default=0, help="local worker processes (default: CPUs)")
    p.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786")
    p.add_argument("--force", action="store_true", help="regrade even unchanged submissions")
    p.add_argument("--db-url", help="gradebook URL (default: sqlite:///<course>/gradebook.db)")
    p.add_argument("--timeout", type=float, default=300.0, help="wall-clock seconds per notebook")
    p.add_argument("--cell-timeout", type=int, default=60, help="seconds per cell")
    p.add_argument("--memory-mb", type=int, default=3072, help="address-space limit per process")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=_grade)

    p = sub.add_parser("status", help="graded / pending / failed submissions and why")
    p.add_argument("assignment", nargs="*")
    p.set_defaults(func=_status)
    _more_commands(sub)
    return parser


def _more_commands(sub) -> None:
    """collect, release, feedback, export, check (kept apart: they do not touch student code)."""
    try:
        from . import extra_commands
    except ImportError:
        return
    extra_commands.register(sub)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.course is None:
        args.course = _default_course()
    return int(args.func(args) or 0)
