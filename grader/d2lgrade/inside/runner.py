"""The process that runs one notebook: it executes inside the sandbox, as the student.

It reads a :class:`~d2lgrade.protocol.Job` as JSON on stdin, runs the cells one by one
in an IPython shell (no Jupyter kernel: faster to start), then calls each probe and
writes one event per line to the file descriptor named by its argument. The grader
trusts nothing here beyond plain data: verdicts are made in the grader's own process.
"""

from __future__ import annotations

import builtins
import io
import os
import resource
import signal
import sys
import time
from typing import Any, BinaryIO

from ..protocol import Job, Limits, ProbeJob, encode
from .monitor import (
    CallMonitor,
    RunningWork,
    make_looping_classes_observable,
    note_code_made_by,
    torch_machinery,
)
from .plain import to_plain
from .probekit import probe_namespace
from .provenance import StudentCode, cell_file

STUDENT_ID_VARIABLE = "D2L_GRADE_STUDENT_ID"  # d2lutils.quiz orders choices by it


class CellTimeout(Exception):
    """A cell or probe ran past its time limit."""


class OutputLimitExceeded(Exception):
    """A cell printed more than the allowed amount of text."""


class CappedOutput(io.TextIOBase):
    """A stdout replacement that counts characters and discards them.

    Past ``limit`` it raises once in the writing code and then drops the rest, so a
    runaway ``print`` loop neither fills memory nor reaches the grader.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.reset()

    def reset(self) -> None:
        self.count = 0
        self.exceeded = False

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.count += len(text)
        if self.count > self.limit and not self.exceeded:
            self.exceeded = True
            raise OutputLimitExceeded(f"the cell printed more than {self.limit:,} characters")
        return len(text)


def apply_limits(limits: Limits) -> None:
    """Lower this process's resource limits (soft and hard, so they cannot be raised)."""
    for name, value in limits.resource_limits().items():
        resource.setrlimit(getattr(resource, name), (int(value), int(value)))


def _on_alarm(signum: int, frame: Any) -> None:
    raise CellTimeout("time limit exceeded")


def _error_text(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return text if len(text) <= 1000 else text[:997] + "..."


class Runner:
    """Executes cells and probes and reports each outcome as one JSON line."""

    def __init__(
        self, channel: BinaryIO, output_limit: int, student_cells: list[int], watch: list[str]
    ) -> None:
        from IPython.core.interactiveshell import InteractiveShell
        from traitlets.config import Config

        config = Config()
        config.HistoryManager.enabled = False
        self.shell = InteractiveShell.instance(config=config)
        # Cell i's code is compiled under the name cell_file(i): the call monitor tells
        # the student's cells from the course's by it.
        self.cell_index = 0

        def code_name(raw_code: str, transformed_code: str, number: int) -> str:
            return cell_file(self.cell_index)

        # IPython offers no hook for naming a cell's code; its compiler's method is it.
        self.shell.compile.get_code_name = code_name  # type: ignore[method-assign]
        self.student_code = StudentCode(student_cells)
        self.watch = watch
        self.channel = channel
        self.output = CappedOutput(output_limit)
        signal.signal(signal.SIGALRM, _on_alarm)
        # Before any cell: what runs later, besides this, the notebook started; the torch
        # classes the call record builds on, before a cell can swap them; the looping
        # classes made observable, before a cell can keep the originals; and, where
        # rules watch calls, the code the student's code makes, taken as theirs.
        self.running_before = RunningWork.now()
        torch_machinery()
        make_looping_classes_observable()
        if watch:
            note_code_made_by(self.student_code)

    def emit(self, event: dict[str, Any]) -> None:
        self.channel.write(encode(event))
        self.channel.flush()

    def _timed(self, seconds: float, action: Any) -> Any:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return action()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    def run_cell(self, index: int, source: str, timeout: float) -> None:
        self.cell_index = index
        self.output.reset()
        started = time.perf_counter()
        sys.stdout = sys.stderr = self.output
        try:
            result = self._timed(timeout, lambda: self.shell.run_cell(source, store_history=False))
            error = result.error_before_exec or result.error_in_exec
        except BaseException as err:  # the alarm can land outside IPython's own handler
            error = err
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        if error is None and self.output.exceeded:
            error = OutputLimitExceeded(
                f"the cell printed more than {self.output.limit:,} characters"
            )
        self.emit(
            {
                "event": "cell",
                "index": index,
                "ok": error is None,
                "error": None if error is None else _error_text(error),
                "error_type": None if error is None else type(error).__name__,
                "seconds": round(time.perf_counter() - started, 3),
            }
        )

    def run_probe(self, index: int, probe: ProbeJob) -> None:
        event: dict[str, Any] = {"event": "probe", "index": index}
        sys.stdout = sys.stderr = self.output
        self.output.reset()
        try:
            missing = [p for p in probe.params if p not in self.shell.user_ns]
            if missing:
                raise NameError(f"the notebook does not define {', '.join(missing)}")
            namespace: dict[str, Any] = {"__builtins__": builtins, **probe_namespace()}
            exec(compile(probe.source, f"<hidden check {probe.name}>", "exec"), namespace)
            args = [self.shell.user_ns[p] for p in probe.params]
            monitor = CallMonitor(
                self.student_code, self.watch, probe.operators, self.running_before
            )
            with monitor:
                value = self._timed(probe.timeout, lambda: namespace[probe.name](*args))
            event.update(ok=True, value=to_plain(value), **monitor.record())
        except BaseException as err:
            event.update(ok=False, error=type(err).__name__)
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        self.emit(event)


def run_job(job: Job, channel: BinaryIO) -> None:
    """Limit this process, run the job's cells then its probes, and exit at once."""
    apply_limits(job.limits)
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ[STUDENT_ID_VARIABLE] = job.student
    runner = Runner(channel, job.limits.output_chars, job.student_cells, job.watch)
    runner.emit({"event": "start"})
    for index, source in enumerate(job.cells):
        runner.run_cell(index, source, job.limits.cell_seconds)
    for index, probe in enumerate(job.probes):
        runner.run_probe(index, probe)
    runner.emit({"event": "end"})
    channel.close()
    # Skip interpreter teardown: student objects' finalizers should not run after the end.
    os._exit(0)


def main() -> None:
    """One job from stdin, results to the file descriptor given as the argument."""
    run_job(Job.from_json(sys.stdin.buffer.read()), os.fdopen(int(sys.argv[1]), "wb"))


if __name__ == "__main__":
    main()
