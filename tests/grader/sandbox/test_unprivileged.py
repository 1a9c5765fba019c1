"""Grading as an unprivileged user: the path an instructor on a laptop or JupyterHub takes.

CI runs as root, where the grader uses warm sandboxes; this test drops to ``nobody``
and runs ``d2l-grade`` there, so that the per-notebook sandbox with
``bwrap --unshare-user`` is exercised too: the corpus's fast cases keep their exact
expected points, and the selfcheck of two exercises passes. ``nobody`` cannot read the
interpreter under /root or a checkout in a private temporary folder, so the test
builds a readable world first: hard-linked copies of the interpreter prefix and the
virtual environment (re-pointed at each other), and plain copies of the course's
packages, the toy course and the data.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import toy_course as toy
from test_corpus import Listener, build_corpus

from d2lgrade.sandbox import sandbox_description

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO.parent / "shared" / "data" / "fashion-mnist-sample"
NOBODY = 65534
# Corpus cases that end by running into a time limit: slow, and covered as root.
SLOW_CASES = {
    "infinite_loop",
    "long_sleep",
    "memory_bomb",
    "fork_bomb",
    "huge_print",
    "fifty_megabytes",
}
SELFCHECKED = ["ex2_1", "ex4_2"]

pytestmark = [
    pytest.mark.skipif(os.getuid() != 0, reason="needs root to switch to an unprivileged user"),
    pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv (util-linux)"),
]


def copy_tree(source: Path, target: Path) -> None:
    """Hard links where the file system allows them (instant, no space), else a copy."""
    same_device = source.stat().st_dev == target.parent.stat().st_dev
    subprocess.run(["cp", "-al" if same_device else "-a", str(source), str(target)], check=True)


def readable_world(root: Path) -> dict[str, Path]:
    """Interpreter, venv, course packages, toy course and data that ``nobody`` can read."""
    root.chmod(0o755)
    python, venv = root / "python", root / "venv"
    copy_tree(Path(sys.base_prefix), python)
    copy_tree(Path(sys.prefix), venv)
    config = venv / "pyvenv.cfg"
    lines = [
        f"home = {python / 'bin'}" if line.startswith("home") else line
        for line in config.read_text().splitlines()
    ]
    config.unlink()  # a new file: the hard-linked original stays as it is
    config.write_text("\n".join(lines) + "\n")
    for link in ("python", "python3"):
        target = venv / "bin" / link
        target.unlink()
        target.symlink_to(
            python / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
        )
    course = root / "course"
    course.mkdir()
    shutil.copytree(REPO / "d2lutils", course / "d2lutils")
    shutil.copytree(REPO / "grader" / "d2lgrade", course / "grader" / "d2lgrade")
    for assignment in SELFCHECKED if (REPO / "solutions").is_dir() else []:
        shutil.copytree(REPO / "solutions" / assignment, course / "solutions" / assignment)
        shutil.copytree(REPO / "exercises" / assignment, course / "exercises" / assignment)
    shutil.copytree(SAMPLE, root / "data")
    home = root / "home"
    home.mkdir()
    # Folders are new, so opening them up changes nothing else; a hard-linked file
    # shares its mode with the original, so only plain copies are touched.
    for path in [root, *root.rglob("*")]:
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(path.stat().st_mode | 0o555)
        elif path.stat().st_nlink == 1:
            path.chmod(path.stat().st_mode | 0o444)
    os.chown(home, NOBODY, NOBODY)
    return {
        "python": venv / "bin" / "python",
        "course": course,
        "home": home,
        "data": root / "data",
    }


def as_nobody(world: dict[str, Path], *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(world["home"]),
        "LANG": "C.UTF-8",
        "PYTHONPATH": os.pathsep.join([str(world["course"]), str(world["course"] / "grader")]),
        "D2L_DATA_DIR": str(world["data"]),
        "MPLCONFIGDIR": str(world["home"] / "mpl"),
    }
    command = [
        "setpriv",
        f"--reuid={NOBODY}",
        f"--regid={NOBODY}",
        "--clear-groups",
        str(world["python"]),
        "-m",
        "d2lgrade.cli",
        *args,
    ]
    return subprocess.run(
        command, env=env, cwd=world["home"], capture_output=True, text=True, timeout=1200
    )


@pytest.fixture(scope="module")
def world():
    assert sandbox_description() == "bubblewrap", "install bubblewrap"
    root = Path(tempfile.mkdtemp(prefix="d2l-unprivileged-", dir="/var/tmp"))
    try:
        yield readable_world(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_an_unprivileged_user_grades_the_corpus_with_a_sandbox_per_notebook(world):
    course = toy.write_course(world["home"] / "toy-course")
    host_file = world["home"] / "pwned.txt"
    listener = Listener()
    try:
        cases = {
            name: case
            for name, case in build_corpus(course, host_file, listener.port).items()
            if name not in SLOW_CASES
        }
        submitted = world["home"] / "submitted"
        submitted.mkdir()
        for name, (data, _, _) in cases.items():
            (submitted / f"{name}.ipynb").write_bytes(data)
        for path in world["home"].rglob("*"):
            os.chown(path, NOBODY, NOBODY)
        run = as_nobody(
            world,
            "--course",
            str(course),
            "grade",
            str(submitted),
            "-a",
            "toy",
            "-o",
            str(world["home"] / "grades"),
            "--jobs",
            "2",
            "--cell-timeout",
            "20",
        )
    finally:
        listener.close()
    assert run.returncode == 0, run.stderr[-3000:]
    assert "WARNING: no sandbox" not in run.stderr
    rows = {
        r["student"]: r for r in csv.DictReader((world["home"] / "grades" / "gradebook.csv").open())
    }
    assert len(rows) == len(cases) >= 25
    for name, (_, expected, note) in cases.items():
        row = rows[name]
        assert row["sandbox"] == "bubblewrap"
        earned = {task: int(float(row[f"toy:{task}"])) for task in toy.POINTS}
        assert earned == expected, (name, row["notes"])
        assert note in row["notes"], (name, row["notes"])
    assert not host_file.exists() and listener.connections == 0


@pytest.mark.skipif(not (REPO / "solutions").is_dir(), reason="the student copy has no solutions/")
def test_an_unprivileged_user_passes_the_selfcheck_of_two_exercises(world):
    run = as_nobody(
        world, "--course", str(world["course"]), "selfcheck", *SELFCHECKED, "--jobs", "2"
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    for assignment in SELFCHECKED:
        assert (
            f"ok   {assignment} reference" in run.stdout
            and f"ok   {assignment} untouched" in run.stdout
        )
