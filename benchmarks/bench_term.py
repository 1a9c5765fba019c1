"""A term's grading run at class size: grade and report 500 students on one assignment.

Generates ``--n`` submissions of ``--assignment`` (default ``ex2_1``, the solved /
partial / untouched mix of ``bench_grading.py``) in nbgrader's layout with a
``timestamp.txt`` each (every seventh one a day late), a roster of those students plus
five who hand in nothing, and a ``course.toml`` with a due date and a late policy. It then
times each phase of ``d2l-grade grade --similarity`` followed by ``d2l-grade export
--canvas``, as the command line runs them: collect (submissions, times, roster), grade
(sandboxed, ``--jobs``, no cache), the term gradebook and changes, feedback pages, the
class summary, the similarity report, and the Canvas export. It checks the outcome (every
roster student has a row, the missing ones are ``missing``, the late ones lost points)
and prints the machine's load: on a shared machine the grading phase is what varies.

Run: ``.venv/bin/python benchmarks/bench_term.py [--n 500] [--assignment ex2_1] [--jobs N]``
(grading dominates: about a second of CPU per ex2_1 notebook).
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from _common import REPO, fmt_seconds, print_load, print_machine_info
from bench_grading import DATA_DIR, load_exercise, make_submissions

from d2lgrade.batch import grade_class
from d2lgrade.config import GradingConfig, default_jobs
from d2lgrade.report import write_feedback, write_summary
from d2lgrade.term.export import export_grades
from d2lgrade.term.session import collect, write_gradebook_and_changes
from d2lgrade.term.similarity import report_similarity

T = TypeVar("T")
LATE_EVERY = 7
MISSING = 5


def write_class(folder: Path, assignment: str, n: int) -> tuple[Path, Path]:
    """Submissions, roster and course file of a synthetic class; (submitted, course.toml)."""
    _, _, reference, student = load_exercise(assignment, folder)
    submitted = folder / "submitted"
    names = []
    for i, (name, _, notebook) in enumerate(make_submissions(student, reference, n)):
        target = submitted / name / assignment
        target.mkdir(parents=True)
        (target / f"{assignment}.ipynb").write_text(json.dumps(notebook))
        day = 19 if i % LATE_EVERY == 0 else 18
        (target / "timestamp.txt").write_text(f"2026-09-{day} 10:00:00 UTC")
        names.append(name)
    names += [f"absent{i}" for i in range(MISSING)]
    with (folder / "roster.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "name", "email", "section", "lms_id"])
        for i, name in enumerate(names):
            writer.writerow([name, f"Student {i}", f"{name}@uni.edu", "AB"[i % 2], 1000 + i])
    course = folder / "course.toml"
    course.write_text(
        'roster = "roster.csv"\ntime_zone = "UTC"\n\n[late_policy]\npenalty_percent = 10\n'
        f'per = "day"\n\n[assignments.{assignment}]\ndue = 2026-09-18T12:00:00\n'
    )
    return submitted, course


def timed(phases: dict[str, float], name: str, work: Callable[[], T]) -> T:
    started = time.perf_counter()
    value = work()
    phases[name] = time.perf_counter() - started
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=500, help="students who submit (default 500)")
    parser.add_argument("--assignment", default="ex2_1")
    parser.add_argument("--jobs", type=int, default=default_jobs())
    args = parser.parse_args()
    print_machine_info(f"a term's grading run: {args.n} students, {args.assignment}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        submitted, course_file = write_class(folder, args.assignment, args.n)
        out = folder / "grades"
        config = GradingConfig(data_dir=DATA_DIR, jobs=args.jobs, cache_dir=None)
        phases: dict[str, float] = {}

        def quiet(line: str) -> None:
            del line  # 500 progress lines would drown the figures

        run = timed(
            phases,
            "collect",
            lambda: collect(REPO, submitted, [args.assignment], out, course_file),
        )
        results, assignments = timed(
            phases,
            "grade",
            lambda: grade_class(run.submissions, REPO / "solutions", config, progress=quiet),
        )
        timed(
            phases,
            "gradebook",
            lambda: write_gradebook_and_changes(run, results, assignments, out),
        )
        timed(phases, "feedback", lambda: write_feedback(results, out / "feedback"))
        timed(phases, "summary", lambda: write_summary(results, assignments, out))
        pairs = timed(phases, "similarity", lambda: report_similarity(run.submissions, REPO, out))
        timed(
            phases,
            "export",
            lambda: export_grades(
                REPO, course_file, out / "gradebook.csv", "canvas", out / "canvas.csv", None
            ),
        )
        rows = list(csv.DictReader((out / "gradebook.csv").open()))
        final = f"{args.assignment}:final"
        late = [r for r in rows if r[f"{args.assignment}:lateness"].startswith("late")]
        missing = [r for r in rows if r[f"{args.assignment}:lateness"] == "missing"]
        assert len(rows) == args.n + MISSING, len(rows)
        assert len(missing) == MISSING
        assert len(late) == len(range(0, args.n, LATE_EVERY))
        assert all(float(r[final]) <= float(r[f"{args.assignment}:raw"]) for r in rows)
        exported = list(csv.reader((out / "canvas.csv").open()))
        assert len(exported) == 2 + args.n + MISSING
    total = sum(phases.values())
    for name, seconds in phases.items():
        print(f"{name:>10}: {fmt_seconds(seconds)}")
    print(
        f"{'total':>10}: {fmt_seconds(total)} for {args.n} notebooks with {args.jobs} job(s) "
        f"({fmt_seconds(phases['grade'] / args.n)} of grading per notebook; "
        f"everything but grading {fmt_seconds(total - phases['grade'])}); "
        f"{pairs} similar pair(s) shown; {len(late)} late, {len(missing)} missing"
    )
    print_load()


if __name__ == "__main__":
    main()
