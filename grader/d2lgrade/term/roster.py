"""The roster: who is in the course, read from a CSV file that one bad line cannot spoil.

Columns (a header row names them, any order): ``student_id`` (the id submissions are
filed under: nbgrader's folder name, ``set_student_id``'s value), ``name``, ``email``,
``section`` and ``lms_id`` (the LMS's user id: Canvas's numeric id, which its
submission downloads carry). Only ``student_id`` must be filled in.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .course_file import CourseFileError

COLUMNS = ("student_id", "name", "email", "section", "lms_id")


@dataclass(frozen=True)
class Student:
    """One roster line."""

    student_id: str
    name: str = ""
    email: str = ""
    section: str = ""
    lms_id: str = ""


@dataclass
class Roster:
    """The students in roster order, and one line per roster line that was skipped."""

    students: list[Student]
    problems: list[str]

    def by_id(self) -> dict[str, Student]:
        return {s.student_id: s for s in self.students}

    def by_lms_id(self) -> dict[str, Student]:
        return {s.lms_id: s for s in self.students if s.lms_id}


def read_roster(path: Path) -> Roster:
    """Read ``path``; a malformed line is reported (file, line, field) and skipped.

    Raises :class:`CourseFileError` only when the file as a whole is unusable: unreadable,
    or without a header that names ``student_id``.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise CourseFileError(f"{path}: cannot read the roster ({err})") from None
    reader = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(reader, [])]
    if "student_id" not in header:
        raise CourseFileError(
            f"{path}:1: student_id: the header row must name the columns "
            f"({', '.join(COLUMNS)}); got {header!r}"
        )
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise CourseFileError(
            f"{path}:1: {unknown[0]}: unknown column; expected {', '.join(COLUMNS)}"
        )
    students: list[Student] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for line_number, fields in enumerate(reader, start=2):
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            problems.append(
                f"{path}:{line_number}: {len(fields)} fields where the header has "
                f"{len(header)}; line skipped"
            )
            continue
        values = {h: f.strip() for h, f in zip(header, fields)}
        student_id = values["student_id"]
        if not student_id:
            problems.append(f"{path}:{line_number}: student_id: empty; line skipped")
            continue
        if student_id in seen:
            problems.append(
                f"{path}:{line_number}: student_id: {student_id!r} already on line "
                f"{seen[student_id]}; line skipped"
            )
            continue
        seen[student_id] = line_number
        students.append(Student(**{c: values.get(c, "") for c in COLUMNS}))
    return Roster(students, problems)
