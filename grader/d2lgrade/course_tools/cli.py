"""``d2l-course``: course maintenance commands (``student-copy``)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..cli import course_root, run
from .student_copy import write_student_copy


def cmd_student_copy(args: argparse.Namespace) -> int:
    root = args.course or course_root(Path.cwd())
    write_student_copy(root, args.dest)
    print(f"wrote the student copy of the course to {args.dest}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="d2l-course", description="Course maintenance.")
    parser.add_argument("--course", type=Path, help="course root (default: found from here)")
    sub = parser.add_subparsers(dest="command", required=True)
    copy = sub.add_parser("student-copy", help="write the course without solutions, hidden checks "
                                               "and instructor tests")
    copy.add_argument("dest", type=Path, help="a new or empty folder")
    copy.set_defaults(func=cmd_student_copy)
    return parser


def main(argv: list[str] | None = None) -> int:
    return run(build_parser(), argv)

if __name__ == "__main__":
    sys.exit(main())
