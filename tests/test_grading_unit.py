"""Grader pieces that need no sandbox: file validation, plain data, planning, reports."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch

import toy_course as toy
from d2lutils.grading.assignment import load_assignment
from d2lutils.grading.batch import find_submissions
from d2lutils.grading.grade import SubmissionError, SubmissionResult, TaskResult, parse_notebook, plan_cells
from d2lutils.grading.plain import compare, to_plain
from d2lutils.grading.report import write_feedback, write_gradebook, write_summary


def test_to_plain_accepts_only_plain_types():
    plain = to_plain([1, 2.5, True, None, "s", {"k": torch.tensor([[1, 2]])}, np.float32(0.5)])
    assert plain[5]["k"] == {"__array__": {"kind": "int", "shape": [1, 2], "data": [1, 2]}}
    assert plain[6] == 0.5
    for bad in [object(), type("F", (float,), {})(1.0), torch.tensor([1.0]).as_subclass(type("T", (torch.Tensor,), {})),
                {1: 2}, {"__array__": 1}]:
        with pytest.raises(TypeError):
            to_plain(bad)


def test_compare_checks_structure_kind_shape_and_values():
    a = to_plain(torch.tensor([1.0, 2.0]))
    assert compare(a, a) is None
    assert compare(to_plain(torch.tensor([1.0, 2.00001])), a) is None
    assert "values differ" in compare(to_plain(torch.tensor([1.0, 2.1])), a)
    assert "shape" in compare(to_plain(torch.tensor([1.0])), a)
    assert "int array" in compare(to_plain(torch.tensor([1, 2])), a)
    assert compare(True, True) is None and compare(1, True) is not None
    assert compare([1, 2], [1, 2, 3]) is not None
    assert compare({"a": 1.0}, {"a": 1.0 + 1e-9}) is None
    assert compare(float("nan"), float("nan")) is None
    assert compare("x", 1.0) is not None


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"), (b"\xff\xfe", "not UTF-8"), (b"[1, 2", "not valid notebook JSON"),
    (b"[1, 2]", "not a notebook"), (json.dumps({"cells": [], "nbformat": 3}).encode(), "nbformat version 3"),
    (json.dumps({"cells": [{"cell_type": "image"}], "nbformat": 4}).encode(), "cell 0 is malformed"),
])
def test_parse_notebook_explains_bad_files(data, reason):
    with pytest.raises(SubmissionError, match=reason):
        parse_notebook(data)


def test_plan_uses_course_test_cells_and_flags_tampering(tmp_path):
    assignment = load_assignment(toy.write_course(tmp_path) / "solutions", "toy")
    notebook = toy.clone(toy.reference_notebook())
    toy.test_cell(notebook, "double").source = "pass"
    notebook.cells.remove(toy.test_cell(notebook, "norm"))
    sources, task_cell, tampered = plan_cells(json.loads(toy.to_bytes(notebook)), assignment)
    assert sources[task_cell["double"]] == toy.TESTS["double"]  # the course's version runs
    assert set(tampered) == {"double", "norm"}
    assert assignment.max_points == toy.FULL and len(assignment.probes) == 3


def test_find_submissions_in_both_layouts(tmp_path):
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "ann.ipynb").write_text("{}")
    assert [s.student for s in find_submissions(flat, ["toy"])] == ["ann"]
    with pytest.raises(ValueError, match="name exactly one assignment"):
        find_submissions(flat, [])
    nested = tmp_path / "submitted"
    (nested / "bo" / "toy").mkdir(parents=True)
    (nested / "bo" / "toy" / "toy.ipynb").write_text("{}")
    (nested / "cy" / "toy").mkdir(parents=True)
    subs = {s.student: s for s in find_submissions(nested, ["toy"])}
    assert subs["bo"].path is not None
    assert subs["cy"].path is None and "no notebook submitted" in subs["cy"].missing_reason


def test_reports_hold_one_row_per_student_and_no_hidden_detail(tmp_path):
    assignment = load_assignment(toy.write_course(tmp_path) / "solutions", "toy")
    results = [
        SubmissionResult("ann", "toy", {t: TaskResult(p, p, True, "passed") for t, p in toy.POINTS.items()}),
        SubmissionResult("bo", "toy", {t: TaskResult(0, p, False, "visible check failed: CheckFailed: x")
                                       for t, p in toy.POINTS.items()}, ["a note"]),
    ]
    write_gradebook(results, {"toy": assignment}, tmp_path / "gradebook.csv")
    rows = list(csv.DictReader((tmp_path / "gradebook.csv").open()))
    assert [r["student"] for r in rows] == ["ann", "bo"]
    assert rows[0]["toy:softmax"] == "3" and rows[0]["total"] == str(toy.FULL) and rows[1]["total"] == "0"
    write_feedback(results, tmp_path / "feedback")
    page = (tmp_path / "feedback" / "bo.html").read_text()
    assert "visible check failed" in page and "a note" in page
    assert "manual_seed" not in page and "BEGIN SOLUTION" not in page
    write_summary(results, {"toy": assignment}, tmp_path)
    summary = list(csv.DictReader((tmp_path / "summary.csv").open()))
    assert summary[0]["pass_rate"] == "0.500"
    assert (tmp_path / "summary.png").stat().st_size > 1000


def test_without_bubblewrap_grading_says_so_loudly(monkeypatch, capsys, tmp_path):
    from d2lutils.grading import cli, sandbox

    monkeypatch.setattr(sandbox, "bubblewrap", lambda: None)
    assert sandbox.sandbox_description().startswith("NONE")
    assert not sandbox.warm_sandboxes_available()
    cli._warn_if_unsandboxed()
    assert "WARNING: no sandbox" in capsys.readouterr().err
    command, _, _ = sandbox.runner_command(3, 0, sandbox.Limits(), None)
    assert "bwrap" not in " ".join(command)
