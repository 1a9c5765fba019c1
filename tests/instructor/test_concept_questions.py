"""Multiple-choice answers are read in the order the grader draws from the submitter's id.

A letter that names the right choice in one student's order names another choice in
another student's: the same notebook earns the task under the first id and not under
the second, graded end to end in the sandbox. The grader reads the letter in its own
process, so a notebook that copies a classmate's letter and sets the grading id to the
classmate's loses the question too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from d2lgrade.batch import Submission, grade_class
from d2lgrade.config import GradingConfig, Limits
from d2lgrade.notebook import nbgrader_meta
from d2lutils import quiz

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO.parent / "shared" / "data" / "fashion-mnist-sample"
RIGHT = "picked = base[base > 2]; picked[:] = 0"
CHOICES = [
    "row = base[1]; row[0] = 100",
    "part = base[:, 1:]; part += 1",
    RIGHT,
    "flat = base.reshape(-1); flat[0] = 7",
    "base[base > 2] = 0",
]


def letter_of(student: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(quiz.GRADING_ID_VARIABLE, student)
    return quiz.MultipleChoice("ex2_1.view_or_copy", "?", CHOICES).letter_for(RIGHT)


def test_a_letter_is_graded_in_the_submitters_order(tmp_path, monkeypatch):
    reference = json.loads((REPO / "solutions" / "ex2_1" / "ex2_1.ipynb").read_text())
    question = next(
        c for c in reference["cells"] if nbgrader_meta(c).get("grade_id") == "view_or_copy_question"
    )
    assert all(choice in "".join(question["source"]) for choice in CHOICES), (
        "the question's choices changed: update CHOICES"
    )
    students = [f"student{i}" for i in range(40)]
    ann = students[0]
    bo = next(s for s in students[1:] if letter_of(s, monkeypatch) != letter_of(ann, monkeypatch))
    letter = letter_of(ann, monkeypatch)
    monkeypatch.delenv(quiz.GRADING_ID_VARIABLE)
    for cell in reference["cells"]:
        if nbgrader_meta(cell).get("grade_id") == "view_or_copy_answer":
            cell["source"] = f'answer_view_or_copy = "{letter}"'
    path = tmp_path / "shared_answer.ipynb"
    path.write_text(json.dumps(reference))
    for cell in reference["cells"]:
        if nbgrader_meta(cell).get("grade_id") == "view_or_copy_answer":
            cell["source"] = (
                f'import os\nos.environ["{quiz.GRADING_ID_VARIABLE}"] = "{ann}"\n'
                f'answer_view_or_copy = "{letter}"'
            )
    copied = tmp_path / "copied_with_the_id.ipynb"
    copied.write_text(json.dumps(reference))
    config = GradingConfig(limits=Limits(notebook_seconds=180), jobs=2, data_dir=SAMPLE)
    results, _ = grade_class(
        [
            Submission(ann, "ex2_1", path),
            Submission(bo, "ex2_1", path),
            Submission("copier", "ex2_1", copied),
        ],
        REPO / "solutions",
        config,
        progress=lambda _: None,
    )
    by_student = {r.student: r.tasks["view_or_copy"] for r in results}
    assert by_student[ann].passed, by_student[ann].message
    assert not by_student[bo].passed and "'answer' (value)" in by_student[bo].message
    copier = by_student["copier"]
    assert not copier.passed and "order of the choices changed" in copier.message, copier.message
