"""Planning the run of a submitted notebook for its assignment.

Given a parsed notebook (``notebook.py``) and the assignment it was submitted for,
decide whether it is that assignment's notebook at all, which cells run in which
order (the course's own test and locked cells wherever the student left them), where
each task's cells are, and which test cells were tampered with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .assignment import Assignment
from .notebook import SubmissionError, cell_source, nbgrader_meta, normalized


def check_assignment(notebook: dict[str, Any], assignment: Assignment) -> None:
    """Raise ``SubmissionError`` when the notebook belongs to another assignment."""
    metadata = notebook.get("metadata")
    declared = None
    if isinstance(metadata, dict) and isinstance(metadata.get("d2lcourse"), dict):
        declared = metadata["d2lcourse"].get("assignment")
    if declared is not None and declared != assignment.assignment_id:
        raise SubmissionError(
            f"this is the notebook of assignment {declared!r}, not "
            f"{assignment.assignment_id!r}: submit the right file"
        )
    grade_ids = {nbgrader_meta(c).get("grade_id") for c in notebook["cells"]}
    known = set(assignment.tasks) | set(assignment.locked_sources)
    if declared is None and not grade_ids & known:
        raise SubmissionError(
            f"the notebook contains none of the cells of assignment "
            f"{assignment.assignment_id!r}: start from the distributed notebook"
        )


def _same_points(value: Any, points: float) -> bool:
    return type(value) in (int, float) and float(value) == points


@dataclass
class CellPlan:
    """What runs, and where things sit, for one submitted notebook.

    ``sources`` are the code cells to run in order (the course's own test and locked
    cells wherever the student left them); ``task_cell`` is the index of each task's
    test cell; ``answer_cells`` the indices of each task's answer cells;
    ``student_cells`` those whose source is the student's; ``tampered`` the tasks whose
    test cell was deleted, edited or had its metadata changed, with the reason.
    """

    sources: list[str] = field(default_factory=list)
    task_cell: dict[str, int] = field(default_factory=dict)
    answer_cells: dict[str, list[int]] = field(default_factory=dict)
    student_cells: list[int] = field(default_factory=list)
    tampered: dict[str, str] = field(default_factory=dict)


def plan_cells(notebook: dict[str, Any], assignment: Assignment) -> CellPlan:
    """Plan the run of ``notebook``: a test cell that was tampered with costs its task."""
    plan = CellPlan()
    for cell in notebook["cells"]:
        if cell.get("cell_type") != "code":
            continue
        meta = nbgrader_meta(cell)
        grade_id = meta.get("grade_id")
        source = cell_source(cell)
        index = len(plan.sources)
        if grade_id in assignment.tasks and grade_id not in plan.task_cell:
            task = assignment.tasks[grade_id]
            if normalized(source) != normalized(task.source):
                plan.tampered[grade_id] = (
                    "its test cell was edited; test cells must stay as distributed"
                )
            elif (
                not _same_points(meta.get("points"), task.points)
                or not meta.get("grade")
                or meta.get("solution")
                or not meta.get("locked")
            ):
                plan.tampered[grade_id] = (
                    "its test cell's grading metadata (points/grade/locked) was changed"
                )
            plan.task_cell[grade_id] = index
            plan.sources.append(task.source)
        elif grade_id in assignment.locked_sources:
            plan.sources.append(assignment.locked_sources[grade_id])
        else:
            plan.sources.append(source)
            plan.student_cells.append(index)
            task_id = assignment.task_of_answer(str(grade_id)) if grade_id else None
            if task_id is not None:
                plan.answer_cells.setdefault(task_id, []).append(index)
    for task_id in assignment.tasks:
        if task_id not in plan.task_cell:
            plan.tampered[task_id] = "its test cell is missing (deleted, or its metadata removed)"
    return plan
