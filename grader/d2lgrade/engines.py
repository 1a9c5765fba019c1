"""The engines that grade a batch of notebooks, and what they are given and give back.

``batch.grade_class`` hands an engine the notebooks still to grade with their prepared
assignments; the engine yields each result as soon as it is known. ``LocalEngine``
grades on threads over a local sandbox pool; ``scaleout.DaskEngine`` on a Dask cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Protocol

from .assignment import Assignment
from .config import GradingConfig
from .grade import PreparedAssignment, grade_submission
from .results import FailureCode, SubmissionResult, not_graded
from .sandbox import SandboxPool, sandbox_description


@dataclass(frozen=True)
class GradingTask:
    """One notebook still to grade, with everything an engine needs to grade it anywhere."""

    index: int
    student: str
    assignment_id: str
    data: bytes


Graded = tuple[GradingTask, SubmissionResult, bool]


@dataclass(frozen=True)
class Batch:
    """The notebooks still to grade, with their prepared assignments (by id)."""

    tasks: list[GradingTask]
    prepared: dict[str, PreparedAssignment]


class Engine(Protocol):
    """Grades tasks and yields each result as soon as it is known, in any order."""

    def grade(self, batch: Batch) -> Iterator[Graded]:
        """``(task, result, final)`` per task. A task the grader failed on yields a zero
        result that says why, with ``final`` False: it is not cached, so a re-run tries again."""


# Makes a run's engine from its configuration and its sandbox pool (which also runs
# the reference solutions).
EngineFactory = Callable[[GradingConfig, SandboxPool], Engine]


def internal_error(task: GradingTask, assignment: Assignment, err: Exception) -> SubmissionResult:
    """The zero result of a notebook the grader itself failed on (a bug: please report it)."""
    what = f"internal grader error ({type(err).__name__}: {err})"
    return not_graded(
        task.student,
        assignment,
        FailureCode.INTERNAL_ERROR,
        f"{what}; please report it",
        sandbox_description(),
    )


class LocalEngine:
    """Threads on this machine, each borrowing a sandbox from the pool for one notebook."""

    def __init__(self, config: GradingConfig, pool: SandboxPool) -> None:
        self.config = config
        self.pool = pool

    def grade(self, batch: Batch) -> Iterator[Graded]:
        def grade_one(task: GradingTask) -> SubmissionResult:
            with self.pool.sandbox() as sandbox:
                return grade_submission(
                    task.student,
                    task.data,
                    batch.prepared[task.assignment_id],
                    sandbox,
                    self.config.limits,
                )

        with ThreadPoolExecutor(max_workers=self.pool.size) as threads:
            futures = {threads.submit(grade_one, task): task for task in batch.tasks}
            for future in as_completed(futures):
                task = futures[future]
                try:
                    yield task, future.result(), True
                except Exception as err:  # a grader bug must not cost the rest of the class
                    assignment = batch.prepared[task.assignment_id].assignment
                    yield task, internal_error(task, assignment, err), False
