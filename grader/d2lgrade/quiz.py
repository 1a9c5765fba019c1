"""Multiple-choice answers read in the grader's own process.

A notebook answers a question with a letter; which choice the letter stands for
depends on the student's order of the choices. The grader decides it here, from the
id the notebook was submitted under and the choices as the reference notebook defines
them, with d2lutils' own :func:`~d2lutils.quiz.choice_order`. A probe hands over the
letter with ``probekit.multiple_choice``; nothing the notebook holds (its question
objects, its environment, the grading id it may have set) takes part, except to
notice that it changed the question or its order, which costs the question.
"""

from __future__ import annotations

import functools
import importlib.util
import string
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from .packages import package_folder
from .protocol import MULTIPLE_CHOICE


@functools.lru_cache(maxsize=1)
def d2lutils_quiz() -> ModuleType:
    """d2lutils' ``quiz`` module, read from its file: importing the package would import
    torch into the grader's process, and ``d2lutils/quiz.py`` needs only the standard
    library. The grader draws choice orders and per-student numbers with it, exactly as
    the notebooks do."""
    path = package_folder("d2lutils") / "quiz.py"
    spec = importlib.util.spec_from_file_location("_d2lutils_quiz", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot read {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def choice_order(question_id: str, student: str, choices: Sequence[str]) -> list[str]:
    """The choices of ``question_id`` in the order ``student`` sees them."""
    order: list[str] = d2lutils_quiz().choice_order(question_id, student, choices)
    return order


def is_multiple_choice(value: Any) -> bool:
    """Whether a probe's case is an answer made by ``probekit.multiple_choice``."""
    return isinstance(value, dict) and set(value) == {MULTIPLE_CHOICE}


def chosen(letter: Any, question: str, choices: Sequence[str], student: str) -> str | None:
    """The choice ``letter`` stands for in ``student``'s order, or None for no valid letter."""
    letters = string.ascii_uppercase[: len(choices)]
    if not isinstance(letter, str) or not letter.strip() or letter.strip().upper() not in letters:
        return None
    return choice_order(question, student, choices)[letters.index(letter.strip().upper())]


def choice_difference(got: Any, reference: Any, student: str, reference_student: str) -> str | None:
    """None when the student's letter stands, in their order, for the choice the reference's
    letter stands for in the reference's; else why not (the kind of difference)."""
    course = reference[MULTIPLE_CHOICE]["notebook"]
    question, choices = course["question"], course["choices"]
    right = chosen(reference[MULTIPLE_CHOICE]["letter"], question, choices, reference_student)
    if right is None:
        raise ValueError(f"the reference's answer to {question} is no valid letter")
    answered = got.get(MULTIPLE_CHOICE) if is_multiple_choice(got) else None
    if not isinstance(answered, dict):
        return "type"
    held = answered.get("notebook")
    if not isinstance(held, dict) or (held.get("question"), held.get("choices")) != (
        question,
        choices,
    ):
        return "question changed"
    if held.get("shown") != choice_order(question, student, choices):
        return "order of the choices changed"
    answer = chosen(answered.get("letter"), question, choices, student)
    if answer is None:
        return "not a letter"
    return None if answer == right else "value"
