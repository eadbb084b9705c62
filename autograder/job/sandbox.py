"""Run one notebook in a sandbox; every limit is enforced from outside the student's reach.

Three layers, and the driver says loudly which are active (``protections()``):

* **bubblewrap** (``bwrap``): new user, PID, network, IPC and UTS namespaces
  (``--unshare-all``: no network at all), a root made of read-only binds of
  the system directories and the Python installation, with every site
  directory covered and ``/student-site`` holding only what the assignment
  allows (:mod:`autograder.job.runtime`).  The job's folder (notebook, runner,
  inputs) is read-only; the only writable place is a size-capped tmpfs
  (``/tmp``, with ``HOME`` and the working directory) and a sized ``/dev/shm``;
  ``/`` and ``/dev`` (tmpfs of no size in bwrap) are read-only.  Outputs leave through
  a pipe that this process reads and caps, so nothing the job writes lands on
  the host's disk.  ``--die-with-parent`` and the PID namespace make sure
  nothing survives the job.
* **a cgroup per job** (:mod:`autograder.job.cgroups`, when cgroups can be
  written: as root, or with a delegated v2 cgroup): all the job's processes
  together are held to a memory limit (its tmpfs pages included, so the
  sized ``/tmp`` and ``/dev/shm`` count too), a process limit and a CPU quota
  of one worker's share; the job's CPU time is read from the cgroup; after
  the job everything in it is killed and the cgroup removed.
* **resource limits** (always): ``RLIMIT_AS`` (memory), ``RLIMIT_CPU``,
  ``RLIMIT_NPROC`` (fork bombs), ``RLIMIT_FSIZE``, a new session that is
  killed at the deadlines.  As root the job runs as an unprivileged uid that
  it leases for its whole life (:mod:`autograder.job.jobuid`: no two live jobs
  share one, so killing a uid's processes never touches another job).

The wall-clock limit, the per-cell limit and the job's CPU-time limit are
enforced here, in the grader's process.  Only this side decides when a cell
started: a start report counts only after the previous cell reported done
(see :mod:`autograder.job.reports`), and the cell's clock starts when this side
reads it; a job that stops its own reporting (``SIGSTOP``, a closed pipe)
still meets every deadline.

Without bwrap the job can read world-readable files (including ``source/``),
import anything installed, and use the network; without cgroups its
processes together can take the host's memory and CPU.
"""

from __future__ import annotations

import functools
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import cgroups
from .jobuid import lease_uid, uid_pids
from .reports import ReportReader
from .runtime import SITE, harness_tree, hidden_site_dirs, site_entries, symlink_site

__all__ = ["CGROUP_WARNING", "WARNING", "Limits", "SandboxResult", "bwrap_path", "protections", "run_notebook"]

NOBODY = 65534
START_ALLOWANCE = 60.0  # seconds from start to the first cell (Python and IPython import)
WARNING = ("WARNING: bubblewrap (bwrap) is not available: student code CAN import every installed package "
           "(including coursekit's reference implementation and torch), read world-readable files "
           "(including source/) and use the network. Grades are NOT protected. Install it: apt-get install "
           "bubblewrap")
UNPROTECTED = ("a job's memory is limited per process only (RLIMIT_AS), "
               "so forked children and files in its tmpfs (/tmp, /dev/shm) together can take the host's "
               "memory and the kernel may kill a grader worker or another student's job instead; its CPU "
               "is not held to a worker's share (busy children slow every job down and can make honest "
               "ones time out); its processes are limited per uid only. Run the grader as root, or in a "
               "cgroup v2 that delegates memory, pids and cpu")
CGROUP_WARNING = "WARNING: no cgroup per job ({why}): " + UNPROTECTED


