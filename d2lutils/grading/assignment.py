"""An assignment as the instructor defined it: tasks, points, locked cells and probes."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .hidden import Probe, load_probes

GRADER_VERSION = "1"


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


@dataclass(frozen=True)
class Task:
    """One graded task: the test cell that checks it and what it is worth."""

    task_id: str
    points: float
    source: str


@dataclass
class Assignment:
    """Everything the grader needs to know about one assignment."""

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
        return [i for i, p in enumerate(self.probes) if p.task == task_id]


def load_assignment(solutions_dir: Path, assignment_id: str) -> Assignment:
    """Read ``solutions/<id>/<id>.ipynb`` and its ``hidden_checks.py``."""
    folder = solutions_dir / assignment_id
    notebook_path = folder / f"{assignment_id}.ipynb"
    hidden_path = folder / "hidden_checks.py"
    if not notebook_path.exists():
        known = sorted(p.name for p in solutions_dir.iterdir() if (p / f"{p.name}.ipynb").exists())
        raise FileNotFoundError(
            f"no reference notebook {notebook_path}; known assignments: {', '.join(known) or 'none'}"
        )
    raw = notebook_path.read_bytes()
    notebook = json.loads(raw)
    cells = notebook["cells"]
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
        raise ValueError(f"{hidden_path}: probes name tasks that do not exist: {', '.join(unknown)}")
    digest = hashlib.sha256(GRADER_VERSION.encode() + raw)
    digest.update(hidden_path.read_bytes() if hidden_path.exists() else b"")
    return Assignment(assignment_id, cells, tasks, locked, probes, digest.hexdigest())
