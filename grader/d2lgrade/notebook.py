"""Reading a submitted notebook: validate the file, find its cells, plan what runs.

Everything here works on the submitted bytes in the grader's own process, before
any of the student's code runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .assignment import Assignment

MAX_NOTEBOOK_BYTES = 64 * 1024**2


class SubmissionError(ValueError):
    """The file cannot be graded at all; the message says why and what to do."""


def cell_source(cell: dict[str, Any]) -> str:
    """A cell's source as one string (notebook files may store it as a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def nbgrader_meta(cell: dict[str, Any]) -> dict[str, Any]:
    """The cell's nbgrader metadata, or {} when it has none or it is malformed."""
    metadata = cell.get("metadata")
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return meta if isinstance(meta, dict) else {}


def normalized(source: str) -> str:
    """Source with trailing spaces and blank edges removed, for edit detection."""
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def parse_notebook(data: bytes) -> dict[str, Any]:
    """Decode and validate a submitted .ipynb; raise ``SubmissionError`` with the reason."""
    if not data.strip():
        raise SubmissionError("the file is empty: submit the notebook saved from Jupyter or Colab")
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(
            f"the file is {len(data) / 1024**2:.0f} MB, above the "
            f"{MAX_NOTEBOOK_BYTES // 1024**2} MB limit: clear outputs and resubmit"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SubmissionError(
            f"the file is not UTF-8 text (byte {err.start}): it is not a "
            "notebook; download it again as .ipynb"
        ) from None
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as err:
        raise SubmissionError(
            f"the file is not valid notebook JSON (line {err.lineno}, column "
            f"{err.colno}: {err.msg}); download it again as .ipynb"
        ) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise SubmissionError("the file is JSON but not a notebook (no list of cells)")
    if notebook.get("nbformat") != 4:
        raise SubmissionError(
            f"the notebook has nbformat version {notebook.get('nbformat')!r}; "
            "version 4 is required (save it with a current Jupyter or Colab)"
        )
    for i, cell in enumerate(notebook["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise SubmissionError(f"cell {i} is malformed (no valid cell_type)")
        source = cell.get("source", "")
        if not (
            isinstance(source, str)
            or (isinstance(source, list) and all(isinstance(s, str) for s in source))
        ):
            raise SubmissionError(f"cell {i} has a malformed source")
    return notebook


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
