"""Grading throughput: our grader (sandboxed, parallel) against stock ``nbgrader autograde``.

Both grade submissions of the same exercise (default ``ex2_1``: the reference in
``solutions/<id>/``, the student version in ``exercises/<id>/``; when these do not
exist, the toy course of ``tests/toy_course.py``). The submissions are generated
from the student version as a repeating mix: fully solved (the reference answers
pasted in), partially solved (a seeded random subset of the tasks solved, the rest
left as stubs) and untouched.

* ours: ``d2lgrade.batch.grade_class(submissions, solutions_dir,
  jobs=os.cpu_count(), cache_dir=None)`` with the bubblewrap sandbox on; it runs
  the reference once per call, then each notebook with its hidden checks;
* stock: a temporary nbgrader course (``source/<id>/`` holds the reference,
  ``nbgrader generate_assignment <id> --force`` registers it; not timed) and
  ``nbgrader autograde <id> --force --student <glob>`` over
  ``submitted/<student>/<id>/<id>.ipynb`` (one Jupyter kernel per notebook, one
  notebook at a time, no sandbox; it creates the students in its database).

The whole call is timed on each side, fixed costs included (our reference run,
nbgrader's start-up), and divided by the number of notebooks it graded. Ours
grades ``--n`` notebooks and stock the first ``--stock-n`` of them, both split
over ``--rounds`` rounds that alternate (ours, stock, stock, ours, ...) so that
load changes hit both. ``D2L_DATA_DIR`` is set for both. Goal: ours at least 5x
stock's throughput (seconds per notebook) with the sandbox on. The scores of the
submissions both graded are compared as a sanity check (they can differ only where
a hidden check fails but the visible checks pass, which these submissions avoid).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import REPO, fmt_seconds, goal_line, median, print_load, print_machine_info

from d2lgrade.notebook import cell_source, nbgrader_meta

GOAL = 5.0
DATA_DIR = REPO.parent / "shared" / "data" / "fashion-mnist-sample"
MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$")


def answers_of(reference: dict[str, Any]) -> dict[str, str]:
    """grade_id -> the reference answer of each solution cell, without the markers."""
    answers = {}
    for cell in reference["cells"]:
        meta = nbgrader_meta(cell)
        if cell["cell_type"] == "code" and meta.get("solution") and meta.get("grade_id"):
            answers[meta["grade_id"]] = "\n".join(
                line for line in cell_source(cell).splitlines() if not MARKER.match(line)
            )
    return answers


def solved(student: dict[str, Any], answers: dict[str, str], which: set[str]) -> dict[str, Any]:
    """The student notebook with the answer cells in ``which`` filled in."""
    notebook = copy.deepcopy(student)
    for cell in notebook["cells"]:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in which:
            cell["source"] = answers[grade_id]
    return notebook


def make_submissions(
    student: dict[str, Any], reference: dict[str, Any], n: int, seed: int = 0
) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, kind, notebook) for n students: solved, partial, untouched, repeating."""
    answers = answers_of(reference)
    ids = sorted(answers)
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kind = ("solved", "partial", "untouched")[i % 3]
        if kind == "solved":
            which = set(ids)
        elif kind == "partial":
            which = set(rng.sample(ids, rng.randint(1, max(1, len(ids) - 1))))
        else:
            which = set()
        out.append((f"s{i:03d}", kind, solved(student, answers, which)))
    return out


def load_exercise(
    assignment: str, workdir: Path
) -> tuple[str, Path, dict[str, Any], dict[str, Any]]:
    """(assignment id, solutions dir, reference notebook, student notebook).

    The course's own exercise when both of its folders exist, else the toy course.
    """
    solution = REPO / "solutions" / assignment / f"{assignment}.ipynb"
    exercise = REPO / "exercises" / assignment / f"{assignment}.ipynb"
    if solution.exists() and exercise.exists():
        return (
            assignment,
            REPO / "solutions",
            json.loads(solution.read_text()),
            json.loads(exercise.read_text()),
        )
    print(
        f"note: {solution} or {exercise} is missing; "
        "using the toy course of tests/grader/toy_course.py"
    )
    sys.path.insert(0, str(REPO / "tests" / "grader"))
    import toy_course

    toy_course.write_course(workdir / "toy_course")
    return (
        toy_course.ASSIGNMENT,
        workdir / "toy_course" / "solutions",
        json.loads(json.dumps(toy_course.reference_notebook())),
        json.loads(json.dumps(toy_course.student_notebook())),
    )


