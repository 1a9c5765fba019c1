"""The exercises against their reference solutions (instructor only: needs solutions/).

One batch grades, for every assignment, the reference notebook (full marks), the
untouched student notebook (0, in bounded time) and a reference with its last task
left unsolved (exactly that task's points missing).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from d2lgrade.assignment import load_assignment
from d2lgrade.batch import Submission, grade_class, selfcheck_submissions
from d2lgrade.config import GradingConfig, Limits
from d2lgrade.course_tools.leaks import MARKERS, hidden_check_secrets, leaks_in, solution_secrets
from d2lgrade.notebook import cell_source, nbgrader_meta

REPO = Path(__file__).resolve().parents[2]
ASSIGNMENTS = [
    "ex2_1",
    "ex2_2",
    "ex2_3",
    "ex2_4",
    "ex2_5",
    "ex2_6",
    "ex2_7",
    "ex3_1",
    "ex3_2",
    "ex3_3",
    "ex3_4",
    "ex3_5",
    "ex3_6",
    "ex3_7",
    "ex4_1",
    "ex4_2",
    "ex4_3",
    "ex4_4",
    "ex4_5",
    "ex4_6",
    "ex4_7",
    "ex5_1",
    "ex5_2",
    "ex5_3",
]
LIMITS = Limits(notebook_seconds=180)
STUB = "# YOUR CODE HERE\nraise NotImplementedError()"


def without_last_task(assignment_id: str) -> tuple[bytes, str]:
    """The reference notebook with the answer cells of its last task stubbed out."""
    path = REPO / "solutions" / assignment_id / f"{assignment_id}.ipynb"
    notebook = json.loads(path.read_text())
    cells = notebook["cells"]
    test_positions = [
        i
        for i, c in enumerate(cells)
        if nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution")
    ]
    last, previous = test_positions[-1], test_positions[-2]
    for cell in cells[previous + 1 : last]:
        if nbgrader_meta(cell).get("solution") and cell["cell_type"] == "code":
            source = cell_source(cell)
            head = source.split("### BEGIN SOLUTION")[0]
            indent = head.splitlines()[-1] if head and not head.endswith("\n") else ""
            cell["source"] = head.rstrip(" ") + "\n".join(
                indent + line for line in STUB.splitlines()
            )
    return json.dumps(notebook).encode(), nbgrader_meta(cells[last])["grade_id"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("partial")
    submissions, unsolved = [], {}
    for assignment_id in ASSIGNMENTS:
        submissions += selfcheck_submissions(REPO, assignment_id)
        data, task = without_last_task(assignment_id)
        path = folder / f"{assignment_id}.ipynb"
        path.write_bytes(data)
        submissions.append(Submission("partial", assignment_id, path))
        unsolved[assignment_id] = task
    config = GradingConfig(
        limits=LIMITS, jobs=2, data_dir=REPO.parent / "shared" / "data" / "fashion-mnist-sample"
    )
    results, assignments = grade_class(
        submissions, REPO / "solutions", config, progress=lambda line: None
    )
    return {(r.student, r.assignment): r for r in results}, assignments, unsolved


def test_every_section_has_an_exercise_with_enough_tasks():
    total = 0
    for assignment_id in ASSIGNMENTS:
        assignment = load_assignment(REPO / "solutions", assignment_id)
        assert len(assignment.tasks) >= 3, assignment_id
        assert all(task.points > 0 for task in assignment.tasks.values())
        assert all(assignment.probes_of(task) for task in assignment.tasks), (
            f"{assignment_id}: every task needs at least one hidden probe"
        )
        assert (REPO / "exercises" / assignment_id / f"{assignment_id}.ipynb").exists()
        total += len(assignment.tasks)
    assert total >= 42


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_reference_earns_full_marks(graded, assignment_id):
    results, *_ = graded
    result = results["reference", assignment_id]
    assert result.total == result.max_total > 0, {t: r.message for t, r in result.tasks.items()}


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_untouched_exercise_earns_zero_in_bounded_time(graded, assignment_id):
    results, *_ = graded
    result = results["untouched", assignment_id]
    assert result.total == 0
    assert result.seconds < LIMITS.notebook_seconds
    assert not any("time limit" in note for note in result.notes)


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_partial_submission_earns_exactly_its_solved_tasks(graded, assignment_id):
    results, assignments, unsolved = graded
    result = results["partial", assignment_id]
    missing = unsolved[assignment_id]
    expected = {
        t: (0.0 if t == missing else task.points)
        for t, task in assignments[assignment_id].tasks.items()
    }
    assert {t: r.points for t, r in result.tasks.items()} == expected, {
        t: r.message for t, r in result.tasks.items()
    }


def test_student_versions_hold_no_solution_or_hidden_check():
    secrets = solution_secrets(REPO) + hidden_check_secrets(REPO)
    assert sum(len(s.lines) for s in secrets) > 0, "no solution line found to look for"
    for path in sorted((REPO / "exercises").rglob("*")):
        if path.is_file():
            text = path.read_text(errors="ignore")
            assert not leaks_in(text, secrets), (path, leaks_in(text, secrets)[:5])
            assert not [m for m in MARKERS if m in text], path
    assert not list((REPO / "exercises").rglob("hidden_checks.py"))
    for assignment_id in ASSIGNMENTS:
        hidden = (REPO / "solutions" / assignment_id / "hidden_checks.py").read_text()
        student = (REPO / "exercises" / assignment_id / f"{assignment_id}.ipynb").read_text()
        probe_names = [
            line.split("def ")[1].split("(")[0]
            for line in hidden.splitlines()
            if line.startswith("def ")
        ]
        assert not [name for name in probe_names if name in student], assignment_id


def test_exercise_install_cell_uses_the_configured_repository():
    import yaml

    url = yaml.safe_load((REPO / "_config.yml").read_text())["repository"]["url"]
    for assignment_id in ASSIGNMENTS:
        text = (REPO / "exercises" / assignment_id / f"{assignment_id}.ipynb").read_text()
        assert f"git+{url}" in text, assignment_id
