"""``d2l-course``: course maintenance commands (``student-copy``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..assignment import known_assignments
from ..cli import course_root, run
from ..config import GradingConfig, default_data_dir
from .rule_examples import check_rule_examples
from .student_copy import write_student_copy


def cmd_student_copy(args: argparse.Namespace) -> int:
    root = args.course or course_root(Path.cwd())
    write_student_copy(root, args.dest)
    print(f"wrote the student copy of the course to {args.dest}")
    return 0


def cmd_check_rules(args: argparse.Namespace) -> int:
    root = args.course or course_root(Path.cwd())
    ids = args.assignment or known_assignments(root / "solutions")
    config = GradingConfig(data_dir=args.data_dir, **({"jobs": args.jobs} if args.jobs else {}))
    outcomes = check_rule_examples(root / "solutions", ids, config)
    for o in outcomes:
        side = "breaks" if o.breaks else "keeps "
        print(
            f"{'ok  ' if o.ok else 'FAIL'} {o.assignment} {o.task} {side} {o.label}: "
            f"{o.points:g}/{o.max_points:g}" + ("" if o.ok else f"  ({o.message})")
        )
    print(f"{sum(o.ok for o in outcomes)} of {len(outcomes)} rule examples behave as declared")
    return 0 if all(o.ok for o in outcomes) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="d2l-course", description="Course maintenance.")
    parser.add_argument("--course", type=Path, help="course root (default: found from here)")
    sub = parser.add_subparsers(dest="command", required=True)
    copy = sub.add_parser(
        "student-copy",
        help="write the course without solutions, hidden checks and instructor tests",
    )
    copy.add_argument("dest", type=Path, help="a new or empty folder")
    copy.set_defaults(func=cmd_student_copy)
    rules = sub.add_parser(
        "check-rules",
        help="grade every task's RULE_EXAMPLES: breaking answers must "
        "lose their task, compliant ones keep it",
    )
    rules.add_argument("assignment", nargs="*")
    rules.add_argument(
        "--jobs", type=int, default=0, help="notebooks graded at once (default: all cores)"
    )
    rules.add_argument(
        "--data-dir",
        type=Path,
        default=default_data_dir(),
        help="folder holding FashionMNIST/raw (default: $D2L_DATA_DIR)",
    )
    rules.set_defaults(func=cmd_check_rules)
    return parser


def main(argv: list[str] | None = None) -> int:
    return run(build_parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
