"""The process that runs one notebook: it executes inside the sandbox, as the student.

It reads a :class:`~d2lgrade.protocol.Job` as JSON on stdin, runs the cells one by one
in an IPython shell (no Jupyter kernel: faster to start), then calls each probe and
writes one event per line to the file descriptor named by its argument. The grader
trusts nothing here beyond plain data: verdicts are made in the grader's own process.
"""

from __future__ import annotations

import builtins
import contextlib
import fcntl
import functools
import gc
import hashlib
import io
import os
import resource
import signal
import sys
import threading
import time
from typing import Any, BinaryIO

from ..protocol import GRADER_CHANGED, Job, Limits, ProbeJob, encode
from .monitor import (
    CallMonitor,
    RunningWork,
    make_looping_classes_observable,
    note_code_made_by,
    refuse_new_audit_hooks,
    torch_machinery,
)
from .plain import to_plain
from .probekit import probe_namespace
from .provenance import StudentCode, cell_file
from .seal import CHECKING_FUNCTIONS, GRADER_PACKAGE, first_change, seal

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


def _no_event_loop(gui: str | None = None) -> None:
    """What `%matplotlib` asks of the shell: to run a GUI's event loop. Figures are drawn
    off screen here, as in a kernel with the inline backend; there is none to run."""


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
        # the student's cells from the course's by it. (The index is set in place: the
        # runner's own attributes stay bound as sealed, see run_job.)
        self.running_cell = [0]

        def code_name(raw_code: str, transformed_code: str, number: int) -> str:
            return cell_file(self.running_cell[0])

        # IPython offers no hook for naming a cell's code; its compiler's method is it.
        self.shell.compile.get_code_name = code_name  # type: ignore[method-assign]
        # A bare shell has no event loop, and its enable_gui raises: `%matplotlib inline`
        # (or `%pylab`), which works in every Jupyter kernel, would fail the cell.
        self.shell.enable_gui = _no_event_loop  # type: ignore[method-assign]
        self.student_code = StudentCode(student_cells)
        self.watch = tuple(watch)
        self.channel = channel
        self.output = CappedOutput(output_limit)
        signal.signal(signal.SIGALRM, _on_alarm)
        # Before any cell: what runs later, besides this, the notebook started; the torch
        # classes the call record builds on, before a cell can swap them; the looping
        # classes made observable, before a cell can keep the originals; the code the
        # student's code makes, taken as theirs; and no audit hook but the grader's,
        # which would hear each probe's source as it is compiled.
        self.running_before = RunningWork.now()
        torch_machinery()
        make_looping_classes_observable()
        note_code_made_by(self.student_code)
        refuse_new_audit_hooks()

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
        self.running_cell[0] = index
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

    def run_probe(self, index: int, probe: ProbeJob) -> dict[str, Any]:
        """Call one probe under the call monitor; its event, for the caller to send."""
        event: dict[str, Any] = {"event": "probe", "index": index}
        sys.stdout = sys.stderr = self.output
        self.output.reset()
        try:
            missing = [p for p in probe.params if p not in self.shell.user_ns]
            if missing:
                raise NameError(f"the notebook does not define {', '.join(missing)}")
            namespace: dict[str, Any] = {"__builtins__": builtins, **probe_namespace()}
            exec(compile(probe.source, f"<hidden check {probe.name}>", "exec"), namespace)
            args = [
                called_as_theirs(self.shell.user_ns[p], self.student_code) for p in probe.params
            ]
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
        return event


