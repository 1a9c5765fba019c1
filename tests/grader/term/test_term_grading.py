"""``d2l-grade grade`` with a term: roster, due dates, late policy, Canvas zip, changes."""

from __future__ import annotations

import csv
import io
import textwrap
import zipfile
from pathlib import Path

import nbformat
import toy_course as toy

from d2lgrade.cli import main

COURSE = textwrap.dedent("""\
    roster = "roster.csv"
    time_zone = "UTC"

    [late_policy]
    grace_minutes = 10
    penalty_percent = 25
    per = "day"
    max_penalty_percent = 50
    last_day = 3

    [assignments.toy]
    due = 2026-09-18T12:00:00

    [[extensions]]
    student = "cyd"
    assignment = "toy"
    days = 1
    """)
ROSTER = textwrap.dedent("""\
    student_id,name,email,section,lms_id
    ann,Ann Ash,ann@uni.edu,A,101
    bob,Bob Birch,bob@uni.edu,A,102
    cyd,Cyd Cedar,cyd@uni.edu,B,103
    dan,Dan Dogwood,dan@uni.edu,B,104
    this line is broken
    """)


def term_course(tmp_path: Path) -> Path:
    course = toy.write_course(tmp_path / "course")
    (course / "course.toml").write_text(COURSE)
    (course / "roster.csv").write_text(ROSTER)
    return course


def submit(folder: Path, notebook: nbformat.NotebookNode, when: str | None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / "toy.ipynb")
    if when:
        (folder / "timestamp.txt").write_text(when)


def rows(path: Path) -> dict[str, dict[str, str]]:
    return {r["student"]: r for r in csv.DictReader(path.open())}


def test_a_term_gradebook_with_lateness_missing_students_strangers_and_changes(tmp_path, capsys):
    course = term_course(tmp_path)
    submitted = tmp_path / "submitted"
    submit(submitted / "ann" / "toy", toy.reference_notebook(), "2026-09-18 12:05:00 UTC")
    submit(submitted / "bob" / "toy", toy.solved("double", "softmax"), "2026-09-19 13:00:00 UTC")
    submit(submitted / "cyd" / "toy", toy.reference_notebook(), "2026-09-19 11:00:00 UTC")
    submit(submitted / "eve" / "toy", toy.solved("double"), None)
    (submitted / "dan" / "toy").mkdir(parents=True)  # a folder, but no notebook in it
    out = tmp_path / "grades"
    argv = ["--course", str(course), "grade", str(submitted), "--out", str(out), "--jobs", "2"]
    assert main(argv) == 0
    printed = capsys.readouterr()
    book = rows(out / "gradebook.csv")
    assert list(book) == ["ann", "bob", "cyd", "dan", "eve"]
    ann, bob, cyd, dan, eve = (book[s] for s in ["ann", "bob", "cyd", "dan", "eve"])
    assert (ann["toy:raw"], ann["toy:lateness"], ann["toy:final"]) == ("6", "on time", "6")
    # Bob: 25 h late, two started days at 25 % of his 5 raw points.
    assert (bob["toy:raw"], bob["toy:penalty"], bob["toy:final"]) == ("5", "2.5", "2.5")
    assert bob["toy:lateness"] == "late 1 d 1 h (-50%)"
    feedback = (out / "feedback" / "bob.html").read_text()
    assert "late 1 d 1 h (-50%): 2.5 of the 5 points count" in feedback
    assert cyd["toy:lateness"] == "on time"  # inside the extension
    assert (dan["toy:final"], dan["toy:lateness"], dan["on_roster"]) == ("0", "missing", "yes")
    assert "no notebook submitted" in dan["notes"]
    assert (eve["on_roster"], eve["toy:raw"], eve["toy:lateness"]) == ("no", "2", "no time")
    assert (ann["section"], ann["email"], bob["total"]) == ("A", "ann@uni.edu", "2.5")
    problems = (out / "problems.txt").read_text()
    assert "roster.csv:6: " in problems and "eve: not on the roster" in problems
    assert "warning: eve: not on the roster" in printed.err
    assert (out / "changes.csv").read_text().splitlines() == ["student,column,old,new,why"]

    # Bob fixes norm and resubmits on time (a regrade request): the diff says what and why.
    submit(submitted / "bob" / "toy", toy.reference_notebook(), "2026-09-18 11:00:00 UTC")
    assert main(argv) == 0
    assert "change(s) since the last run" in capsys.readouterr().out
    changes = list(csv.DictReader((out / "changes.csv").open()))
    by_column = {c["column"]: c for c in changes if c["student"] == "bob"}
    assert set(by_column) == {"toy:norm", "toy:penalty", "total"}
    assert (by_column["toy:norm"]["old"], by_column["toy:norm"]["new"]) == ("0", "1")
    assert by_column["toy:norm"]["why"] == "passes"
    assert by_column["toy:penalty"]["why"] == "lateness late 1 d 1 h (-50%) -> on time"
    assert (by_column["total"]["old"], by_column["total"]["new"]) == ("2.5", "6")
    assert all(c["student"] == "bob" for c in changes)
    assert rows(out / "gradebook.previous.csv")["bob"]["total"] == "2.5"


def test_grading_a_canvas_zip_directly_with_a_similarity_report(tmp_path, capsys):
    course = term_course(tmp_path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ashann_101_5001_toy.ipynb", nbformat.writes(toy.reference_notebook()))
        archive.writestr("birchbob_LATE_102_5002_toy.ipynb", nbformat.writes(toy.solved("double")))
        archive.writestr("unknown_999_5003_toy.ipynb", nbformat.writes(toy.solved("norm")))
    zipped = tmp_path / "submissions.zip"
    zipped.write_bytes(buffer.getvalue())
    out = tmp_path / "grades"
    argv = ["--course", str(course), "grade", str(zipped), "-a", "toy", "--out", str(out)]
    assert main([*argv, "--similarity"]) == 0
    assert "similarity/toy.html" in (out / "summary.html").read_text()
    assert (out / "similarity" / "toy.html").is_file()
    book = rows(out / "gradebook.csv")
    assert book["ann"]["toy:final"] == "6" and book["ann"]["toy:lateness"] == "on time"
    assert book["bob"]["toy:lateness"] == "late (-25%)" and book["bob"]["toy:final"] == "1.5"
    assert book["canvas-999"]["on_roster"] == "no" and book["canvas-999"]["toy:raw"] == "1"
    assert book["cyd"]["toy:lateness"] == "missing"
    assert (out / "feedback" / "ann.html").is_file()

    assert main(["--course", str(course), "grade", str(zipped), "--out", str(out)]) == 2
    assert "name its assignment with --assignment" in capsys.readouterr().err


def test_without_a_course_file_the_gradebook_is_the_plain_one(tmp_path):
    course = toy.write_course(tmp_path / "course")
    submitted = tmp_path / "submitted"
    submit(submitted / "ann" / "toy", toy.solved("double"), "2026-09-18 12:05:00 UTC")
    out = tmp_path / "grades"
    assert main(["--course", str(course), "grade", str(submitted), "--out", str(out)]) == 0
    header = (out / "gradebook.csv").read_text().splitlines()[0]
    assert (
        header == "student,toy:double,toy:softmax,toy:norm,toy:total,total,max_total,sandbox,notes"
    )
