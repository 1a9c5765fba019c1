"""Points per task, decided in the grader's own process from plain data only."""
from __future__ import annotations

import math
from typing import Any

from .assignment import Assignment
from .execution import RunOutcome
from .protocol import ARRAY_KEY
from .results import TaskResult


def _describe(value: Any) -> str:
    if isinstance(value, dict) and ARRAY_KEY in value:
        meta = value[ARRAY_KEY]
        return f"{meta['kind']} array of shape {tuple(meta['shape'])}"
    return type(value).__name__


def _numbers_close(a: float, b: float, rtol: float, atol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * abs(b)


def compare(student: Any, reference: Any, rtol: float = 1e-4, atol: float = 1e-6,
            path: str = "result") -> str | None:
    """``None`` when ``student`` matches ``reference``, else a short reason."""
    import numpy as np

    if isinstance(reference, dict) and ARRAY_KEY in reference:
        if not (isinstance(student, dict) and ARRAY_KEY in student):
            return f"{path}: expected {_describe(reference)}, got {_describe(student)}"
        ref, got = reference[ARRAY_KEY], student[ARRAY_KEY]
        if ref["kind"] != got["kind"] or list(ref["shape"]) != list(got["shape"]):
            return f"{path}: expected {_describe(reference)}, got {_describe(student)}"
        try:
            want = np.asarray(ref["data"], dtype=float)
            have = np.asarray(got["data"], dtype=float)
        except (TypeError, ValueError):
            return f"{path}: array data is malformed"
        if want.shape != have.shape:
            return f"{path}: array data is malformed"
        if ref["kind"] == "float":
            same = np.isclose(have, want, rtol=rtol, atol=atol, equal_nan=True)
        else:
            same = have == want
        if not np.all(same):
            return f"{path}: {int(np.sum(~same))} of {want.size} values differ"
        return None
    if type(reference) is bool or type(student) is bool:
        return None if student is reference else f"{path}: values differ"
    if type(reference) in (int, float):
        if type(student) not in (int, float):
            return f"{path}: expected a number, got {_describe(student)}"
        return None if _numbers_close(float(student), float(reference), rtol, atol) else f"{path}: values differ"
    if type(reference) is list:
        if type(student) is not list or len(student) != len(reference):
            return f"{path}: expected a sequence of {len(reference)} items"
        for i, (s, r) in enumerate(zip(student, reference)):
            reason = compare(s, r, rtol, atol, f"{path}[{i}]")
            if reason:
                return reason
        return None
    if type(reference) is dict:
        if type(student) is not dict or set(student) != set(reference):
            return f"{path}: expected keys {sorted(reference)}"
        for key in reference:
            reason = compare(student[key], reference[key], rtol, atol, f"{path}[{key!r}]")
            if reason:
                return reason
        return None
    return None if type(student) is type(reference) and student == reference else f"{path}: values differ"


def score(assignment: Assignment, outcome: RunOutcome, task_cell: dict[str, int],
          tampered: dict[str, str], expected: list[Any]) -> dict[str, TaskResult]:
    """Points per task: its visible check passed and every hidden probe matched."""
    record = outcome.record
    results: dict[str, TaskResult] = {}
    for task_id, task in assignment.tasks.items():
        reason = tampered.get(task_id)
        if reason is None and record.interfered:
            reason = outcome.crash
        if reason is None:
            event = record.cells.get(task_cell[task_id])
            if event is None:
                reason = f"its checks never ran: {outcome.crash or 'the run stopped early'}"
            elif str(event.error).startswith("NotImplementedError"):
                reason = "not answered yet: the code still raises NotImplementedError"
            elif not event.ok:
                reason = f"visible check failed: {event.error}"
        if reason is None:
            probe_indices = assignment.probes_of(task_id)
            mismatched = 0
            for i in probe_indices:
                probe, got = assignment.probes[i], record.probes.get(i)
                if got is None or not got.ok:
                    mismatched += 1
                elif compare(got.value, expected[i], probe.rtol, probe.atol) is not None:
                    mismatched += 1
            if mismatched:
                reason = (f"visible check passed, but {mismatched} of {len(probe_indices)} hidden "
                          "checks (other inputs) gave results that differ from the reference")
        passed = reason is None
        results[task_id] = TaskResult(task.points if passed else 0.0, task.points, passed,
                                      "passed" if passed else str(reason))
    return results
