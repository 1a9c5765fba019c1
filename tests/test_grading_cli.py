"""``d2l-grade`` end to end on the toy course: both layouts, reports, progress, caching."""
from __future__ import annotations

import csv
from pathlib import Path

import nbformat

import toy_course as toy
from d2lutils.grading.cli import main


def _submit(folder: Path, notebook) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / "toy.ipynb")


def test_grade_nbgrader_layout_writes_reports_and_caches(tmp_path, capsys):
    course = toy.write_course(tmp_path / "course")
    submitted = tmp_path / "submitted"
    _submit(submitted / "ann" / "toy", toy.reference_notebook())
    _submit(submitted / "bob" / "toy", toy.solved("double"))
    (submitted / "cyd" / "toy").mkdir(parents=True)  # handed in nothing
    out = tmp_path / "grades"
    assert main(["--course", str(course), "grade", str(submitted), "--out", str(out), "--jobs", "2"]) == 0
    first = capsys.readouterr().err
    assert "[3/3]" in first and "running the reference solution of toy" in first

    rows = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert rows["ann"]["total"] == str(toy.FULL) and rows["ann"]["sandbox"] == "bubblewrap"
    assert rows["bob"]["toy:double"] == "2" and rows["bob"]["toy:softmax"] == "0" and rows["bob"]["total"] == "2"
    assert rows["cyd"]["total"] == "0" and "no notebook submitted" in rows["cyd"]["notes"]
    feedback = (out / "feedback" / "bob.html").read_text()
    assert "NotImplementedError" in feedback and "double_on_other_inputs" not in feedback
    assert (out / "summary.png").exists() and "pass rate" in (out / "summary.html").read_text()

    # Unchanged submissions and checks are not run again; a changed one is.
    _submit(submitted / "bob" / "toy", toy.solved("double", "norm"))
    assert main(["--course", str(course), "grade", str(submitted), "--out", str(out)]) == 0
    second = capsys.readouterr().err
    assert "ann toy: 6/6 (cached)" in second
    assert "bob toy: 3/6 (cached)" not in second and "bob toy: 3/6" in second
    assert "running the reference solution" not in second

    # New hidden checks invalidate every cached result.
    hidden = course / "solutions" / "toy" / "hidden_checks.py"
    hidden.write_text(hidden.read_text() + "\n# revised\n")
    assert main(["--course", str(course), "grade", str(submitted), "--out", str(out)]) == 0
    assert "(cached)" not in capsys.readouterr().err


def test_grade_flat_folder_needs_an_assignment(tmp_path, capsys):
    course = toy.write_course(tmp_path / "course")
    flat = tmp_path / "downloads"
    flat.mkdir()
    nbformat.write(toy.student_notebook(), flat / "dee.ipynb")
    assert main(["--course", str(course), "grade", str(flat)]) == 2
    assert "name exactly one assignment" in capsys.readouterr().err
    out = tmp_path / "grades"
    assert main(["--course", str(course), "grade", str(flat), "-a", "toy", "-o", str(out), "--no-cache"]) == 0
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert rows[0]["student"] == "dee" and rows[0]["total"] == "0"
    assert not (out / ".cache").exists()
