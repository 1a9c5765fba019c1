"""The exercises as a course: task kinds, counts, rules tried end to end, nothing given away.

Instructor only (needs solutions/). Each test cell's metadata names its task's kind,
``"d2lcourse": {"kind": "implement" | "concept" | "debug" | "experiment" | "gradient-check"}``.
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from d2lgrade.assignment import known_assignments, load_assignment
from d2lgrade.config import GradingConfig, Limits
from d2lgrade.course_tools.rule_examples import check_rule_examples, rule_examples
from d2lgrade.notebook import cell_source, nbgrader_meta
from d2lgrade.rules import GRADER_RULES

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions"
ASSIGNMENTS = known_assignments(SOLUTIONS)
KINDS = {"implement", "concept", "debug", "experiment", "gradient-check"}
SAMPLE = REPO.parent / "shared" / "data" / "fashion-mnist-sample"


def reference(assignment_id: str) -> dict:
    return json.loads((SOLUTIONS / assignment_id / f"{assignment_id}.ipynb").read_text())


def task_kinds(assignment_id: str) -> dict[str, str]:
    kinds = {}
    for cell in reference(assignment_id)["cells"]:
        meta = nbgrader_meta(cell)
        if meta.get("grade") and not meta.get("solution"):
            kinds[meta["grade_id"]] = cell.get("metadata", {}).get("d2lcourse", {}).get("kind")
    return kinds


def test_every_task_names_its_kind():
    for assignment_id in ASSIGNMENTS:
        for task, kind in task_kinds(assignment_id).items():
            assert kind in KINDS, (assignment_id, task, kind)


def test_the_course_has_the_tasks_a_teacher_asked_for():
    counts = Counter()
    for assignment_id in ASSIGNMENTS:
        kinds = task_kinds(assignment_id)
        assert len(kinds) >= 6, (assignment_id, kinds)
        assert "concept" in kinds.values(), assignment_id
        counts.update(kinds.values())
    assert sum(counts.values()) >= 84, counts
    assert counts["concept"] >= 20 and counts["debug"] >= 5 and counts["experiment"] >= 3, counts
    assert counts["gradient-check"] >= 1, counts


def test_no_two_tasks_ask_for_the_same_function():
    asked: dict[str, str] = {}
    for assignment_id in ASSIGNMENTS:
        assignment = load_assignment(SOLUTIONS, assignment_id)
        for task in assignment.tasks:
            for name in defined_by_answer(assignment_id, task):
                where = f"{assignment_id}:{task}"
                assert name not in asked, f"{name} is asked for by {asked[name]} and {where}"
                asked[name] = where


def defined_by_answer(assignment_id: str, task: str) -> set[str]:
    names = set()
    for cell in reference(assignment_id)["cells"]:
        if str(nbgrader_meta(cell).get("grade_id", "")).startswith(f"{task}_answer"):
            source = "\n".join(
                line for line in cell_source(cell).splitlines() if not line.lstrip().startswith("%")
            )
            for node in ast.parse(source).body:
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    names.add(node.name)
                elif isinstance(node, ast.Assign):
                    names.update(assigned_names(node.targets))
    return names


def assigned_names(targets: list[ast.expr]) -> set[str]:
    """The names bound by assignment targets, unpacking included (``fig, ax = ...``)."""
    names = set()
    for target in targets:
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                names.add(node.id)
    return names


def test_probes_take_only_names_their_task_asks_for():
    for assignment_id in ASSIGNMENTS:
        assignment = load_assignment(SOLUTIONS, assignment_id)
        for probe in assignment.probes:
            allowed = defined_by_answer(assignment_id, probe.task) | locked_names(assignment_id)
            stray = set(probe.params) - allowed
            assert not stray, (
                f"{assignment_id} probe {probe.name} reads {stray}, which its task does not ask for"
            )


def locked_names(assignment_id: str) -> set[str]:
    """Names defined by the course's own locked cells (questions, provided code)."""
    names = set()
    for cell in reference(assignment_id)["cells"]:
        meta = nbgrader_meta(cell)
        if cell["cell_type"] == "code" and meta.get("locked") and not meta.get("grade"):
            try:
                tree = ast.parse(
                    "\n".join(
                        l
                        for l in cell_source(cell).splitlines()
                        if not l.lstrip().startswith(("%", "!"))
                    )
                )
            except SyntaxError:
                continue
            for node in tree.body:
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    names.add(node.name)
                elif isinstance(node, ast.Assign):
                    names.update(assigned_names(node.targets))
    return names - {"data"}  # a data set made by the course is the student's to remake


def _normalised(line: str) -> str:
    return re.sub(r"\s+", "", line)


def test_no_solution_line_appears_outside_its_answer_cell():
    for assignment_id in ASSIGNMENTS:
        student = json.loads(
            (REPO / "exercises" / assignment_id / f"{assignment_id}.ipynb").read_text()
        )
        for cell in reference(assignment_id)["cells"]:
            grade_id = str(nbgrader_meta(cell).get("grade_id", ""))
            source = cell_source(cell)
            if "### BEGIN SOLUTION" not in source:
                continue
            region = source.split("### BEGIN SOLUTION", 1)[1].split("### END SOLUTION", 1)[0]
            secret = {_normalised(l) for l in region.splitlines() if len(_normalised(l)) >= 16}
            for other in student["cells"]:
                if nbgrader_meta(other).get("grade_id") == grade_id:
                    continue
                text = _normalised(cell_source(other))
                leaked = [s for s in secret if s in text]
                assert not leaked, (
                    f"{assignment_id}: {leaked[:3]} of {grade_id} appear elsewhere "
                    "in the student notebook"
                )


@pytest.fixture(scope="module")
def rule_outcomes():
    config = GradingConfig(limits=Limits(notebook_seconds=180), jobs=2, data_dir=SAMPLE)
    return check_rule_examples(SOLUTIONS, ASSIGNMENTS, config)


def test_every_rule_example_behaves_as_declared(rule_outcomes):
    bad = [o for o in rule_outcomes if not o.ok]
    assert not bad, "\n".join(
        f"{o.assignment} {o.task} {'breaks' if o.breaks else 'keeps'} {o.label}: "
        f"{o.points:g}/{o.max_points:g} {o.message}"
        for o in bad
    )


def test_every_rule_has_a_breaking_example_and_every_ruled_task_a_compliant_one(rule_outcomes):
    for assignment_id in ASSIGNMENTS:
        assignment = load_assignment(SOLUTIONS, assignment_id)
        examples = rule_examples(SOLUTIONS / assignment_id / "hidden_checks.py")
        for task, task_rules in assignment.rules.items():
            assert examples.get(task, {}).get("keeps"), (
                f"{assignment_id} {task}: no compliant example"
            )
            messages = [
                o.message
                for o in rule_outcomes
                if o.assignment == assignment_id and o.task == task and o.breaks
            ]
            for rule in task_rules:
                if rule in GRADER_RULES:
                    continue  # the grader's own, every ruled task's: checked course-wide below
                assert any(rule.describe() in m for m in messages), (
                    f"{assignment_id} {task}: no breaking example caught by '{rule.describe()}'"
                )
    every_break = [o.message for o in rule_outcomes if o.breaks]
    for rule in GRADER_RULES:
        assert any(rule.describe() in m for m in every_break), (
            f"no breaking example in the course is caught by '{rule.describe()}'"
        )
