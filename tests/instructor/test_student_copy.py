"""The student-facing copy: no solutions in it, and its own tests pass."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from d2lgrade.course_tools.student_copy import find_leaks, write_student_copy
from d2lgrade.errors import StudentCopyError

REPO = Path(__file__).resolve().parents[2]


def test_student_copy_has_no_solutions_and_passes_its_tests(tmp_path):
    copy = tmp_path / "student-course"
    write_student_copy(REPO, copy)
    assert not (copy / "solutions").exists()
    assert not list(copy.rglob("hidden_checks.py"))
    assert not (copy / "tests" / "instructor").exists()
    assert (copy / "exercises" / "ex2_1" / "ex2_1.ipynb").exists()
    assert not find_leaks(copy, REPO)
    sample = REPO.parent / "shared" / "data" / "fashion-mnist-sample"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(copy), str(copy / "grader")]),
        "D2L_DATA_DIR": os.environ.get("D2L_DATA_DIR", str(sample)),
    }
    # These files run unchanged in the main suite; the site and PDF tests also need a
    # built site and PDF, which the copy does not build.
    same_elsewhere = [
        "tests/grader/sandbox/test_corpus.py",
        "tests/grader/sandbox/test_unprivileged.py",
        "tests/grader/test_scaleout.py",
        "tests/test_book_results.py",
        "tests/test_pdf.py",
        "tests/test_site.py",
    ]
    for name in same_elsewhere:
        assert (copy / name).read_bytes() == (REPO / name).read_bytes()
    ignores = [arg for name in same_elsewhere for arg in ("--ignore", name)]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "tests", "-q", "-x", "-p", "no:cacheprovider", *ignores],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert " passed" in run.stdout


def test_student_copy_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "x").write_text("x")
    with pytest.raises(StudentCopyError, match="not an empty folder"):
        write_student_copy(REPO, tmp_path)
