"""A fresh sandbox per notebook: what non-root users get, and everyone without bubblewrap.

As root, the notebook also drops to an unprivileged user id of its slot, so the
process limit holds; others run in a user namespace of their own (``--unshare-user``).
Without bubblewrap the runner is a plain process with the grader's own permissions.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
from dataclasses import replace
from typing import Any

from ..config import GradingConfig
from ..inside.processes import tasks_of
from ..protocol import Job, Limits, LineDecoder
from .base import RawRun
from .bwrap import SANDBOX_UID_BASE, bubblewrap, bwrap_args, environment, python_command, start

STDERR_KEEP_BYTES = 4096


def runner_command(
    result_fd: int, slot: int, config: GradingConfig, limits: Limits
) -> tuple[list[str], dict[str, str], int]:
    """The command and environment for one sandboxed notebook run under ``limits``, and
    the user id the runner runs as."""
    python = python_command("d2lgrade.inside.runner", str(result_fd))
    env = environment("/tmp", config.data_dir)
    if bubblewrap() is None:
        return python, env, os.getuid()
    command = [*bwrap_args("1777", limits, config.data_dir), "--chdir", "/tmp"]
    if os.getuid() == 0:
        uid = SANDBOX_UID_BASE + slot
        command += [
            "setpriv",
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--",
        ]
    else:
        uid = os.getuid()
        command += ["--unshare-user"]
    return command + python, env, uid


class FreshSandbox:
    """Starts a new sandboxed runner for every job of its slot."""

    def __init__(self, slot: int, config: GradingConfig) -> None:
        self.slot = slot
        self.config = config

    def run(self, job: Job) -> RawRun:
        read_fd, write_fd = os.pipe()
        command, env, uid = runner_command(write_fd, self.slot, self.config, job.limits)
        # The one margin a sandbox adds: the runner's user id may already run tasks.
        job = replace(job, limits=job.limits.with_process_base(tasks_of(uid)))
        process = start(
            command, env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, pass_fds=(write_fd,)
        )
        os.close(write_fd)
        events: list[dict[str, Any]] = []
        stderr_head = bytearray()

        def read_results() -> None:
            decoder = LineDecoder()
            with os.fdopen(read_fd, "rb") as stream:
                for chunk in iter(lambda: stream.read1(1 << 16), b""):
                    events.extend(decoder.feed(chunk))
            events.extend(decoder.finish())

        stderr = process.stderr
        assert stderr is not None  # asked for with stderr=PIPE

        def read_stderr() -> None:
            for chunk in iter(lambda: stderr.read(1 << 16), b""):
                if len(stderr_head) < STDERR_KEEP_BYTES:
                    stderr_head.extend(chunk[: STDERR_KEEP_BYTES - len(stderr_head)])

        readers = [threading.Thread(target=read_results), threading.Thread(target=read_stderr)]
        for reader in readers:
            reader.start()
        try:
            assert process.stdin is not None
            process.stdin.write(job.to_json().encode())
            process.stdin.close()
        except BrokenPipeError:
            pass
        try:
            status: str | int = process.wait(timeout=job.limits.notebook_seconds)
        except subprocess.TimeoutExpired:
            status = "timeout"
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, 9)
            process.wait()
        for reader in readers:
            reader.join(timeout=10)
        return RawRun(events, status, stderr_head.decode("utf-8", "replace"))

    def close(self) -> None:
        """Nothing stays up between jobs."""
