"""Bootstrap for the quick-start scripts (stdlib only).

`book/build.py` and `tests/run.py` call `ensure(extras)` first thing. Outside
the repo's `.venv` it creates the venv if needed, installs `-e .[extras]` when
pyproject.toml or the extras changed since the last install, and re-executes
the calling script with the venv's Python. Inside the venv it returns at once.

The stamp lives inside `.venv`, so deleting `.venv` also forgets the install.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".coursekit-stamp.json"
_GUARD = "COURSEKIT_VENV_REEXEC"


def in_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def _pyproject_hash() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def _read_stamp() -> dict:
    try:
        return json.loads(STAMP.read_text())
    except (OSError, ValueError):
        return {}


def _installed(extras: str, digest: str) -> bool:
    stamp = _read_stamp()
    done = stamp.get("extras", []) if stamp.get("pyproject_sha256") == digest else []
    # `all` is a superset of every other extra.
    return extras in done or "all" in done


def _install(extras: str, digest: str) -> None:
    started = time.monotonic()
    if not PYTHON.exists():
        print(f"[coursekit] creating {VENV} ...", flush=True)
        # -I keeps `python -m venv` from importing this file (.ci/venv.py) as `venv`.
        subprocess.check_call([sys.executable, "-I", "-m", "venv", str(VENV)], cwd=ROOT)
    print(
        f"[coursekit] installing -e .[{extras}] with the pins from pyproject.toml "
        "(first run only; about 1-2 minutes) ...",
        flush=True,
    )
    subprocess.check_call(
        [
            str(PYTHON),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "-e",
            f"{ROOT}[{extras}]",
        ],
        cwd=ROOT,
    )
    stamp = _read_stamp()
    done = stamp.get("extras", []) if stamp.get("pyproject_sha256") == digest else []
    STAMP.write_text(
        json.dumps({"pyproject_sha256": digest, "extras": sorted(set(done) | {extras})}, indent=1)
    )
    print(f"[coursekit] environment ready in {time.monotonic() - started:.0f} s", flush=True)


def ensure(extras: str) -> None:
    """Make sure `.venv` has `-e .[extras]`, then run the caller inside it."""
    # Runs under whatever `python3` the user has, before anything checks requires-python.
    if sys.version_info < (3, 11):  # noqa: UP036
        sys.exit(f"coursekit needs Python >= 3.11 (this is {sys.version.split()[0]})")
    digest = _pyproject_hash()
    if in_venv():
        if not _installed(extras, digest):
            _install(extras, digest)
        return
    if os.environ.get(_GUARD):
        sys.exit(
            f"[coursekit] re-executed with {PYTHON} but sys.prefix is {sys.prefix}; "
            f"delete {VENV} and try again"
        )
    if not _installed(extras, digest):
        _install(extras, digest)
    argv = [str(PYTHON), os.path.abspath(sys.argv[0]), *sys.argv[1:]]
    env = dict(os.environ, **{_GUARD: "1"})
    if os.name == "nt":  # no real exec on Windows
        sys.exit(subprocess.call(argv, env=env))
    try:
        os.execve(argv[0], argv, env)
    except OSError as exc:
        sys.exit(f"[coursekit] cannot run {PYTHON} ({exc}); delete {VENV} and try again")
