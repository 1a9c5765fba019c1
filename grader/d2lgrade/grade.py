"""Grading one notebook: the pipeline, composed in one place.

    bytes --parse_notebook--> notebook --check_assignment--> (right assignment)
          --plan_cells--> sources, test and answer cells, tampered tasks
          --scan_answer--> what each answer refers to (rules, on the source)
          --run_notebook (sandbox)--> checked events, with each probe's call record
          --judge_task--> points per task

Each stage lives in a module of its own (``notebook``, ``static_check``, ``execution``,
``scoring``); this function is the only place that strings them together. It is a
pure function of the bytes, the assignment and the reference values, given a sandbox.
"""

from __future__ import annotations

import time
from typing import Any

from .assignment import Assignment
from .config import Limits
from .execution import run_notebook
from .notebook import CellPlan, SubmissionError, check_assignment, parse_notebook, plan_cells
from .results import SubmissionResult, TaskResult, zero_result
from .sandbox import Sandbox, sandbox_description
from .scoring import judge_task
from .static_check import AnswerScan, scan_answer
from .variants import expected_for


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
    student: str,
    data: bytes,
    assignment: Assignment,
    expected: list[Any],
    sandbox: Sandbox,
    limits: Limits,
) -> SubmissionResult:
    """Grade one notebook's bytes against an assignment and its reference values."""
    started = time.perf_counter()
    try:
        notebook = parse_notebook(data)
        check_assignment(notebook, assignment)
    except SubmissionError as err:
        result = zero_result(student, assignment, f"not graded: {err}", sandbox_description())
        result.seconds = round(time.perf_counter() - started, 3)
        return result
    plan = plan_cells(notebook, assignment)
    scans = scan_answers(plan, assignment)
    outcome = run_notebook(plan, assignment, sandbox, limits, student)
    tasks = {}
    for task_id, task in assignment.tasks.items():
        verdict = judge_task(
            task,
            assignment,
            outcome,
            plan.task_cell.get(task_id),
            plan.tampered.get(task_id),
            scans.get(task_id),
            expected_for(expected, student),
            student,
        )
        tasks[task_id] = TaskResult(
            verdict.points,
            task.points,
            verdict.points == task.points,
            verdict.message,
            verdict.failures,
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