@dataclass(frozen=True)
class Limits:
    """Resource limits of one job (one submission).

    Attributes
    ----------
    wall_seconds : float
        Wall-clock time after which the job is killed.
    cpu_seconds : int
        CPU time: ``RLIMIT_CPU`` per process, and all the job's processes together (from its cgroup).
    memory_bytes : int
        ``RLIMIT_AS`` per process (address space; NumPy + IPython need ~1 GiB).
    job_memory_bytes : int
        Memory of all the job's processes and its tmpfs files together (its cgroup).
    pids : int
        Processes and threads of the job together (its cgroup).
    cpus : float
        CPU quota of the job (its cgroup): one worker's share of the machine.
    nproc : int
        ``RLIMIT_NPROC`` (processes and threads of the sandbox user).
    fsize_bytes : int
        ``RLIMIT_FSIZE``: largest file the job may write.
    disk_bytes : int
        All the job may write to its file system (the sandbox's ``/tmp`` tmpfs).
    shm_bytes : int
        Size of the sandbox's ``/dev/shm`` tmpfs.
    report_bytes : int
        All the job may send down the report pipe (progress and records).
    log_bytes : int
        How much of the job's stdout/stderr the driver keeps (the tail).
    max_log_bytes : int
        All the job may write to stdout/stderr before it is stopped.
    """

    wall_seconds: float = 300.0
    cpu_seconds: int = 300
    memory_bytes: int = 3 * 2**30
    job_memory_bytes: int = 2 * 2**30
    pids: int = 512
    cpus: float = 1.0
    nproc: int = 1024
    fsize_bytes: int = 128 * 2**20
    disk_bytes: int = 256 * 2**20
    shm_bytes: int = 64 * 2**20
    report_bytes: int = 160 * 2**20
    log_bytes: int = 20_000
    max_log_bytes: int = 64 * 2**20


@dataclass
class SandboxResult:
    """What happened to one sandboxed job (data only)."""

    returncode: int | None
    reports: ReportReader
    seconds: float
    log_tail: str
    mode: str
    stopped: str | None = None  # "wall", "cell", "cpu", "memory", "output", "disk": this side stopped the job
    protections: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0  # the job's CPU time, all its processes (0.0 without a cgroup)
    peak_memory: int = 0  # the job's peak memory in bytes, tmpfs included (0 without a cgroup)


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


def cgroup_lines(limits: Limits | None = None) -> list[str]:
    """A line per cgroup limit that holds for every job, or the loud warning of what is unprotected."""
    limits = limits or Limits()
    support = cgroups.support()
    if support.version is None:
        return [CGROUP_WARNING.format(why=support.problem)]
    held = set(support.limits)
    lines = [(f"cgroup v{support.version} per job, a child of the grader's own cgroup, removed after the job "
              "(everything in it killed first)")]
    if "memory" in held:
        swap = " (memory + swap)" if "memory+swap" in held else ""
        lines.append(f"cgroup: memory of all the job's processes and its tmpfs files together "
                     f"<= {limits.job_memory_bytes >> 20} MiB{swap}; a hit stops the job (status memory_limit)")
    if "pids" in held:
        lines.append(f"cgroup: processes and threads of the job together <= {limits.pids}")
    if "cpu" in held:
        lines.append(f"cgroup: CPU quota {limits.cpus:g} CPU per job (a worker's share)")
    if "cpu-time" in held:
        lines.append(f"cgroup: the job's CPU time, all processes together, <= {limits.cpu_seconds} s")
    if support.problem:
        lines.append(f"WARNING: {support.problem} (those limits do not hold for the job's processes together)")
    return lines


def protections(limits: Limits | None = None) -> tuple[str, list[str]]:
    """The sandbox mode (``"bwrap"`` or ``"rlimits"``) and a line per protection that is active."""
    limits = limits or Limits()
    lines = [
        "resource limits per process: memory (RLIMIT_AS), CPU time, processes (RLIMIT_NPROC), file size",
        ("wall-clock, per-cell and CPU-time limits enforced by the grader's process; only the grader decides "
         "when a cell started"),
        "outputs and logs read through pipes, capped by the grader",
        *cgroup_lines(limits),
    ]
    if os.geteuid() == 0 and (bwrap_path() or _others_can_run_python()):
        lines.append("runs as an unprivileged uid leased for the job's life (no two live jobs share one)")
    elif os.geteuid() == 0:
        lines.append("WARNING: the job runs as root (this Python is not readable by other users, and "
                     "bubblewrap is missing): install bubblewrap")
    if bwrap_path():
        lines += [
            "bubblewrap: no network (all namespaces unshared)",
            "bubblewrap: course directory, gradebook, other students and the instructor's home are invisible",
            "bubblewrap: only the assignment's allowed packages can be imported (no coursekit reference, no torch)",
            "bubblewrap: read-only system and Python, killed with its parent",
            (f"bubblewrap: all writes in sized tmpfs: /tmp {limits.disk_bytes >> 20} MiB, /dev/shm "
             f"{limits.shm_bytes >> 20} MiB; / and /dev read-only"),
        ]
        return "bwrap", lines
    return "rlimits", lines + [WARNING]