def called_as_theirs(answer: Any, student_code: StudentCode) -> Any:
    """``answer`` as a probe gets it. A callable that is no code of the student's (a
    library's function, ``functools.partial``, ``operator.methodcaller``, a bound method
    of a library object, bound to the task's name) runs no frame of theirs, so the
    record would take nothing it does for theirs; it is handed on inside a function
    compiled under their cell's name, through which its work is theirs, as it would be
    inside a ``def`` of theirs. Their own functions and objects, classes and plain values
    are handed on as they are."""
    if (
        not callable(answer)
        or isinstance(answer, type)
        or not student_code.cell_files
        or student_code.wrote(answer)
    ):
        return answer
    namespace = {"answer": answer}
    source = "def theirs(*args, **kwargs):\n    return answer(*args, **kwargs)\n"
    exec(compile(source, min(student_code.cell_files), "exec"), namespace)
    return functools.update_wrapper(namespace["theirs"], answer)


_THREADING_GLOBALS = vars(threading)  # where threading keeps the hooks of new threads
_SIGNALS = tuple(signal.valid_signals())


def quiet_the_notebook(
    _settrace: Any = sys.settrace,
    _setprofile: Any = sys.setprofile,
    _threading: dict[str, Any] = _THREADING_GLOBALS,
    _gc_callbacks: list[Any] = gc.callbacks,
    _signals: tuple[int, ...] = _SIGNALS,
    _getsignal: Any = signal.getsignal,
    _signal: Any = signal.signal,
    _setitimer: Any = signal.setitimer,
    _callable: Any = callable,
    _own: tuple[Any, ...] = (_on_alarm, signal.default_int_handler),
) -> None:
    """Stop what the notebook set to run on its own in the runner's code between probes:
    tracers and profilers (this thread's and new threads'), garbage collector callbacks,
    its signal handlers and interval timers. Code of the student's running there, out of
    the record, could read the next probe and compute its answers ahead. (Everything it
    calls is bound when the runner is imported, before any cell.)"""
    _settrace(None)
    _setprofile(None)
    _threading["_trace_hook"] = _threading["_profile_hook"] = None
    _gc_callbacks.clear()
    _setitimer(signal.ITIMER_VIRTUAL, 0)
    _setitimer(signal.ITIMER_PROF, 0)
    for number in _signals:
        handler = _getsignal(number)
        if number == signal.SIGALRM and handler is not _own[0]:
            _signal(number, _own[0])
        elif _callable(handler) and handler not in _own:
            _signal(number, signal.SIG_DFL)


PARAMETER_SEPARATOR = " "  # no parameter name holds one
PIPE_SIZE = 1 << 20  # Linux's largest by default


def _out_of_reach(job: Job) -> tuple[tuple[tuple[Any, ...], ...], int, int]:
    """The job's probes, taken out of the job, their sources into a pipe: ``(probes,
    the pipe's reading end, its inode)``, each probe ``(task, name, parameters joined,
    timeout, operators, source bytes, SHA-256 of the source)``.

    The cells can reach every object the garbage collector tracks (``gc.get_objects``),
    the job among them, and code that runs in a probe can walk its frames up to the
    runner's: either could read a later probe's source, run it with a forbidden function
    and keep the answers. In a pipe whose writing end is closed, a source can only be
    read by taking it out (which :func:`_probe_source` then finds), and no cell may
    reopen the pipe through ``/proc`` (``monitor.refuse_new_audit_hooks``). What stays
    in memory are tuples of strings and numbers, which leave the collector's lists at
    the young pass made here. Sources larger than the pipe stay in their tuples."""
    sources = [p.source.encode() for p in job.probes]
    read_end, write_end = os.pipe()
    with contextlib.suppress(OSError, AttributeError):  # Linux only; else the default
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    piped = sum(map(len, sources)) <= _pipe_capacity(write_end)
    if piped:
        for data in sources:
            os.write(write_end, data)
    os.close(write_end)
    fields = [
        (
            p.task,
            p.name,
            PARAMETER_SEPARATOR.join(p.params),
            p.timeout,
            p.operators,
            len(data) if piped else data,
            hashlib.sha256(data).digest(),
        )
        for p, data in zip(job.probes, sources)
    ]
    job.probes.clear()
    del sources
    gc.collect(0)
    probes = tuple(fields)
    del fields
    gc.collect(0)
    return probes, read_end, os.fstat(read_end).st_ino


