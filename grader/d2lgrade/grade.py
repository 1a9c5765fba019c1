"""Grading one notebook: the pipeline, composed in one place.

    bytes --parse_notebook--> notebook --check_assignment--> (right assignment)
          --plan_cells (planning)--> sources, test and answer cells, tampered tasks
          --scan_answer--> what each answer refers to (rules, on the source)
          --run_notebook (sandbox)--> checked events, with each probe's call record
          --judge_task--> points per task

Each stage lives in a module of its own (``notebook``, ``planning``, ``static_check``,
``execution``, ``scoring``); this function is the only place that strings them
together. It is a pure function of the bytes and the prepared assignment (the
assignment with its reference values), given a sandbox.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .assignment import Assignment
from .execution import run_notebook
from .notebook import SubmissionError, parse_notebook
from .planning import CellPlan, check_assignment, plan_cells
from .protocol import Limits
from .results import FailureCode, SubmissionResult, TaskResult, not_graded
from .sandbox import Sandbox, sandbox_description
from .scoring import judge_task
from .static_check import AnswerScan, scan_answer
from .variants import expected_for


@dataclass(frozen=True)
class PreparedAssignment:
    """An assignment with the reference value of each of its probes: what grading one
    of its notebooks needs, made once per run and shipped whole to every engine.

    ``expected`` holds, for a probe with per-student values, a table of the run's
    students (``variants.py``); :meth:`expected_for` picks one student's values.
    """

    assignment: Assignment
    expected: list[Any]

    def expected_for(self, student: str) -> list[Any]:
        """The reference values ``student``'s notebook is compared with."""
        return expected_for(self.expected, student)


def scan_answers(plan: CellPlan, assignment: Assignment) -> dict[str, AnswerScan]:
    """The static scan of each task that has rules: its answer cells, and wherever the
    names its probes call are defined."""
    return {
        task_id: scan_answer(
            plan.sources,
            plan.answer_cells.get(task_id, []),
            roots=assignment.probe_params(task_id),
            student_cells=plan.student_cells,
        )
        for task_id in assignment.tasks
        if assignment.rules.get(task_id)
    }


def grade_submission(
    student: str, data: bytes, prepared: PreparedAssignment, sandbox: Sandbox, limits: Limits
) -> SubmissionResult:
    """Grade one notebook's bytes against an assignment and its reference values."""
    started = time.perf_counter()
    assignment = prepared.assignment
    code = FailureCode.UNREADABLE  # until the file has been read as a notebook
    try:
        notebook = parse_notebook(data)
        code = FailureCode.WRONG_ASSIGNMENT
        check_assignment(notebook, assignment)
    except SubmissionError as err:
        result = not_graded(student, assignment, code, str(err), sandbox_description())
        result.seconds = round(time.perf_counter() - started, 3)
        return result
    plan = plan_cells(notebook, assignment)
    scans = scan_answers(plan, assignment)
    outcome = run_notebook(plan, assignment, sandbox, limits, student)
    expected = prepared.expected_for(student)
    tasks = {}
    for task_id, task in assignment.tasks.items():
        verdict = judge_task(
            task,
            assignment,
            outcome,
            plan.task_cell.get(task_id),
            plan.tampered.get(task_id),
            scans.get(task_id),
            expected,
            student,
        )
        tasks[task_id] = TaskResult(
            verdict.points,
            task.points,
            verdict.points == task.points,
            verdict.message,
            verdict.failures,
            verdict.code,
        )
    notes = sorted({f"task {tid}: {why}" for tid, why in plan.tampered.items()})
    if outcome.crash:
        notes.append(outcome.crash)
    return SubmissionResult(
        student,
        assignment.assignment_id,
        tasks,
        notes,
        sandbox_description(),
        round(time.perf_counter() - started, 3),
    )
