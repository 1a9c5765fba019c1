"""What grading writes: a CSV gradebook, HTML feedback per student and a class summary."""

from __future__ import annotations

import base64
import csv
import io
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from .assignment import Assignment
from .pages import render
from .results import SubmissionResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def safe_name(name: str) -> str:
    """A file-name-safe version of a student id."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "_"


def write_gradebook(
    results: list[SubmissionResult], assignments: dict[str, Assignment], path: Path
) -> None:
    """One row per student: points per task, per-assignment totals, total, and notes."""
    columns = []
    for assignment_id, assignment in assignments.items():
        columns += [f"{assignment_id}:{task}" for task in assignment.tasks]
        columns.append(f"{assignment_id}:total")
    rows: dict[str, dict[str, str]] = defaultdict(dict)
    notes: dict[str, list[str]] = defaultdict(list)
    sandboxes: dict[str, set[str]] = defaultdict(set)
    for result in results:
        row = rows[result.student]
        for task_id, task in result.tasks.items():
            row[f"{result.assignment}:{task_id}"] = f"{task.points:g}"
        row[f"{result.assignment}:total"] = f"{result.total:g}"
        notes[result.student] += [f"{result.assignment}: {n}" for n in result.notes]
        sandboxes[result.student].add(result.sandbox)
    max_total = sum(a.max_points for a in assignments.values())
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", *columns, "total", "max_total", "sandbox", "notes"])
        for student in sorted(rows):
            row = rows[student]
            total = sum(float(row.get(f"{a}:total", 0)) for a in assignments)
            writer.writerow(
                [
                    student,
                    *[row.get(c, "0") for c in columns],
                    f"{total:g}",
                    f"{max_total:g}",
                    "; ".join(sorted(sandboxes[student])),
                    " | ".join(notes[student]),
                ]
            )


def write_feedback(results: list[SubmissionResult], folder: Path) -> None:
    """One HTML page per student: for each task, points, pass/fail and the reason.

    Only the visible checks' messages and generic reasons appear: never hidden
    inputs, hidden check code or solution code.
    """
    folder.mkdir(parents=True, exist_ok=True)
    by_student: dict[str, list[SubmissionResult]] = defaultdict(list)
    for result in results:
        by_student[result.student].append(result)
    for student, student_results in by_student.items():
        page = render("feedback", student=student, results=student_results)
        (folder / f"{safe_name(student)}.html").write_text(page, encoding="utf-8")


def _png_data_uri(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@dataclass(frozen=True)
class TaskRow:
    """One task across the class, as the summary shows it."""

    assignment: str
    task: str
    max_points: float
    mean_points: float
    pass_rate: float
    students: int
    reasons: list[tuple[str, int]]  # the most common failure labels, with their counts


def _task_rows(
    results: list[SubmissionResult], assignments: dict[str, Assignment]
) -> list[TaskRow]:
    rows = []
    for assignment_id, assignment in assignments.items():
        for task_id, task in assignment.tasks.items():
            outcomes = [
                r.tasks[task_id]
                for r in results
                if r.assignment == assignment_id and task_id in r.tasks
            ]
            n = len(outcomes) or 1
            reasons = Counter(
                f for o in outcomes if not o.passed for f in (o.failures or ["failed"])
            )
            rows.append(
                TaskRow(
                    assignment_id,
                    task_id,
                    task.points,
                    sum(o.points for o in outcomes) / n,
                    sum(o.passed for o in outcomes) / n,
                    len(outcomes),
                    reasons.most_common(3),
                )
            )
    return rows


def _histograms(results: list[SubmissionResult], assignments: dict[str, Assignment]) -> Figure:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3.2 * len(assignments), 2.6))
    for i, (assignment_id, assignment) in enumerate(assignments.items()):
        ax = fig.add_subplot(1, len(assignments), i + 1)
        totals = [r.total for r in results if r.assignment == assignment_id]
        ax.hist(
            totals,
            bins=min(20, max(1, int(assignment.max_points)) + 1),
            range=(0, assignment.max_points or 1),
            color="C0",
            edgecolor="white",
        )
        ax.set_title(f"{assignment_id}: total scores", fontsize=9)
        ax.set_xlabel(f"points (of {assignment.max_points:g})", fontsize=8)
        ax.set_ylabel("students", fontsize=8)
    fig.tight_layout()
    return fig


def _pass_rates(rows: list[TaskRow], several: bool) -> Figure:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(max(4.0, 0.45 * len(rows) + 1.5), 3.2))
    ax = fig.add_subplot()
    labels = [f"{r.assignment}:{r.task}" if several else r.task for r in rows]
    ax.bar(range(len(rows)), [r.pass_rate * 100 for r in rows], color="C0")
    ax.set_xticks(range(len(rows)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel("pass rate (%)")
    ax.set_title("Pass rate per task")
    fig.tight_layout()
    return fig


def write_summary(
    results: list[SubmissionResult], assignments: dict[str, Assignment], folder: Path
) -> None:
    """The class at a glance, as ``summary.html`` (one page, figures inside) and ``summary.csv``.

    The page shows what an instructor looks at first: the distribution of total scores
    per assignment, the pass rate of each task with its most common failure reasons
    (rules broken, failing case groups, time-outs), and each student's total against
    the class median.
    """
    rows = _task_rows(results, assignments)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "summary.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "assignment",
                "task",
                "max_points",
                "mean_points",
                "pass_rate",
                "students",
                "common_failures",
            ]
        )
        for r in rows:
            writer.writerow(
                [
                    r.assignment,
                    r.task,
                    f"{r.max_points:g}",
                    f"{r.mean_points:.3f}",
                    f"{r.pass_rate:.3f}",
                    r.students,
                    "; ".join(f"{why} ({n})" for why, n in r.reasons),
                ]
            )
    totals: dict[str, float] = defaultdict(float)
    for result in results:
        totals[result.student] += result.total
    median = statistics.median(totals.values()) if totals else 0.0
    page = render(
        "summary",
        students=sorted(totals.items(), key=lambda item: (-item[1], item[0])),
        notebooks=len(results),
        median=median,
        max_total=sum(a.max_points for a in assignments.values()),
        rows=rows,
        histograms=Markup(_png_data_uri(_histograms(results, assignments))),
        pass_rates=Markup(_png_data_uri(_pass_rates(rows, len(assignments) > 1))),
    )
    (folder / "summary.html").write_text(page, encoding="utf-8")
