"""Write the student-facing copy of the course: everything except what reveals answers.

Left out: ``solutions/`` (reference notebooks and hidden checks), instructor-only
tests (``tests/instructor/``) and any grading output. The copy is checked after it
is written: no solution marker and no line of a solution region may appear in it.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ..errors import StudentCopyError
from .leaks import MARKERS, hidden_check_secrets, leaks_in, public_text, solution_secrets

PRIVATE_PREFIXES = ("solutions/", "tests/instructor/")


def course_files(root: Path) -> list[str]:
    """Files of the course: those git tracks plus untracked ones it does not ignore."""
    try:
        listing = subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "ls-files",
                "--cached",
                "--others",
                "--exclude-standard",
                "-z",
            ],
            capture_output=True,
            check=True,
        )
    except FileNotFoundError:
        raise StudentCopyError(
            "git is not installed; the student copy lists the course's files with git"
        ) from None
    except subprocess.CalledProcessError as err:
        detail = err.stderr.decode(errors="replace").strip().splitlines()
        raise StudentCopyError(
            f"{root} is not a git checkout of the course "
            f"({detail[-1] if detail else 'git ls-files failed'}); run it "
            "in a clone, which says which files belong to the course"
        ) from None
    return sorted({p for p in listing.stdout.decode().split("\0") if p and (root / p).is_file()})


# Files that name the markers without holding any solution: the grader, which looks
# for them, the toy course of the grading tests, and the docs that explain them.
MARKER_EXEMPT = ("grader/d2lgrade/", "nbgrader_config.py", "tests/", "CONTRIBUTING.md", "README.md")


def find_leaks(folder: Path, root: Path) -> list[str]:
    """What in ``folder`` reveals the solutions or hidden checks of the course at ``root``.

    Markers and hidden-check lines are looked for everywhere (but in the files that
    explain them); solution lines in the exercise notebooks only, since the book and the
    library may well hold a line that also solves an exercise (the book teaches it).
    """
    public = public_text(root)
    solutions, checks = solution_secrets(root, public), hidden_check_secrets(root, public)
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        text = path.read_text(errors="ignore")
        if not name.startswith(MARKER_EXEMPT):
            found += [f"{name}: contains {marker!r}" for marker in MARKERS if marker in text]
            found += [f"{name}: {leak}" for leak in leaks_in(text, checks)]
        if name.startswith("exercises/"):
            found += [f"{name}: {leak}" for leak in leaks_in(text, solutions)]
    return found


def write_student_copy(root: Path, dest: Path) -> None:
    """Copy the course at ``root`` to ``dest`` without anything instructor-only."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise StudentCopyError(f"{dest} exists and is not an empty folder: choose a new folder")
    files = [
        f
        for f in course_files(root)
        if not f.startswith(PRIVATE_PREFIXES) and Path(f).name != "hidden_checks.py"
    ]
    for name in files:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)
    leaks = find_leaks(dest, root)
    if leaks:
        shutil.rmtree(dest)
        raise StudentCopyError(
            "the student copy would reveal solutions (nothing was written):\n  "
            + "\n  ".join(leaks[:20])
        )
