"""What grading produces: per task and per submission, as plain, JSON-ready records.

A result that earned less than full marks carries a :class:`FailureCode` next to its
message: the message is for the student, the code for the grader's own decisions
(the class summary, the term gradebook, selfcheck, the rule examples), so that no
code reads an outcome back out of a sentence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

from .assignment import Assignment
from .protocol import RunRecord


class FailureCode(str, Enum):
    """Why a task or a whole notebook did not earn full marks."""

    # The notebook was not graded at all (every task at 0 with the same reason).
    NOT_SUBMITTED = "not submitted"
    SEVERAL_NOTEBOOKS = "several notebooks"
    UNREADABLE = "unreadable"
    WRONG_ASSIGNMENT = "wrong assignment"
    INTERNAL_ERROR = "internal error"
    WORKERS_DIED = "workers died"
    NO_WORKERS = "no workers"
    # The notebook ran, and this task lost points.
    TAMPERED = "tampered"
    INTERFERED = "interfered"
    TIME_LIMIT = "time limit"
    RUN_STOPPED = "run stopped"
    NOT_ANSWERED = "not answered"
    RULE_BROKEN = "rule broken"
    CHECK_FAILED = "check failed"
    CASE_DIFFERS = "case differs"


def _code(value: Any) -> FailureCode | None:
    """A code read from JSON; results written before codes existed have none."""
    return None if value is None else FailureCode(value)


@dataclass(frozen=True)
class RunOutcome:
    """The checked events of one run and, if it did not end cleanly, why: ``crash`` for
    the student, ``crash_code`` for the grader."""

    record: RunRecord
    crash: str | None
    crash_code: FailureCode | None = None


@dataclass
class TaskResult:
    """What one task earned and why.

    ``message`` is safe to show the student; ``failures`` are short labels of what
    went wrong (``rule: ...``, ``case: large logits (value)``, ``timeout``, ...) that the
    class summary counts; ``code`` says what kind of failure it was (None: passed).
    """

    points: float
    max_points: float
    passed: bool
    message: str
    failures: list[str] = field(default_factory=list)
    code: FailureCode | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["code"] = None if self.code is None else self.code.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TaskResult:
        return cls(**{**data, "code": _code(data.get("code"))})


@dataclass
class SubmissionResult:
    """The grade of one student's notebook for one assignment.

    ``code`` is set when the notebook was not graded at all (see :func:`not_graded`).
    """

    student: str
    assignment: str
    tasks: dict[str, TaskResult]
    notes: list[str] = field(default_factory=list)
    sandbox: str = ""
    seconds: float = 0.0
    code: FailureCode | None = None

    @property
    def total(self) -> float:
        return sum(t.points for t in self.tasks.values())

    @property
    def max_total(self) -> float:
        return sum(t.max_points for t in self.tasks.values())

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["tasks"] = {k: t.to_json() for k, t in self.tasks.items()}
        data["code"] = None if self.code is None else self.code.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SubmissionResult:
        tasks = {k: TaskResult.from_json(v) for k, v in data["tasks"].items()}
        return cls(
            data["student"],
            data["assignment"],
            tasks,
            data["notes"],
            data["sandbox"],
            data["seconds"],
            _code(data.get("code")),
        )


def not_graded(
    student: str, assignment: Assignment, code: FailureCode, why: str, sandbox: str = ""
) -> SubmissionResult:
    """The result of a notebook that was not graded at all (missing, unreadable, another
    assignment's, or one the grader failed on): every task at 0, saying ``why``."""
    reason = f"not graded: {why}"
    tasks = {
        tid: TaskResult(0.0, t.points, False, reason, ["not graded"], code)
        for tid, t in assignment.tasks.items()
    }
    return SubmissionResult(student, assignment.assignment_id, tasks, [reason], sandbox, code=code)
