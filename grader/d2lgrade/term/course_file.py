"""``course.toml``: the roster, each assignment's due date, the late policy and extensions.

Example (every key is described in README, "A whole term")::

    roster = "roster.csv"               # relative to this file
    time_zone = "America/Chicago"       # IANA name; the default for every due date

    [late_policy]
    grace_minutes = 15                  # later than this counts as late
    penalty_percent = 10                # of the raw points, per started day or hour
    per = "day"                         # "day" or "hour"
    max_penalty_percent = 50            # the cap
    last_day = 7                        # days after the due date; later earns 0

    [assignments.ex2_1]
    due = 2026-09-18T23:59:00           # local time in the assignment's time zone
    time_zone = "Europe/Berlin"         # optional, overrides the course's
    canvas_column = "ex2_1 (123456)"    # optional, the Canvas gradebook column to fill

    [[extensions]]
    student = "s1001"
    assignment = "ex2_1"                # or "*" for every assignment
    days = 3                            # and/or hours = ...

A mistake is a :class:`CourseFileError` whose one line names the file, the line and
the field.
"""

from __future__ import annotations

import contextlib
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import GradingError

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

COURSE_FILE_NAME = "course.toml"
UNITS = {"day": timedelta(days=1), "hour": timedelta(hours=1)}


class CourseFileError(GradingError):
    """``course.toml`` (or a file it names) is malformed; the message says where and what."""


@dataclass(frozen=True)
class LatePolicy:
    """How late work loses points: a started ``unit`` past the grace period costs
    ``penalty_percent`` of the raw points, up to ``max_penalty_percent``; work handed
    in more than ``last_day`` after the due date earns nothing."""

    grace: timedelta = timedelta(0)
    penalty_percent: float = 0.0
    unit: timedelta = timedelta(days=1)
    max_penalty_percent: float = 100.0
    last_day: timedelta | None = None


@dataclass(frozen=True)
class AssignmentDates:
    """One assignment's due date (aware) and its optional Canvas gradebook column."""

    assignment: str
    due: datetime
    canvas_column: str = ""


@dataclass(frozen=True)
class CourseFile:
    """Everything ``course.toml`` says, checked."""

    path: Path
    roster: Path
    time_zone: tzinfo
    late_policy: LatePolicy
    assignments: dict[str, AssignmentDates]
    extensions: dict[tuple[str, str], timedelta] = field(default_factory=dict)

    def extension(self, student: str, assignment: str) -> timedelta:
        """The extra time ``student`` has for ``assignment`` (an ``"*"`` extension counts too)."""
        return self.extensions.get((student, assignment), timedelta(0)) + self.extensions.get(
            (student, "*"), timedelta(0)
        )


def key_line(text: str, table: str, key: str) -> int:
    """The line (from 1) where ``key`` is set in ``table`` (``""`` for the top level,
    ``"extensions#2"`` for the third ``[[extensions]]``); the table's header line, or 1,
    when the key is absent."""
    current, header_line = "", 1
    seen_arrays: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        array = re.fullmatch(r"\[\[\s*([^\]]+?)\s*\]\](\s*#.*)?", stripped)
        plain = re.fullmatch(r"\[\s*([^\]]+?)\s*\](\s*#.*)?", stripped)
        if array:
            name = array.group(1)
            index = seen_arrays.get(name, -1) + 1
            seen_arrays[name] = index
            current = f"{name}#{index}"
        elif plain:
            current = plain.group(1).replace('"', "")
        else:
            if current == table and re.match(rf"""["']?{re.escape(key)}["']?\s*=""", stripped):
                return number
            continue
        if current == table:
            header_line = number
    return header_line


