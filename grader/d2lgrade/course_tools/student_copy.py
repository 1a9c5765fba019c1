"""Write the student-facing copy of the course: everything except what reveals answers.

Left out: ``solutions/`` (reference notebooks and hidden checks), instructor-only
tests (``tests/instructor/``) and any grading output. The copy is checked after it
is written: no solution marker and no line of a solution region may appear in it.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from ..errors import StudentCopyError
from ..notebook import cell_source

PRIVATE_PREFIXES = ("solutions/", "tests/instructor/")
MIN_LEAK_LINE = 20  # shorter solution lines (``return x``) also occur in innocent code


def course_files(root: Path) -> list[str]:
    """Files of the course: those git tracks plus untracked ones it does not ignore."""
    try:
        listing = subprocess.run(["git", "-C", str(root), "ls-files", "--cached", "--others",
                                  "--exclude-standard", "-z"], capture_output=True, check=True)
    except FileNotFoundError:
        raise StudentCopyError("git is not installed; the student copy lists the course's "
                               "files with git") from None
    except subprocess.CalledProcessError as err:
        detail = err.stderr.decode(errors="replace").strip().splitlines()
        raise StudentCopyError(f"{root} is not a git checkout of the course "
                               f"({detail[-1] if detail else 'git ls-files failed'}); run it "
                               "in a clone, which says which files belong to the course") from None
    return sorted({p for p in listing.stdout.decode().split("\0") if p and (root / p).is_file()})


def _regions(source: str) -> tuple[list[str], list[str]]:
    """Stripped lines inside and outside ``### BEGIN/END SOLUTION`` regions."""
    inside, outside, in_region = [], [], False
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith("### BEGIN SOLUTION"):
            in_region = True
        elif stripped.startswith("### END SOLUTION"):
            in_region = False
        else:
            (inside if in_region else outside).append(stripped)
    return inside, outside


def solution_lines(root: Path) -> set[str]:
    """Non-trivial lines that only solution regions of the reference notebooks hold.

    Lines that the same notebooks also show outside a region (a task statement that
    gives a starting line, say) are public by design and left out.
    """
    inside: set[str] = set()
    outside: list[str] = []
    for path in sorted((root / "solutions").glob("*/*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            cell_inside, cell_outside = _regions(cell_source(cell))
            inside.update(line for line in cell_inside if len(line) >= MIN_LEAK_LINE)
            outside += cell_outside
    public = "\n".join(outside)
    return {line for line in inside if line not in public}


# Files that name the markers without holding any solution: the grader, which looks
# for them, the toy course of the grading tests, and the docs that explain them.
MARKER_EXEMPT = ("grader/d2lgrade/", "nbgrader_config.py", "tests/", "CONTRIBUTING.md", "README.md")


def find_leaks(folder: Path, secret_lines: set[str]) -> list[str]:
    """Solution markers anywhere, and solution lines in the exercise notebooks.

    Library code and book chapters may well contain a line that also solves an
    exercise (the book teaches it); only the exercises are derived from solutions.
    """
    leaks = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        text = path.read_text(errors="ignore")
        if not name.startswith(MARKER_EXEMPT):
            leaks += [f"{name}: contains {marker!r}" for marker in
                      ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "@probe(") if marker in text]
        if name.startswith("exercises/"):
            leaks += [f"{name}: contains solution line {line!r}" for line in secret_lines if line in text]
    return leaks


def write_student_copy(root: Path, dest: Path) -> None:
    """Copy the course at ``root`` to ``dest`` without anything instructor-only."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise StudentCopyError(f"{dest} exists and is not an empty folder: choose a new folder")
    files = [f for f in course_files(root) if not f.startswith(PRIVATE_PREFIXES)
             and Path(f).name != "hidden_checks.py"]
    for name in files:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)
    leaks = find_leaks(dest, solution_lines(root))
    if leaks:
        shutil.rmtree(dest)
        raise StudentCopyError("the student copy would reveal solutions (nothing was written):\n  "
                               + "\n  ".join(leaks[:20]))
