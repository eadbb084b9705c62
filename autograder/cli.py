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


def _secret_report(course: Path) -> list[str]:
    """Where the course secret is, and any problem with it (as WARNING lines); never its value."""
    from coursekit.grading import SECRET_ENV

    from .secret import secret_path, secret_problems

    if os.environ.get(SECRET_ENV):
        return [f"course secret: from ${SECRET_ENV}"]
    path = secret_path(course)
    where = f"course secret: {path}" + ("" if path.exists() else " (made on the first grade)")
    return [where] + [f"WARNING {p}" for p in secret_problems(course)]


def _doctor(args: argparse.Namespace) -> int:
    from .job.sandbox import protections

    mode, lines = protections()
    print(f"sandbox mode: {mode}")
    for line in lines:
        print(_loud(f"  - {line}"))
    secret = _secret_report(args.course)
    for line in secret:
        print(_loud(line))
    return 1 if any(line.startswith("WARNING") for line in secret) else 0


def _grade(args: argparse.Namespace) -> int:
    from .driver import GradeOptions, grade
    from .job.sandbox import Limits, protections
    from .secret import secret_problems

    problems = secret_problems(args.course)
    if problems:  # before anything runs: a secret that may leak is worth nothing
        for p in problems:
            print(_loud(f"[autograder] WARNING refusing to grade: {p}"))
        return 2

    # A job's CPU quota is its worker's share of this machine (at most one CPU: a notebook runs one thread).
    share = 1.0 if args.scheduler or not args.workers else min(1.0, (os.cpu_count() or 1) / args.workers)
    limits = Limits(wall_seconds=args.timeout, memory_bytes=args.memory_mb * 2**20,
                    job_memory_bytes=args.job_memory_mb * 2**20, cpus=round(share, 2))
    mode, lines = protections(limits)
    print(f"[autograder] sandbox: {mode}")
    for line in lines:
        print(_loud(f"[autograder]   {line}"))
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

    from .collect import CollectError, collect

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

    written = write_feedback(args.course, args.assignment or None, args.student or None, db_url=args.db_url)
    print(f"[autograder] wrote {len(written)} feedback page(s) under {Path(args.course).resolve() / 'feedback'}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from .export import export_all

    out = args.out or Path(args.course) / "exports"  # a folder the course's .gitignore ignores
    result = export_all(args.course, out, args.assignment or None, db_url=args.db_url)
    for path in (result.csv, result.canvas, *result.moodle, result.report):
        print(f"[autograder] wrote {path}")
    for warning in result.warnings:
        print(f"[autograder] WARNING {warning}")
    return 0


def _similarity(args: argparse.Namespace) -> int:
    from .plan import Course
    from .similarity.compare import REVIEW, run_similarity
    from .similarity.report import page

    warnings: list[str] = []
    try:
        results = run_similarity(args.course, args.assignment or None, top=args.top, warnings=warnings,
                                 workers=args.workers)
    except ValueError as exc:
        print(f"[autograder] error: {exc}")
        return 2
    for r in results:
        flagged = [p for p in r.top if p["score"] >= REVIEW]
        print(f"[autograder] {r.assignment}: {r.students} submissions, {len(r.references)} reference file(s), "
              f"{r.pairs_scored} of {r.pairs_possible} pairs share code, {len(flagged)} similar: review")
        for p in r.top[:args.show]:
            label = "  similar: review" if p["score"] >= REVIEW else ""
            print(f"[autograder]   {p['score']:.2f}  {p['a']}  {p['b']}  (most similar: {p['unit']['name']} "
                  f"of {p['unit']['of']}){label}")
        for note in r.notes:
            print(f"[autograder]   NOTE {note}")
    out_dir = Path(args.out) if args.out else Path(args.course)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path = out_dir / "similarity.html"
    course = Course(Path(args.course).resolve())
    html_path.write_text(page(course.root, args.assignment or course.assignments()), encoding="utf-8")
    print(f"[autograder] wrote {html_path} (also a section of report.html at the next export)")
    for warning in warnings:
        print(f"[autograder] WARNING {warning}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from .check import format_rows, run_check
    from .job.sandbox import WARNING, cgroup_lines, protections
    from .plan import Course

    if protections()[0] != "bwrap":
        print(_loud(f"[autograder] {WARNING}"))
    for line in cgroup_lines():
        if "WARNING" in line:
            print(_loud(f"[autograder] {line}"))
    surprises = 0
    for a in args.assignment or Course(Path(args.course).resolve()).assignments():
        rows = run_check(args.course, a, workers=args.workers, cell_timeout=args.cell_timeout)
        print(f"[autograder] check {a}")
        print("\n".join("  " + line for line in format_rows(rows)))
        surprises += sum(not r.ok for r in rows)
    print(f"[autograder] {surprises} surprise(s)")
    return 1 if surprises else 0


def _init_course(args: argparse.Namespace) -> int:
    from .init_course import InitError, init_course

    try:
        made = init_course(args.directory, args.course_id)
    except InitError as exc:
        print(_loud(f"[autograder] WARNING {exc}"))
        return 2
    for line in made.lines():
        print(f"[autograder] {line}")
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
    p.add_argument("--job-memory-mb", type=int, default=2048,
                   help="memory of all a job's processes and tmpfs files together (its cgroup)")
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
    p.add_argument("--db-url", help="gradebook URL, for the hand grades (default: sqlite:///<course>/gradebook.db)")
    p.set_defaults(func=_feedback)

    p = sub.add_parser("export", help="grades.csv, Canvas and Moodle import CSVs (late rule applied) and report.html")
    p.add_argument("assignment", nargs="*")
    p.add_argument("--out", type=Path, help="output folder (default: exports/ in the course directory, "
                   "which git ignores)")
    p.add_argument("--db-url", help="gradebook URL (default: sqlite:///<course>/gradebook.db)")
    p.set_defaults(func=_export)

    p = sub.add_parser("similarity", help="similar submissions, pairwise and against reference code, for review")
    p.add_argument("assignment", nargs="*", help="assignment ids (default: all)")
    p.add_argument("--out", type=Path, help="where to write similarity.html (default: the course directory)")
    p.add_argument("--top", type=int, default=50, help="pairs listed per assignment besides every one to review")
    p.add_argument("--show", type=int, default=10, help="pairs printed per assignment")
    p.add_argument("--workers", type=int, default=0, help="processes that fingerprint (default: CPUs)")
    p.set_defaults(func=_similarity)

    p = sub.add_parser("check", help="self-test: solution full marks, release zero, hostile variants neutralised")
    p.add_argument("assignment", nargs="*")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--cell-timeout", type=int, default=10)
    p.set_defaults(func=_check)

    p = sub.add_parser("init-course", help="make a private course directory (solutions, settings, secret) "
                       "outside the public repository")
    p.add_argument("directory", type=Path, help="the new course directory (must not exist yet, or be empty)")
    p.add_argument("--course-id", help="nbgrader course id (default: the directory's name)")
    p.set_defaults(func=_init_course)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.course is None:
        args.course = _default_course()
    from .config import ConfigError
    from .secret import SecretError

    try:
        return int(args.func(args) or 0)
    except (ConfigError, SecretError) as exc:  # the instructor's settings: a message with the fix, no traceback
        print(_loud(f"[autograder] WARNING {exc}"))
        return 2