def _drop_privileges(uid: int = NOBODY) -> None:
    """In the child: become an unprivileged user (only called when we are root)."""
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def _child_setup(limits: Limits, drop: int | None, cgroup: cgroups.JobCgroup | None) -> None:
    """Runs in the child between fork and exec: into the job's cgroup, limits, then drop root."""
    if cgroup is not None:
        cgroup.attach()  # before anything of the job runs: all it starts and touches is charged there
    for what, value in (
        (resource.RLIMIT_AS, limits.memory_bytes),
        (resource.RLIMIT_CPU, limits.cpu_seconds),
        (resource.RLIMIT_NPROC, limits.nproc),
        (resource.RLIMIT_FSIZE, limits.fsize_bytes),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(what, (value, value))
    if drop is not None and os.geteuid() == 0:
        _drop_privileges(drop)


@functools.lru_cache(maxsize=1)
def _others_can_run_python() -> bool:
    """Whether an unprivileged uid can reach and run this Python (pyenv in /root: no)."""
    for path in (os.path.realpath(sys.executable), os.path.realpath(sys.base_prefix), sys.prefix):
        parts = Path(path).parts
        for i in range(1, len(parts) + 1):
            mode = os.stat(os.path.join(*parts[:i])).st_mode
            if not mode & 0o001:
                return False
    return True


def _python_paths() -> list[str]:
    """The directories the job's Python needs: the base installation and the venv."""
    return list(dict.fromkeys(os.path.realpath(p) for p in (sys.base_prefix, sys.prefix)))


def _bwrap_command(exe: str, jobdir: Path, env: dict[str, str], allowed: tuple[str, ...],
                   staged: dict[str, str], limits: Limits) -> list[str]:
    """The bwrap command line; ``staged`` maps a host path to where the job uid can bind it from."""

    def source(path: str) -> str:
        for host, stage in staged.items():
            if path == host or path.startswith(host + os.sep):
                return stage + path[len(host):]
        return path

    cmd = [exe, "--unshare-all", "--die-with-parent", "--new-session", "--clearenv"]
    for p in ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc"):
        cmd += ["--ro-bind-try", p, p]
    # The private /tmp first: a checkout (and its venv) may itself live under /tmp,
    # and binds made after the tmpfs land on top of it instead of being hidden by it.
    # bwrap's /dev is a tmpfs of no size: /dev/shm gets a sized one and /dev itself is read-only below.
    cmd += ["--proc", "/proc", "--dev", "/dev", "--size", str(limits.shm_bytes), "--tmpfs", "/dev/shm",
            "--size", str(limits.disk_bytes), "--tmpfs", "/tmp", "--dir", "/tmp/home", "--dir", "/tmp/work"]
    for path in _python_paths():
        cmd += ["--ro-bind", source(path), path]
    for p in (sys.prefix, sys.base_prefix):
        if os.path.realpath(p) != p:  # keep the unresolved spelling too (venvs behind symlinks)
            cmd += ["--symlink", os.path.realpath(p), p]
    for hidden in hidden_site_dirs():  # empty and read-only: nothing there can be imported
        cmd += ["--size", "4096", "--tmpfs", hidden, "--remount-ro", hidden]
    cmd += ["--size", "4096", "--tmpfs", SITE]
    for path, name in site_entries(allowed):
        cmd += ["--ro-bind", source(path), f"{SITE}/{name}"]
    cmd += ["--ro-bind", harness_tree(allowed), f"{SITE}/coursekit", "--remount-ro", SITE]
    cmd += ["--ro-bind", source(str(jobdir)), "/job", "--chdir", "/tmp/work"]
    # The root and /dev are tmpfs without a size too: read-only, so the sized ones are all that is writable.
    cmd += ["--remount-ro", "/dev", "--remount-ro", "/"]
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    cmd += ["--setenv", "USER", "student", "--setenv", "LOGNAME", "student"]  # the uid has no passwd entry
    return cmd


def _as_job_user(stage: Path, also: list[str], uid: int) -> tuple[list[str], dict[str, str]]:
    """A wrapper so that, as root, bwrap runs as the job uid yet sees the Python installation.

    The Python installation may live in root's home (pyenv), which that uid
    cannot traverse.  In a private mount namespace (``unshare --mount``) each
    Python directory is bind-mounted under ``stage`` (world-traversable, and
    visible only in that namespace), then ``setpriv`` drops to the job uid and
    bwrap binds those copies back at their usual paths.  ``also`` are further
    folders to stage the same way (the job's folder).
    """
    staged: dict[str, str] = {}
    script = []
    for i, path in enumerate(_python_paths() + also):
        target = stage / f"ro{i}"
        target.mkdir()
        staged[path] = str(target)
        script.append(f'mount --bind "{path}" "{target}"')
    script.append(f'exec setpriv --reuid {uid} --regid {uid} --clear-groups "$@"')
    wrapper = ["unshare", "--mount", "--propagation", "private", "sh", "-c", " && ".join(script), "sh"]
    return wrapper, staged


def _folder_bytes(path: Path) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


class _Tail:
    """The last ``keep`` bytes of a stream and how many bytes passed."""

    def __init__(self, keep: int) -> None:
        self.keep, self.data, self.total = keep, b"", 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        self.data = (self.data + chunk)[-self.keep:]


def _watch(proc: subprocess.Popen, report_fd: int, log_fd: int, reader: ReportReader, limits: Limits,
           cell_seconds: float, disk: Callable[[], int] | None,
           cgroup: cgroups.JobCgroup | None) -> tuple[str | None, _Tail]:
    """Follow the job until it ends or a limit is hit; returns (why this side stopped it, log tail)."""
    start = time.monotonic()
    wall = start + limits.wall_seconds
    cell_deadline, clock_for = start + START_ALLOWANCE, None
    log, report_total = _Tail(limits.log_bytes), 0
    open_fds, next_disk_check = {report_fd, log_fd}, start
    while True:
        now = time.monotonic()
        if reader.current != clock_for and reader.current is not None:
            clock_for, cell_deadline = reader.current, now + cell_seconds
        if reader.finished:  # the runner exits right after saying so
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            return None, log
        if now >= wall:
            return "wall", log
        if now >= cell_deadline:
            return "cell", log
        if disk is not None and now >= next_disk_check:
            next_disk_check = now + 0.5
            if disk() > limits.disk_bytes:
                return "disk", log
        if cgroup is not None:  # read from the kernel: nothing the job says counts
            if cgroup.oom_kills():
                return "memory", log
            if cgroup.cpu_seconds() > limits.cpu_seconds:
                return "cpu", log
        exited = proc.poll() is not None
        if exited and not open_fds:
            return None, log
        ready = select.select(list(open_fds), [], [], 0.05 if exited else 0.2)[0] if open_fds else []
        if exited and not ready:
            return None, log  # the job is gone; whatever still holds a pipe open is killed next
        for fd in ready:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                open_fds.discard(fd)
            elif fd == report_fd:
                report_total += len(chunk)
                if report_total > limits.report_bytes:
                    return "output", log
                reader.feed(chunk)
            else:
                log.add(chunk)
                if log.total > limits.max_log_bytes:
                    return "output", log


def _kill(proc: subprocess.Popen, uid: int | None, cgroup: cgroups.JobCgroup | None) -> bool:
    """Kill the job and everything it started; False when its cgroup could not be emptied and removed.

    ``uid`` is leased by this job, so its processes are this job's (stragglers
    not yet dead are reaped by the uid's next lease).
    """
    for kill in (lambda: os.killpg(proc.pid, signal.SIGKILL), proc.kill):
        try:
            kill()
        except (ProcessLookupError, PermissionError):
            pass
    proc.wait()
    removed = cgroup.close() if cgroup is not None else True
    for pid in uid_pids(uid) if uid is not None else []:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return removed


def run_notebook(jobdir: Path, runner_args: list[str], env: dict[str, str], allowed: tuple[str, ...],
                 n_cells: int, cell_seconds: float, limits: Limits, scratch: Path) -> SandboxResult:
    """Run the runner on the notebook in ``jobdir`` in the sandbox and read its reports.

    Parameters
    ----------
    jobdir : Path
        Holds ``_runner.py``, ``notebook.ipynb`` and ``inputs/``; mounted read-only at ``/job``.
    runner_args : list of str
        Arguments after the notebook path (the output budget).
    env : dict
        The job's environment (nothing is inherited); ``{JOB}`` in a value is the job folder.
    allowed : tuple of str
        What the notebook may import (:func:`coursekit.grading.allowed_imports`).
    n_cells : int
        How many code cells the runner will run (for the progress reports).
    cell_seconds : float
        Per-cell time limit.
    limits : Limits
    scratch : Path
        A private host folder for this job's bookkeeping (never visible to the job).
    """
    mode, active = protections(limits)
    as_root = os.geteuid() == 0
    lease = lease_uid() if as_root else None
    try:
        return _run_leased(jobdir, runner_args, env, allowed, n_cells, cell_seconds, limits, scratch, mode,
                           active, lease.uid if lease is not None else None)
    finally:
        if lease is not None:
            lease.release()


def _job_cgroup(limits: Limits) -> cgroups.JobCgroup | None:
    """This job's cgroup, or None where cgroups cannot be written (``protections`` warns then)."""
    if cgroups.support().version is None:
        return None
    return cgroups.create(cgroups.CgroupLimits(memory_bytes=limits.job_memory_bytes, pids=limits.pids,
                                               cpus=limits.cpus))


def _run_leased(jobdir: Path, runner_args: list[str], env: dict[str, str], allowed: tuple[str, ...],
                n_cells: int, cell_seconds: float, limits: Limits, scratch: Path, mode: str,
                active: list[str], uid: int | None) -> SandboxResult:
    """:func:`run_notebook` once the job's uid (as root) is leased."""
    as_root = uid is not None
    report_r, report_w = os.pipe()
    log_r, log_w = os.pipe()
    if mode == "bwrap":
        job = "/job"
        staged: dict[str, str] = {}
        wrapper: list[str] = []
        if as_root:  # mount points the job uid can reach, whatever the permissions above scratch
            stage = Path(tempfile.mkdtemp(prefix="autograder-stage-"))
            os.chmod(stage, 0o755)
            wrapper, staged = _as_job_user(stage, [str(jobdir)], uid)
        job_env = {k: v.replace("{JOB}", job) for k, v in env.items()}
        job_env.update(HOME="/tmp/home", TMPDIR="/tmp", COURSEKIT_GRADING_FD=str(report_w))
        argv = [sys.executable, "-S", f"{job}/_runner.py", f"{job}/notebook.ipynb", SITE, str(report_w),
                *runner_args]
        cmd = wrapper + _bwrap_command(bwrap_path() or "bwrap", jobdir, job_env, allowed, staged, limits) + argv
        popen_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        cwd, drop_here, disk = str(scratch), None, None
    else:
        work = scratch / "work"
        (work / "home").mkdir(parents=True)
        job_env = {k: v.replace("{JOB}", str(jobdir)) for k, v in env.items()}
        job_env.update(HOME=str(work / "home"), TMPDIR=str(work), USER="student", LOGNAME="student",
                       COURSEKIT_GRADING_FD=str(report_w))
        uid = uid if _others_can_run_python() else None  # else it runs as root, with a warning
        if uid is not None:
            for root, dirs, files in os.walk(scratch):
                os.chown(root, uid, uid)
            for p in (scratch, scratch.parent):
                os.chmod(p, 0o755)
        cmd = [sys.executable, "-S", str(jobdir / "_runner.py"), str(jobdir / "notebook.ipynb"),
               symlink_site(allowed), str(report_w), *runner_args]
        popen_env, cwd, drop_here = job_env, str(work), uid
        disk = functools.partial(_folder_bytes, work)
    start = time.monotonic()
    reader = ReportReader(n_cells)
    cgroup = None
    try:
        cgroup = _job_cgroup(limits)
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=popen_env, stdin=subprocess.DEVNULL, stdout=log_w, stderr=log_w,
            pass_fds=(report_w,), start_new_session=True,
            preexec_fn=functools.partial(_child_setup, limits, drop_here, cgroup),
        )
    except BaseException:
        if cgroup is not None:
            cgroup.close()
        raise
    finally:
        os.close(report_w)
        os.close(log_w)
    cpu_seconds, peak, stopped, log = 0.0, 0, None, _Tail(limits.log_bytes)
    try:
        stopped, log = _watch(proc, report_r, log_r, reader, limits, cell_seconds, disk, cgroup)
    finally:
        if cgroup is not None:  # read before the cgroup goes
            cpu_seconds, peak = cgroup.cpu_seconds(), cgroup.peak_memory()
            if cgroup.oom_kills() and stopped is None:
                stopped = "memory"  # a child killed for memory counts even when the job went on
        removed = _kill(proc, uid, cgroup)  # always: whatever the job left behind dies with it
        os.close(report_r)
        os.close(log_r)
        if mode == "bwrap" and as_root:
            shutil.rmtree(stage, ignore_errors=True)  # empty mount points (the mounts died with their namespace)
    if not removed:
        raise RuntimeError(f"the job's cgroup {cgroup.name} could not be emptied: processes survive SIGKILL")
    return SandboxResult(
        returncode=proc.returncode, reports=reader, seconds=time.monotonic() - start,
        log_tail=log.data.decode("utf-8", "replace"), mode=mode, stopped=stopped, protections=active,
        cpu_seconds=cpu_seconds, peak_memory=peak,
    )
