"""Running a planned notebook in a sandbox and reading back what happened."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .assignment import Assignment
from .errors import AssignmentError
from .planning import CellPlan, plan_cells
from .protocol import RECORD_MARKS, REFERENCE_STUDENT, Job, Limits, RunRecord
from .results import FailureCode, RunOutcome
from .rules import is_operator
from .sandbox import Sandbox

INTERFERED = (
    "the notebook wrote into the grader's result channel, so nothing it reported "
    "can be trusted; the run earns no points"
)
GRADER_CHANGED_TEXT = (
    "the notebook changed the grader's own code in its process ({}), so nothing it "
    "reported can be trusted; the run earns no points"
)


def status_text(status: str | int, limits: Limits) -> tuple[FailureCode, str] | None:
    """What a runner's exit status means: its code, and the sentence for the student;
    None for a clean exit."""
    if status == 0:
        return None
    if status == "timeout":
        return (
            FailureCode.TIME_LIMIT,
            f"the notebook ran past its {limits.notebook_seconds:.0f} s time limit and was stopped",
        )
    if isinstance(status, int):
        # bwrap reports a child killed by signal N as exit status 128 + N.
        signum = -status if status < 0 else status - 128 if status > 128 else 0
        return FailureCode.RUN_STOPPED, (
            f"the notebook's process died (signal {signum})"
            if signum
            else f"the notebook's process exited with status {status}"
        )
    return FailureCode.RUN_STOPPED, str(status)


def watched_names(assignment: Assignment) -> list[str]:
    """What the rules of the assignment's tasks watch at run time (``Rule.watched``):
    qualified names, with patterns in their last part (``numpy.broadcast*``; no
    operators or methods of unknown objects), and the record's marks."""
    names = {
        name
        for rules in assignment.rules.values()
        for rule in rules
        for name in rule.watched()
        if name in RECORD_MARKS
        or (
            (name[0].isalpha() or name[0] == "_")
            and "*" not in name.rpartition(".")[0]
            and "." in name
            and not is_operator(name)
        )
    }
    return sorted(names)


def run_notebook(
    plan: CellPlan, assignment: Assignment, sandbox: Sandbox, limits: Limits, student: str
) -> RunOutcome:
    """Run the planned cells then the assignment's probes in ``sandbox``; check the events.

    The runner records the torch calls that code from ``plan.student_cells`` makes
    while probes run, and tells notebooks whose id they are graded under (``student``).
    """
    job = Job(
        plan.sources,
        [replace(p.job(), operators=bool(assignment.rules.get(p.task))) for p in assignment.probes],
        limits,
        student=student,
        student_cells=plan.student_cells,
        watch=watched_names(assignment),
    )
    raw = sandbox.run(job)
    record = RunRecord.from_events(raw.events, len(plan.sources), len(assignment.probes))
    failure = status_text(raw.status, limits)
    if record.grader_changed is not None:
        failure = FailureCode.INTERFERED, GRADER_CHANGED_TEXT.format(record.grader_changed[:200])
    elif record.interfered:
        failure = FailureCode.INTERFERED, INTERFERED
    elif failure is None and not record.ended:
        failure = FailureCode.RUN_STOPPED, "the notebook's process stopped before finishing"
    if failure is None:
        return RunOutcome(record, None)
    code, crash = failure
    if not raw.events:
        detail = raw.stderr.strip().splitlines()
        if detail:
            crash += f" ({detail[-1][:200]})"
    return RunOutcome(record, crash, code)


def reference_values(assignment: Assignment, sandbox: Sandbox, limits: Limits) -> list[Any]:
    """Run the reference notebook and return each probe's value; it must pass everything."""
    reference = {"cells": assignment.reference_cells, "nbformat": 4}
    outcome = run_notebook(
        plan_cells(reference, assignment), assignment, sandbox, limits, REFERENCE_STUDENT
    )
    record = outcome.record
    failures = [f"cell {i}: {e.error}" for i, e in sorted(record.cells.items()) if not e.ok]
    failures += [
        f"probe {assignment.probes[i].name}: {e.error}"
        for i, e in sorted(record.probes.items())
        if not e.ok
    ]
    if outcome.crash or failures or not record.ended:
        raise AssignmentError(
            f"the reference solution of {assignment.assignment_id} does not pass its own "
            f"checks: {'; '.join(filter(None, [outcome.crash, *failures]))} (is the data "
            "folder right? see --data-dir)"
        )
    return [record.probes[i].value for i in range(len(assignment.probes))]
