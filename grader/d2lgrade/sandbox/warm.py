"""The grader's side of a warm sandbox (see ``d2lgrade/inside/zygote.py``).

One zygote per grading slot stays up inside bubblewrap, having imported torch once,
and forks an isolated child per notebook. Needs root: each child takes a user id of
its own and mounts its own scratch folder.
"""

from __future__ import annotations

import contextlib
import io
import os
import queue
import signal
import subprocess
import threading
import time
from dataclasses import replace
from typing import Any

from ..config import GradingConfig
from ..protocol import Job, LineDecoder
from .base import RawRun
from .bwrap import SANDBOX_UID_BASE, bwrap_args, environment, python_command, start

# How long past a job's notebook limit the grader waits for the zygote, which enforces
# that limit itself, to report the job's end.
ZYGOTE_GRACE_SECONDS = 60.0


def zygote_command(config: GradingConfig) -> tuple[list[str], dict[str, str]]:
    """The bubblewrap command of a slot's zygote and its environment."""
    # /tmp is read-only to notebooks here (root-owned 0755): each child writes only
    # to the private /scratch it mounts for itself.
    command = [
        *bwrap_args("0755", config.limits, config.data_dir),
        "--perms",
        "0755",
        "--dir",
        "/scratch",
        "--chdir",
        "/",
        *python_command("d2lgrade.inside.zygote"),
    ]
    return command, environment("/nonexistent", config.data_dir)


class WarmSandbox:
    """One grading slot's zygote: a sandbox that stays up and forks a child per notebook."""

    def __init__(self, slot: int, config: GradingConfig) -> None:
        self.slot = slot
        self.config = config
        self.process: subprocess.Popen[bytes] | None = None
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.jobs_run = 0

    def _start(self) -> subprocess.Popen[bytes]:
        command, env = zygote_command(self.config)
        process = start(command, env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.messages = queue.Queue()

        def pump(stream: io.BufferedReader, sink: queue.Queue[dict[str, Any] | None]) -> None:
            decoder = LineDecoder(limit=None)  # the zygote caps each job's events
            for chunk in iter(lambda: stream.read1(1 << 16), b""):
                for message in decoder.feed(chunk):
                    sink.put(message)
            sink.put(None)

        threading.Thread(target=pump, args=(process.stdout, self.messages), daemon=True).start()
        return process

    def run(self, job: Job) -> RawRun:
        """Run one job; return its events and the child's exit status (or a reason)."""
        if self.process is None or self.process.poll() is not None:
            self.process = self._start()
        self.jobs_run += 1
        job_id = str(self.jobs_run)
        # Each job gets a user id no live process has, so the process limit needs no base.
        uid = SANDBOX_UID_BASE + 1000 + 100 * self.slot + self.jobs_run % 100
        job = replace(job, job_id=job_id, uid=uid)
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(job.to_json().encode() + b"\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            self.close()
            return RawRun([], "the warm sandbox stopped")
        events: list[dict[str, Any]] = []
        deadline = time.monotonic() + job.limits.notebook_seconds + ZYGOTE_GRACE_SECONDS
        while True:
            try:
                message = self.messages.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                message = None
            if message is None:
                self.close()
                return RawRun(events, "the warm sandbox stopped")
            if message.get("job") != job_id:
                continue
            if message.get("done"):
                return RawRun(events, message.get("status", "the warm sandbox stopped"))
            if isinstance(message.get("event"), dict):
                events.append(message["event"])

    def close(self) -> None:
        """Stop the zygote and everything in its sandbox."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None
