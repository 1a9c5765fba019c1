"""Per-student numbers in numeric questions, with the expected answers worked out here.

A question draws its parameters with ``d2l.student_draw(question_id, options)``, so its
right answer differs from student to student. Its hidden checks say how to compute that
answer from a student id::

    from d2lgrade import concept
    from d2lgrade.variants import per_student, student_draw

    concept("steps", "answer_steps", as_=int)  # a probe named "steps"

    @per_student("steps")
    def steps_for(student):
        epochs = student_draw("ex3_2.steps.epochs", [2, 3, 4], student)
        return {"answer": epochs * 8}

The grader calls ``steps_for`` in its own process for every student of the run (never
in the sandbox), checks that it agrees with the reference solution for the id
``reference``, and compares each notebook with its own student's value.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from .assignment import Assignment
from .errors import AssignmentError
from .quiz import d2lutils_quiz
from .scoring import difference

T = TypeVar("T")
PER_STUDENT_KEY = "__per_student__"
Expected = Callable[[str], Any]

_registry: dict[str, Expected] | None = None


def per_student(probe_name: str) -> Callable[[Expected], Expected]:
    """Declare the decorated function as the expected value of probe ``probe_name``
    for a given student id."""

    def register(func: Expected) -> Expected:
        if _registry is not None:
            _registry[probe_name] = func
        return func

    return register


def student_draw(question_id: str, options: Sequence[T], student: str) -> T:
    """What ``d2l.student_draw(question_id, options)`` gives in ``student``'s notebook."""
    drawn: T = d2lutils_quiz().student_draw(question_id, options, student)
    return drawn


def load_per_student(hidden_checks: Path) -> dict[str, Expected]:
    """The ``@per_student`` functions of a hidden-checks file, by probe name."""
    global _registry
    spec = importlib.util.spec_from_file_location(
        f"_per_student_{hidden_checks.parent.name}", hidden_checks
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import hidden checks from {hidden_checks}")
    module = importlib.util.module_from_spec(spec)
    _registry = {}
    try:
        spec.loader.exec_module(module)
        return dict(_registry)
    finally:
        _registry = None


def with_student_values(
    assignment: Assignment,
    hidden_checks: Path,
    reference: list[Any],
    students: list[str],
    reference_student: str,
) -> list[Any]:
    """``reference`` with each per-student probe's value replaced by a table of every
    student's expected value (:func:`expected_for` reads it).

    Raises AssignmentError when a probe named by ``@per_student`` does not exist, or when
    its function disagrees with the reference solution run as ``reference_student``.
    """
    functions = load_per_student(hidden_checks)
    names = [p.name for p in assignment.probes]
    values = list(reference)
    for name, func in functions.items():
        if name not in names:
            raise AssignmentError(
                f"{hidden_checks}: @per_student({name!r}) names no probe of "
                f"{assignment.assignment_id}"
            )
        index = names.index(name)
        probe = assignment.probes[index]
        if difference(func(reference_student), reference[index], probe.rtol, probe.atol):
            raise AssignmentError(
                f"{hidden_checks}: @per_student({name!r}) gives {func(reference_student)!r} for "
                f"{reference_student!r}, but the reference solution's probe gives "
                f"{reference[index]!r}"
            )
        values[index] = {PER_STUDENT_KEY: {student: func(student) for student in students}}
    return values


def _is_table(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {PER_STUDENT_KEY}


def expected_for(expected: list[Any], student: str) -> list[Any]:
    """The values ``student``'s notebook is compared with."""
    return [value[PER_STUDENT_KEY][student] if _is_table(value) else value for value in expected]
