"""Failure codes: each verdict carries one, results keep it through JSON, and the
"not graded" result is built in one place."""

from __future__ import annotations

import pytest

from d2lgrade.assignment import Assignment, Task
from d2lgrade.grade import PreparedAssignment, grade_submission
from d2lgrade.hidden import Probe
from d2lgrade.protocol import CellEvent, Limits, ProbeEvent, RunRecord
from d2lgrade.results import (
    FailureCode,
    RunOutcome,
    SubmissionResult,
    TaskResult,
    not_graded,
)
from d2lgrade.rules import NoLoops
from d2lgrade.scoring import judge_task
from d2lgrade.static_check import AnswerScan

TASK = Task("double", 2.0, "check(double)")


def assignment(rules: bool = False) -> Assignment:
    probe = Probe("double", "double_cases", ("double",), "def double_cases(double): ...")
    return Assignment(
        "toy", [], {"double": TASK}, {}, [probe], "fp", {"double": [NoLoops()]} if rules else {}
    )


def record(cell: CellEvent | None, value: object = 2.0) -> RunRecord:
    cells = {0: cell} if cell is not None else {}
    return RunRecord(cells, {0: ProbeEvent(0, True, value)}, started=True, ended=cell is not None)


def verdict(outcome: RunOutcome, loops: int | None = None, tampered: str | None = None):
    """The verdict on the task; with ``loops``, under a no-loops rule and a scan that found them."""
    scan = None if loops is None else AnswerScan(loops=loops)
    return judge_task(TASK, assignment(loops is not None), outcome, 0, tampered, scan, [2.0])


def test_every_kind_of_verdict_carries_its_code_and_a_pass_carries_none():
    passed = CellEvent(0, True, None, 0.1)
    assert verdict(RunOutcome(record(passed), None)).code is None
    assert verdict(RunOutcome(record(passed), None), loops=0).code is None
    assert verdict(RunOutcome(record(passed), None), loops=1).code is FailureCode.RULE_BROKEN
    assert verdict(RunOutcome(record(passed, 3.0), None)).code is FailureCode.CASE_DIFFERS
    assert verdict(RunOutcome(record(passed), None), tampered="edited").code is (
        FailureCode.TAMPERED
    )
    timed_out = CellEvent(0, False, "CellTimeout: time limit exceeded", 60.0, "CellTimeout")
    slow = verdict(RunOutcome(record(timed_out), None))
    assert (slow.code, slow.failures) == (FailureCode.TIME_LIMIT, ["time limit"])
    failing = CellEvent(0, False, "AssertionError: no", 0.1, "AssertionError")
    assert verdict(RunOutcome(record(failing), None)).code is FailureCode.CHECK_FAILED
    stub = CellEvent(0, False, "NotImplementedError", 0.1, "NotImplementedError")
    assert verdict(RunOutcome(record(stub), None)).code is FailureCode.NOT_ANSWERED


def test_a_run_that_never_reached_the_checks_is_a_time_limit_only_by_its_code():
    # The crash sentence mentions a time limit, but the code decides.
    stopped = RunOutcome(
        record(None), "the notebook mentions its time limit", FailureCode.RUN_STOPPED
    )
    assert verdict(stopped).failures == ["run stopped"]
    late = RunOutcome(record(None), "it ran too long", FailureCode.TIME_LIMIT)
    assert (verdict(late).code, verdict(late).failures) == (FailureCode.TIME_LIMIT, ["time limit"])
    forged = RunOutcome(
        RunRecord(interfered=True), "wrote into the channel", FailureCode.INTERFERED
    )
    assert verdict(forged).code is FailureCode.INTERFERED


def test_a_not_graded_result_zeroes_every_task_with_one_reason_and_code():
    result = not_graded("ann", assignment(), FailureCode.UNREADABLE, "the file is empty")
    assert result.code is FailureCode.UNREADABLE and result.total == 0
    assert result.notes == ["not graded: the file is empty"]
    task = result.tasks["double"]
    assert (task.message, task.failures, task.code) == (
        "not graded: the file is empty",
        ["not graded"],
        FailureCode.UNREADABLE,
    )


@pytest.mark.parametrize("code", [None, FailureCode.RULE_BROKEN])
def test_codes_survive_json_and_results_written_without_codes_still_load(code):
    tasks = {"double": TaskResult(0.0, 2.0, False, "rule broken: x", ["rule: x"], code)}
    result = SubmissionResult("ann", "toy", tasks, code=code)
    data = result.to_json()
    assert data["tasks"]["double"]["code"] == (None if code is None else "rule broken")
    assert SubmissionResult.from_json(data) == result
    del data["code"], data["tasks"]["double"]["code"]
    old = SubmissionResult.from_json(data)
    assert old.code is None and old.tasks["double"].code is None


class NoSandbox:
    """A sandbox for notebooks that must never run."""

    def run(self, job):
        raise AssertionError("a notebook that is not graded must not run")

    def close(self):
        pass


def test_a_file_that_is_no_notebook_and_another_assignments_notebook_get_their_codes():
    prepared = PreparedAssignment(assignment(), [2.0])

    def graded(data: bytes):
        return grade_submission("ann", data, prepared, NoSandbox(), Limits())

    assert graded(b"").code is FailureCode.UNREADABLE
    other = b'{"nbformat": 4, "metadata": {"d2lcourse": {"assignment": "other"}}, "cells": []}'
    wrong = graded(other)
    assert wrong.code is FailureCode.WRONG_ASSIGNMENT
    assert wrong.tasks["double"].code is FailureCode.WRONG_ASSIGNMENT
    assert wrong.notes[0].startswith("not graded: this is the notebook of assignment 'other'")
