"""Job uids (as root): an unprivileged uid per running job, never shared by two live jobs.

A uid is leased by taking an exclusive ``flock`` on its lock file
(``/run/autograder-uids/<uid>.lock``, or under the temporary directory when
``/run`` is not writable) and holding it for the job's whole life, reaping
included.  ``flock`` is per open file, so two workers, two threads of one
worker, or two Dask workers of one machine can never hold the same uid; a
worker that dies releases its leases with its file descriptors.  Processes
still running under a freshly leased uid can only be left over from an
earlier job whose lease has ended, so killing them never touches a live job.
"""

from __future__ import annotations

import fcntl
import os
import random
import signal
import stat
import tempfile
import time
from pathlib import Path
from typing import Self

__all__ = ["JOB_UIDS", "JOB_UID_BASE", "UidLease", "lease_uid", "reap_uid", "uid_pids"]

JOB_UID_BASE = 200_000
JOB_UIDS = 4096  # more than any machine runs jobs at once


def _lock_dir() -> Path:
    """A root-owned folder nobody else can write (job uids must not be able to delete locks)."""
    for base in ("/run", tempfile.gettempdir()):
        folder = Path(base) / "autograder-uids"
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
        except OSError:
            continue
        info = os.lstat(folder)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
            raise RuntimeError(f"{folder} is not a private folder of this user (owner {info.st_uid}, "
                               f"mode {oct(info.st_mode & 0o777)}): remove it and grade again")
        return folder
    raise RuntimeError("no folder for the job uid locks: /run and the temporary directory are not writable")


def _zombie(pid: str) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rpartition(b")")[2].split()[0] == b"Z"
    except (OSError, IndexError):
        return True  # gone


def uid_pids(uid: int) -> list[int]:
    """Every live process whose owner is ``uid`` (zombies are dead already: they only wait for their parent)."""
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid and not _zombie(entry.name):
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def reap_uid(uid: int, timeout: float = 60.0) -> bool:
    """Kill every process of ``uid`` and wait until none is left (True), or give up after ``timeout``.

    Only call it for a uid you hold the lease of.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = uid_pids(uid)
        if not pids:
            return True
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.02)
    return not uid_pids(uid)


class UidLease:
    """An exclusive lease of one job uid; :meth:`release` (or leaving the ``with`` block) ends it."""

    def __init__(self, uid: int, fd: int) -> None:
        self.uid, self._fd = uid, fd

    def release(self) -> None:
        """End the lease (the caller has reaped the uid's processes first)."""
        if self._fd >= 0:
            os.close(self._fd)  # closing the file drops its flock
            self._fd = -1

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def lease_uid(timeout: float = 60.0, first: int | None = None) -> UidLease:
    """Lease a job uid that no live job holds, with none of its processes left.

    Parameters
    ----------
    timeout : float
        How long to wait when every uid is leased.
    first : int, optional
        The uid tried first (default: a random one, so that workers rarely contend).

    Raises
    ------
    RuntimeError
        When every uid is leased for ``timeout`` seconds, or the lock folder is not private.
    """
    folder = _lock_dir()
    deadline = time.monotonic() + timeout
    while True:
        start = random.randrange(JOB_UIDS) if first is None else first - JOB_UID_BASE
        for k in range(JOB_UIDS):
            uid = JOB_UID_BASE + (start + k) % JOB_UIDS
            fd = os.open(folder / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            if uid_pids(uid) and not reap_uid(uid, timeout=5.0):  # an ended job's stragglers: ours to kill
                os.close(fd)
                continue
            return UidLease(uid, fd)
        if time.monotonic() > deadline:
            raise RuntimeError(f"all {JOB_UIDS} job uids from {JOB_UID_BASE} are in use")
        time.sleep(0.1)
