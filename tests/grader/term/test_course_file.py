"""``course.toml`` and the roster: what they give, and one-line errors that say where."""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from d2lgrade.term.course_file import CourseFileError, find_course_file, load_course_file
from d2lgrade.term.roster import read_roster

COURSE = textwrap.dedent("""\
    roster = "roster.csv"
    time_zone = "America/Chicago"

    [late_policy]
    grace_minutes = 15
    penalty_percent = 10
    per = "day"
    max_penalty_percent = 30
    last_day = 5

    [assignments.ex2_1]
    due = 2026-09-18T23:59:00

    [assignments.ex3_1]
    due = 2026-10-02T12:00:00
    time_zone = "Europe/Berlin"
    canvas_column = "ex3_1 (4711)"

    [[extensions]]
    student = "s1"
    assignment = "ex2_1"
    days = 2

    [[extensions]]
    student = "s1"
    assignment = "*"
    hours = 6
    """)
ROSTER = "student_id,name,email,section,lms_id\ns1,Ada Lovelace,ada@uni.edu,A,101\n"


def write(folder: Path, course: str = COURSE, roster: str = ROSTER) -> Path:
    (folder / "roster.csv").write_text(roster)
    path = folder / "course.toml"
    path.write_text(course)
    return path


def test_a_course_file_gives_aware_due_dates_policy_and_extensions(tmp_path):
    course = load_course_file(write(tmp_path))
    assert course.roster == tmp_path / "roster.csv"
    assert course.assignments["ex2_1"].due == datetime(
        2026, 9, 18, 23, 59, tzinfo=ZoneInfo("America/Chicago")
    )
    assert course.assignments["ex3_1"].due.utcoffset() == timedelta(hours=2)
    assert course.assignments["ex3_1"].canvas_column == "ex3_1 (4711)"
    policy = course.late_policy
    assert policy.grace == timedelta(minutes=15) and policy.unit == timedelta(days=1)
    assert (policy.penalty_percent, policy.max_penalty_percent) == (10, 30)
    assert policy.last_day == timedelta(days=5)
    assert course.extension("s1", "ex2_1") == timedelta(days=2, hours=6)
    assert course.extension("s1", "ex3_1") == timedelta(hours=6)
    assert course.extension("s2", "ex2_1") == timedelta(0)


def test_the_course_file_is_found_in_the_course_folder_or_named(tmp_path):
    assert find_course_file(tmp_path, None) is None
    write(tmp_path)
    assert find_course_file(tmp_path, None) is not None
    other = tmp_path / "elsewhere"
    other.mkdir()
    named = write(other)
    assert find_course_file(tmp_path / "nowhere", named).path == named


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ('per = "day"', 'per = "week"', ":7: late_policy.per: "),
        (
            'time_zone = "Europe/Berlin"',
            'time_zone = "Mars/Olympus"',
            ":16: assignments.ex3_1.time_zone: ",
        ),
        ("due = 2026-09-18T23:59:00", 'due = "next friday"', ":12: assignments.ex2_1.due: "),
        ("penalty_percent = 10", "penalty_percent = -10", ":6: late_policy.penalty_percent: "),
        (
            "max_penalty_percent = 30",
            "max_penalty_percent = 300",
            ":8: late_policy.max_penalty_percent: ",
        ),
        ('assignment = "*"', 'assignment = "ex9_9"', ":26: extensions.assignment: "),
        ("hours = 6", "hours = 0", ":27: extensions.hours: "),
        ('roster = "roster.csv"', 'roster = "nobody.csv"', ":1: roster: no roster file"),
        ("grace_minutes = 15", "grace_minute = 15", ":5: late_policy.grace_minute: unknown key"),
    ],
)
def test_a_mistake_is_one_line_naming_file_line_and_field(tmp_path, old, new, where):
    assert old in COURSE
    path = write(tmp_path, COURSE.replace(old, new))
    with pytest.raises(CourseFileError) as caught:
        load_course_file(path)
    message = str(caught.value)
    assert message.startswith(str(path) + where) and "\n" not in message


def test_invalid_toml_names_the_file_and_line(tmp_path):
    path = write(tmp_path, COURSE.replace("[late_policy]", "[late_policy"))
    with pytest.raises(CourseFileError, match=r"course\.toml: not valid TOML: .*line 4"):
        load_course_file(path)


def test_a_malformed_roster_line_is_reported_and_the_others_kept(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text(
        "student_id,name,email,section,lms_id\n"
        "s1,Ada,ada@uni.edu,A,101\n"
        "s2,Bob,bob@uni.edu,A\n"
        ",Nobody,,B,103\n"
        "s1,Ada again,,B,104\n"
        "\n"
        "s5,Cy,cy@uni.edu,B,105\n"
    )
    roster = read_roster(path)
    assert [s.student_id for s in roster.students] == ["s1", "s5"]
    assert roster.students[1].section == "B" and roster.by_lms_id()["105"].name == "Cy"
    assert [p.split(": ")[0] for p in roster.problems] == [f"{path}:3", f"{path}:4", f"{path}:5"]
    assert "student_id: empty" in roster.problems[1] and "already on line 2" in roster.problems[2]


def test_a_roster_without_a_usable_header_is_an_error(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("id,name\n1,Ada\n")
    with pytest.raises(CourseFileError, match=r"roster\.csv:1: student_id: "):
        read_roster(path)
    path.write_text("student_id,nickname\n1,Ada\n")
    with pytest.raises(CourseFileError, match=r"roster\.csv:1: nickname: unknown column"):
        read_roster(path)
