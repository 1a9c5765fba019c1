"""``d2l-grade``: the instructor's command line.

It builds one :class:`~d2lgrade.config.GradingConfig` from the options (defaults come
from ``config``), and it is the one place that turns a :class:`GradingError` into a
message and exit status 2. Any other exception is a bug of the grader and keeps its
traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .assignment import known_assignments
from .batch import grade_class, selfcheck_submissions
from .config import (
    DATA_DIR_VARIABLE,
    NO_WARM_VARIABLE,
    WORKER_WAIT_SECONDS,
    GradingConfig,
    Limits,
    default_data_dir,
    default_jobs,
    warm_by_default,
)
from .errors import CourseNotFoundError, GradingError, SubmissionsNotFoundError
from .report import write_feedback, write_summary
from .sandbox import sandbox_description
from .term.export import export_grades
from .term.session import collect, write_gradebook_and_changes
from .term.similarity import report_similarity


def course_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` that holds ``solutions/``."""
    for folder in [start, *start.parents]:
        if (folder / "solutions").is_dir():
            return folder
    raise CourseNotFoundError(
        f"no solutions/ folder at or above {start}: run this inside the "
        "course folder or pass --course PATH"
    )


def _config(
    args: argparse.Namespace,
    cache_dir: Path | None = None,
    scheduler: str | None = None,
    worker_wait: float = WORKER_WAIT_SECONDS,
) -> GradingConfig:
    """The run's configuration from the run options; ``scheduler`` and ``worker_wait``
    come from ``grade``'s scale-out options (the other commands grade here)."""
    limits = Limits(cell_seconds=args.cell_timeout, notebook_seconds=args.notebook_timeout)
    return GradingConfig(
        limits=limits,
        data_dir=args.data_dir,
        jobs=args.jobs,
        cache_dir=cache_dir,
        warm_sandboxes=args.warm_sandbox,
        scheduler=scheduler,
        worker_wait=worker_wait,
    )


def _warn_if_unsandboxed() -> None:
    description = sandbox_description()
    if description != "bubblewrap":
        banner = "!" * 78
        print(
            f"{banner}\nWARNING: no sandbox. {description}.\nInstall bubblewrap "
            f"(apt-get install bubblewrap) to grade untrusted notebooks.\n{banner}",
            file=sys.stderr,
        )