def _pipe_capacity(fd: int) -> int:
    try:
        return int(fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ))
    except (OSError, AttributeError):
        return 1 << 16


def _probe_source(
    kept: int | bytes,
    digest: bytes,
    pipe: int,
    inode: int,
    _fstat: Any = os.fstat,
    _read: Any = os.read,
    _sha256: Any = hashlib.sha256,
) -> str | None:
    """A probe's source: ``kept`` itself, or that many bytes read from the pipe, if the
    pipe is still the runner's and holds them unchanged; None if not."""
    if isinstance(kept, bytes):
        data = kept
    else:
        try:
            if _fstat(pipe).st_ino != inode:
                return None
            data = b""
            while len(data) < kept:
                chunk = _read(pipe, kept - len(data))
                if not chunk:
                    return None
                data += chunk
        except OSError:
            return None
    return data.decode() if _sha256(data).digest() == digest else None


def run_job(job: Job, channel: BinaryIO) -> None:
    """Limit this process, run the job's cells then its probes, and exit at once.

    Before the first cell, the runner seals the grader's code (``seal``), puts the
    probes out of the cells' reach (:func:`_out_of_reach`) and keeps what it calls after
    the cells in this function's own variables, which no cell can rebind. Before each
    probe, and before sending a probe's event, it quiets what the notebook left to run
    and asks the seal whether anything changed, having checked the functions that ask
    it: if so, or if the probe's source is gone, it sends ``GRADER_CHANGED`` and stops.
    """
    apply_limits(job.limits)
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ[STUDENT_ID_VARIABLE] = job.student
    runner = Runner(channel, job.limits.output_chars, job.student_cells, job.watch)
    sealed = seal({"the runner": runner, "the student's code": runner.student_code})
    checking = tuple(
        (f, f.__code__, f.__defaults__)
        for f in (*CHECKING_FUNCTIONS, quiet_the_notebook, _probe_source)
    )
    probes, pipe, inode = _out_of_reach(job)
    cells, limits, run_probe = tuple(job.cells), job.limits, Runner.run_probe
    send, flush, changed_at, quiet, source_of = (
        channel.write,
        channel.flush,
        first_change,
        quiet_the_notebook,
        _probe_source,
    )
    _encode, _exit, _len, _range = encode, os._exit, len, range
    runner.emit({"event": "start"})
    for index, source in enumerate(cells):
        runner.run_cell(index, source, limits.cell_seconds)
    event: dict[str, Any] | None = None
    probe_source: str | None = None
    for index in _range(_len(probes) + 1):
        quiet()
        changed = None
        for function, code, defaults in checking:
            if function.__code__ is not code or function.__defaults__ is not defaults:
                changed = f"{GRADER_PACKAGE}.inside.seal"
        changed = changed or changed_at(sealed)
        if changed is None and index < _len(probes):
            task, name, params, timeout, operators, kept, digest = probes[index]
            probe_source = source_of(kept, digest, pipe, inode)
            changed = None if probe_source is not None else "the pipe that holds the probes"
        if changed is not None:
            send(_encode({"event": GRADER_CHANGED, "what": changed}))
            flush()
            _exit(0)
        if event is not None:
            send(_encode(event))
            flush()
        if index < _len(probes):
            names = params.split(PARAMETER_SEPARATOR) if params else []
            probe = ProbeJob(task, name, names, probe_source or "", timeout, operators)
            event = run_probe(runner, index, probe)
    send(_encode({"event": "end"}))
    channel.close()
    # Skip interpreter teardown: student objects' finalizers should not run after the end.
    _exit(0)


def main() -> None:
    """One job from stdin, results to the file descriptor given as the argument."""
    run_job(Job.from_json(sys.stdin.buffer.read()), os.fdopen(int(sys.argv[1]), "wb"))


if __name__ == "__main__":
    main()
