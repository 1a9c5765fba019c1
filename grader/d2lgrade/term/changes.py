"""What changed since the last run: the previous gradebook is kept and compared cell by cell.

A regrade request needs the answer to "what did this run change, and why": each change
names the student, the column (a task, a late penalty or the total), the old and new
points and the reason (the task's verdict now, the lateness before and after).
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..results import SubmissionResult

PREVIOUS_SUFFIX = ".previous.csv"
IDENTITY_COLUMNS = {"student", "name", "email", "section", "lms_id", "sandbox", "notes"}


@dataclass(frozen=True)
class Change:
    """One cell of the gradebook that a run changed."""

    student: str
    column: str
    old: str
    new: str
    why: str


def keep_previous(gradebook: Path) -> Path | None:
    """Copy the gradebook about to be overwritten to ``<name>.previous.csv``; None when
    there is none yet (a first run)."""
    if not gradebook.is_file():
        return None
    previous = gradebook.with_suffix(PREVIOUS_SUFFIX)
    shutil.copyfile(gradebook, previous)
    return previous


def task_verdicts(results: list[SubmissionResult]) -> dict[tuple[str, str], str]:
    """``(student, "assignment:task")`` to a short verdict of this run, for the reasons."""
    verdicts = {}
    for result in results:
        for task_id, task in result.tasks.items():
            why = "passes" if task.passed else "fails: " + ", ".join(task.failures or ["failed"])
            verdicts[(result.student, f"{result.assignment}:{task_id}")] = why
    return verdicts


def _read(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


def _points_column(column: str) -> bool:
    if column in IDENTITY_COLUMNS or column in ("max_total", "on_roster"):
        return False
    part = column.rsplit(":", 1)[-1]
    return part not in ("lateness", "raw", "final", "total") or column == "total"


def diff_gradebooks(
    previous: Path, current: Path, verdicts: dict[tuple[str, str], str]
) -> list[Change]:
    """The point cells (tasks, penalties, the total) that differ between two gradebooks."""
    old_rows, new_rows = _read(previous), _read(current)
    changes = []
    for student in sorted(old_rows.keys() | new_rows.keys()):
        old, new = old_rows.get(student, {}), new_rows.get(student, {})
        columns = [c for c in (new or old) if _points_column(c)]
        for column in columns:
            before, after = old.get(column, ""), new.get(column, "")
            if before == after:
                continue
            if not old:
                why = "not in the previous gradebook"
            elif not new:
                why = "not in this run's gradebook"
            elif column.endswith(":penalty"):
                lateness = column.rsplit(":", 1)[0] + ":lateness"
                why = f"lateness {old.get(lateness, '?')} -> {new.get(lateness, '?')}"
            elif column == "total":
                why = "the changes above"
            else:
                why = verdicts.get((student, column), "regraded")
            changes.append(Change(student, column, before, after, why))
    return changes


def write_changes(changes: list[Change], path: Path) -> None:
    """``changes.csv``: student, column, old, new, why; only the header when nothing changed."""
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "column", "old", "new", "why"])
        for change in changes:
            writer.writerow([change.student, change.column, change.old, change.new, change.why])
