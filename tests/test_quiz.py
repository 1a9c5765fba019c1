"""Multiple-choice questions: a stable order per student, letters read back as choices."""

from __future__ import annotations

import pytest

import d2lutils as d2l
from d2lutils import quiz
from d2lutils.checks import CheckFailed

CHOICES = ["(2, 3)", "(3, 2)", "(6,)", "an error"]


@pytest.fixture(autouse=True)
def no_ids(monkeypatch):
    for variable in (quiz.GRADING_ID_VARIABLE, quiz.HUB_USER_VARIABLE):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(quiz, "_declared_id", None)


def test_the_order_depends_on_the_student_and_is_stable():
    question = d2l.MultipleChoice("ex.q", "What shape?", CHOICES)
    orders = {}
    for student in ("ann", "bo", "cy", "di", "ed"):
        d2l.set_student_id(student)
        orders[student] = question.order()
        assert question.order() == orders[student] and sorted(orders[student]) == sorted(CHOICES)
    assert len({tuple(o) for o in orders.values()}) > 1
    d2l.set_student_id("bo")
    assert [question.choice(letter) for letter in "ABCD"] == orders["bo"]
    assert question.choice(question.letter_for("(6,)")) == "(6,)"


def test_a_graded_run_uses_the_id_it_was_submitted_under(monkeypatch):
    question = d2l.MultipleChoice("ex.q", "What shape?", CHOICES)
    d2l.set_student_id("somebody else")
    monkeypatch.setenv(quiz.GRADING_ID_VARIABLE, "ann")
    graded = question.order()
    monkeypatch.delenv(quiz.GRADING_ID_VARIABLE)
    d2l.set_student_id("ann")
    assert question.order() == graded


def test_without_an_id_the_message_says_how_to_set_it(monkeypatch):
    question = d2l.MultipleChoice("ex.q", "What shape?", CHOICES)
    with pytest.raises(RuntimeError, match="set_student_id"):
        str(question)
    monkeypatch.setenv(quiz.HUB_USER_VARIABLE, "hub-user")
    assert "A. " in str(question)


def test_bad_answers_and_bad_questions_are_explained(capsys):
    d2l.set_student_id("ann")
    question = d2l.MultipleChoice("ex.q", "What shape?", CHOICES)
    with pytest.raises(ValueError, match="one of the letters A, B, C, D"):
        question.choice("E")
    with pytest.raises(CheckFailed, match="as a string"):
        question.check(2)
    question.check("b")
    assert "recorded B" in capsys.readouterr().out
    with pytest.raises(ValueError, match="two different choices"):
        d2l.MultipleChoice("ex.q", "?", ["same", "same"])
    with pytest.raises(TypeError, match="text"):
        d2l.set_student_id(42)
