"""``d2l.student_draw``: per-student numbers that stay put for one student and vary across them."""

from __future__ import annotations

import pytest

import d2lutils as d2l
from d2lutils import quiz

OPTIONS = [20, 24, 28, 32, 40]


@pytest.fixture
def no_ids(monkeypatch):
    monkeypatch.delenv(quiz.GRADING_ID_VARIABLE, raising=False)
    monkeypatch.delenv(quiz.HUB_USER_VARIABLE, raising=False)
    yield
    d2l.set_student_id("")


def test_one_student_always_draws_the_same_and_the_class_draws_every_option(no_ids):
    first = d2l.student_draw("ex4_4.num_parameters.side", OPTIONS, "s0001")
    assert all(
        d2l.student_draw("ex4_4.num_parameters.side", OPTIONS, "s0001") == first for _ in range(5)
    )
    drawn = [
        d2l.student_draw("ex4_4.num_parameters.side", OPTIONS, f"s{i:04d}") for i in range(100)
    ]
    assert set(drawn) == set(OPTIONS)
    # Another question draws independently for the same students.
    other = [d2l.student_draw("ex3_2.other", OPTIONS, f"s{i:04d}") for i in range(100)]
    assert drawn != other


def test_the_id_comes_from_set_student_id_or_the_grader(no_ids, monkeypatch):
    with pytest.raises(RuntimeError, match=r"set_student_id"):
        d2l.student_draw("q", OPTIONS)
    d2l.set_student_id("s0042")
    assert d2l.student_draw("q", OPTIONS) == d2l.student_draw("q", OPTIONS, "s0042")
    monkeypatch.setenv(quiz.GRADING_ID_VARIABLE, "s0007")
    assert d2l.student_draw("q", OPTIONS) == d2l.student_draw("q", OPTIONS, "s0007")
    with pytest.raises(ValueError, match="at least one option"):
        d2l.student_draw("q", [])
