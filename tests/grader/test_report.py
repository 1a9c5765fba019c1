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
        SubmissionResult(
            "ann", "toy", {t: TaskResult(p, p, True, "passed") for t, p in toy.POINTS.items()}
        ),
        SubmissionResult(
            "bo",
            "toy",
            {
                t: TaskResult(0, p, False, "visible check failed: CheckFailed: x")
                for t, p in toy.POINTS.items()
            },
            ["a note"],
        ),
    ]
    write_gradebook(results, {"toy": assignment}, tmp_path / "gradebook.csv")
    rows = list(csv.DictReader((tmp_path / "gradebook.csv").open()))
    assert [r["student"] for r in rows] == ["ann", "bo"]
    assert (
        rows[0]["toy:softmax"] == "3"
        and rows[0]["total"] == str(toy.FULL)
        and rows[1]["total"] == "0"
    )
    write_feedback(results, tmp_path / "feedback")
    page = (tmp_path / "feedback" / "bo.html").read_text()
    assert "visible check failed" in page and "a note" in page
    assert "manual_seed" not in page and "BEGIN SOLUTION" not in page
    write_summary(results, {"toy": assignment}, tmp_path)
    summary = list(csv.DictReader((tmp_path / "summary.csv").open()))
    assert summary[0]["pass_rate"] == "0.500"


def test_the_class_summary_is_one_page_with_what_an_instructor_looks_at_first(tmp_path):
    assignment = load_assignment(toy.write_course(tmp_path) / "solutions", "toy")
    failed = TaskResult(0, 3, False, "rule broken", ["rule: no Python loops"])
    timed_out = TaskResult(0, 3, False, "its checks never ran", ["time limit"])
    results = [
        SubmissionResult(
            name, "toy", {t: TaskResult(p, p, True, "passed") for t, p in toy.POINTS.items()}
        )
        for name in ("ann", "bo")
    ] + [
        SubmissionResult(
            "cy",
            "toy",
            {
                "double": TaskResult(2, 2, True, "passed"),
                "softmax": failed,
                "norm": TaskResult(0, 1, False, "x", ["case: float64 (dtype)"]),
            },
        ),
        SubmissionResult(
            "di",
            "toy",
            {
                "double": TaskResult(0, 2, False, "x", ["not answered"]),
                "softmax": failed,
                "norm": timed_out,
            },
        ),
    ]
    write_summary(results, {"toy": assignment}, tmp_path)
    page = (tmp_path / "summary.html").read_text()
    assert (
        page.count("data:image/png;base64,") == 2 and "src='http" not in page
    )  # offline, one file
    assert "total scores" in page.lower() and "median total 4" in page  # totals 6, 6, 2, 0
    assert (
        "rule: no Python loops (2)" in page
        and "case: float64 (dtype) (1)" in page
        and "time limit (1)" in page
    )
    rows = {r["task"]: r for r in csv.DictReader((tmp_path / "summary.csv").open())}
    assert (
        rows["softmax"]["pass_rate"] == "0.500"
        and "rule: no Python loops (2)" in rows["softmax"]["common_failures"]
    )
    assert "<td>di</td><td>0</td><td>6</td><td class='fail'>-4</td>" in page


def test_markup_in_what_students_code_produced_is_shown_as_text(tmp_path):
    assignment = load_assignment(toy.write_course(tmp_path) / "solutions", "toy")
    attack = "<script>alert('graded')</script><img src=x onerror=alert(1)>"
    results = [
        SubmissionResult(
            f"eve{attack}",
            "toy",
            {
                t: TaskResult(0, p, False, f"visible check failed: ValueError: {attack}", [attack])
                for t, p in toy.POINTS.items()
            },
            [f"the notebook's process exited: {attack}"],
        )
    ]
    write_feedback(results, tmp_path / "feedback")
    write_summary(results, {"toy": assignment}, tmp_path)
    for page in [*(tmp_path / "feedback").iterdir(), tmp_path / "summary.html"]:
        text = page.read_text()
        assert "<script" not in text and "<img src=x" not in text, page.name
        assert "&lt;script&gt;alert(&#39;graded&#39;)&lt;/script&gt;" in text, page.name
