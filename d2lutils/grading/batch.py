"""Grading a class: find the submissions, grade them in parallel, cache what is unchanged."""
from __future__ import annotations

import hashlib
import json
import queue
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import d2lutils

from .assignment import Assignment, load_assignment
from .grade import SubmissionResult, grade_submission, reference_values, zero_result
from .sandbox import Limits, close_warm_sandboxes


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
        raise FileNotFoundError(f"submissions folder {root} does not exist")
    flat = sorted(p for p in root.iterdir() if p.suffix == ".ipynb" and p.is_file())
    if flat:
        if len(assignment_ids) != 1:
            raise ValueError(f"{root} holds <student>.ipynb files: name exactly one assignment "
                             "with --assignment")
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
                why = (f"no notebook submitted (expected {assignment_id}/{assignment_id}.ipynb)"
                       if not notebooks else
                       f"{len(notebooks)} notebooks in {assignment_id}/ and none named {assignment_id}.ipynb")
                submissions.append(Submission(student.name, assignment_id, None, why))
    return submissions


class GradingCache:
    """Results on disk keyed by content: a re-run skips what has not changed."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path | None:
        return None if self.folder is None else self.folder / f"{key}.json"

    def get(self, key: str) -> Any:
        path = self._path(key)
        if path is None or not path.exists():
            return None
        try:
            return json.loads(path.read_text())
        except ValueError:
            return None

    def put(self, key: str, value: Any) -> None:
        path = self._path(key)
        if path is not None:
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(value))
            tmp.replace(path)


def _key(*parts: bytes | str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


def grade_class(submissions: list[Submission], solutions_dir: Path, jobs: int,
                limits: Limits = Limits(), data_dir: Path | None = None,
                cache_dir: Path | None = None,
                progress: Callable[[str], None] = lambda line: print(line, file=sys.stderr)
                ) -> tuple[list[SubmissionResult], dict[str, Assignment]]:
    """Grade every submission; one failure never stops or changes the others."""
    cache = GradingCache(cache_dir)
    limits_key = json.dumps(asdict(limits), sort_keys=True)
    assignments = {a: load_assignment(solutions_dir, a) for a in sorted({s.assignment for s in submissions})}
    expected: dict[str, list[Any]] = {}
    for assignment_id, assignment in assignments.items():
        key = _key("reference", assignment.fingerprint, d2lutils.__version__, str(data_dir))
        values = cache.get(key)
        if values is None:
            progress(f"running the reference solution of {assignment_id} ...")
            values = reference_values(assignment, limits, data_dir)
            cache.put(key, values)
        expected[assignment_id] = values

    slots: "queue.Queue[int]" = queue.Queue()
    for slot in range(jobs):
        slots.put(slot)

    def grade_one(sub: Submission) -> tuple[SubmissionResult, bool]:
        assignment = assignments[sub.assignment]
        if sub.path is None:
            return zero_result(sub.student, assignment, f"not graded: {sub.missing_reason}"), False
        data = sub.path.read_bytes()
        key = _key("submission", assignment.fingerprint, limits_key, data)
        cached = cache.get(key)
        if cached is not None:
            result = SubmissionResult.from_json(cached)
            result.student = sub.student
            return result, True
        slot = slots.get()
        try:
            result = grade_submission(sub.student, data, assignment, expected[sub.assignment],
                                      limits, slot, data_dir)
        finally:
            slots.put(slot)
        cache.put(key, result.to_json())
        return result, False

    results: list[SubmissionResult] = []
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(grade_one, sub): sub for sub in submissions}
        for done, future in enumerate(as_completed(futures), start=1):
            sub = futures[future]
            try:
                result, was_cached = future.result()
            except Exception as err:  # a grader bug must not cost the rest of the class
                result, was_cached = zero_result(
                    sub.student, assignments[sub.assignment],
                    f"not graded: internal grader error ({type(err).__name__}: {err}); "
                    "please report it"), False
            results.append(result)
            note = "cached" if was_cached else f"{result.seconds:.1f} s"
            progress(f"[{done}/{len(submissions)}] {sub.student} {sub.assignment}: "
                     f"{result.total:g}/{result.max_total:g} ({note})")
    close_warm_sandboxes()
    progress(f"graded {len(submissions)} submission(s) in {time.perf_counter() - started:.1f} s "
             f"with {jobs} job(s)")
    results.sort(key=lambda r: (r.student, r.assignment))
    return results, assignments
