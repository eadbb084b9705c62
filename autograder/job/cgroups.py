"""A control group per job: the job's memory (tmpfs pages included), processes and CPU, held to its share.

One small interface, two implementations:

* **cgroup v2** (one unified hierarchy): used when the grader's own cgroup
  already delegates ``memory``, ``pids`` and ``cpu`` to its children (its
  ``cgroup.subtree_control`` lists them).
* **cgroup v1** (a hierarchy per controller, also the "hybrid" layout): a
  child in each of the ``memory``, ``pids``, ``cpu``, ``cpuacct`` and
  ``freezer`` hierarchies that the grader can write.

Every job cgroup is a child of the grader's **own** cgroup (read from
``/proc/self/cgroup``, per controller) and is the only thing this module
writes: it never changes a cgroup it did not create.  The job's process puts
itself into the cgroup between ``fork`` and ``exec`` (:meth:`JobCgroup.attach`),
so everything the student's code runs and every page it touches is charged
there, including pages of the job's tmpfs (``/tmp``, ``/dev/shm``): the
kernel charges a page to the cgroup of the process that first touches it.
After the job :meth:`JobCgroup.close` kills everything in the cgroup (v2:
``cgroup.kill``; v1: freeze, ``SIGKILL`` every task, thaw, until none is
left) and removes it.

``support()`` says which limits can be held on this machine and, when none
can, why (not root, a read-only ``/sys/fs/cgroup``, no delegation).
"""

from __future__ import annotations

import functools
import os
import signal
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PREFIX", "CgroupError", "CgroupLimits", "JobCgroup", "Support", "create", "leftovers", "support",
           "sweep_orphans"]

PREFIX = "autograder-job-"  # every cgroup this module creates is named so (and nothing else is touched)
V1_CONTROLLERS = ("memory", "pids", "cpu", "cpuacct", "freezer")
V2_CONTROLLERS = ("memory", "pids", "cpu")
CFS_PERIOD_US = 100_000


class CgroupError(RuntimeError):
    """A job cgroup could not be created or set up (the message says which file and why)."""


@dataclass(frozen=True)
class CgroupLimits:
    """What one job may use, all its processes together.

    Attributes
    ----------
    memory_bytes : int
        Memory, page cache and tmpfs pages included (and swap, where the
        kernel accounts it: memory + swap is held to the same number).
    pids : int
        Processes and threads.
    cpus : float
        CPU quota in CPUs (1.0: one core's worth of time per period).
    """

    memory_bytes: int
    pids: int
    cpus: float


@dataclass(frozen=True)
class Support:
    """Which cgroup limits this process can set on its jobs.

    Attributes
    ----------
    version : int or None
        1 or 2; None when no job cgroup can be made.
    limits : tuple of str
        The limits that hold: among ``"memory"``, ``"memory+swap"``, ``"pids"``, ``"cpu"``,
        ``"cpu-time"`` (the job's CPU time is measured), ``"kill"`` (everything in it can be killed).
    problem : str
        Why some or all limits are missing ("" when all hold).
    """

    version: int | None
    limits: tuple[str, ...]
    problem: str


def _own_cgroups() -> dict[str, str]:
    """Controller (v1) or ``""`` (v2) -> this process's cgroup path, from ``/proc/self/cgroup``."""
    own: dict[str, str] = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            own[name] = path
    return own


def _mounts() -> dict[str, tuple[str, str]]:
    """Controller (v1) or ``""`` (v2) -> (mount point, root of the hierarchy that is mounted there)."""
    found: dict[str, tuple[str, str]] = {}
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        root, point, fstype, options = fields[3], fields[4].replace("\\040", " "), tail[0], tail[2]
        if fstype == "cgroup2":
            found.setdefault("", (point, root))
        elif fstype == "cgroup":
            for option in options.split(","):
                if option in V1_CONTROLLERS:
                    found.setdefault(option, (point, root))
    return found


def _own_dir(point: str, root: str, path: str) -> Path | None:
    """The directory of this process's cgroup under a mount (None when the mount does not show it)."""
    if root != "/" and not (path == root or path.startswith(root.rstrip("/") + "/")):
        return None
    relative = path[len(root):] if root != "/" else path
    directory = Path(point) / relative.lstrip("/")
    return directory if directory.is_dir() else None


def _write(path: Path, value: str) -> None:
    try:
        path.write_text(value)
    except OSError as err:
        raise CgroupError(f"cannot write {value.strip()!r} to {path}: {err.strerror or err}") from err


