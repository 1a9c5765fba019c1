"""Grading one notebook: a pure function from its bytes to a result.

``grade_submission`` validates the file, rebuilds the cell list with the course's own
test and locked cells, runs it in the sandbox, and scores each task: full points when
its visible checks passed and every hidden probe matched the reference, else 0, with
a reason a student can read.
"""
from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .assignment import Assignment, cell_source, nbgrader_meta, normalized
from .plain import compare
from .sandbox import Limits, runner_command, sandbox_description, warm_sandbox, warm_sandboxes_available

MAX_NOTEBOOK_BYTES = 64 * 1024**2
MAX_RESULT_BYTES = 16 * 1024**2
STDERR_KEEP_BYTES = 4096


@dataclass
class TaskResult:
    """What one task earned and why."""

    points: float
    max_points: float
    passed: bool
    message: str


@dataclass
class SubmissionResult:
    """The grade of one student's notebook for one assignment."""

    student: str
    assignment: str
    tasks: dict[str, TaskResult]
    notes: list[str] = field(default_factory=list)
    sandbox: str = ""
    seconds: float = 0.0

    @property
    def total(self) -> float:
        return sum(t.points for t in self.tasks.values())

    @property
    def max_total(self) -> float:
        return sum(t.max_points for t in self.tasks.values())

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "SubmissionResult":
        tasks = {k: TaskResult(**v) for k, v in data["tasks"].items()}
        return cls(data["student"], data["assignment"], tasks, data["notes"],
                   data["sandbox"], data["seconds"])


class SubmissionError(ValueError):
    """The file cannot be graded at all; the message says why and what to do."""


@dataclass
class RunOutcome:
    """What came back from one run of the runner."""

    cells: dict[int, dict[str, Any]]
    probes: dict[int, dict[str, Any]]
    crash: str | None


def zero_result(student: str, assignment: Assignment, reason: str) -> SubmissionResult:
    """Every task at 0 with the same reason (unreadable, missing or wrong notebook)."""
    tasks = {tid: TaskResult(0.0, t.points, False, reason) for tid, t in assignment.tasks.items()}
    return SubmissionResult(student, assignment.assignment_id, tasks, [reason], sandbox_description())


