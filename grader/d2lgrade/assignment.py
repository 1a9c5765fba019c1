"""An assignment as the instructor defined it: tasks, points, locked cells and probes."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import AssignmentError
from .hidden import Probe, load_probes
from .notebook import cell_source, nbgrader_meta


@dataclass(frozen=True)
class Task:
    """One graded task: the test cell that checks it and what it is worth."""

    task_id: str
    points: float
    source: str


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

    @property
    def max_points(self) -> float:
        return sum(task.points for task in self.tasks.values())

    def probes_of(self, task_id: str) -> list[int]:
        """Indices in ``probes`` of the probes that check ``task_id``."""
        return [i for i, p in enumerate(self.probes) if p.task == task_id]

    def reference_sources(self) -> list[str]:
        """The code cells of the reference notebook, as the reference run executes them."""
        return [cell_source(c) for c in self.reference_cells if c.get("cell_type") == "code"]


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
            tasks[grade_id] = Task(grade_id, float(meta.get("points", 0)), cell_source(cell))
        if meta.get("locked") and cell.get("cell_type") == "code":
            locked[grade_id] = cell_source(cell)
    probes = load_probes(hidden_path) if hidden_path.exists() else []
    unknown = sorted({p.task for p in probes} - set(tasks))
    if unknown:
        raise AssignmentError(f"{hidden_path}: probes name tasks that do not exist: {', '.join(unknown)}")
    digest = hashlib.sha256(raw)
    digest.update(hidden_path.read_bytes() if hidden_path.exists() else b"")
    return Assignment(assignment_id, cells, tasks, locked, probes, digest.hexdigest())