def nbgrader_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTERHUB_USER"] = "bench"  # orders the multiple-choice questions, as on a hub
    return env


def run_nbgrader(args: list[str], course: Path, log: Path) -> float:
    """Run one nbgrader command in ``course``; seconds taken. Raises with the log's tail."""
    started = time.perf_counter()
    with log.open("a") as out:
        done = subprocess.run(
            [str(Path(sys.executable).parent / "nbgrader"), *args],
            cwd=course,
            env=nbgrader_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        tail = "\n".join(log.read_text().splitlines()[-20:])
        raise RuntimeError(f"nbgrader {' '.join(args)} failed ({done.returncode}):\n{tail}")
    return elapsed


def setup_stock_course(course: Path, assignment: str, solutions: Path, log: Path) -> None:
    """A fresh nbgrader course with the assignment generated (and registered in its db)."""
    (course / "source" / assignment).mkdir(parents=True)
    shutil.copy(solutions / assignment / f"{assignment}.ipynb", course / "source" / assignment)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.db_url = {('sqlite:///' + str(course / 'gradebook.db'))!r}\n"
    )
    run_nbgrader(["generate_assignment", assignment, "--force"], course, log)


def stock_scores(course: Path, assignment: str, students: list[str]) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {s: float(gradebook.find_submission(assignment, s).score) for s in students}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="ex2_1")
    parser.add_argument("--n", type=int, default=100, help="submissions graded by ours")
    parser.add_argument(
        "--stock-n",
        type=int,
        default=20,
        help="of these, how many stock nbgrader grades (it is slow)",
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="alternating rounds the submissions are split over"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="parallel notebooks for ours (default: all cores)",
    )
    args = parser.parse_args()
    if not 0 < args.stock_n <= args.n or args.rounds < 1:
        parser.error("need 0 < --stock-n <= --n and --rounds >= 1")

    os.environ["D2L_DATA_DIR"] = str(DATA_DIR)  # for the notebooks stock nbgrader runs
    from d2lgrade.batch import Submission, grade_class
    from d2lgrade.config import GradingConfig
    from d2lgrade.sandbox import sandbox_description

    print_machine_info("grading: d2lutils grade_class vs stock nbgrader autograde")
    import nbgrader

    sandbox = sandbox_description()
    print(
        f"nbgrader {nbgrader.__version__}; our sandbox: {sandbox}; ours with jobs={args.jobs}; "
        f"D2L_DATA_DIR={DATA_DIR}"
    )
    if sandbox != "bubblewrap":
        sys.exit(
            "error: the goal is for grading with the sandbox on, and this machine has none "
            "(install bubblewrap); no ratio is printed"
        )

    with tempfile.TemporaryDirectory(prefix="d2l-bench-grading-") as tmp:
        work = Path(tmp)
        assignment, solutions, reference, student = load_exercise(args.assignment, work)
        submissions = make_submissions(student, reference, args.n)
        kinds = [kind for _, kind, _ in submissions]
        print(
            f"assignment {assignment}: {args.n} submissions "
            f"({kinds.count('solved')} solved, {kinds.count('partial')} partial, "
            f"{kinds.count('untouched')} untouched); stock grades the first {args.stock_n}"
        )
        ours_dir, course, log = work / "ours", work / "stock", work / "nbgrader.log"
        ours_subs: list[Submission] = []
        for name, _, notebook in submissions:
            path = ours_dir / name / assignment / f"{assignment}.ipynb"
            path.parent.mkdir(parents=True)
            path.write_text(json.dumps(notebook))
            ours_subs.append(Submission(name, assignment, path))
        setup_stock_course(course, assignment, solutions, log)

        def split(items: list[Any], rounds: int) -> list[list[Any]]:
            return [
                items[r * len(items) // rounds : (r + 1) * len(items) // rounds]
                for r in range(rounds)
            ]

        stock_rounds = split([name for name, _, _ in submissions[: args.stock_n]], args.rounds)
        for r, names in enumerate(stock_rounds):
            for name in names:
                target = course / "submitted" / f"r{r}_{name}" / assignment / f"{assignment}.ipynb"
                target.parent.mkdir(parents=True)
                shutil.copy(ours_dir / name / assignment / f"{assignment}.ipynb", target)

        config = GradingConfig(jobs=args.jobs, data_dir=DATA_DIR)
        ours_times: list[tuple[float, int]] = []
        stock_times: list[tuple[float, int]] = []
        our_scores: dict[str, float] = {}
        for r, (ours_part, stock_part) in enumerate(
            zip(split(ours_subs, args.rounds), stock_rounds)
        ):
            for side in ("ours", "stock") if r % 2 == 0 else ("stock", "ours"):
                if side == "ours":
                    started = time.perf_counter()
                    results, _ = grade_class(
                        ours_part, solutions, config, progress=lambda line: None
                    )
                    ours_times.append((time.perf_counter() - started, len(ours_part)))
                    our_scores.update({res.student: res.total for res in results})
                else:
                    seconds = run_nbgrader(
                        ["autograde", assignment, "--force", f"--student=r{r}_*"], course, log
                    )
                    stock_times.append((seconds, len(stock_part)))
            print(
                f"round {r + 1}/{args.rounds}: ours {len(ours_part)} notebooks in "
                f"{fmt_seconds(ours_times[-1][0])} "
                f"({fmt_seconds(ours_times[-1][0] / len(ours_part))}/notebook); "
                f"stock {len(stock_part)} in {fmt_seconds(stock_times[-1][0])} "
                f"({fmt_seconds(stock_times[-1][0] / len(stock_part))}/notebook)"
            )

        stock_students = [f"r{r}_{name}" for r, names in enumerate(stock_rounds) for name in names]
        theirs = stock_scores(course, assignment, stock_students)
        disagree = [
            (s, our_scores[s.split("_", 1)[1]], theirs[s])
            for s in stock_students
            if abs(our_scores[s.split("_", 1)[1]] - theirs[s]) > 1e-9
        ]

    ours_per = sum(t for t, _ in ours_times) / sum(n for _, n in ours_times)
    stock_per = sum(t for t, _ in stock_times) / sum(n for _, n in stock_times)
    ours_rounds = [t / n for t, n in ours_times]
    stock_rounds_per = [t / n for t, n in stock_times]
    print(
        f"ours (grade_class, sandbox {sandbox}): {sum(n for _, n in ours_times)} notebooks, "
        f"{fmt_seconds(ours_per)} per notebook overall; per round "
        f"[{', '.join(fmt_seconds(x) for x in ours_rounds)}], "
        f"median {fmt_seconds(median(ours_rounds))}"
    )
    print(
        f"stock (nbgrader autograde, no sandbox): {sum(n for _, n in stock_times)} notebooks, "
        f"{fmt_seconds(stock_per)} per notebook overall; per round "
        f"[{', '.join(fmt_seconds(x) for x in stock_rounds_per)}], median "
        f"{fmt_seconds(median(stock_rounds_per))}"
    )
    print(
        f"scores on the {len(stock_students)} submissions both graded "
        f"[{', '.join(f'{theirs[s]:g}' for s in stock_students)}]: "
        + (
            "all agree"
            if not disagree
            else f"{len(disagree)} differ: "
            + ", ".join(f"{s} ours {a:g} stock {b:g}" for s, a, b in disagree)
        )
    )
    if disagree:
        sys.exit(
            "error: the two graders disagree, so they did not do the same work; no ratio is printed"
        )
    print(
        goal_line(
            "throughput of ours / stock (stock s per notebook / ours s per notebook)",
            stock_per / ours_per,
            GOAL,
            at_least=True,
        )
    )
    round_ratios = [st / ou for st, ou in zip(stock_rounds_per, ours_rounds)]
    print(
        f"  per-round ratios: [{', '.join(f'{r:.2f}' for r in round_ratios)}], "
        f"median {median(round_ratios):.2f}x"
    )
    print_load()


if __name__ == "__main__":
    main()