class _Reader:
    """Typed access to the parsed TOML that turns every mistake into a located error."""

    def __init__(self, path: Path, text: str) -> None:
        self.path, self.text = path, text

    def fail(self, table: str, key: str, message: str) -> CourseFileError:
        line = key_line(self.text, table, key)
        where = f"{table.split('#')[0]}.{key}" if table else key
        return CourseFileError(f"{self.path}:{line}: {where}: {message}")

    def number(self, data: dict[str, Any], table: str, key: str, default: float) -> float:
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise self.fail(table, key, f"expected a number >= 0, got {value!r}")
        return float(value)

    def text_value(self, data: dict[str, Any], table: str, key: str, default: str | None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or not value:
            raise self.fail(table, key, f"expected a non-empty string, got {value!r}")
        return value

    def zone(self, data: dict[str, Any], table: str, default: tzinfo | None) -> tzinfo:
        if "time_zone" not in data and default is not None:
            return default
        name = self.text_value(data, table, "time_zone", None)
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.fail(
                table,
                "time_zone",
                f"unknown time zone {name!r} (use an IANA name such as 'Europe/Berlin' or 'UTC')",
            ) from None

    def table(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail("", key, f"expected a table [{key}], got {value!r}")
        return value


def _late_policy(reader: _Reader, data: dict[str, Any]) -> LatePolicy:
    table = "late_policy"
    known = {"grace_minutes", "penalty_percent", "per", "max_penalty_percent", "last_day"}
    for key in data:
        if key not in known:
            raise reader.fail(
                table, key, f"unknown key; expected one of {', '.join(sorted(known))}"
            )
    per = data.get("per", "day")
    if per not in UNITS:
        raise reader.fail(table, "per", f'expected "day" or "hour", got {per!r}')
    cap = reader.number(data, table, "max_penalty_percent", 100.0)
    if cap > 100:
        raise reader.fail(table, "max_penalty_percent", f"at most 100, got {cap:g}")
    last_day = data.get("last_day")
    return LatePolicy(
        grace=timedelta(minutes=reader.number(data, table, "grace_minutes", 0.0)),
        penalty_percent=reader.number(data, table, "penalty_percent", 0.0),
        unit=UNITS[per],
        max_penalty_percent=cap,
        last_day=None
        if last_day is None
        else timedelta(days=reader.number(data, table, "last_day", 0.0)),
    )


def _assignments(
    reader: _Reader, data: dict[str, Any], default_zone: tzinfo
) -> dict[str, AssignmentDates]:
    found = {}
    for assignment_id, entry in data.items():
        table = f"assignments.{assignment_id}"
        if not isinstance(entry, dict):
            raise reader.fail("assignments", assignment_id, "expected a table with due = ...")
        due = entry.get("due")
        if isinstance(due, str):
            with contextlib.suppress(ValueError):  # a quoted date is accepted too
                due = datetime.fromisoformat(due)
        if not isinstance(due, datetime):
            raise reader.fail(
                table, "due", f"expected a date and time such as 2026-09-18T23:59:00, got {due!r}"
            )
        zone = reader.zone(entry, table, default_zone)
        column = entry.get("canvas_column", "")
        if not isinstance(column, str):
            raise reader.fail(table, "canvas_column", f"expected a string, got {column!r}")
        aware = due if due.tzinfo is not None else due.replace(tzinfo=zone)
        found[assignment_id] = AssignmentDates(assignment_id, aware, column)
    return found


def _extensions(
    reader: _Reader, entries: Any, assignments: dict[str, AssignmentDates]
) -> dict[tuple[str, str], timedelta]:
    if not isinstance(entries, list):
        raise reader.fail("", "extensions", "expected [[extensions]] tables")
    granted: dict[tuple[str, str], timedelta] = {}
    for index, entry in enumerate(entries):
        table = f"extensions#{index}"
        student = reader.text_value(entry, table, "student", None)
        assignment = reader.text_value(entry, table, "assignment", None)
        if assignment != "*" and assignment not in assignments:
            raise reader.fail(
                table, "assignment", f"{assignment!r} has no [assignments.{assignment}] table"
            )
        extra = timedelta(
            days=reader.number(entry, table, "days", 0.0),
            hours=reader.number(entry, table, "hours", 0.0),
        )
        if not extra:
            key = "hours" if "hours" in entry else "days"
            raise reader.fail(table, key, "an extension needs days = N or hours = N above 0")
        granted[(student, assignment)] = granted.get((student, assignment), timedelta(0)) + extra
    return granted


def load_course_file(path: Path) -> CourseFile:
    """Read and check ``course.toml``; the roster it names must exist."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise CourseFileError(f"{path}: cannot read the course file ({err})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise CourseFileError(f"{path}: not valid TOML: {err}") from None
    reader = _Reader(path, text)
    known = {"roster", "time_zone", "late_policy", "assignments", "extensions"}
    for key in data:
        if key not in known:
            raise reader.fail("", key, f"unknown key; expected one of {', '.join(sorted(known))}")
    roster = path.parent / reader.text_value(data, "", "roster", None)
    if not roster.is_file():
        raise reader.fail("", "roster", f"no roster file at {roster}")
    zone = reader.zone(data, "", ZoneInfo("UTC"))
    assignments = _assignments(reader, reader.table(data, "assignments"), zone)
    extensions = _extensions(reader, data.get("extensions", []), assignments)
    return CourseFile(
        path,
        roster,
        zone,
        _late_policy(reader, reader.table(data, "late_policy")),
        assignments,
        extensions,
    )


def find_course_file(course_root: Path, explicit: Path | None) -> CourseFile | None:
    """The course file named on the command line, else ``course.toml`` in the course
    folder, else None (grading then works as without a term)."""
    if explicit is not None:
        return load_course_file(explicit)
    default = course_root / COURSE_FILE_NAME
    return load_course_file(default) if default.is_file() else None
