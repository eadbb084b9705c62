"""Bootstrap for the quick-start scripts (stdlib only).

`book/build.py` and `tests/run.py` call `ensure(extras)` first thing. Outside
the repo's `.venv` it creates the venv if needed, installs `-e .[extras]` when
pyproject.toml or the extras changed since the last install, and re-executes
the calling script with the venv's Python. Inside the venv it returns at once.

The stamp lives inside `.venv`, so deleting `.venv` also forgets the install.

torch (the tests' oracle, in the `dev` extra) comes as a CPU-only wheel from
PyTorch's own index when that index answers a short probe; PyPI's Linux
wheels of torch pull in CUDA (several GB of `nvidia-*` packages) that the
tests never use. Where the index cannot be reached the install goes on from
the configured indexes (PyPI) as before, without waiting.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".coursekit-stamp.json"
_GUARD = "COURSEKIT_VENV_REEXEC"
# PyTorch's index of CPU-only wheels; COURSEKIT_TORCH_INDEX overrides it (empty: never probe).
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
PROBE_TIMEOUT = 1.5  # seconds; the whole probe, name lookup included, never takes longer


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


def index_reachable(
    url: str, timeout: float = PROBE_TIMEOUT, opener: Callable[..., object] | None = None
) -> bool:
    """True if `url` answers a HEAD request within `timeout` seconds (any failure: False).

    The request runs in a daemon thread that is abandoned at the deadline,
    because a socket timeout does not bound the DNS lookup, which can hang
    on machines without network. `opener` stands in for urllib's `urlopen`
    in tests.
    """
    opener = opener or urllib.request.urlopen
    answered = threading.Event()

    def probe() -> None:
        try:
            response = opener(urllib.request.Request(url, method="HEAD"), timeout=timeout)
            if getattr(response, "status", 200) < 400:
                answered.set()
        except Exception:  # noqa: BLE001, S110 (unreachable for whatever reason: use PyPI)
            pass

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return answered.is_set()


def _configured_extra_indexes() -> list[str]:
    """The extra index URLs pip would use anyway (a command-line list replaces them, so keep them)."""
    if os.environ.get("PIP_EXTRA_INDEX_URL"):
        return os.environ["PIP_EXTRA_INDEX_URL"].split()
    try:
        out = subprocess.run(
            [str(PYTHON), "-m", "pip", "config", "list"],
            capture_output=True, text=True, timeout=30, check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    found: dict[str, list[str]] = {}
    for line in out.splitlines():
        key, _, value = line.partition("=")
        section, _, option = key.partition(".")
        if option == "extra-index-url":
            try:
                found[section] = str(ast.literal_eval(value)).split()  # pip prints repr(value)
            except (ValueError, SyntaxError):
                found[section] = value.strip("'\"").split()
    # pip's order of precedence: the [install] section over [global].
    return found.get("install") or found.get("global") or []


def torch_index_args(extras: str, reachable: Callable[[str], bool] = index_reachable) -> list[str]:
    """pip arguments that add PyTorch's CPU index, if torch is to be installed and the index answers."""
    if not {"dev", "all"} & set(extras.split(",")):
        return []
    url = os.environ.get("COURSEKIT_TORCH_INDEX", TORCH_CPU_INDEX).strip()
    if not url:
        return []
    started = time.monotonic()
    if not reachable(url.rstrip("/") + "/torch/"):
        print(
            f"[coursekit] {url} not reachable ({time.monotonic() - started:.1f} s): "
            "torch comes from the configured index (PyPI), possibly with CUDA",
            flush=True,
        )
        return []
    print(f"[coursekit] torch's CPU-only wheel from {url}", flush=True)
    args = []
    for index in [*_configured_extra_indexes(), url]:
        args += ["--extra-index-url", index]
    return args


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
            *torch_index_args(extras),
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
