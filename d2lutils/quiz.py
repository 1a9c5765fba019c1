"""Multiple-choice concept questions whose choices are shuffled for each student.

An exercise notebook shows a question with its choices labelled A, B, C, ... in an
order drawn from the question's id and the student's id, and the student answers
with a letter. Two students see different orders, so "the answer to question 3 is B"
does not travel; the grader draws the same order (:func:`choice_order`, in its own
process) from the id the notebook was submitted under and the choices as the course
defines them, and reads the letter back as a choice.

This module imports only the standard library: the grader reads it without importing
the package.
"""

from __future__ import annotations

import hashlib
import os
import random
import string
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

GRADING_ID_VARIABLE = "D2L_GRADE_STUDENT_ID"  # set by the grader in a graded run
HUB_USER_VARIABLE = "JUPYTERHUB_USER"  # nbgrader on JupyterHub knows the student already

_declared_id: str | None = None


def set_student_id(student_id: str) -> None:
    """Say who you are, as your course registered you; it orders your choices.

    On a JupyterHub the id is known without this; in Colab or a local Jupyter, call
    it once near the top of the notebook. An empty string leaves it unset.
    """
    global _declared_id
    if not isinstance(student_id, str):
        raise TypeError(f"the student id is text, e.g. set_student_id('jdoe'); got {student_id!r}")
    _declared_id = student_id.strip() or None


def declared_student_id() -> str | None:
    """The id the notebook gave with :func:`set_student_id`, or None."""
    return _declared_id


def student_id() -> str:
    """Whose order of choices to show: the graded id, else the declared one, else the hub user."""
    for candidate in (
        os.environ.get(GRADING_ID_VARIABLE),
        _declared_id,
        os.environ.get(HUB_USER_VARIABLE),
    ):
        if candidate:
            return candidate
    raise RuntimeError(
        "no student id yet: run d2l.set_student_id('your id') (the id your course "
        "registered you under), then run this cell again"
    )


def _question_generator(question_id: str, student: str) -> random.Random:
    """A random generator seeded by the question and the student, the same everywhere."""
    seed = hashlib.sha256(f"{question_id}\0{student}".encode()).digest()
    return random.Random(int.from_bytes(seed[:8], "big"))


def choice_order(question_id: str, student: str, choices: Sequence[str]) -> list[str]:
    """``choices`` in the order that ``student`` sees them for question ``question_id``."""
    shuffled = list(choices)
    _question_generator(question_id, student).shuffle(shuffled)
    return shuffled


def student_draw(question_id: str, options: Sequence[T], student: str | None = None) -> T:
    """One of ``options``, drawn from ``question_id`` and the student's id.

    A numeric question draws its numbers with it (a size, a learning rate, a count),
    so that each student works out their own answer; the grader draws the same numbers
    from the id the notebook was submitted under. ``student`` defaults to
    :func:`student_id`.
    """
    if not options:
        raise ValueError(f"{question_id}: student_draw needs at least one option")
    who = student if student is not None else student_id()
    return options[_question_generator(question_id, who).randrange(len(options))]


class MultipleChoice:
    """A question with choices shown in a per-student order, answered by letter.

    ``question_id`` must be unique in the course (e.g. ``"ex2_1.broadcast_shape"``);
    with the student's id it seeds the order. ``choices`` are the texts, the correct
    one among them; they are never marked as right or wrong here.
    """

    def __init__(self, question_id: str, question: str, choices: Sequence[str]) -> None:
        if len(choices) < 2 or len(set(choices)) != len(choices):
            raise ValueError("a multiple-choice question needs at least two different choices")
        if len(choices) > len(string.ascii_uppercase):
            raise ValueError(f"at most {len(string.ascii_uppercase)} choices")
        self.question_id = question_id
        self.question = question
        self.choices = list(choices)

    def order(self) -> list[str]:
        """The choices in the current student's order."""
        return choice_order(self.question_id, student_id(), self.choices)

    @property
    def letters(self) -> str:
        return string.ascii_uppercase[: len(self.choices)]

    def choice(self, letter: str) -> str:
        """The text that ``letter`` stands for in the current student's order."""
        if not isinstance(letter, str) or letter.strip().upper() not in self.letters:
            raise ValueError(
                f"answer with one of the letters {', '.join(self.letters)} "
                f'(as a string, e.g. "{self.letters[0]}"); got {letter!r}'
            )
        return self.order()[self.letters.index(letter.strip().upper())]

    def letter_for(self, text: str) -> str:
        """The letter under which the current student sees the choice ``text``."""
        if text not in self.choices:
            raise ValueError(f"{text!r} is not one of the choices")
        return self.letters[self.order().index(text)]

    def __str__(self) -> str:
        lines = [self.question, ""]
        lines += [f"  {letter}. {text}" for letter, text in zip(self.letters, self.order())]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def check(self, answer: object) -> None:
        """Check that ``answer`` is one of the letters (not whether it is right) and echo it."""
        letter = answer.strip().upper() if isinstance(answer, str) else ""
        if not letter or letter not in self.letters:
            from .checks import CheckFailed

            raise CheckFailed(
                f"{self.question_id}: answer with one of the letters "
                f"{', '.join(self.letters)} as a string; got {answer!r}."
            )
        print(f"recorded {letter}: {self.choice(letter)}")
