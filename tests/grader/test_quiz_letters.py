"""Multiple-choice letters read in the grader's process, in the submitter's order."""

from __future__ import annotations

import pytest

from d2lgrade.errors import AssignmentError
from d2lgrade.hidden import probe
from d2lgrade.inside.probekit import multiple_choice
from d2lgrade.quiz import choice_difference, choice_order
from d2lutils import quiz

CHOICES = ["a view", "a copy", "neither", "both"]
QUESTION = "toy.view"


def answered(runs_as: str, text: str, monkeypatch: pytest.MonkeyPatch, *, letter_of: str = ""):
    """What the probe returns for a notebook that runs under the grading id ``runs_as`` and
    answers with the letter ``letter_of`` (default: ``runs_as``) sees for ``text``."""
    monkeypatch.setenv(quiz.GRADING_ID_VARIABLE, letter_of or runs_as)
    letter = quiz.MultipleChoice(QUESTION, "?", CHOICES).letter_for(text)
    monkeypatch.setenv(quiz.GRADING_ID_VARIABLE, runs_as)
    return multiple_choice(quiz.MultipleChoice(QUESTION, "?", CHOICES), letter)


def test_the_grader_draws_the_order_d2lutils_shows(monkeypatch):
    for student in ("ann", "bo", "reference"):
        monkeypatch.setenv(quiz.GRADING_ID_VARIABLE, student)
        shown = quiz.MultipleChoice(QUESTION, "?", CHOICES).order()
        assert choice_order(QUESTION, student, CHOICES) == shown


def test_letters_are_read_in_the_submitters_order(monkeypatch):
    reference = answered("reference", "a copy", monkeypatch)
    students = [f"s{i}" for i in range(30)]

    def right_letter(student: str) -> int:
        return choice_order(QUESTION, student, CHOICES).index("a copy")

    # Ann sees the right choice under another letter than the reference does, Bo under
    # another letter than Ann.
    ann = next(s for s in students if right_letter(s) != right_letter("reference"))
    bo = next(
        s
        for s in students
        if choice_order(QUESTION, s, CHOICES) != choice_order(QUESTION, ann, CHOICES)
        and choice_order(QUESTION, s, CHOICES).index("a copy")
        != choice_order(QUESTION, ann, CHOICES).index("a copy")
    )
    assert (
        choice_difference(answered(ann, "a copy", monkeypatch), reference, ann, "reference") is None
    )
    assert (
        choice_difference(answered(ann, "neither", monkeypatch), reference, ann, "reference")
        == "value"
    )
    # Bo's right letter, copied by Ann: in Ann's order it names another choice.
    copied = answered(ann, "a copy", monkeypatch, letter_of=bo)
    assert choice_difference(copied, reference, ann, "reference") == "value"
    # ...and a notebook that sets the grading id to Bo's shows Bo's order: noticed.
    disguised = answered(bo, "a copy", monkeypatch)
    assert (
        choice_difference(disguised, reference, ann, "reference") == "order of the choices changed"
    )


def test_a_changed_question_or_no_letter_loses_it(monkeypatch):
    reference = answered("reference", "a copy", monkeypatch)
    monkeypatch.setenv(quiz.GRADING_ID_VARIABLE, "ann")
    fewer = quiz.MultipleChoice(QUESTION, "?", CHOICES[:2])
    assert (
        choice_difference(multiple_choice(fewer, "A"), reference, "ann", "reference")
        == "question changed"
    )
    question = quiz.MultipleChoice(QUESTION, "?", CHOICES)
    for not_a_letter in ("Z", "", 2, None):
        got = multiple_choice(question, not_a_letter)
        assert choice_difference(got, reference, "ann", "reference") == "not a letter"
    forged = {"__multiple_choice__": "B"}
    assert choice_difference(forged, reference, "ann", "reference") == "type"
    assert choice_difference("a copy", reference, "ann", "reference") == "type"


def test_a_probe_that_reads_the_letter_through_the_notebook_is_refused(monkeypatch):
    import d2lgrade.hidden as hidden

    monkeypatch.setattr(hidden, "_registry", [])

    def old_style(question, answer_question):
        return {"answer": question.choice(answer_question)}

    with pytest.raises(AssignmentError, match="multiple_choice"):
        probe("question")(old_style)
