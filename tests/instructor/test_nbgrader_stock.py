"""Stock nbgrader on the course layout: generate_assignment reproduces exercises/,
and autograde (visible tests) and export run."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from test_exercises import ASSIGNMENTS, REPO


def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    # Stock nbgrader knows no student id; on a JupyterHub the hub user orders the
    # multiple-choice questions, as here.
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "JUPYTERHUB_USER": "stock-test",
    }
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _cells(path: Path) -> list[tuple]:
    notebook = json.loads(path.read_text())
    return [
        (
            c["cell_type"],
            "".join(c["source"]) if isinstance(c["source"], list) else c["source"],
            json.dumps(c["metadata"], sort_keys=True),
        )
        for c in notebook["cells"]
    ]


def _course_copy(tmp_path: Path) -> Path:
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", course)
    shutil.copytree(REPO / "solutions", course / "solutions")
    return course


def test_generate_assignment_reproduces_committed_exercises(tmp_path):
    course = _course_copy(tmp_path)
    script = (
        "import sys\n"
        "from nbgrader.apps import NbGraderAPI\n"
        "from traitlets.config.loader import PyFileConfigLoader\n"
        "config = PyFileConfigLoader('nbgrader_config.py', path='.').load_config()\n"
        "api = NbGraderAPI(config=config)\n"
        "for a in sys.argv[1:]:\n"
        "    result = api.generate_assignment(a, force=True)\n"
        "    assert result['success'], result\n"
    )
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    run = subprocess.run(
        [sys.executable, "-c", script, *ASSIGNMENTS],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    for assignment_id in ASSIGNMENTS:
        name = f"{assignment_id}/{assignment_id}.ipynb"
        assert _cells(course / "exercises" / name) == _cells(REPO / "exercises" / name), (
            f"exercises/{name} is stale: regenerate it with "
            f"nbgrader generate_assignment {assignment_id} --force"
        )


def test_stock_autograde_and_export(tmp_path):
    course = _course_copy(tmp_path)
    assignment = "ex2_1"
    assert _nbgrader(course, "generate_assignment", assignment, "--force").returncode == 0
    for student, source in (("ref", REPO / "solutions"), ("blank", REPO / "exercises")):
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        shutil.copy(source / assignment / f"{assignment}.ipynb", folder)
    graded = _nbgrader(course, "autograde", assignment, "--create", "--force")
    assert graded.returncode == 0, graded.stderr[-3000:]
    exported = _nbgrader(course, "export", "--to", "grades.csv")
    assert exported.returncode == 0, exported.stderr[-3000:]
    rows = {r["student_id"]: r for r in csv.DictReader((course / "grades.csv").open())}
    assert float(rows["ref"]["score"]) == float(rows["ref"]["max_score"]) > 0
    assert float(rows["blank"]["score"]) == 0
