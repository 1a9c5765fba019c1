"""One ``d2l-grade grade`` run with the term around it: collect, then write.

``collect`` finds the course file and roster, reads the submissions (a folder or a
Canvas zip) and their times; ``write_gradebook_and_changes`` writes the gradebook
(the term's when there is a course file, the plain one otherwise), keeps the previous
one and writes ``changes.csv``. Every non-fatal problem lands in ``problems.txt``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path

from ..assignment import Assignment
from ..batch import Submission, find_submissions
from ..errors import SubmissionsNotFoundError
from ..report import write_gradebook
from ..results import SubmissionResult
from .changes import diff_gradebooks, keep_previous, task_verdicts, write_changes
from .course_file import CourseFile, find_course_file
from .gradebook import term_rows, write_term_gradebook
from .lateness import LATE, TOO_LATE
from .roster import Roster, read_roster
from .submissions_in import Times, csv_times, nbgrader_times, read_canvas_zip

CANVAS_FOLDER = ".canvas"


@dataclass
class TermRun:
    """What a run grades and what it knows about the term."""

    submissions: list[Submission]
    course: CourseFile | None = None
    roster: Roster | None = None
    times: Times = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def collect(
    course_root: Path,
    source: Path,
    assignment_ids: list[str],
    out: Path,
    course_file: Path | None = None,
    times_csv: Path | None = None,
) -> TermRun:
    """Read the course file (if any), the roster, the submissions and their times."""
    course = find_course_file(course_root, course_file)
    run = TermRun([], course)
    if course is not None:
        run.roster = read_roster(course.roster)
        run.problems += run.roster.problems
    zone = course.time_zone if course is not None else timezone.utc
    if source.suffix.lower() == ".zip":
        if len(assignment_ids) != 1:
            raise SubmissionsNotFoundError(
                f"{source} is a Canvas download: name its assignment with --assignment ID"
            )
        download = read_canvas_zip(
            source,
            assignment_ids[0],
            run.roster,
            out / CANVAS_FOLDER / assignment_ids[0],
            run.problems,
        )
        run.submissions, run.times = download.submissions, download.times
    else:
        run.submissions = find_submissions(source, assignment_ids)
        run.times = nbgrader_times(run.submissions, zone, run.problems)
    if times_csv is not None:
        if len(assignment_ids) != 1:
            raise SubmissionsNotFoundError("--times needs exactly one --assignment")
        # An exact time from the instructor overrides an LMS's late marker.
        run.times.update(csv_times(times_csv, assignment_ids[0], zone, run.problems))
    return run


def write_gradebook_and_changes(
    run: TermRun,
    results: list[SubmissionResult],
    assignments: dict[str, Assignment],
    out: Path,
) -> int:
    """Write ``gradebook.csv``, ``changes.csv`` and ``problems.txt``; the number of changes.

    A late result gets a note with its penalty, for the feedback pages written next.
    """
    gradebook = out / "gradebook.csv"
    previous = keep_previous(gradebook)
    if run.course is not None and run.roster is not None:
        rows = term_rows(results, assignments, run.course, run.roster, run.times, run.problems)
        write_term_gradebook(rows, assignments, gradebook)
        # The student's feedback page shows the penalty too (after the gradebook's notes).
        by_student = {row.student.student_id: row for row in rows}
        for result in results:
            entry = by_student[result.student].entries[result.assignment]
            if entry.lateness.status in (LATE, TOO_LATE):
                result.notes.append(
                    f"{entry.lateness.describe()}: {entry.final:g} of the {entry.raw:g} "
                    "points count"
                )
    else:
        write_gradebook(results, assignments, gradebook)
    changes = diff_gradebooks(previous, gradebook, task_verdicts(results)) if previous else []
    write_changes(changes, out / "changes.csv")
    (out / "problems.txt").write_text("".join(f"{p}\n" for p in run.problems), encoding="utf-8")
    return len(changes)
