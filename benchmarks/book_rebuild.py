#!/usr/bin/env python3
"""How long the book takes to build: cold, unchanged, and after editing one chapter.

    .venv/bin/python benchmarks/book_rebuild.py [--chapter chapters/04_losses.md] [--keep]

Works on a copy of `book/` in a temporary folder (the real files and the real
`book/_build` are never touched) and times `book/build.py`'s `build()` there:

1. cold: empty `_build`, so every page executes (the widget JavaScript comes
   from npm's cache or the registry: `npm ci`, then vendoring);
2. no change: the same build again;
3. text edit: a paragraph appended to one chapter (its code cells unchanged,
   so its execution comes from jupyter-cache);
4. code edit: a code cell appended to the same chapter, so that page
   executes again (the worst case of "editing one chapter").

The book issue's target is an edited chapter rebuilt in under 20 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 20.0


def _build(book: Path, log: Path) -> tuple[float, int]:
    code = (
        "import importlib.util, sys; from pathlib import Path; "
        f"spec = importlib.util.spec_from_file_location('ck_book_build', {str(ROOT / 'book' / 'build.py')!r}); "
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); "
        f"sys.exit(m.build([], book=Path({str(book)!r})))"
    )
    started = time.perf_counter()
    with log.open("a") as out:
        out.write(f"\n===== build at {time.ctime()} =====\n")
        out.flush()
        rc = subprocess.call([sys.executable, "-c", code], cwd=ROOT, stdout=out, stderr=out)
    return time.perf_counter() - started, rc


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--chapter",
        default="chapters/04_losses.md",
        help="chapter to edit, relative to book/ (default: %(default)s)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    opts = parser.parse_args()
    if Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        print(
            "run this with the repo's venv: .venv/bin/python benchmarks/book_rebuild.py "
            "(python3 book/build.py creates it)",
            file=sys.stderr,
        )
        return 2

    tmp = Path(tempfile.mkdtemp(prefix="coursekit-book-bench-"))
    book = tmp / "book"
    shutil.copytree(
        ROOT / "book", book, ignore=shutil.ignore_patterns("_build", ".ipynb_checkpoints")
    )
    log = tmp / "build.log"
    chapter = book / opts.chapter
    if not chapter.is_file():
        parser.error(f"no such chapter: book/{opts.chapter}")
    print(f"[bench] copy of the book in {book}; build output in {log}", flush=True)
    print(
        f"[bench] {os.cpu_count()} cores; target for an edited chapter: < {TARGET_S:.0f} s",
        flush=True,
    )

    def text_edit() -> None:
        with chapter.open("a") as f:
            f.write("\nAn extra paragraph, added by benchmarks/book_rebuild.py.\n")

    def code_edit() -> None:
        with chapter.open("a") as f:
            f.write("\n```{code-cell} python3\nbenchmark_marker = 1 + 1\n```\n")

    phases = [
        ("cold build (empty _build)", None, False),
        ("rebuild, nothing changed", None, False),
        (f"rebuild after a text edit of {opts.chapter}", text_edit, True),
        (f"rebuild after a code edit of {opts.chapter}", code_edit, True),
    ]
    rows, failed = [], False
    for name, edit, targeted in phases:
        if edit is not None:
            time.sleep(1.1)  # mtime granularity: the edit must look newer than the last read
            edit()
        print(f"[bench] {name} ...", flush=True)
        seconds, rc = _build(book, log)
        ok = rc == 0 and (not targeted or seconds < TARGET_S)
        failed |= rc != 0
        rows.append(
            (
                name,
                seconds,
                rc,
                f"< {TARGET_S:.0f} s" if targeted else "-",
                ("yes" if ok else "NO") if targeted else ("build failed" if rc else ""),
            )
        )
        print(f"[bench]   {seconds:6.1f} s (exit {rc})", flush=True)

    width = max(len(r[0]) for r in rows)
    print()
    print(f"{'phase':<{width}}  {'seconds':>8}  {'target':>7}  within target")
    print(f"{'-' * width}  {'-' * 8}  {'-' * 7}  -------------")
    for name, seconds, rc, target, verdict in rows:
        print(f"{name:<{width}}  {seconds:8.1f}  {target:>7}  {verdict}")
    if failed:
        print(f"\nA build failed: see {log}")
    if opts.keep or failed:
        print(f"\nkept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
