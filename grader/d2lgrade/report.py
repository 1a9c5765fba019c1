"""What grading writes: a CSV gradebook, HTML feedback per student and a class summary."""
from __future__ import annotations

import csv
import html
import re
from collections import defaultdict
from pathlib import Path

from .assignment import Assignment
from .results import SubmissionResult


def safe_name(name: str) -> str:
    """A file-name-safe version of a student id."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "_"


def write_gradebook(results: list[SubmissionResult], assignments: dict[str, Assignment],
                    path: Path) -> None:
    """One row per student: points per task, per-assignment totals, total, and notes."""
    columns = []
    for assignment_id, assignment in assignments.items():
        columns += [f"{assignment_id}:{task}" for task in assignment.tasks]
        columns.append(f"{assignment_id}:total")
    rows: dict[str, dict[str, object]] = defaultdict(dict)
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
            writer.writerow([student, *[row.get(c, "0") for c in columns], f"{total:g}",
                             f"{max_total:g}", "; ".join(sorted(sandboxes[student])),
                             " | ".join(notes[student])])


_STYLE = """<style>body{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.4}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em .5em;
text-align:left;vertical-align:top}.pass{color:#17632a}.fail{color:#a4161a}</style>"""


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
        parts = [f"<!doctype html><meta charset='utf-8'><title>Feedback for "
                 f"{html.escape(student)}</title>{_STYLE}<h1>Feedback for {html.escape(student)}</h1>"]
        for result in student_results:
            parts.append(f"<h2>{html.escape(result.assignment)}: {result.total:g} / "
                         f"{result.max_total:g} points</h2>")
            for note in result.notes:
                parts.append(f"<p><strong>Note:</strong> {html.escape(note)}</p>")
            parts.append("<table><tr><th>task</th><th>points</th><th>result</th><th>details</th></tr>")
            for task_id, task in result.tasks.items():
                verdict = "<span class='pass'>pass</span>" if task.passed else "<span class='fail'>fail</span>"
                parts.append(f"<tr><td>{html.escape(task_id)}</td><td>{task.points:g} / "
                             f"{task.max_points:g}</td><td>{verdict}</td><td>"
                             f"{html.escape(task.message)}</td></tr>")
            parts.append("</table>")
        (folder / f"{safe_name(student)}.html").write_text("\n".join(parts), encoding="utf-8")


def write_summary(results: list[SubmissionResult], assignments: dict[str, Assignment],
                  folder: Path) -> None:
    """Per-task mean points and pass rate, as ``summary.csv``, ``summary.html`` and ``summary.png``."""
    from matplotlib.figure import Figure

    rows = []
    for assignment_id, assignment in assignments.items():
        graded = [r for r in results if r.assignment == assignment_id]
        for task_id, task in assignment.tasks.items():
            earned = [r.tasks[task_id].points for r in graded if task_id in r.tasks]
            passed = [r.tasks[task_id].passed for r in graded if task_id in r.tasks]
            n = len(earned) or 1
            rows.append((assignment_id, task_id, task.points, sum(earned) / n, sum(passed) / n, len(earned)))
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "summary.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["assignment", "task", "max_points", "mean_points", "pass_rate", "students"])
        for a, t, m, mean, rate, n in rows:
            writer.writerow([a, t, f"{m:g}", f"{mean:.3f}", f"{rate:.3f}", n])
    table = "".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(t)}</td><td>{m:g}</td>"
                    f"<td>{mean:.2f}</td><td>{rate:.0%}</td><td>{n}</td></tr>"
                    for a, t, m, mean, rate, n in rows)
    (folder / "summary.html").write_text(
        f"<!doctype html><meta charset='utf-8'><title>Class summary</title>{_STYLE}"
        "<h1>Class summary</h1><img src='summary.png' alt='pass rate per task'>"
        "<table><tr><th>assignment</th><th>task</th><th>max</th><th>mean</th><th>pass rate</th>"
        f"<th>students</th></tr>{table}</table>", encoding="utf-8")
    fig = Figure(figsize=(max(4.0, 0.45 * len(rows) + 1.5), 3.2))
    ax = fig.add_subplot()
    labels = [f"{a}:{t}" if len(assignments) > 1 else t for a, t, *_ in rows]
    ax.bar(range(len(rows)), [r[4] * 100 for r in rows], color="C0")
    ax.set_xticks(range(len(rows)), labels, rotation=60, ha="right", fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel("pass rate (%)")
    ax.set_title("Pass rate per task")
    fig.tight_layout()
    fig.savefig(folder / "summary.png", dpi=110)
