#!/usr/bin/env python3
"""Build the book: `python3 book/build.py [extra jupyter-book build options]`.

Runs `jupyter-book build book/ -W --keep-going` from the repo's `.venv`
(created on first use by .ci/venv.py). Any Sphinx warning or notebook cell
error fails the build with a non-zero exit code.
"""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("coursekit_ci_venv", ROOT / ".ci" / "venv.py")
bootstrap = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bootstrap)
bootstrap.ensure("book")

BOOK = ROOT / "book"
HTML = BOOK / "_build" / "html"
# Sphinx does not re-read unchanged pages, so their warnings are not repeated:
# after a failed build, rebuild everything so the failure cannot go quiet.
FAILED_MARK = BOOK / "_build" / ".last-build-failed"


def main() -> int:
    args = sys.argv[1:]
    if FAILED_MARK.exists() and "--all" not in args:
        args = ["--all", *args]
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ)
    # The notebooks' kernel (kernelspec `python3`) must be this venv's Python.
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTER_PREFER_ENV_PATH"] = "1"
    cmd = [str(bin_dir / "jupyter-book"), "build", str(BOOK), "-W", "--keep-going", *args]
    print("[coursekit]", " ".join(cmd), flush=True)
    rc = subprocess.call(cmd, cwd=ROOT, env=env)
    if rc == 0:
        FAILED_MARK.unlink(missing_ok=True)
        index = HTML / "index.html"
        print(f"\n[coursekit] book built: {index}")
        print(f"[coursekit] view it with: python3 -m http.server -d {HTML.relative_to(ROOT)}")
    else:
        FAILED_MARK.parent.mkdir(parents=True, exist_ok=True)
        FAILED_MARK.touch()
        print(
            f"\n[coursekit] book build FAILED (exit {rc}): see the warnings above", file=sys.stderr
        )
    return rc


if __name__ == "__main__":
    sys.exit(main())
