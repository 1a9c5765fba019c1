"""An assignment as the instructor defined it: tasks, points, locked cells and probes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import AssignmentError
from .hidden import Probe, load_hidden_checks
from .notebook import cell_source, nbgrader_meta
from .rules import Rule


@dataclass(frozen=True)
class Task:
    """One graded task: the test cell that checks it and what it is worth.

    ``partial_credit`` (from the test cell's ``d2lcourse`` metadata) weights the
    task's hidden case groups: a student earns the share of the points that the
    passing groups carry. None, the default, is all or nothing.
    """

    task_id: str
    points: float
    source: str
    partial_credit: dict[str, float] | None = None


@dataclass
class Assignment:
    """Everything the grader needs to know about one assignment.

    ``fingerprint`` hashes the reference notebook and its hidden checks: a result
    cached under it is stale as soon as either changes.
    """

    assignment_id: str
    reference_cells: list[dict[str, Any]]
    tasks: dict[str, Task]
    locked_sources: dict[str, str]
    probes: list[Probe]
    fingerprint: str
    rules: dict[str, list[Rule]]

    @property
    def max_points(self) -> float:
        return sum(task.points for task in self.tasks.values())

    def probes_of(self, task_id: str) -> list[int]:
        """Indices in ``probes`` of the probes that check ``task_id``."""
        return [i for i, p in enumerate(self.probes) if p.task == task_id]

    def task_of_answer(self, grade_id: str) -> str | None:
        """The task an answer cell belongs to (``<task>_answer`` or ``<task>_answer_<n>``)."""
        task_id, marker, _ = grade_id.partition("_answer")
        return task_id if marker and task_id in self.tasks else None

    def probe_params(self, task_id: str) -> set[str]:
        """The notebook names the task's probes take: what the task asks the student to define."""
        return {param for i in self.probes_of(task_id) for param in self.probes[i].params}


def known_assignments(solutions_dir: Path) -> list[str]:
    """Ids of the assignments under ``solutions_dir`` (folders holding ``<id>/<id>.ipynb``)."""
    if not solutions_dir.is_dir():
        return []
    return sorted(p.name for p in solutions_dir.iterdir() if (p / f"{p.name}.ipynb").is_file())


def load_assignment(solutions_dir: Path, assignment_id: str) -> Assignment:
    """Read ``solutions/<id>/<id>.ipynb`` and its ``hidden_checks.py``."""
    folder = solutions_dir / assignment_id
    notebook_path = folder / f"{assignment_id}.ipynb"
    hidden_path = folder / "hidden_checks.py"
    if not notebook_path.is_file():
        known = ", ".join(known_assignments(solutions_dir)) or "none"
        raise AssignmentError(f"no reference notebook {notebook_path}; known assignments: {known}")
    raw = notebook_path.read_bytes()
    try:
        cells = json.loads(raw)["cells"]
    except (ValueError, KeyError, TypeError):
        raise AssignmentError(f"{notebook_path} is not a readable notebook") from None
    tasks: dict[str, Task] = {}
    locked: dict[str, str] = {}
    for cell in cells:
        meta = nbgrader_meta(cell)
        grade_id = meta.get("grade_id")
        if not grade_id:
            continue
        if meta.get("grade") and not meta.get("solution"):
            tasks[grade_id] = Task(
                grade_id,
                float(meta.get("points", 0)),
                cell_source(cell),
                _partial_credit(cell, notebook_path),
            )
        if meta.get("locked") and cell.get("cell_type") == "code":
            locked[grade_id] = cell_source(cell)
    probes, rules = load_hidden_checks(hidden_path) if hidden_path.exists() else ([], {})
    unknown = sorted(({p.task for p in probes} | set(rules)) - set(tasks))
    if unknown:
        raise AssignmentError(
            f"{hidden_path}: probes or rules name tasks that do not exist: {', '.join(unknown)}"
        )
    digest = hashlib.sha256(raw)
    digest.update(hidden_path.read_bytes() if hidden_path.exists() else b"")
    return Assignment(assignment_id, cells, tasks, locked, probes, digest.hexdigest(), rules)


def _partial_credit(cell: dict[str, Any], path: Path) -> dict[str, float] | None:
    """``{"group": weight}`` from ``metadata.d2lcourse.partial_credit``.

    ``true`` weighs every case group alike.
    """
    metadata = cell.get("metadata")
    course = metadata.get("d2lcourse") if isinstance(metadata, dict) else None
    value = course.get("partial_credit") if isinstance(course, dict) else None
    if value is None or value is False:
        return None
    if value is True:
        return {"*": 1.0}
    if (
        isinstance(value, dict)
        and value
        and all(isinstance(k, str) and type(v) in (int, float) and v >= 0 for k, v in value.items())
    ):
        return {k: float(v) for k, v in value.items()}
    raise AssignmentError(
        f"{path}: partial_credit of {nbgrader_meta(cell).get('grade_id')} must be true "
        "or a dict of case group -> weight (>= 0)"
    )
