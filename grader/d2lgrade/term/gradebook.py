"""The term's gradebook: per assignment the task points, raw points, lateness, penalty and
final points side by side, one row per roster student (plus anyone else who submitted).

A roster student with nothing handed in has 0 and ``missing``; a submission from an id
not on the roster is graded, kept, marked ``on_roster = no`` and reported.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from ..assignment import Assignment
from ..results import FailureCode, SubmissionResult
from .course_file import CourseFile
from .lateness import MISSING, Lateness, judge_lateness
from .roster import Roster, Student
from .submissions_in import Times

NO_DUE_DATE = "no due date"


@dataclass
class TermEntry:
    """One student's result on one assignment, before and after the late policy."""

    tasks: dict[str, float]
    raw: float
    lateness: Lateness
    final: float


@dataclass
class TermRow:
    """One gradebook row."""

    student: Student
    on_roster: bool
    entries: dict[str, TermEntry] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(e.final for e in self.entries.values())


def _lateness(
    result: SubmissionResult, course: CourseFile, times: Times, on_roster: bool
) -> Lateness:
    """How late ``result``'s notebook came, under the course's deadlines and policy
    (extensions apply to students on the roster only)."""
    dates = course.assignments.get(result.assignment)
    if result.code is FailureCode.NOT_SUBMITTED:
        return Lateness(MISSING)
    if dates is None:
        return Lateness(NO_DUE_DATE)
    when = times.get((result.student, result.assignment))
    return judge_lateness(
        when.time if when else None,
        dates.due,
        course.extension(result.student, result.assignment) if on_roster else timedelta(0),
        course.late_policy,
        marked_late=when.marked_late if when else None,
    )


def term_rows(
    results: list[SubmissionResult],
    assignments: dict[str, Assignment],
    course: CourseFile,
    roster: Roster,
    times: Times,
    problems: list[str],
) -> list[TermRow]:
    """Apply the course's deadlines and late policy to this run's results.

    Appends to ``problems`` one line per student not on the roster and per assignment
    without a due date in the course file.
    """
    known = roster.by_id()
    rows = {s.student_id: TermRow(s, True) for s in roster.students}
    for assignment_id in assignments:
        if assignment_id not in course.assignments:
            problems.append(
                f"{course.path}: assignments.{assignment_id}: no due date, so no late "
                "policy applies to it"
            )
    for result in results:
        if result.student not in rows:
            rows[result.student] = TermRow(Student(result.student), False)
            problems.append(
                f"{result.student}: not on the roster {course.roster.name}; graded and kept "
                "in the gradebook with on_roster = no"
            )
        row = rows[result.student]
        lateness = _lateness(result, course, times, result.student in known)
        row.entries[result.assignment] = TermEntry(
            {t: r.points for t, r in result.tasks.items()},
            result.total,
            lateness,
            lateness.final_points(result.total),
        )
        row.notes += [f"{result.assignment}: {n}" for n in result.notes]
    for row in rows.values():
        for assignment_id, assignment in assignments.items():
            if assignment_id not in row.entries:
                row.entries[assignment_id] = TermEntry(
                    dict.fromkeys(assignment.tasks, 0.0), 0.0, Lateness(MISSING), 0.0
                )
                row.notes.append(f"{assignment_id}: nothing handed in")
    return sorted(rows.values(), key=lambda r: (not r.on_roster, r.student.student_id))


def term_columns(assignments: dict[str, Assignment]) -> list[str]:
    """The gradebook's header: identity, then per assignment its tasks and the four
    late-policy columns, then the totals."""
    columns = ["student", "name", "email", "section", "lms_id"]
    for assignment_id, assignment in assignments.items():
        columns += [f"{assignment_id}:{task}" for task in assignment.tasks]
        columns += [f"{assignment_id}:{part}" for part in ("raw", "lateness", "penalty", "final")]
    return [*columns, "total", "max_total", "on_roster", "notes"]


def write_term_gradebook(
    rows: list[TermRow], assignments: dict[str, Assignment], path: Path
) -> None:
    """Write ``rows`` as CSV with :func:`term_columns`."""
    max_total = sum(a.max_points for a in assignments.values())
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(term_columns(assignments))
        for row in rows:
            s = row.student
            cells = [s.student_id, s.name, s.email, s.section, s.lms_id]
            for assignment_id, assignment in assignments.items():
                entry = row.entries[assignment_id]
                cells += [f"{entry.tasks.get(task, 0.0):g}" for task in assignment.tasks]
                cells += [
                    f"{entry.raw:g}",
                    entry.lateness.describe(),
                    f"{entry.raw - entry.final:g}",
                    f"{entry.final:g}",
                ]
            cells += [
                f"{row.total:g}",
                f"{max_total:g}",
                "yes" if row.on_roster else "no",
                " | ".join(row.notes),
            ]
            writer.writerow(cells)
