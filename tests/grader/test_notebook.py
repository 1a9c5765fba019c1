"""Reading submissions: file validation and the plan of cells to run."""

from __future__ import annotations

import json

import pytest
import toy_course as toy

from d2lgrade.assignment import load_assignment
from d2lgrade.notebook import SubmissionError, parse_notebook
from d2lgrade.planning import plan_cells


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[1, 2", "not valid notebook JSON"),
        (b"[1, 2]", "not a notebook"),
        (json.dumps({"cells": [], "nbformat": 3}).encode(), "nbformat version 3"),
        (
            json.dumps({"cells": [{"cell_type": "image"}], "nbformat": 4}).encode(),
            "cell 0 is malformed",
        ),
        (b'{"cells": [], "nbformat": 4, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nests"),
    ],
)
def test_parse_notebook_explains_bad_files(data, reason):
    with pytest.raises(SubmissionError, match=reason):
        parse_notebook(data)


def test_plan_uses_course_test_cells_and_flags_tampering(tmp_path):
    assignment = load_assignment(toy.write_course(tmp_path) / "solutions", "toy")
    notebook = toy.clone(toy.reference_notebook())
    toy.test_cell(notebook, "double").source = "pass"
    notebook.cells.remove(toy.test_cell(notebook, "norm"))
    plan = plan_cells(json.loads(toy.to_bytes(notebook)), assignment)
    assert (
        plan.sources[plan.task_cell["double"]] == toy.TESTS["double"]
    )  # the course's version runs
    assert set(plan.tampered) == {"double", "norm"}
    assert assignment.max_points == toy.FULL and len(assignment.probes) == 3
    # The answer cells are the student's; the setup and test cells are the course's.
    assert sorted(plan.answer_cells) == ["double", "norm", "softmax"]
    for task, cells in plan.answer_cells.items():
        assert (
            set(cells) <= set(plan.student_cells)
            and plan.task_cell.get(task) not in plan.student_cells
        )