def parse_notebook(data: bytes) -> dict[str, Any]:
    """Decode and validate a submitted .ipynb; raise ``SubmissionError`` with the reason."""
    if not data.strip():
        raise SubmissionError("the file is empty: submit the notebook saved from Jupyter or Colab")
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(f"the file is {len(data) / 1024**2:.0f} MB, above the "
                              f"{MAX_NOTEBOOK_BYTES // 1024**2} MB limit: clear outputs and resubmit")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SubmissionError(f"the file is not UTF-8 text (byte {err.start}): it is not a "
                              "notebook; download it again as .ipynb") from None
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as err:
        raise SubmissionError(f"the file is not valid notebook JSON (line {err.lineno}, column "
                              f"{err.colno}: {err.msg}); download it again as .ipynb") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise SubmissionError("the file is JSON but not a notebook (no list of cells)")
    if notebook.get("nbformat") != 4:
        raise SubmissionError(f"the notebook has nbformat version {notebook.get('nbformat')!r}; "
                              "version 4 is required (save it with a current Jupyter or Colab)")
    for i, cell in enumerate(notebook["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise SubmissionError(f"cell {i} is malformed (no valid cell_type)")
        source = cell.get("source", "")
        if not (isinstance(source, str) or (isinstance(source, list)
                                            and all(isinstance(s, str) for s in source))):
            raise SubmissionError(f"cell {i} has a malformed source")
    return notebook


def check_assignment(notebook: dict[str, Any], assignment: Assignment) -> None:
    """Raise ``SubmissionError`` when the notebook belongs to another assignment."""
    metadata = notebook.get("metadata")
    declared = None
    if isinstance(metadata, dict) and isinstance(metadata.get("d2lcourse"), dict):
        declared = metadata["d2lcourse"].get("assignment")
    if declared is not None and declared != assignment.assignment_id:
        raise SubmissionError(f"this is the notebook of assignment {declared!r}, not "
                              f"{assignment.assignment_id!r}: submit the right file")
    grade_ids = {nbgrader_meta(c).get("grade_id") for c in notebook["cells"]}
    known = set(assignment.tasks) | set(assignment.locked_sources)
    if declared is None and not grade_ids & known:
        raise SubmissionError(f"the notebook contains none of the cells of assignment "
                              f"{assignment.assignment_id!r}: start from the distributed notebook")


def _same_points(value: Any, points: float) -> bool:
    return type(value) in (int, float) and float(value) == points


def plan_cells(notebook: dict[str, Any], assignment: Assignment) -> tuple[list[str], dict[str, int], dict[str, str]]:
    """The sources to run, where each task's test cell sits, and tampered tasks.

    Locked cells and test cells run as the course wrote them, wherever the student
    left them; a test cell that was deleted, edited or had its metadata changed
    costs its task, whatever the code does.
    """
    sources: list[str] = []
    task_cell: dict[str, int] = {}
    tampered: dict[str, str] = {}
    for cell in notebook["cells"]:
        if cell.get("cell_type") != "code":
            continue
        meta = nbgrader_meta(cell)
        grade_id = meta.get("grade_id")
        source = cell_source(cell)
        if grade_id in assignment.tasks and grade_id not in task_cell:
            task = assignment.tasks[grade_id]
            if normalized(source) != normalized(task.source):
                tampered[grade_id] = "its test cell was edited; test cells must stay as distributed"
            elif not _same_points(meta.get("points"), task.points) or not meta.get("grade") \
                    or meta.get("solution") or not meta.get("locked"):
                tampered[grade_id] = "its test cell's grading metadata (points/grade/locked) was changed"
            task_cell[grade_id] = len(sources)
            sources.append(task.source)
        elif grade_id in assignment.locked_sources:
            sources.append(assignment.locked_sources[grade_id])
        else:
            sources.append(source)
    for task_id in assignment.tasks:
        if task_id not in task_cell:
            tampered[task_id] = "its test cell is missing (deleted, or its metadata removed)"
    return sources, task_cell, tampered


def _status_text(status: str | int, limits: Limits) -> str | None:
    """What an exit status means for the student; None for a clean exit."""
    if status == 0:
        return None
    if status == "timeout":
        return f"the notebook ran past its {limits.notebook_seconds:.0f} s time limit and was stopped"
    if isinstance(status, int):
        # bwrap reports a child killed by signal N as exit status 128 + N.
        signum = -status if status < 0 else status - 128 if status > 128 else 0
        return (f"the notebook's process died (signal {signum})" if signum
                else f"the notebook's process exited with status {status}")
    return str(status)


def _run_in_new_process(job: dict[str, Any], limits: Limits, slot: int,
                        data_dir: Path | None) -> tuple[list[dict[str, Any]], str | None, str]:
    """One sandbox (or plain process) for one notebook: events, crash text, stderr head."""
    read_fd, write_fd = os.pipe()
    command, env, runner_limits = runner_command(write_fd, slot, limits, data_dir)
    job = {**job, "limits": runner_limits}
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env=env, pass_fds=(write_fd,),
                               start_new_session=True)
    os.close(write_fd)
    events: list[dict[str, Any]] = []
    stderr_head = bytearray()

    def read_results() -> None:
        received = 0
        with os.fdopen(read_fd, "rb") as stream:
            for line in stream:
                received += len(line)
                if received > MAX_RESULT_BYTES:
                    continue  # keep draining so the runner never blocks
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if isinstance(event, dict):
                    events.append(event)

    def read_stderr() -> None:
        assert process.stderr is not None
        for chunk in iter(lambda: process.stderr.read(65536), b""):
            if len(stderr_head) < STDERR_KEEP_BYTES:
                stderr_head.extend(chunk[: STDERR_KEEP_BYTES - len(stderr_head)])

    readers = [threading.Thread(target=read_results), threading.Thread(target=read_stderr)]
    for reader in readers:
        reader.start()
    try:
        assert process.stdin is not None
        process.stdin.write(json.dumps(job).encode())
        process.stdin.close()
    except BrokenPipeError:
        pass
    try:
        status: str | int = process.wait(timeout=limits.notebook_seconds)
    except subprocess.TimeoutExpired:
        status = "timeout"
    finally:
        try:
            os.killpg(process.pid, 9)
        except (ProcessLookupError, PermissionError):
            pass
        process.wait()
    for reader in readers:
        reader.join(timeout=10)
    return events, _status_text(status, limits), stderr_head.decode("utf-8", "replace")


def run_notebook(sources: list[str], assignment: Assignment, limits: Limits, slot: int,
                 data_dir: Path | None) -> RunOutcome:
    """Run cells then probes in the sandbox and collect the events it reports."""
    job = {"cells": sources, "probes": [p.job() for p in assignment.probes]}
    if warm_sandboxes_available():
        events, status = warm_sandbox(slot, limits, data_dir).run(job)
        crash, stderr_text = _status_text(status, limits), ""
    else:
        events, crash, stderr_text = _run_in_new_process(job, limits, slot, data_dir)
    cells = {e["index"]: e for e in events if e.get("event") == "cell" and isinstance(e.get("index"), int)}
    probes = {e["index"]: e for e in events if e.get("event") == "probe" and isinstance(e.get("index"), int)}
    if crash is None and not any(e.get("event") == "end" for e in events):
        crash = "the notebook's process stopped before finishing"
    if crash and not events:
        detail = stderr_text.strip().splitlines()
        if detail:
            crash += f" ({detail[-1][:200]})"
    return RunOutcome(cells, probes, crash)


def reference_values(assignment: Assignment, limits: Limits, data_dir: Path | None) -> list[Any]:
    """Run the reference notebook and return each probe's value; it must pass everything."""
    sources = [cell_source(c) for c in assignment.reference_cells if c.get("cell_type") == "code"]
    outcome = run_notebook(sources, assignment, limits, slot=0, data_dir=data_dir)
    failures = [f"cell {i}: {e['error']}" for i, e in sorted(outcome.cells.items()) if not e["ok"]]
    failures += [f"probe {assignment.probes[i].name}: {e.get('error')}"
                 for i, e in sorted(outcome.probes.items()) if not e["ok"]]
    if outcome.crash or failures or len(outcome.probes) != len(assignment.probes):
        raise RuntimeError(f"the reference solution of {assignment.assignment_id} does not pass "
                           f"its own checks: {outcome.crash or ''} {'; '.join(failures)}".strip())
    return [outcome.probes[i]["value"] for i in range(len(assignment.probes))]


def score(assignment: Assignment, outcome: RunOutcome, task_cell: dict[str, int],
          tampered: dict[str, str], expected: list[Any]) -> dict[str, TaskResult]:
    """Points per task from the run's events, compared in this process."""
    results: dict[str, TaskResult] = {}
    for task_id, task in assignment.tasks.items():
        reason = tampered.get(task_id)
        if reason is None:
            event = outcome.cells.get(task_cell[task_id])
            if event is None:
                reason = f"its checks never ran: {outcome.crash or 'the run stopped early'}"
            elif str(event["error"]).startswith("NotImplementedError"):
                reason = "not answered yet: the code still raises NotImplementedError"
            elif not event["ok"]:
                reason = f"visible check failed: {event['error']}"
        if reason is None:
            probe_indices = assignment.probes_of(task_id)
            mismatched = 0
            for i in probe_indices:
                probe, got = assignment.probes[i], outcome.probes.get(i)
                if got is None or not got.get("ok"):
                    mismatched += 1
                elif compare(got.get("value"), expected[i], probe.rtol, probe.atol) is not None:
                    mismatched += 1
            if mismatched:
                reason = (f"visible check passed, but {mismatched} of {len(probe_indices)} hidden "
                          "checks (other inputs) gave results that differ from the reference")
        passed = reason is None
        results[task_id] = TaskResult(task.points if passed else 0.0, task.points, passed,
                                      "passed" if passed else reason)
    return results


def grade_submission(student: str, data: bytes, assignment: Assignment, expected: list[Any],
                     limits: Limits = Limits(), slot: int = 0,
                     data_dir: Path | None = None) -> SubmissionResult:
    """Grade one notebook's bytes against an assignment and its reference values."""
    started = time.perf_counter()
    try:
        notebook = parse_notebook(data)
        check_assignment(notebook, assignment)
    except SubmissionError as err:
        result = zero_result(student, assignment, f"not graded: {err}")
        result.seconds = round(time.perf_counter() - started, 3)
        return result
    sources, task_cell, tampered = plan_cells(notebook, assignment)
    outcome = run_notebook(sources, assignment, limits, slot, data_dir)
    tasks = score(assignment, outcome, task_cell, tampered, expected)
    notes = sorted({f"task {tid}: {why}" for tid, why in tampered.items()})
    if outcome.crash:
        notes.append(outcome.crash)
    return SubmissionResult(student, assignment.assignment_id, tasks, notes, sandbox_description(),
                            round(time.perf_counter() - started, 3))
