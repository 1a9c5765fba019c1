"""``d2l-grade``: the instructor's command line."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..data import data_root
from .batch import Submission, find_submissions, grade_class
from .report import write_feedback, write_gradebook, write_summary
from .sandbox import Limits, sandbox_description


def course_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` that holds ``solutions/``."""
    for folder in [start, *start.parents]:
        if (folder / "solutions").is_dir():
            return folder
    raise FileNotFoundError(f"no solutions/ folder at or above {start}: pass --course")


def _data_dir() -> Path | None:
    folder = data_root()
    return folder if folder.exists() else None


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(cell_seconds=args.cell_timeout, notebook_seconds=args.notebook_timeout)


def _warn_if_unsandboxed() -> None:
    description = sandbox_description()
    if description != "bubblewrap":
        banner = "!" * 78
        print(f"{banner}\nWARNING: no sandbox. {description}.\nInstall bubblewrap "
              f"(apt-get install bubblewrap) to grade untrusted notebooks.\n{banner}", file=sys.stderr)


def cmd_grade(args: argparse.Namespace) -> int:
    root = args.course or course_root(Path.cwd())
    _warn_if_unsandboxed()
    submissions = find_submissions(args.submissions, args.assignment or [])
    if not submissions:
        print(f"no submissions found in {args.submissions}", file=sys.stderr)
        return 2
    out = args.out
    results, assignments = grade_class(
        submissions, root / "solutions", args.jobs, _limits(args), _data_dir(),
        None if args.no_cache else out / ".cache")
    write_gradebook(results, assignments, out / "gradebook.csv")
    write_feedback(results, out / "feedback")
    write_summary(results, assignments, out)
    print(f"wrote {out / 'gradebook.csv'}, {out / 'feedback'}/<student>.html and "
          f"{out / 'summary.html'} (sandbox: {sandbox_description()})")
    return 0


def cmd_selfcheck(args: argparse.Namespace) -> int:
    root = args.course or course_root(Path.cwd())
    ids = args.assignment or sorted(p.name for p in (root / "solutions").iterdir()
                                    if (p / f"{p.name}.ipynb").exists())
    submissions = []
    for assignment_id in ids:
        submissions.append(Submission("reference", assignment_id,
                                      root / "solutions" / assignment_id / f"{assignment_id}.ipynb"))
        submissions.append(Submission("untouched", assignment_id,
                                      root / "exercises" / assignment_id / f"{assignment_id}.ipynb"))
    results, _ = grade_class(submissions, root / "solutions", args.jobs, _limits(args), _data_dir())
    failed = False
    for result in results:
        want = result.max_total if result.student == "reference" else 0.0
        ok = result.total == want
        failed |= not ok
        print(f"{'ok  ' if ok else 'FAIL'} {result.assignment} {result.student}: "
              f"{result.total:g}/{result.max_total:g} (want {want:g})")
        if not ok:
            for task_id, task in result.tasks.items():
                print(f"       {task_id}: {task.points:g}/{task.max_points:g} {task.message}")
    return 1 if failed else 0


def cmd_student_copy(args: argparse.Namespace) -> int:
    from .student_copy import write_student_copy

    root = args.course or course_root(Path.cwd())
    write_student_copy(root, args.dest)
    print(f"wrote the student copy of the course to {args.dest}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="d2l-grade", description="Grade exercise notebooks.")
    parser.add_argument("--course", type=Path, help="course root (default: found from here)")
    sub = parser.add_subparsers(dest="command", required=True)

    def limits(p: argparse.ArgumentParser) -> None:
        p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                       help="notebooks graded at once (default: number of cores)")
        p.add_argument("--cell-timeout", type=float, default=60.0, help="seconds per cell")
        p.add_argument("--notebook-timeout", type=float, default=240.0, help="seconds per notebook")

    grade = sub.add_parser("grade", help="grade a folder of submissions")
    grade.add_argument("submissions", type=Path,
                       help="nbgrader's submitted/ folder, or a folder of <student>.ipynb files")
    grade.add_argument("-a", "--assignment", action="append",
                       help="assignment id (repeatable); required for a flat folder")
    grade.add_argument("-o", "--out", type=Path, default=Path("grades"), help="output folder")
    grade.add_argument("--no-cache", action="store_true", help="regrade everything")
    limits(grade)
    grade.set_defaults(func=cmd_grade)

    selfcheck = sub.add_parser("selfcheck", help="reference earns full marks, untouched exercise 0")
    selfcheck.add_argument("assignment", nargs="*")
    limits(selfcheck)
    selfcheck.set_defaults(func=cmd_selfcheck)

    copy = sub.add_parser("student-copy", help="write the course without solutions")
    copy.add_argument("dest", type=Path)
    copy.set_defaults(func=cmd_student_copy)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (FileNotFoundError, ValueError, RuntimeError) as err:
        print(f"d2l-grade: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
