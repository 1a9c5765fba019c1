"""What grading produces: per task and per submission, as plain, JSON-ready records."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .assignment import Assignment


@dataclass
class TaskResult:
    """What one task earned and why.

    ``message`` is safe to show the student; ``failures`` are short labels of what
    went wrong (``rule: ...``, ``case: large logits (value)``, ``timeout``, ...) that the
    class summary counts.
    """

    points: float
    max_points: float
    passed: bool
    message: str
    failures: list[str] = field(default_factory=list)


@dataclass
class SubmissionResult:
    """The grade of one student's notebook for one assignment."""

    student: str
    assignment: str
    tasks: dict[str, TaskResult]
    notes: list[str] = field(default_factory=list)
    sandbox: str = ""
    seconds: float = 0.0

    @property
    def total(self) -> float:
        return sum(t.points for t in self.tasks.values())

    @property
    def max_total(self) -> float:
        return sum(t.max_points for t in self.tasks.values())

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SubmissionResult:
        tasks = {k: TaskResult(**v) for k, v in data["tasks"].items()}
        return cls(
            data["student"],
            data["assignment"],
            tasks,
            data["notes"],
            data["sandbox"],
            data["seconds"],
        )


def zero_result(
    student: str, assignment: Assignment, reason: str, sandbox: str = ""
) -> SubmissionResult:
    """Every task at 0 with the same reason (unreadable, missing or wrong notebook)."""
    label = reason.split(":")[0]
    tasks = {
        tid: TaskResult(0.0, t.points, False, reason, [label])
        for tid, t in assignment.tasks.items()
    }
    return SubmissionResult(student, assignment.assignment_id, tasks, [reason], sandbox)
