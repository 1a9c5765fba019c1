"""``d2l-grade export``: Canvas and Moodle grade import files from the term gradebook."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import toy_course as toy

from d2lgrade.assignment import load_assignment
from d2lgrade.cli import main
from d2lgrade.report import write_gradebook
from d2lgrade.results import SubmissionResult, TaskResult
from d2lgrade.term.course_file import load_course_file
from d2lgrade.term.gradebook import term_rows, write_term_gradebook
from d2lgrade.term.roster import read_roster

COURSE = 'roster = "roster.csv"\n[assignments.toy]\ndue = 2026-09-18T12:00:00\n'
ROSTER = (
    "student_id,name,email,section,lms_id\n"
    "ann,Ann Marie Ash,ann@uni.edu,A,101\n"
    "bob,Bob Birch,bob@uni.edu,B,102\n"
    "cyd,Cyd Cedar,cyd@uni.edu,B,103\n"
)


def result(student: str, points: dict[str, float]) -> SubmissionResult:
    tasks = {
        t: TaskResult(points.get(t, 0.0), p, points.get(t) == p, "") for t, p in toy.POINTS.items()
    }
    return SubmissionResult(student, toy.ASSIGNMENT, tasks)


@pytest.fixture
def graded(tmp_path: Path) -> tuple[Path, Path]:
    """A toy course with a term and the gradebook of ann (full), bob (double) and eve
    (not on the roster); cyd handed in nothing."""
    course = toy.write_course(tmp_path / "course")
    (course / "course.toml").write_text(COURSE + 'canvas_column = "Toy exercises (4711)"\n')
    (course / "roster.csv").write_text(ROSTER)
    assignments = {toy.ASSIGNMENT: load_assignment(course / "solutions", toy.ASSIGNMENT)}
    results = [result("ann", dict(toy.POINTS)), result("bob", {"double": 2}), result("eve", {})]
    term = load_course_file(course / "course.toml")
    rows = term_rows(results, assignments, term, read_roster(term.roster), {}, [])
    gradebook = tmp_path / "grades" / "gradebook.csv"
    write_term_gradebook(rows, assignments, gradebook)
    return course, gradebook


def read(path: Path) -> list[list[str]]:
    return list(csv.reader(path.open(newline="")))


def test_canvas_import_columns_points_possible_and_one_row_per_roster_student(graded, capsys):
    course, gradebook = graded
    assert main(["--course", str(course), "export", "--canvas", "--grades", str(gradebook)]) == 0
    table = read(gradebook.parent / "canvas.csv")
    assert table[0] == [
        "Student",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        "Toy exercises (4711)",
    ]
    assert table[1] == ["Points Possible", "", "", "", "", str(toy.FULL)]
    assert table[2:] == [
        ["Ann Marie Ash", "101", "ann", "ann@uni.edu", "A", str(toy.FULL)],
        ["Bob Birch", "102", "bob", "bob@uni.edu", "B", "2"],
        ["Cyd Cedar", "103", "cyd", "cyd@uni.edu", "B", "0"],
    ]
    assert "eve is not on the roster" in capsys.readouterr().err


def test_moodle_import_columns_and_one_section(graded, tmp_path):
    course, gradebook = graded
    out = tmp_path / "moodle-b.csv"
    argv = ["--course", str(course), "export", "--moodle", "--grades", str(gradebook)]
    assert main([*argv, "--section", "B", "--out", str(out)]) == 0
    assert read(out) == [
        ["First name", "Last name", "ID number", "Email address", "toy"],
        ["Bob", "Birch", "bob", "bob@uni.edu", "2"],
        ["Cyd", "Cedar", "cyd", "cyd@uni.edu", "0"],
    ]
    assert main([*argv, "--section", "Z", "--out", str(out)]) == 2


def test_export_needs_a_term_gradebook(graded, tmp_path, capsys):
    course, _ = graded
    plain = tmp_path / "plain.csv"
    assignments = {toy.ASSIGNMENT: load_assignment(course / "solutions", toy.ASSIGNMENT)}
    write_gradebook([result("ann", {})], assignments, plain)
    assert main(["--course", str(course), "export", "--canvas", "--grades", str(plain)]) == 2
    assert "plain.csv:1: header: no <assignment>:final columns" in capsys.readouterr().err
