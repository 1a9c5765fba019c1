"""The gradebook, the feedback pages and the class summary."""
from __future__ import annotations

import csv

import toy_course as toy
from d2lgrade.assignment import load_assignment
from d2lgrade.report import write_feedback, write_gradebook, write_summary
from d2lgrade.results import SubmissionResult, TaskResult


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
