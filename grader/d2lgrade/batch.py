"""Grading a class: find the submissions, grade them in parallel, cache what is unchanged.

``grade_class`` prepares a run (assignments with their reference values, cache
look-ups) and hands the submissions still to grade to the engine its configuration
asks for: threads over a local ``SandboxPool``, or a Dask cluster
(``d2lgrade.scaleout``) when it names a scheduler. Either way the results are the same
plain records, and one failure never stops or changes the others.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .assignment import Assignment, load_assignment
from .cache import GradingCache, cache_key, folder_fingerprint, submission_key
from .config import GradingConfig
from .engines import Batch, Engine, EngineFactory, GradingTask, LocalEngine
from .errors import SubmissionsNotFoundError
from .execution import reference_values
from .grade import PreparedAssignment
from .protocol import REFERENCE_STUDENT
from .results import FailureCode, SubmissionResult, not_graded
from .sandbox import SandboxPool, sandbox_description
from .variants import with_student_values

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
    missing_code: FailureCode = FailureCode.NOT_SUBMITTED


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
            elif not notebooks:
                why = f"no notebook submitted (expected {assignment_id}/{assignment_id}.ipynb)"
                submissions.append(Submission(student.name, assignment_id, None, why))
            else:
                why = (
                    f"{len(notebooks)} notebooks in {assignment_id}/ and none named "
                    f"{assignment_id}.ipynb"
                )
                submissions.append(
                    Submission(
                        student.name, assignment_id, None, why, FailureCode.SEVERAL_NOTEBOOKS
                    )
                )
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


def make_engine(config: GradingConfig, pool: SandboxPool) -> Engine:
    """The engine ``config`` asks for: the Dask cluster it names, else threads over ``pool``."""
    if config.scheduler is not None:
        from .scaleout import DaskEngine

        return DaskEngine(config)
    return LocalEngine(config, pool)


@dataclass(frozen=True)
class RunKeys:
    """What every cache key of a run includes besides its own parts: the data folder's
    fingerprint and the limits."""

    data_folder: str
    limits: str

    @classmethod
    def of(cls, config: GradingConfig) -> RunKeys:
        return cls(
            folder_fingerprint(config.data_dir), json.dumps(asdict(config.limits), sort_keys=True)
        )


def _reference(
    assignments: dict[str, Assignment],
    pool: SandboxPool,
    cache: GradingCache,
    config: GradingConfig,
    progress: Progress,
    run_keys: RunKeys,
) -> dict[str, list[Any]]:
    expected: dict[str, list[Any]] = {}
    for assignment_id, assignment in assignments.items():
        key = cache_key("reference", assignment.fingerprint, run_keys.data_folder, run_keys.limits)
        values = cache.get(key)
        if values is None:
            progress(f"running the reference solution of {assignment_id} ...")
            with pool.sandbox() as sandbox:
                values = reference_values(assignment, sandbox, config.limits)
            cache.put(key, values)
        expected[assignment_id] = values
    return expected


def prepare(
    assignments: dict[str, Assignment],
    reference: dict[str, list[Any]],
    submissions: list[Submission],
    solutions_dir: Path,
) -> dict[str, PreparedAssignment]:
    """Each assignment with its reference values, where a probe has per-student values
    replaced by a table of the students of ``submissions``."""
    prepared = {}
    for assignment_id, assignment in assignments.items():
        expected = reference[assignment_id]
        hidden = solutions_dir / assignment_id / "hidden_checks.py"
        if hidden.is_file():
            students = [s.student for s in submissions if s.assignment == assignment_id]
            expected = with_student_values(
                assignment, hidden, expected, students, REFERENCE_STUDENT
            )
        prepared[assignment_id] = PreparedAssignment(assignment, expected)
    return prepared


class Tally:
    """The results of a run as they come, with one progress line each."""

    def __init__(self, total: int, progress: Progress) -> None:
        self.total = total
        self.progress = progress
        self.results: list[SubmissionResult] = []

    def report(self, result: SubmissionResult, note: str) -> None:
        self.results.append(result)
        self.progress(
            f"[{len(self.results)}/{self.total}] {result.student} {result.assignment}: "
            f"{result.total:g}/{result.max_total:g} ({note})"
        )


def _still_to_grade(
    submissions: list[Submission],
    prepared: dict[str, PreparedAssignment],
    cache: GradingCache,
    run_keys: RunKeys,
    tally: Tally,
) -> tuple[list[GradingTask], dict[int, str]]:
    """The notebooks to grade, with their cache keys; missing and cached ones are reported."""
    tasks: list[GradingTask] = []
    keys: dict[int, str] = {}
    for index, sub in enumerate(submissions):
        spec = prepared[sub.assignment]
        if sub.path is None:
            result = not_graded(
                sub.student,
                spec.assignment,
                sub.missing_code,
                sub.missing_reason,
                sandbox_description(),
            )
            tally.report(result, "missing")
            continue
        data = sub.path.read_bytes()
        # The values this student's notebook is compared with: with per-student
        # values, only their own, so a classmate added to the class changes no key.
        keys[index] = submission_key(
            data,
            sub.student,
            spec.assignment.fingerprint,
            spec.expected_for(sub.student),
            run_keys.data_folder,
            run_keys.limits,
        )
        cached = cache.get(keys[index])
        if cached is not None:
            tally.report(SubmissionResult.from_json(cached), "cached")
            continue
        tasks.append(GradingTask(index, sub.student, sub.assignment, data))
    return tasks, keys


# Every submission's result (by student, then assignment) and the assignments, by id.
ClassResults = tuple[list[SubmissionResult], dict[str, Assignment]]


def grade_class(
    submissions: list[Submission],
    solutions_dir: Path,
    config: GradingConfig,
    *,
    progress: Progress = print_progress,
    engine: EngineFactory = make_engine,
) -> ClassResults:
    """Grade every submission; one failure never stops or changes the others.

    ``engine`` makes the engine from the configuration and this run's sandbox pool
    (which also runs the reference solutions); the default is :func:`make_engine`.
    """
    cache = GradingCache(config.cache_dir)
    assignments = {
        a: load_assignment(solutions_dir, a) for a in sorted({s.assignment for s in submissions})
    }
    started = time.perf_counter()
    tally = Tally(len(submissions), progress)
    run_keys = RunKeys.of(config)
    with SandboxPool(config) as pool:
        reference = _reference(assignments, pool, cache, config, progress, run_keys)
        prepared = prepare(assignments, reference, submissions, solutions_dir)
        tasks, keys = _still_to_grade(submissions, prepared, cache, run_keys, tally)
        for task, result, final in engine(config, pool).grade(Batch(tasks, prepared)):
            if final:
                cache.put(keys[task.index], result.to_json())
            tally.report(result, f"{result.seconds:.1f} s")
    progress(
        f"graded {len(submissions)} submission(s) in {time.perf_counter() - started:.1f} s "
        f"with {config.jobs} job(s)"
    )
    results = sorted(tally.results, key=lambda r: (r.student, r.assignment))
    return results, assignments
