"""Grading a class: find the submissions, grade them in parallel, cache what is unchanged.

``grade_class`` prepares a run (assignments, reference values, cache look-ups) and
hands the submissions still to grade to an engine: threads over a local
``SandboxPool`` by default, or a Dask cluster (``d2lgrade.scaleout``). Either way the
results are the same plain records, and one failure never stops or changes the others.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from .assignment import Assignment, load_assignment
from .cache import GradingCache, cache_key, folder_fingerprint, submission_key
from .config import GradingConfig
from .errors import SubmissionsNotFoundError
from .execution import REFERENCE_STUDENT, reference_values
from .grade import grade_submission
from .results import SubmissionResult, zero_result
from .sandbox import SandboxPool, sandbox_description
from .variants import expected_for, with_student_values

Progress = Callable[[str], None]


def print_progress(line: str) -> None:
    """The default progress sink: one line per event on stderr."""
    print(line, file=sys.stderr)


@dataclass(frozen=True)
class Submission:
    """One student's file for one assignment; ``path`` is None when nothing was handed in."""

    student: str
    assignment: str
    path: Path | None
    missing_reason: str = ""


def find_submissions(root: Path, assignment_ids: list[str]) -> list[Submission]:
    """Submissions in nbgrader's ``<student>/<assignment>/*.ipynb`` layout or a flat folder.

    A flat folder holds ``<student>.ipynb`` files for a single assignment.
    """
    if not root.is_dir():
        raise SubmissionsNotFoundError(f"submissions folder {root} does not exist")
    flat = sorted(p for p in root.iterdir() if p.suffix == ".ipynb" and p.is_file())
    if flat:
        if len(assignment_ids) != 1:
            raise SubmissionsNotFoundError(
                f"{root} holds <student>.ipynb files: name exactly one assignment with --assignment"
            )
        return [Submission(p.stem, assignment_ids[0], p) for p in flat]
    students = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not assignment_ids:
        assignment_ids = sorted({a.name for s in students for a in s.iterdir() if a.is_dir()})
    submissions = []
    for student in students:
        for assignment_id in assignment_ids:
            folder = student / assignment_id
            preferred = folder / f"{assignment_id}.ipynb"
            notebooks = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
            if preferred.exists():
                submissions.append(Submission(student.name, assignment_id, preferred))
            elif len(notebooks) == 1:
                submissions.append(Submission(student.name, assignment_id, notebooks[0]))
            else:
                why = (
                    f"no notebook submitted (expected {assignment_id}/{assignment_id}.ipynb)"
                    if not notebooks
                    else f"{len(notebooks)} notebooks in {assignment_id}/ and none named "
                    f"{assignment_id}.ipynb"
                )
                submissions.append(Submission(student.name, assignment_id, None, why))
    return submissions


def selfcheck_submissions(root: Path, assignment_id: str) -> list[Submission]:
    """The reference notebook (as student "reference") and the untouched student notebook
    ("untouched") of an assignment of the course at ``root``: the first must earn full
    marks and the second 0."""
    reference = root / "solutions" / assignment_id / f"{assignment_id}.ipynb"
    student = root / "exercises" / assignment_id / f"{assignment_id}.ipynb"
    return [
        Submission("reference", assignment_id, reference),
        Submission(
            "untouched",
            assignment_id,
            student if student.is_file() else None,
            f"{student} is missing: run nbgrader generate_assignment",
        ),
    ]


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
    """The notebooks still to grade, with the assignments and reference values they need."""

    tasks: list[GradingTask]
    assignments: dict[str, Assignment]
    expected: dict[str, list[Any]]


class Engine(Protocol):
    """Grades tasks and yields each result as soon as it is known, in any order."""

    def grade(self, batch: Batch) -> Iterator[Graded]:
        """``(task, result, final)`` per task. A task the grader failed on yields a zero
        result that says why, with ``final`` False: it is not cached, so a re-run tries again."""


def internal_error(task: GradingTask, assignment: Assignment, err: Exception) -> SubmissionResult:
    """The zero result of a notebook the grader itself failed on (a bug: please report it)."""
    what = f"internal grader error ({type(err).__name__}: {err})"
    return zero_result(
        task.student, assignment, f"not graded: {what}; please report it", sandbox_description()
    )


