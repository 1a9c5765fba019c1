"""``d2l-course student-copy``: the refusals an instructor can run into."""

from __future__ import annotations

import json
import subprocess

from d2lgrade.course_tools.cli import main


def test_student_copy_refuses_a_non_empty_destination(tmp_path, capsys):
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "old.txt").write_text("x")
    assert main(["--course", str(tmp_path), "student-copy", str(dest)]) == 2
    err = capsys.readouterr().err
    assert "is not an empty folder" in err and "Traceback" not in err


def test_student_copy_needs_a_git_checkout(tmp_path, capsys):
    course = tmp_path / "course"
    (course / "solutions").mkdir(parents=True)
    assert main(["--course", str(course), "student-copy", str(tmp_path / "copy")]) == 2
    err = capsys.readouterr().err
    assert "is not a git checkout" in err and "Traceback" not in err
    assert not (tmp_path / "copy").exists()


def test_student_copy_of_a_tiny_course_leaves_the_solutions_out(tmp_path, capsys):
    course = tmp_path / "course"
    (course / "solutions" / "a").mkdir(parents=True)
    (course / "solutions" / "a" / "hidden_checks.py").write_text("secret = 1\n")
    reference = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": "def f():\n    ### BEGIN SOLUTION\n    return 42\n    ### END SOLUTION",
            }
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (course / "solutions" / "a" / "a.ipynb").write_text(json.dumps(reference))
    (course / "book.md").write_text("# a book\n")
    subprocess.run(["git", "init", "-q", str(course)], check=True)
    assert main(["--course", str(course), "student-copy", str(tmp_path / "copy")]) == 0
    assert (tmp_path / "copy" / "book.md").exists()
    assert not (tmp_path / "copy" / "solutions").exists()
    assert not list((tmp_path / "copy").rglob("*.ipynb"))
    assert "wrote the student copy" in capsys.readouterr().out