def cmd_grade(args: argparse.Namespace) -> int:
    root = args.course or course_root(Path.cwd())
    _warn_if_unsandboxed()
    out = args.out
    term = collect(root, args.submissions, args.assignment or [], out, args.course_file, args.times)
    submissions = term.submissions
    if not submissions:
        raise SubmissionsNotFoundError(f"no submissions found in {args.submissions}")
    cache_dir = None if args.no_cache else out / ".cache"
    config = _config(args, cache_dir, args.scheduler, args.worker_wait)
    results, assignments = grade_class(submissions, root / "solutions", config)
    changed = write_gradebook_and_changes(term, results, assignments, out)
    write_feedback(results, out / "feedback")
    write_summary(results, assignments, out)
    print(
        f"wrote {out / 'gradebook.csv'}, {out / 'feedback'}/<student>.html and "
        f"{out / 'summary.html'} (sandbox: {sandbox_description()})"
    )
    print(f"{changed} change(s) since the last run in {out / 'changes.csv'}")
    if args.similarity:
        pairs = report_similarity(submissions, root, out)
        print(f"{pairs} similar pair(s) in {out / 'similarity'}/<assignment>.html")
    for problem in term.problems:
        print(f"warning: {problem}", file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    root = args.course or course_root(Path.cwd())
    lms = "canvas" if args.canvas else "moodle"
    out = args.out or args.grades.parent / f"{lms}.csv"
    left_out = export_grades(root, args.course_file, args.grades, lms, out, args.section)
    print(f"wrote {out}")
    for student in left_out:
        print(f"warning: {student} is not on the roster and is not in {out}", file=sys.stderr)
    return 0


def cmd_selfcheck(args: argparse.Namespace) -> int:
    root = args.course or course_root(Path.cwd())
    ids = args.assignment or known_assignments(root / "solutions")
    submissions = [s for assignment_id in ids for s in selfcheck_submissions(root, assignment_id)]
    results, _ = grade_class(submissions, root / "solutions", _config(args))
    failed = False
    for result in results:
        want = result.max_total if result.student == "reference" else 0.0
        ok = result.total == want and result.code is None
        failed |= not ok
        print(
            f"{'ok  ' if ok else 'FAIL'} {result.assignment} {result.student}: "
            f"{result.total:g}/{result.max_total:g} (want {want:g})"
        )
        if not ok:
            for task_id, task in result.tasks.items():
                print(f"       {task_id}: {task.points:g}/{task.max_points:g} {task.message}")
    return 1 if failed else 0


def _add_run_options(p: argparse.ArgumentParser) -> None:
    """The options of every command that grades: parallelism, limits, data, sandbox kind."""
    defaults = Limits()
    p.add_argument(
        "--jobs",
        type=int,
        default=default_jobs(),
        help="notebooks graded at once (default: the cores this process may use)",
    )
    p.add_argument(
        "--cell-timeout",
        type=float,
        default=defaults.cell_seconds,
        help=f"seconds per cell (default {defaults.cell_seconds:g})",
    )
    p.add_argument(
        "--notebook-timeout",
        type=float,
        default=defaults.notebook_seconds,
        help=f"seconds per notebook (default {defaults.notebook_seconds:g})",
    )
    p.add_argument(
        "--data-dir",
        type=Path,
        default=default_data_dir(),
        help="folder holding FashionMNIST/raw for the notebooks (default: "
        f"${DATA_DIR_VARIABLE}, else d2lutils' cache folder)",
    )
    p.add_argument(
        "--no-warm-sandbox",
        dest="warm_sandbox",
        action="store_false",
        default=warm_by_default(),
        help=f"a new sandbox per notebook even as root (default when ${NO_WARM_VARIABLE} is set)",
    )


def _add_grade(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    grade = sub.add_parser("grade", help="grade a folder of submissions")
    grade.add_argument(
        "submissions",
        type=Path,
        help="nbgrader's submitted/ folder, a folder of <student>.ipynb files, or a Canvas "
        "'Download Submissions' zip (with one --assignment)",
    )
    grade.add_argument(
        "-a",
        "--assignment",
        action="append",
        help="assignment id (repeatable); required for a flat folder",
    )
    grade.add_argument("-o", "--out", type=Path, default=Path("grades"), help="output folder")
    grade.add_argument("--no-cache", action="store_true", help="regrade everything")
    grade.add_argument(
        "--course-file",
        type=Path,
        help="the term's course.toml (roster, due dates, late policy; default: "
        "course.toml in the course folder, if there is one)",
    )
    grade.add_argument(
        "--similarity",
        action="store_true",
        help="also compare the answer cells across submissions (similarity/, linked from "
        "summary.html; evidence only, no grade changes)",
    )
    grade.add_argument(
        "--times",
        type=Path,
        metavar="CSV",
        help="submission times (columns student_id,submitted_at) for a flat folder or zip",
    )
    _add_scale_out_options(grade)
    _add_run_options(grade)
    grade.set_defaults(func=cmd_grade)


def _add_scale_out_options(grade: argparse.ArgumentParser) -> None:
    grade.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="grade on a Dask cluster (e.g. tcp://host:8786); --jobs is then "
        "the number of sandboxes per worker",
    )
    grade.add_argument(
        "--worker-wait",
        type=float,
        default=WORKER_WAIT_SECONDS,
        metavar="SECONDS",
        help="with --scheduler: after this long without any worker, report the notebooks "
        f"still waiting as not graded (default {WORKER_WAIT_SECONDS:.0f})",
    )


def _add_export(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = sub.add_parser("export", help="final points as an LMS grade import CSV")
    lms = export.add_mutually_exclusive_group(required=True)
    lms.add_argument("--canvas", action="store_true", help="Canvas gradebook import")
    lms.add_argument("--moodle", action="store_true", help="Moodle grade import (CSV file)")
    export.add_argument(
        "--grades",
        type=Path,
        default=Path("grades/gradebook.csv"),
        help="the gradebook that grade wrote with a course file (default grades/gradebook.csv)",
    )
    export.add_argument("--course-file", type=Path, help="course.toml (default: in the course)")
    export.add_argument("--section", help="only this section's students")
    export.add_argument(
        "-o",
        "--out",
        type=Path,
        help="where to write (default: canvas.csv or moodle.csv beside it)",
    )
    export.set_defaults(func=cmd_export)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="d2l-grade", description="Grade exercise notebooks.")
    parser.add_argument("--course", type=Path, help="course root (default: found from here)")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_grade(sub)
    _add_export(sub)
    selfcheck = sub.add_parser("selfcheck", help="reference earns full marks, untouched exercise 0")
    selfcheck.add_argument("assignment", nargs="*")
    _add_run_options(selfcheck)
    selfcheck.set_defaults(func=cmd_selfcheck)
    return parser


def run(parser: argparse.ArgumentParser, argv: list[str] | None) -> int:
    """Parse ``argv`` and run the chosen command.

    A ``GradingError`` becomes one line on stderr and exit status 2.
    """
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except GradingError as err:
        print(f"{parser.prog}: {err}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> int:
    return run(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