class LocalEngine:
    """Threads on this machine, each borrowing a sandbox from the pool for one notebook."""

    def __init__(self, pool: SandboxPool) -> None:
        self.pool = pool

    def grade(self, batch: Batch) -> Iterator[Graded]:
        def grade_one(task: GradingTask) -> SubmissionResult:
            with self.pool.sandbox() as sandbox:
                return grade_submission(
                    task.student,
                    task.data,
                    batch.assignments[task.assignment_id],
                    batch.expected[task.assignment_id],
                    sandbox,
                    self.pool.config.limits,
                )

        with ThreadPoolExecutor(max_workers=self.pool.size) as threads:
            futures = {threads.submit(grade_one, task): task for task in batch.tasks}
            for future in as_completed(futures):
                task = futures[future]
                try:
                    yield task, future.result(), True
                except Exception as err:  # a grader bug must not cost the rest of the class
                    yield (
                        task,
                        internal_error(task, batch.assignments[task.assignment_id], err),
                        False,
                    )


def _reference(
    assignments: dict[str, Assignment],
    pool: SandboxPool,
    cache: GradingCache,
    config: GradingConfig,
    progress: Progress,
    data_folder: str,
    limits_key: str,
) -> dict[str, list[Any]]:
    expected: dict[str, list[Any]] = {}
    for assignment_id, assignment in assignments.items():
        key = cache_key("reference", assignment.fingerprint, data_folder, limits_key)
        values = cache.get(key)
        if values is None:
            progress(f"running the reference solution of {assignment_id} ...")
            with pool.sandbox() as sandbox:
                values = reference_values(assignment, sandbox, config.limits)
            cache.put(key, values)
        expected[assignment_id] = values
    return expected


def grade_class(
    submissions: list[Submission],
    solutions_dir: Path,
    config: GradingConfig,
    progress: Progress = print_progress,
    engine: Callable[[SandboxPool], Engine] = LocalEngine,
) -> tuple[list[SubmissionResult], dict[str, Assignment]]:
    """Grade every submission; one failure never stops or changes the others.

    ``engine`` makes the engine from this run's sandbox pool (which also runs the
    reference solutions); the default grades on local threads.
    """
    cache = GradingCache(config.cache_dir)
    limits_key = json.dumps(asdict(config.limits), sort_keys=True)
    assignments = {
        a: load_assignment(solutions_dir, a) for a in sorted({s.assignment for s in submissions})
    }
    started = time.perf_counter()
    results: list[SubmissionResult] = []
    done = 0

    def report(result: SubmissionResult, note: str) -> None:
        nonlocal done
        done += 1
        results.append(result)
        progress(
            f"[{done}/{len(submissions)}] {result.student} {result.assignment}: "
            f"{result.total:g}/{result.max_total:g} ({note})"
        )

    data_folder = folder_fingerprint(config.data_dir)
    with SandboxPool(config) as pool:
        expected = _reference(assignments, pool, cache, config, progress, data_folder, limits_key)
        for assignment_id, assignment in assignments.items():
            hidden = solutions_dir / assignment_id / "hidden_checks.py"
            if hidden.is_file():
                students = [s.student for s in submissions if s.assignment == assignment_id]
                expected[assignment_id] = with_student_values(
                    assignment, hidden, expected[assignment_id], students, REFERENCE_STUDENT
                )
        tasks: list[GradingTask] = []
        keys: dict[int, str] = {}
        for index, sub in enumerate(submissions):
            assignment = assignments[sub.assignment]
            if sub.path is None:
                report(
                    zero_result(
                        sub.student,
                        assignment,
                        f"not graded: {sub.missing_reason}",
                        sandbox_description(),
                    ),
                    "missing",
                )
                continue
            data = sub.path.read_bytes()
            # The values this student's notebook is compared with: with per-student
            # values, only their own, so a classmate added to the class changes no key.
            keys[index] = submission_key(
                data,
                sub.student,
                assignment.fingerprint,
                expected_for(expected[sub.assignment], sub.student),
                data_folder,
                limits_key,
            )
            cached = cache.get(keys[index])
            if cached is not None:
                report(SubmissionResult.from_json(cached), "cached")
                continue
            tasks.append(GradingTask(index, sub.student, sub.assignment, data))
        for task, result, final in engine(pool).grade(Batch(tasks, assignments, expected)):
            if final:
                cache.put(keys[task.index], result.to_json())
            report(result, f"{result.seconds:.1f} s")
    progress(
        f"graded {len(submissions)} submission(s) in {time.perf_counter() - started:.1f} s "
        f"with {config.jobs} job(s)"
    )
    results.sort(key=lambda r: (r.student, r.assignment))
    return results, assignments
