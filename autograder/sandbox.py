"""Run one untrusted command in a sandbox: bubblewrap when available, else resource limits.

Two layers, and the driver says loudly which are active (``protections()``):

* **bubblewrap** (``bwrap``): new user, PID, network, IPC and UTS namespaces
  (``--unshare-all``: no network at all), a root made of read-only binds of
  the system directories, the Python installation, the venv and the coursekit
  package, a private tmpfs for ``/tmp`` and ``$HOME``, and one writable bind:
  the job's private directory.  The course directory (``source/``, the
  gradebook, other students' folders) and the instructor's home are simply not
  in the sandbox's file system.  ``--die-with-parent`` and the PID namespace
  make sure nothing survives the job.
* **resource limits** (always): ``RLIMIT_AS`` (memory), ``RLIMIT_CPU``,
  ``RLIMIT_NPROC`` (fork bombs), ``RLIMIT_FSIZE`` (file and output size), a
  new session whose process group gets ``SIGKILL`` on the wall-clock timeout,
  a private working directory and ``$HOME``.  When the driver runs as root the
  job also drops to an unprivileged uid of its own, one per concurrent job
  (root ignores ``RLIMIT_NPROC`` and could read every file; a shared uid would
  let one job's fork bomb use up another's process limit).

Without bwrap only the second layer is active: the job can then read
world-readable files (including ``source/``) and use the network.
"""

from __future__ import annotations

import functools
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Limits", "SandboxResult", "bwrap_path", "protections", "run_sandboxed"]

NOBODY = 65534
# Each concurrently running job gets an unprivileged uid of its own: RLIMIT_NPROC
# counts processes per uid, so one submission's fork bomb cannot starve another's.
JOB_UID_BASE = 200_000


def job_uid() -> int:
    """This worker's job uid (a worker runs one job at a time, so its pid names a slot)."""
    return JOB_UID_BASE + os.getpid() % 100_000


@dataclass(frozen=True)
class Limits:
    """Resource limits of one job (one submission).

    Attributes
    ----------
    wall_seconds : float
        Wall-clock time after which the whole process group is killed.
    cpu_seconds : int
        ``RLIMIT_CPU`` per process.
    memory_bytes : int
        ``RLIMIT_AS`` per process (address space; NumPy + a kernel need ~1 GiB).
    nproc : int
        ``RLIMIT_NPROC`` (processes and threads of the sandbox user).
    fsize_bytes : int
        ``RLIMIT_FSIZE``: largest file the job may write.
    log_bytes : int
        How much of the job's stdout/stderr the driver keeps.
    """

    wall_seconds: float = 300.0
    cpu_seconds: int = 300
    memory_bytes: int = 3 * 2**30
    nproc: int = 1024
    fsize_bytes: int = 128 * 2**20
    log_bytes: int = 20_000


@dataclass
class SandboxResult:
    """What happened to one sandboxed job (data only)."""

    returncode: int | None
    timed_out: bool
    seconds: float
    log_tail: str
    mode: str
    protections: list[str] = field(default_factory=list)


