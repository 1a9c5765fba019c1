"""A warm sandbox: one process per grading slot that forks a fresh child per notebook.

Importing torch costs about 1.5 s of CPU, far more than running a short exercise
notebook. When the grader runs as root, each slot starts one bubblewrap sandbox
holding this zygote, which imports torch and IPython once and then, for each
notebook, forks a child that before running any student code

- enters a mount namespace of its own, with a fresh private scratch folder and
  /dev/shm (the rest of the file system is read-only, /tmp included),
- closes every file descriptor but its result pipe,
- becomes a user id of its own (never shared with a notebook still alive), with
  no way back to privileges (no_new_privs, no capabilities), and
- applies the resource limits.

After the child ends, every process of its user id is killed before the next
notebook starts, so nothing a notebook leaves behind can reach the next one.
The zygote itself runs no student code. It reads one :class:`~d2lgrade.protocol.Job`
per line on stdin and writes, per job, one line per event ``{"job": id, "event": {...}}``
and a last line ``{"job": id, "done": true, "status": ...}``.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import sys
import time
from pathlib import Path
from typing import Any

from ..protocol import Job, LineDecoder, encode
from .processes import processes_of
from .runner import run_job

SCRATCH = "/scratch"
CLONE_NEWNS = 0x00020000
MS_REC, MS_PRIVATE, MS_NOSUID, MS_NODEV = 16384, 1 << 18, 2, 4
PR_SET_NO_NEW_PRIVS = 38

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def kill_uid(uid: int, child: int | None = None) -> None:
    """SIGKILL every process of ``uid`` until none is left (forks cannot outrun it).

    ``child``, the zygote's own child, is reaped too; orphans are reaped by the
    sandbox's init.
    """
    for _ in range(2000):
        if child is not None:
            try:
                os.waitpid(child, os.WNOHANG)
            except ChildProcessError:
                child = None
        pids = processes_of(uid)
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.005)
    raise RuntimeError(f"processes of uid {uid} survive SIGKILL")


def enter_child_sandbox(
    uid: int, scratch_bytes: int, font_files: dict[str, bytes], keep_fd: int
) -> None:
    """Isolate this freshly forked child from the zygote and from earlier notebooks."""
    _check(_libc.unshare(CLONE_NEWNS), "unshare")
    _check(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make mounts private")
    options = f"size={scratch_bytes},mode=0700,uid={uid},gid={uid}".encode()
    _check(
        _libc.mount(b"tmpfs", SCRATCH.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options),
        "mount scratch",
    )
    if os.path.isdir("/dev/shm"):
        shm = f"size={scratch_bytes},mode=1777".encode()
        _check(
            _libc.mount(b"tmpfs", b"/dev/shm", b"tmpfs", MS_NOSUID | MS_NODEV, shm),
            "mount /dev/shm",
        )
    config = Path(SCRATCH) / "matplotlib"
    config.mkdir()
    for name, data in font_files.items():
        (config / name).write_bytes(data)
    os.chown(config, uid, uid)
    devnull = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.closerange(3, keep_fd)
    os.closerange(keep_fd + 1, 1 << 16)
    os.setsid()
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    os.chdir(SCRATCH)
    os.environ.update(HOME=SCRATCH, TMPDIR=SCRATCH, MPLCONFIGDIR=str(config))


class Zygote:
    """Serves jobs one at a time, forwarding each child's events to the grader."""

    def __init__(self, font_files: dict[str, bytes]) -> None:
        self.font_files = font_files
        self.out = sys.stdout.buffer

    def send(self, message: dict[str, Any]) -> None:
        self.out.write(encode(message))
        self.out.flush()

    def serve(self, job: Job) -> None:
        job_id, uid, limits = job.job_id, job.uid, job.limits
        kill_uid(uid)
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(read_fd)
                enter_child_sandbox(uid, limits.scratch_bytes, self.font_files, write_fd)
                run_job(job, os.fdopen(write_fd, "wb"))
            finally:
                os._exit(70)
        os.close(write_fd)
        status = self._relay(job_id, pid, read_fd, time.monotonic() + limits.notebook_seconds)
        kill_uid(uid, child=pid)
        os.close(read_fd)
        self.send({"job": job_id, "done": True, "status": status})

    def _relay(self, job_id: str, pid: int, read_fd: int, deadline: float) -> str | int:
        """Forward the child's events until it has exited and its pipe is drained."""
        decoder, exited = LineDecoder(), None
        while True:
            if exited is None:
                reaped, wait_status = os.waitpid(pid, os.WNOHANG)
                if reaped:
                    exited = os.waitstatus_to_exitcode(wait_status)
                elif time.monotonic() > deadline:
                    return "timeout"
            ready, _, _ = select.select([read_fd], [], [], 0.05)
            if not ready:
                if exited is not None:
                    return exited  # processes it left behind are killed next
                continue
            chunk = os.read(read_fd, 1 << 16)
            events = decoder.feed(chunk) if chunk else decoder.finish()
            for event in events:
                self.send({"job": job_id, "event": event})
            if not chunk:
                if exited is None:
                    exited = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
                return exited


def main() -> None:
    # Paid once per slot instead of once per notebook.
    import IPython.core.interactiveshell  # noqa: F401
    import torch  # noqa: F401

    import d2lutils  # noqa: F401

    config = Path(os.environ.get("MPLCONFIGDIR", "/nonexistent"))
    fonts = (
        {f.name: f.read_bytes() for f in config.glob("fontlist-*.json")} if config.is_dir() else {}
    )
    zygote = Zygote(fonts)
    for line in sys.stdin.buffer:
        zygote.serve(Job.from_json(line))


if __name__ == "__main__":
    main()
