"""Grading one notebook: the pipeline, composed in one place.

    bytes --parse_notebook--> notebook --check_assignment--> (right assignment)
          --plan_cells--> sources, test-cell positions, tampered tasks
          --run_notebook (sandbox)--> checked events
          --score--> points per task

Each stage lives in a module of its own (``notebook``, ``execution``, ``scoring``);
this function is the only place that strings them together. It is a pure function
of the bytes, the assignment and the reference values, given a sandbox.
"""
from __future__ import annotations

import time
from typing import Any

from .assignment import Assignment
from .config import Limits
from .execution import run_notebook
from .notebook import SubmissionError, check_assignment, parse_notebook, plan_cells
from .results import SubmissionResult, zero_result
from .sandbox import Sandbox, sandbox_description
from .scoring import score


def grade_submission(student: str, data: bytes, assignment: Assignment, expected: list[Any],
                     sandbox: Sandbox, limits: Limits) -> SubmissionResult:
    """Grade one notebook's bytes against an assignment and its reference values."""
    started = time.perf_counter()
    try:
        notebook = parse_notebook(data)
        check_assignment(notebook, assignment)
    except SubmissionError as err:
        result = zero_result(student, assignment, f"not graded: {err}", sandbox_description())
        result.seconds = round(time.perf_counter() - started, 3)
        return result
    sources, task_cell, tampered = plan_cells(notebook, assignment)
    outcome = run_notebook(sources, assignment, sandbox, limits)
    tasks = score(assignment, outcome, task_cell, tampered, expected)
    notes = sorted({f"task {tid}: {why}" for tid, why in tampered.items()})
    if outcome.crash:
        notes.append(outcome.crash)
    return SubmissionResult(student, assignment.assignment_id, tasks, notes, sandbox_description(),
                            round(time.perf_counter() - started, 3))
