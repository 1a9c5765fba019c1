"""Per-student numbers: the notebook and the grader draw the same, and a copied number fails."""

from __future__ import annotations

import csv
import textwrap
from pathlib import Path

import nbformat
import toy_course as toy

from d2lgrade.cli import main
from d2lgrade.variants import student_draw
from d2lutils import quiz

RATES = [0.1, 0.2, 0.5, 1.0, 2.0]
ANSWER = textwrap.dedent("""\
    from d2lutils.quiz import student_draw
    rate = student_draw("toy.scaled.rate", [0.1, 0.2, 0.5, 1.0, 2.0])
    ### BEGIN SOLUTION
    answer_scaled = 3 * rate
    ### END SOLUTION""")
HIDDEN = textwrap.dedent("""

    from d2lgrade.variants import per_student, student_draw


    @probe("scaled", rtol=1e-9, atol=0.0)
    def scaled_answer(answer_scaled):
        return {"answer": float(answer_scaled)}


    @per_student("scaled_answer")
    def scaled_for(student):
        rate = student_draw("toy.scaled.rate", [0.1, 0.2, 0.5, 1.0, 2.0], student)
        return {"answer": FACTOR * rate}
    """)


def test_the_grader_draws_what_the_notebook_draws():
    for student in (f"s{i:04d}" for i in range(200)):
        assert student_draw("ex3_2.q", RATES, student) == quiz.student_draw(
            "ex3_2.q", RATES, student
        )


def course_with_scaled_task(root: Path, factor: int = 3) -> Path:
    course = toy.write_course(root)
    folder = course / "solutions" / toy.ASSIGNMENT
    notebook = toy.reference_notebook()
    notebook.cells += [
        nbformat.v4.new_code_cell(ANSWER, metadata=toy._meta("scaled_answer", solution=True)),
        nbformat.v4.new_code_cell(
            'check_equal(type(answer_scaled), float, "type of answer_scaled")',
            metadata=toy._meta("scaled", grade=True, locked=True, points=1),
        ),
    ]
    nbformat.write(notebook, folder / f"{toy.ASSIGNMENT}.ipynb")
    hidden = folder / "hidden_checks.py"
    hidden.write_text(hidden.read_text() + HIDDEN.replace("FACTOR", str(factor)))
    return course


def hard_coded(reference: Path, value: float) -> nbformat.NotebookNode:
    """The ``reference`` notebook with the scaled answer typed in as a number."""
    notebook = nbformat.read(reference, as_version=4)
    toy.answer_cell(notebook, "scaled").source = f"answer_scaled = {value!r}"
    return notebook


def test_each_student_is_graded_against_their_own_numbers(tmp_path):
    course = course_with_scaled_task(tmp_path / "course")
    reference = course / "solutions" / toy.ASSIGNMENT / f"{toy.ASSIGNMENT}.ipynb"
    ann = "ann"
    bob = next(
        s
        for s in (f"bob{i}" for i in range(50))
        if student_draw("toy.scaled.rate", RATES, s) != student_draw("toy.scaled.rate", RATES, ann)
    )
    ann_answer = 3 * student_draw("toy.scaled.rate", RATES, ann)
    submitted = tmp_path / "submitted"
    for student, notebook in [
        (ann, hard_coded(reference, ann_answer)),  # her own number, typed in
        (bob, hard_coded(reference, ann_answer)),  # ann's number, copied
        ("cyd", nbformat.read(reference, as_version=4)),  # computed from cyd's draw
    ]:
        (submitted / student / toy.ASSIGNMENT).mkdir(parents=True)
        nbformat.write(notebook, submitted / student / toy.ASSIGNMENT / f"{toy.ASSIGNMENT}.ipynb")
    out = tmp_path / "grades"
    assert main(["--course", str(course), "grade", str(submitted), "--out", str(out)]) == 0
    rows = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert rows[ann]["toy:scaled"] == "1" and rows["cyd"]["toy:scaled"] == "1"
    assert rows[bob]["toy:scaled"] == "0"
    assert rows[bob]["toy:double"] == "2"  # the other tasks do not depend on the id

    # Bob's notebook has the very bytes of Ann's: a re-run must not reuse her cached result.
    assert main(["--course", str(course), "grade", str(submitted), "--out", str(out)]) == 0
    rows = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert rows[bob]["toy:scaled"] == "0" and rows[ann]["toy:scaled"] == "1"


def test_a_per_student_answer_that_disagrees_with_the_reference_is_an_error(tmp_path, capsys):
    course = course_with_scaled_task(tmp_path / "course", factor=4)
    argv = ["--course", str(course), "selfcheck", toy.ASSIGNMENT]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "@per_student('scaled_answer') gives" in err and "'reference'" in err
