"""Task rules end to end on the toy course: each breaking answer loses its task, each
compliant one keeps it, through the real grader and its sandbox."""

from __future__ import annotations

import pytest
import toy_course as toy

from d2lgrade.config import GradingConfig, Limits
from d2lgrade.course_tools.cli import main
from d2lgrade.course_tools.rule_examples import check_rule_examples, rule_examples


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    course = toy.write_course(tmp_path_factory.mktemp("course"))
    config = GradingConfig(limits=Limits(cell_seconds=30, notebook_seconds=90), jobs=2)
    return course, check_rule_examples(course / "solutions", ["toy"], config)


def test_every_declared_example_is_graded(outcomes):
    course, results = outcomes
    declared = rule_examples(course / "solutions" / "toy" / "hidden_checks.py")
    assert (
        len(results) == sum(len(side) for task in declared.values() for side in task.values()) >= 12
    )


def test_breaking_answers_lose_their_task_and_the_rule_is_named(outcomes):
    _, results = outcomes
    for outcome in (o for o in results if o.breaks):
        assert outcome.points == 0, outcome
        assert "rule broken" in outcome.message, outcome
    by_label = {o.label: o.message for o in results if o.breaks}
    assert "no Python loops" in by_label["loop over rows"]
    assert (
        "your code called torch.softmax while it was checked" in by_label["name built at run time"]
    )
    assert "eval" in by_label["eval"]


def test_compliant_answers_keep_every_point(outcomes):
    _, results = outcomes
    for outcome in (o for o in results if not o.breaks):
        assert outcome.ok, outcome


def test_the_command_reports_each_example(outcomes, capsys):
    course, _ = outcomes
    assert main(["--course", str(course), "check-rules", "toy", "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "ok   toy softmax breaks torch.softmax" in out and "behave as declared" in out
