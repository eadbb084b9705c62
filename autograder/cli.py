"""The command line: ``python -m autograder <command>`` (run from the course directory or pass ``--course``)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

__all__ = ["main"]


def _default_course() -> Path:
    """The current directory if it is a course, else the bundled course (``assignments/``)."""
    here = Path.cwd()
    if (here / "nbgrader_config.py").is_file():
        return here
    return Path(__file__).resolve().parent.parent / "assignments"


def _loud(line: str) -> str:
    """A warning in bold red when the terminal shows colours."""
    return f"\033[1;31m{line}\033[0m" if sys.stdout.isatty() and "WARNING" in line else line


def _doctor(args: argparse.Namespace) -> int:
    from .sandbox import protections

    mode, lines = protections()
    print(f"sandbox mode: {mode}")
    for line in lines:
        print(_loud(f"  - {line}"))
    return 0


def _grade(args: argparse.Namespace) -> int:
    from .driver import GradeOptions, grade
    from .sandbox import Limits, protections

    mode, lines = protections()
    print(f"[autograder] sandbox: {mode}")
    for line in lines:
        print(_loud(f"[autograder]   {line}"))
    limits = Limits(wall_seconds=args.timeout, memory_bytes=args.memory_mb * 2**20)
    opts = GradeOptions(
        course=args.course, assignments=args.assignment, students=args.student or None,
        workers=args.workers, scheduler=args.scheduler, force=args.force, db_url=args.db_url,
        cell_timeout=args.cell_timeout, limits=limits, progress=not args.no_progress,
    )
    summary = grade(opts)
    for line in summary_lines(summary):
        print(line)
    return 0


def summary_lines(summary: dict) -> list[str]:
    """The end-of-run summary: how many were graded, which failed and why (student's or grader's fault)."""
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(summary["statuses"].items())) or "nothing new"
    lines = [f"[autograder] graded {summary['graded']} ({statuses}), skipped {summary['skipped']} "
             f"already graded, sandbox restarted for {summary.get('retried', 0)}, in {summary['seconds']:.1f} s"]
    for status, items in sorted(summary.get("reasons", {}).items()):
        whose = "the grader failed: run grade again" if status == "error" else "the notebook's own problem"
        lines.append(f"[autograder] {status} ({len(items)}, {whose}):")
        lines += [f"[autograder]   {item[:300]}" for item in items[:20]]
        if len(items) > 20:
            lines.append(f"[autograder]   ... and {len(items) - 20} more (see `status`)")
    return lines


def _status(args: argparse.Namespace) -> int:
    from .status import status_lines

    print("\n".join(status_lines(args.course, args.assignment)))
    return 0


def _release(args: argparse.Namespace) -> int:
    import json
    import shutil

    from .plan import Course
    from .release import release_notebook

    course = Course(Path(args.course).resolve())
    for a in args.assignment or course.assignments():
        src_dir, out_dir = course.source / a, course.root / "release" / a
        out_dir.mkdir(parents=True, exist_ok=True)
        for p in src_dir.iterdir():  # like nbgrader: every file of source/<a>/ goes into the release
            if p.is_file() and p.name != f"{a}.ipynb":
                shutil.copy(p, out_dir / p.name)
        nb = release_notebook(json.loads(course.source_notebook(a).read_text(encoding="utf-8")))
        (out_dir / f"{a}.ipynb").write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"[autograder] released {out_dir / (a + '.ipynb')}")
    return 0


def _collect(args: argparse.Namespace) -> int:
    import sys

    from .collect import collect

    from .collect import CollectError

    try:
        report = collect(args.course, args.assignment, args.source, dry_run=args.dry_run)
    except CollectError as exc:  # the source as a whole: one bad entry never gets here
        print(f"[autograder] error: {exc}", file=sys.stderr)
        return 2
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    print("\n".join(f"[autograder] {line}" for line in report.lines(color=color)))
    return 1 if ((report.unmatched or report.collisions) and args.strict) else 0


def _feedback(args: argparse.Namespace) -> int:
    from .feedback import write_feedback

    written = write_feedback(args.course, args.assignment or None, args.student or None)
    print(f"[autograder] wrote {len(written)} feedback page(s) under {Path(args.course).resolve() / 'feedback'}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from .export import export_all

    result = export_all(args.course, args.out, args.assignment or None, db_url=args.db_url)
    for path in (result.csv, result.canvas, *result.moodle, result.report):
        print(f"[autograder] wrote {path}")
    for warning in result.warnings:
        print(f"[autograder] WARNING {warning}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from .check import format_rows, run_check
    from .plan import Course
    from .sandbox import WARNING, protections

    if protections()[0] != "bwrap":
        print(_loud(f"[autograder] {WARNING}"))
    surprises = 0
    for a in args.assignment or Course(Path(args.course).resolve()).assignments():
        rows = run_check(args.course, a, workers=args.workers, cell_timeout=args.cell_timeout)
        print(f"[autograder] check {a}")
        print("\n".join("  " + line for line in format_rows(rows)))
        surprises += sum(not r.ok for r in rows)
    print(f"[autograder] {surprises} surprise(s)")
    return 1 if surprises else 0


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

    p = sub.add_parser("release", help="write the student versions release/<a>/<a>.ipynb")
    p.add_argument("assignment", nargs="*", help="assignment ids (default: all)")
    p.set_defaults(func=_release)

    p = sub.add_parser("collect", help="submissions from a folder or an LMS zip (Canvas, Moodle) -> submitted/")
    p.add_argument("assignment")
    p.add_argument("source", type=Path, help="folder of notebooks or bulk-download zip")
    p.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    p.add_argument("--strict", action="store_true", help="exit 1 when a file is unmatched or two students collide "
                   "(exit 2, always: the source cannot be read at all)")
    p.set_defaults(func=_collect)

    p = sub.add_parser("feedback", help="per-student HTML under feedback/<student>/<a>/")
    p.add_argument("assignment", nargs="*")
    p.add_argument("--student", action="append")
    p.set_defaults(func=_feedback)

    p = sub.add_parser("export", help="grades.csv, Canvas and Moodle import CSVs (late rule applied) and report.html")
    p.add_argument("assignment", nargs="*")
    p.add_argument("--out", type=Path, help="output folder (default: the course directory)")
    p.add_argument("--db-url", help="gradebook URL (default: sqlite:///<course>/gradebook.db)")
    p.set_defaults(func=_export)

    p = sub.add_parser("check", help="self-test: solution full marks, release zero, hostile variants neutralised")
    p.add_argument("assignment", nargs="*")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--cell-timeout", type=int, default=10)
    p.set_defaults(func=_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.course is None:
        args.course = _default_course()
    return int(args.func(args) or 0)