@functools.lru_cache(maxsize=1)
def bwrap_path() -> str | None:
    """The path of a *working* ``bwrap`` (it may exist but fail, e.g. without user namespaces)."""
    if os.environ.get("AUTOGRADER_NO_BWRAP"):
        return None
    exe = shutil.which("bwrap")
    if exe is None:
        return None
    try:
        proc = subprocess.run(
            [exe, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "true"],
            capture_output=True,
            timeout=20,
            preexec_fn=_drop_privileges if os.geteuid() == 0 else None,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return exe if proc.returncode == 0 else None


def protections() -> tuple[str, list[str]]:
    """The sandbox mode (``"bwrap"`` or ``"rlimits"``) and a line per protection that is active."""
    lines = [
        "resource limits: memory (RLIMIT_AS), CPU time, processes (RLIMIT_NPROC), file size",
        "wall-clock timeout: SIGKILL of the job's process group",
        "private working directory and HOME per submission",
    ]
    if os.geteuid() == 0:
        lines.append("runs as an unprivileged uid of its own per concurrent job (the driver is root)")
    if bwrap_path():
        lines += [
            "bubblewrap: no network (all namespaces unshared)",
            "bubblewrap: course directory, gradebook, other students and the instructor's home are invisible",
            "bubblewrap: read-only Python/venv, tmpfs /tmp and HOME, killed with its parent",
        ]
        return "bwrap", lines
    lines += [
        "WARNING: bubblewrap (bwrap) is not available: student code CAN use the network and read "
        "world-readable files, including source/. Install it: apt-get install bubblewrap"
    ]
    return "rlimits", lines


def _drop_privileges(uid: int = NOBODY) -> None:
    """In the child: become an unprivileged user (only called when we are root)."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def _child_setup(limits: Limits, drop: bool) -> None:
    """Runs in the child between fork and exec: limits first, then drop root."""
    # os.setsid() is done by start_new_session=True; the limits are inherited by everything it starts.
    for what, value in (
        (resource.RLIMIT_AS, limits.memory_bytes),
        (resource.RLIMIT_CPU, limits.cpu_seconds),
        (resource.RLIMIT_NPROC, limits.nproc),
        (resource.RLIMIT_FSIZE, limits.fsize_bytes),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(what, (value, value))
    if drop and os.geteuid() == 0:
        _drop_privileges(job_uid())


def _python_paths() -> list[str]:
    """The directories the job's Python needs: the installation, the venv, the coursekit package."""
    import coursekit

    paths = [sys.base_prefix, sys.prefix, str(Path(coursekit.__file__).resolve().parent)]
    return list(dict.fromkeys(os.path.realpath(p) for p in paths))


def _bwrap_command(
    exe: str, argv: list[str], workdir: Path, env: dict[str, str], staged: dict[str, str]
) -> list[str]:
    """The bwrap command line; ``staged`` maps a sandbox path to where the host can bind it from."""
    inside = "/tmp/job"
    cmd = [exe, "--unshare-all", "--die-with-parent", "--new-session", "--clearenv"]
    for p in ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc"):
        cmd += ["--ro-bind-try", p, p]
    # The private /tmp first: a checkout (and its venv) may itself live under /tmp,
    # and binds made after the tmpfs land on top of it instead of being hidden by it.
    cmd += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--dir", "/tmp/home"]
    for dest in _python_paths():
        cmd += ["--ro-bind", staged.get(dest, dest), dest]
    for p in (sys.prefix, sys.base_prefix):
        if os.path.realpath(p) != p:  # keep the unresolved spelling too (venvs behind symlinks)
            cmd += ["--symlink", os.path.realpath(p), p]
    cmd += ["--bind", str(workdir), inside, "--chdir", inside]
    for key, value in env.items():
        cmd += ["--setenv", key, value.replace(str(workdir), inside)]
    cmd += ["--setenv", "HOME", "/tmp/home", "--setenv", "TMPDIR", "/tmp"]
    cmd += ["--setenv", "USER", "student", "--setenv", "LOGNAME", "student"]  # the uid has no passwd entry
    return cmd + [a.replace(str(workdir), inside) for a in argv]


def _as_job_user(cmd: list[str], stage: Path) -> tuple[list[str], dict[str, str]]:
    """Wrap a bwrap command so that, as root, it runs as the job uid yet sees the Python installation.

    The Python installation may live in root's home (pyenv), which that uid
    cannot traverse.  In a private mount namespace (``unshare --mount``) each
    Python directory is bind-mounted under ``stage`` (world-traversable, and
    visible only in that namespace), then ``setpriv`` drops to the job uid and
    bwrap binds those copies back at their usual paths.
    """
    staged: dict[str, str] = {}
    script = []
    for i, path in enumerate(_python_paths()):
        target = stage / f"ro{i}"
        target.mkdir()
        staged[path] = str(target)
        script.append(f'mount --bind "{path}" "{target}"')
    script.append(
        f'exec setpriv --reuid {job_uid()} --regid {job_uid()} --clear-groups "$@"'
    )
    wrapper = ["unshare", "--mount", "--propagation", "private", "sh", "-c", " && ".join(script), "sh"]
    return wrapper, staged


def _prepare_workdir(workdir: Path) -> None:
    """The job's only writable place; owned by the job's uid when we drop to it."""
    (workdir / "home").mkdir(exist_ok=True)
    if os.geteuid() == 0:
        uid = job_uid()
        for root, dirs, files in os.walk(workdir):
            os.chown(root, uid, uid)
            for name in files:
                os.chown(os.path.join(root, name), uid, uid)


def _tail(path: Path, n: int) -> str:
    """The last ``n`` bytes of a log, decoded leniently (never read more: the job may have written a lot)."""
    try:
        with open(path, "rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - n))
            return fh.read(n).decode("utf-8", "replace")
    except OSError:
        return ""


def run_sandboxed(
    argv: list[str], workdir: Path, env: dict[str, str], limits: Limits, logdir: Path
) -> SandboxResult:
    """Run ``argv`` in the sandbox with ``workdir`` as its only writable directory.

    Parameters
    ----------
    argv : list of str
        The command (paths inside ``workdir`` are rewritten for bwrap).
    workdir : Path
        Private directory of this job (the notebook, the record directory).
    env : dict
        The whole environment of the job (nothing is inherited).
    limits : Limits
    logdir : Path
        Where the job's stdout/stderr go (outside the sandbox's view).

    Returns
    -------
    SandboxResult
    """
    mode, active = protections()
    _prepare_workdir(workdir)
    drop_here = os.geteuid() == 0
    if mode == "bwrap":
        exe = bwrap_path() or "bwrap"
        staged: dict[str, str] = {}
        wrapper: list[str] = []
        if drop_here:
            stage = logdir / "stage"
            stage.mkdir(mode=0o755)
            os.chmod(logdir, 0o755)
            os.chmod(logdir.parent, 0o755)
            wrapper, staged = _as_job_user([], stage)
            drop_here = False  # setpriv drops to the job uid after the mounts
        cmd = wrapper + _bwrap_command(exe, argv, workdir, env, staged)
        job_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    else:
        cmd = argv
        job_env = {**env, "HOME": str(workdir / "home"), "TMPDIR": str(workdir), "USER": "student", "LOGNAME": "student"}
    log = logdir / "job.log"
    start = time.monotonic()
    timed_out = False
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=workdir,
            env=job_env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=functools.partial(_child_setup, limits, drop_here),
        )
        try:
            proc.wait(timeout=limits.wall_seconds)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            # Always: whatever the job left behind in its process group dies with it.
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            proc.wait()
    return SandboxResult(
        returncode=proc.returncode,
        timed_out=timed_out,
        seconds=time.monotonic() - start,
        log_tail=_tail(log, limits.log_bytes),
        mode=mode,
        protections=active,
    )
