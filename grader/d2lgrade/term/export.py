"""Final points in the import formats of two LMSs, one row per roster student.

Canvas (Gradebook, Import): the columns ``Student``, ``ID`` (Canvas's user id: the
roster's ``lms_id``), ``SIS User ID`` (the roster's ``student_id``), ``SIS Login ID``
(its ``email``), ``Section``, then one column per assignment named as the Canvas
gradebook names it (``Name (assignment id)``; set ``canvas_column`` in course.toml, else
the assignment id, which Canvas offers to create), and a ``Points Possible`` row first.

Moodle (Grades, Import, CSV file): ``First name``, ``Last name``, ``ID number``,
``Email address`` (map one of them to the user in the import form), then one column per
assignment, mapped to a grade item in the same form.

Only the final points (after the late policy) leave; students not on the roster stay
out (the LMS could not match them) and are returned for the caller to report.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ..assignment import load_assignment
from ..errors import GradingError
from .course_file import COURSE_FILE_NAME, CourseFile, find_course_file
from .roster import Roster, Student, read_roster

FINAL = ":final"


@dataclass(frozen=True)
class FinalPoints:
    """The term gradebook's final points per student and assignment, and each
    assignment's maximum."""

    points: dict[str, dict[str, str]]
    max_points: dict[str, float]


def read_final_points(gradebook: Path, solutions: Path) -> FinalPoints:
    """The ``<assignment>:final`` columns of a gradebook written with a course file."""
    try:
        with gradebook.open(newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            rows = list(reader)
    except OSError as err:
        raise GradingError(f"{gradebook}: cannot read the gradebook ({err})") from None
    assignments = [c[: -len(FINAL)] for c in header if c.endswith(FINAL)]
    if not assignments:
        raise GradingError(
            f"{gradebook}:1: header: no <assignment>:final columns; grade with a course "
            "file (course.toml) first"
        )
    points = {r["student"]: {a: r[f"{a}{FINAL}"] for a in assignments} for r in rows}
    return FinalPoints(points, {a: load_assignment(solutions, a).max_points for a in assignments})


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.strip().rpartition(" ")
    return (first, last) if first else (last, "")


def _selected(roster: Roster, section: str | None) -> list[Student]:
    students = [s for s in roster.students if section is None or s.section == section]
    if not students:
        raise GradingError(f"no roster student in section {section!r}")
    return students


def write_canvas(
    finals: FinalPoints, course: CourseFile, roster: Roster, path: Path, section: str | None
) -> list[str]:
    """Write a Canvas gradebook import CSV; the graded ids not on the roster."""
    assignments = list(finals.max_points)
    columns = [
        course.assignments[a].canvas_column
        if a in course.assignments and course.assignments[a].canvas_column
        else a
        for a in assignments
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *columns])
        writer.writerow(
            ["Points Possible", "", "", "", "", *(f"{finals.max_points[a]:g}" for a in assignments)]
        )
        for s in _selected(roster, section):
            marks = finals.points.get(s.student_id, {})
            writer.writerow(
                [s.name, s.lms_id, s.student_id, s.email, s.section]
                + [marks.get(a, "0") for a in assignments]
            )
    return sorted(set(finals.points) - set(roster.by_id()))


def write_moodle(finals: FinalPoints, roster: Roster, path: Path, section: str | None) -> list[str]:
    """Write a Moodle grade import CSV; the graded ids not on the roster."""
    assignments = list(finals.max_points)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["First name", "Last name", "ID number", "Email address", *assignments])
        for s in _selected(roster, section):
            marks = finals.points.get(s.student_id, {})
            writer.writerow(
                [*_split_name(s.name), s.student_id, s.email]
                + [marks.get(a, "0") for a in assignments]
            )
    return sorted(set(finals.points) - set(roster.by_id()))


def export_grades(
    course_root: Path,
    course_file: Path | None,
    gradebook: Path,
    lms: str,
    out: Path,
    section: str | None,
) -> list[str]:
    """Write ``gradebook``'s final points for ``lms`` (``canvas`` or ``moodle``) to ``out``;
    the graded ids not on the roster, which the file leaves out."""
    course = find_course_file(course_root, course_file)
    if course is None:
        raise GradingError(
            f"no course file: export needs the roster of {course_root / COURSE_FILE_NAME} "
            "(or --course-file PATH)"
        )
    roster = read_roster(course.roster)
    finals = read_final_points(gradebook, course_root / "solutions")
    out.parent.mkdir(parents=True, exist_ok=True)
    if lms == "canvas":
        return write_canvas(finals, course, roster, out, section)
    return write_moodle(finals, roster, out, section)
