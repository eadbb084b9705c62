"""The built book for the tests that read it: built by ``book/build.py`` when missing or out of date."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
HTML = BOOK / "_build" / "html"
OK_MARK = BOOK / "_build" / ".last-build-ok"  # written by book/build.py on success


def _newest_source_mtime() -> float:
    """The newest of what the build reads: book sources, widget code, assignment notebooks."""
    sources = [p for p in BOOK.rglob("*") if "_build" not in p.relative_to(BOOK).parts]
    widgets = ROOT / "coursekit" / "widgets"
    sources += [*widgets.glob("*.js"), *widgets.glob("*.py"), *(ROOT / "assignments" / "source").rglob("*.ipynb")]
    return max((p.stat().st_mtime for p in sources
                if p.is_file() and not any(part.startswith(".") for part in p.parts[-2:])), default=0.0)


def ensure_built(who: str) -> Path:
    """The built HTML folder; ``book/build.py`` runs first when the site is missing or older than its sources."""
    if (HTML / "index.html").is_file() and OK_MARK.is_file() and OK_MARK.stat().st_mtime >= _newest_source_mtime():
        return HTML
    started = time.monotonic()
    proc = subprocess.run([sys.executable, str(BOOK / "build.py")], cwd=ROOT, capture_output=True, text=True,
                          timeout=1500, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-60:])
        pytest.fail(f"book/build.py failed (exit {proc.returncode}):\n{tail}", pytrace=False)
    print(f"[{who}] built the book in {time.monotonic() - started:.0f} s")
    return HTML