def _read_int(path: Path, key: str | None = None) -> int:
    """An integer file, or the value of ``key`` in a ``key value`` file (0 when absent)."""
    try:
        text = path.read_text()
    except OSError:
        return 0
    if key is None:
        return int(text.split()[0]) if text.split() else 0
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == key:
            return int(parts[1])
    return 0


def _pids_in(directory: Path) -> list[int]:
    try:
        return [int(p) for p in (directory / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


class JobCgroup(ABC):
    """The cgroup(s) of one job: put the job in, read what it used, kill it all, remove it."""

    version: int
    name: str

    @abstractmethod
    def procs_files(self) -> list[str]:
        """The ``cgroup.procs`` files a process writes its pid into to join (see :meth:`attach`)."""

    def attach(self, pid: int | None = None) -> None:
        """Move ``pid`` (default: the calling process) into the job cgroup.

        Meant for the job's child between ``fork`` and ``exec`` (``preexec_fn``):
        nothing of the job runs outside the cgroup.
        """
        text = str(os.getpid() if pid is None else pid)
        for path in self.procs_files():
            with open(path, "w") as fh:  # no Path helpers: this runs between fork and exec
                fh.write(text)

    @abstractmethod
    def pids(self) -> list[int]:
        """Every process in the job cgroup now."""

    @abstractmethod
    def oom_kills(self) -> int:
        """How many processes the kernel killed because the job hit its memory limit."""

    @abstractmethod
    def cpu_seconds(self) -> float:
        """CPU time used by every process of the job so far (0.0 when not measured)."""

    @abstractmethod
    def peak_memory(self) -> int:
        """The most memory the job used at once, in bytes (0 when not measured)."""

    @abstractmethod
    def _kill_everything(self) -> None:
        """One round of killing every process in the cgroup."""

    @abstractmethod
    def _directories(self) -> list[Path]:
        """The directories this object created (removed by :meth:`close`)."""

    def close(self, timeout: float = 30.0) -> bool:
        """Kill every process in the cgroup, wait until none is left, remove the cgroup.

        Returns
        -------
        bool
            True when the cgroup is gone; False when processes survived ``timeout``
            (the cgroup is then left in place, with its limits still holding).
        """
        deadline = time.monotonic() + timeout
        while self.pids():
            if time.monotonic() > deadline:
                return False
            self._kill_everything()
            time.sleep(0.002)  # killed tasks leave the cgroup within milliseconds
        for directory in self._directories():
            while True:
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # EBUSY while the last tasks are being released
                    if time.monotonic() > deadline:
                        return False
                    time.sleep(0.02)
        return True


class _V1(JobCgroup):
    version = 1

    def __init__(self, name: str, parents: dict[str, Path], limits: CgroupLimits) -> None:
        self.name = name
        self.dirs: dict[str, Path] = {}  # controller -> its new directory (co-mounted controllers share one)
        made: dict[Path, Path] = {}
        try:
            for controller, parent in parents.items():
                if parent not in made:
                    directory = parent / name
                    try:
                        directory.mkdir()
                    except OSError as err:
                        raise CgroupError(f"cannot create {directory}: {err.strerror or err}") from err
                    made[parent] = directory
                self.dirs[controller] = made[parent]
            self._set(limits)
        except BaseException:
            self.close(timeout=5)
            raise

    def _set(self, limits: CgroupLimits) -> None:
        if "memory" in self.dirs:
            memory = self.dirs["memory"]
            _write(memory / "memory.limit_in_bytes", str(limits.memory_bytes))
            if (memory / "memory.memsw.limit_in_bytes").exists():  # swap accounting on: memory + swap too
                _write(memory / "memory.memsw.limit_in_bytes", str(limits.memory_bytes))
            if (memory / "memory.swappiness").exists():
                try:
                    (memory / "memory.swappiness").write_text("0")
                except OSError:
                    pass  # not allowed on some kernels; memsw (when present) still holds the total
        if "pids" in self.dirs:
            _write(self.dirs["pids"] / "pids.max", str(limits.pids))
        if "cpu" in self.dirs:
            _write(self.dirs["cpu"] / "cpu.cfs_period_us", str(CFS_PERIOD_US))
            _write(self.dirs["cpu"] / "cpu.cfs_quota_us", str(max(1000, int(limits.cpus * CFS_PERIOD_US))))

    def procs_files(self) -> list[str]:
        return [str(d / "cgroup.procs") for d in dict.fromkeys(self.dirs.values())]

    def pids(self) -> list[int]:
        found: set[int] = set()
        for directory in dict.fromkeys(self.dirs.values()):
            found.update(_pids_in(directory))
        return sorted(found)

    def oom_kills(self) -> int:
        return _read_int(self.dirs["memory"] / "memory.oom_control", "oom_kill") if "memory" in self.dirs else 0

    def cpu_seconds(self) -> float:
        if "cpuacct" in self.dirs:
            return _read_int(self.dirs["cpuacct"] / "cpuacct.usage") / 1e9
        return 0.0

    def peak_memory(self) -> int:
        return _read_int(self.dirs["memory"] / "memory.max_usage_in_bytes") if "memory" in self.dirs else 0

    def _kill_everything(self) -> None:
        freezer = self.dirs.get("freezer")
        frozen = False
        if freezer is not None:  # frozen, nothing can fork while the list is being killed
            try:
                (freezer / "freezer.state").write_text("FROZEN")
                frozen = True
            except OSError:
                pass
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if frozen:
            try:
                (freezer / "freezer.state").write_text("THAWED")  # killed tasks only die once thawed
            except OSError:
                pass

    def _directories(self) -> list[Path]:
        return list(dict.fromkeys(self.dirs.values()))


class _V2(JobCgroup):
    version = 2

    def __init__(self, name: str, parent: Path, limits: CgroupLimits) -> None:
        self.name = name
        self.dir = parent / name
        try:
            self.dir.mkdir()
        except OSError as err:
            raise CgroupError(f"cannot create {self.dir}: {err.strerror or err}") from err
        try:
            _write(self.dir / "memory.max", str(limits.memory_bytes))
            if (self.dir / "memory.swap.max").exists():
                _write(self.dir / "memory.swap.max", "0")  # memory.max is then memory + swap
            _write(self.dir / "pids.max", str(limits.pids))
            _write(self.dir / "cpu.max", f"{max(1000, int(limits.cpus * CFS_PERIOD_US))} {CFS_PERIOD_US}")
        except BaseException:
            self.close(timeout=5)
            raise

    def procs_files(self) -> list[str]:
        return [str(self.dir / "cgroup.procs")]

    def pids(self) -> list[int]:
        return _pids_in(self.dir)

    def oom_kills(self) -> int:
        return _read_int(self.dir / "memory.events", "oom_kill")

    def cpu_seconds(self) -> float:
        return _read_int(self.dir / "cpu.stat", "usage_usec") / 1e6

    def peak_memory(self) -> int:
        return _read_int(self.dir / "memory.peak")

    def _kill_everything(self) -> None:
        try:
            (self.dir / "cgroup.kill").write_text("1")
        except OSError:  # kernels before 5.14: one by one
            for pid in self.pids():
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass

    def _directories(self) -> list[Path]:
        return [self.dir]


def _v1_parents() -> dict[str, Path]:
    """Controller -> this process's own v1 cgroup directory, for the controllers we can write."""
    own, mounts = _own_cgroups(), _mounts()
    parents: dict[str, Path] = {}
    for controller in V1_CONTROLLERS:
        if controller in own and controller in mounts:
            directory = _own_dir(*mounts[controller], own[controller])
            if directory is not None and os.access(directory, os.W_OK):
                parents[controller] = directory
    return parents


def _v2_parent() -> tuple[Path | None, str]:
    """This process's own v2 cgroup when it delegates memory, pids and cpu; else (None, why)."""
    own, mounts = _own_cgroups(), _mounts()
    if "" not in own or "" not in mounts:
        return None, "no cgroup v2 hierarchy is mounted"
    directory = _own_dir(*mounts[""], own[""])
    if directory is None:
        return None, "this process's cgroup v2 directory is not visible"
    try:
        delegated = (directory / "cgroup.subtree_control").read_text().split()
    except OSError:
        delegated = []
    missing = [c for c in V2_CONTROLLERS if c not in delegated]
    if missing:
        return None, (f"cgroup v2 at {directory} does not delegate {', '.join(missing)} to its children "
                      "(cgroup.subtree_control); the grader changes no cgroup it did not create: run it in "
                      "a cgroup that delegates them (e.g. systemd-run -p Delegate=yes)")
    if not os.access(directory, os.W_OK):
        return None, f"{directory} is not writable by this user"
    return directory, ""


_counter = 0


def _new_name() -> str:
    global _counter
    _counter += 1
    return f"{PREFIX}{os.getpid()}-{_counter}-{os.urandom(3).hex()}"


def create(limits: CgroupLimits) -> JobCgroup:
    """A new job cgroup with ``limits``, a child of this process's own cgroup (v1 if its memory
    controller is writable here, else v2).

    Raises
    ------
    CgroupError
        When no cgroup can be created or a limit cannot be set (nothing is left behind).
    """
    parents = _v1_parents()
    if "memory" in parents:
        return _V1(_new_name(), parents, limits)
    parent, problem = _v2_parent()
    if parent is not None:
        return _V2(_new_name(), parent, limits)
    if parents:  # v1 without memory: processes and CPU can still be held
        return _V1(_new_name(), parents, limits)
    raise CgroupError(problem if os.geteuid() == 0 else f"not root, and {problem}")


class _Orphan(JobCgroup):
    """A job cgroup left by a grader process that died (its pid, in the name, is gone): emptied and removed."""

    def __init__(self, directories: list[Path]) -> None:
        self.name, self.dirs = directories[0].name, directories

    def procs_files(self) -> list[str]:
        return [str(d / "cgroup.procs") for d in self.dirs]

    def pids(self) -> list[int]:
        return sorted({pid for d in self.dirs for pid in _pids_in(d)})

    def oom_kills(self) -> int:
        return 0

    def cpu_seconds(self) -> float:
        return 0.0

    def peak_memory(self) -> int:
        return 0

    def _kill_everything(self) -> None:
        kill = [d / "cgroup.kill" for d in self.dirs if (d / "cgroup.kill").exists()]
        for path in kill:
            try:
                path.write_text("1")
            except OSError:
                pass
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def _directories(self) -> list[Path]:
        return self.dirs


def sweep_orphans() -> list[str]:
    """Remove the job cgroups of grader processes that died mid-job (a killed pool worker); their names."""
    by_name: dict[str, list[Path]] = {}
    for directory in leftovers():
        by_name.setdefault(directory.name, []).append(directory)
    removed = []
    for name, directories in by_name.items():
        pid = name[len(PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists() and _Orphan(directories).close(timeout=10):
            removed.append(name)
    return removed


@functools.lru_cache(maxsize=1)
def support() -> Support:
    """Which limits a job cgroup holds here, found by making (and removing) one probe cgroup.

    Job cgroups left by grader processes that died are removed first (:func:`sweep_orphans`).
    """
    if os.environ.get("AUTOGRADER_NO_CGROUPS"):
        return Support(None, (), "cgroups are turned off (AUTOGRADER_NO_CGROUPS is set)")
    try:
        sweep_orphans()
    except OSError:
        pass  # not ours to write: the probe below says why
    try:
        probe = create(CgroupLimits(memory_bytes=2**30, pids=64, cpus=1.0))
    except (CgroupError, OSError) as err:
        return Support(None, (), str(err))
    try:
        if isinstance(probe, _V2):
            held = ["memory", "pids", "cpu", "cpu-time", "kill"]
            if (probe.dir / "memory.swap.max").exists():
                held.insert(1, "memory+swap")
        else:
            held = []
            if "memory" in probe.dirs:
                held.append("memory")
                if (probe.dirs["memory"] / "memory.memsw.limit_in_bytes").exists():
                    held.append("memory+swap")
            held += [name for name, c in (("pids", "pids"), ("cpu", "cpu"), ("cpu-time", "cpuacct"))
                     if c in probe.dirs]
            held.append("kill")  # a v1 cgroup's tasks can always be listed and killed
        wanted = ["memory", "pids", "cpu", "cpu-time"]
        missing = [w for w in wanted if w not in held]
        problem = f"no cgroup control of: {', '.join(missing)}" if missing else ""
        return Support(probe.version, tuple(held), problem)
    finally:
        probe.close(timeout=5)


def leftovers() -> list[Path]:
    """Job cgroups (named :data:`PREFIX`...) left under this process's own cgroups (for tests and ``doctor``)."""
    found: list[Path] = []
    directories = list(dict.fromkeys(_v1_parents().values()))
    parent, _ = _v2_parent()
    if parent is not None:
        directories.append(parent)
    for directory in directories:
        found += sorted(p for p in directory.glob(PREFIX + "*") if p.is_dir())
    return found
