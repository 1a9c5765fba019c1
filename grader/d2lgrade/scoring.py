"""Points per task, decided in the grader's own process from plain data only.

A task earns its points when its test cell was left as distributed, it keeps every
rule of its statement (checked on the source and on the run's record; a broken rule
is reported first, even when the visible check fails too), its visible check passed,
and every hidden case matches the reference. Each failing case
is named for the student with the kind of difference (shape, dtype, value, exception
type), never with the inputs or the values. A task whose metadata grants partial
credit earns the share of its points that its passing case groups carry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .assignment import Assignment, Task
from .protocol import ARRAY_KEY, CURVE, RAISED, REFERENCE_STUDENT, CellEvent, ProbeEvent, RunRecord
from .quiz import choice_difference, is_multiple_choice
from .results import FailureCode, RunOutcome
from .rules import Rule
from .static_check import AnswerScan

Tolerance = tuple[float, float]  # (rtol, atol)


def _raised(value: Any) -> str | None:
    raised = value.get(RAISED) if isinstance(value, dict) and set(value) == {RAISED} else None
    return raised if isinstance(raised, str) else None


def _numbers_close(a: float, b: float, rtol: float, atol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * abs(b)


def _array_difference(
    student: dict[str, Any], reference: dict[str, Any], rtol: float, atol: float
) -> str | None:
    import numpy as np

    ref, got = reference[ARRAY_KEY], student[ARRAY_KEY]
    if list(ref["shape"]) != list(got["shape"]):
        return "shape"
    if ref["kind"] != got["kind"] or ref.get("dtype") != got.get("dtype"):
        return "dtype"
    try:
        want = np.asarray(ref["data"], dtype=float)
        have = np.asarray(got["data"], dtype=float)
    except (TypeError, ValueError):
        return "value"
    if want.shape != have.shape:
        return "value"
    if ref["kind"] == "float":
        same = np.isclose(have, want, rtol=rtol, atol=atol, equal_nan=True)
    else:
        same = have == want
    return None if bool(np.all(same)) else "value"


def _curve_difference(student: Any, reference: dict[str, Any], tolerance: Tolerance) -> str | None:
    """How a plotted line differs from the reference's: its points, coordinate by coordinate."""
    got = student.get(CURVE) if isinstance(student, dict) and set(student) == {CURVE} else None
    if not isinstance(got, dict) or set(got) != {"x", "y"}:
        return "type"
    for axis in ("x", "y"):
        want, have = reference[CURVE][axis], got[axis]
        if not isinstance(have, list) or len(have) != len(want):
            return "points per line"
        if difference(have, want, *tolerance):
            return "plotted data"
    return None


def difference(
    student: Any,
    reference: Any,
    rtol: float = 1e-4,
    atol: float = 1e-6,
    curves: Tolerance | None = None,
) -> str | None:
    """None when ``student`` matches ``reference``, else the kind of the first difference.

    Kinds: ``shape``, ``dtype``, ``value``, ``type``, ``length``, ``keys``, for plotted
    lines (``probekit.figure_summary``, compared within ``curves``, default ``(rtol,
    atol)``) ``points per line`` and ``plotted data``, and for calls that raised:
    ``exception type``, ``raised <Type>`` (the reference returned a result), ``no
    exception`` (the reference raised).
    """
    if isinstance(reference, dict) and set(reference) == {CURVE}:
        return _curve_difference(student, reference, curves or (rtol, atol))
    raised, expected_raise = _raised(student), _raised(reference)
    if expected_raise is not None:
        if raised is None:
            return "no exception"
        return None if raised == expected_raise else "exception type"
    if raised is not None:
        return f"raised {raised}"
    if isinstance(reference, dict) and ARRAY_KEY in reference:
        if not (isinstance(student, dict) and ARRAY_KEY in student):
            return "type"
        return _array_difference(student, reference, rtol, atol)
    if type(reference) is bool or type(student) is bool:
        return None if student is reference else ("type" if type(student) is not bool else "value")
    if type(reference) in (int, float):
        if type(student) not in (int, float):
            return "type"
        return None if _numbers_close(float(student), float(reference), rtol, atol) else "value"
    if type(reference) is list:
        if type(student) is not list:
            return "type"
        if len(student) != len(reference):
            return "length"
        for s, r in zip(student, reference):
            kind = difference(s, r, rtol, atol, curves)
            if kind:
                return kind
        return None
    if type(reference) is dict:
        if type(student) is not dict:
            return "type"
        if set(student) != set(reference):
            return "keys"
        for key in reference:
            kind = difference(student[key], reference[key], rtol, atol, curves)
            if kind:
                return kind
        return None
    if type(student) is not type(reference):
        return "type"
    return None if student == reference else "value"


def compare(student: Any, reference: Any, rtol: float = 1e-4, atol: float = 1e-6) -> str | None:
    """Alias of :func:`difference` for callers that only ask "same or not"."""
    return difference(student, reference, rtol, atol)


@dataclass(frozen=True)
class CaseOutcome:
    """One named hidden case of a task: None as ``kind`` when it matched the reference."""

    name: str
    kind: str | None


def case_name(probe_name: str) -> str:
    return probe_name.replace("_", " ")


def case_difference(
    got: Any, expected: Any, rtol: float, atol: float, student: str, curves: Tolerance | None
) -> str | None:
    """How one case differs from the reference's; a multiple-choice answer is read in the
    grader's process, with the order ``student`` sees (``quiz.py``)."""
    if is_multiple_choice(expected):
        return choice_difference(got, expected, student, REFERENCE_STUDENT)
    return difference(got, expected, rtol, atol, curves)


def case_outcomes(
    probe_name: str,
    got: ProbeEvent | None,
    expected: Any,
    rtol: float,
    atol: float,
    student: str = REFERENCE_STUDENT,
    curves: Tolerance | None = None,
) -> list[CaseOutcome]:
    """The probe's cases (a dict result's keys, else the probe itself) and how each fared;
    ``student`` is whose order multiple-choice letters are read in, ``curves`` the
    tolerance of plotted lines (default: the probe's)."""
    cases = (
        expected
        if isinstance(expected, dict) and ARRAY_KEY not in expected and _raised(expected) is None
        else {case_name(probe_name): expected}
    )
    if got is None or not got.ok:
        stopped = (
            f"the check stopped with {got.error}" if got is not None and got.error else "not run"
        )
        return [CaseOutcome(name, stopped) for name in cases]
    if len(cases) == 1 and case_name(probe_name) in cases:
        single = case_difference(got.value, expected, rtol, atol, student, curves)
        return [CaseOutcome(case_name(probe_name), single)]
    value = got.value if isinstance(got.value, dict) else {}
    return [
        CaseOutcome(
            name,
            case_difference(value[name], want, rtol, atol, student, curves)
            if name in value
            else "missing",
        )
        for name, want in cases.items()
    ]


def rule_breaks(
    rules: list[Rule], scan: AnswerScan | None, calls: dict[str, int], autograd_runs: int
) -> list[tuple[Rule, str]]:
    """Every rule the answer breaks, with what was found (source first, then run time)."""
    breaks = []
    for rule in rules:
        found = None
        if scan is not None:
            found = rule.static_violation(dict(scan.references), scan.loops) or scan.unread
        found = found or rule.runtime_violation(calls, autograd_runs)
        if found:
            breaks.append((rule, found))
    return breaks


@dataclass
class TaskVerdict:
    """What one task earned, with the message and failure labels for the reports, and
    the kind of failure (None: passed)."""

    points: float
    message: str
    failures: list[str]
    code: FailureCode | None = None


def _share(task: Task, outcomes: list[CaseOutcome]) -> float:
    if not outcomes:
        return 1.0
    weights = task.partial_credit or {}
    if not weights:
        return 1.0 if all(o.kind is None for o in outcomes) else 0.0
    weight = {o.name: weights.get(o.name, weights.get("*", 0.0)) for o in outcomes}
    total = sum(weight.values())
    if total == 0:
        return 1.0 if all(o.kind is None for o in outcomes) else 0.0
    return (
        sum(
            w
            for name, w in weight.items()
            if all(o.kind is None for o in outcomes if o.name == name)
        )
        / total
    )


def _unchecked_verdict(
    outcome: RunOutcome, event: CellEvent | None, tampered: str | None
) -> TaskVerdict | None:
    """The verdict on a task whose checks cannot be trusted or did not run, else None."""
    if tampered:
        return TaskVerdict(0.0, tampered, ["test cell tampered with"], FailureCode.TAMPERED)
    if outcome.record.interfered:
        return TaskVerdict(
            0.0, str(outcome.crash), ["result channel written to"], FailureCode.INTERFERED
        )
    if event is None:
        why = outcome.crash or "the run stopped early"
        code = (
            FailureCode.TIME_LIMIT
            if outcome.crash_code is FailureCode.TIME_LIMIT
            else FailureCode.RUN_STOPPED
        )
        label = "time limit" if code is FailureCode.TIME_LIMIT else "run stopped"
        return TaskVerdict(0.0, f"its checks never ran: {why}", [label], code)
    if event.error_type == "NotImplementedError":
        return TaskVerdict(
            0.0,
            "not answered yet: the code still raises NotImplementedError",
            ["not answered"],
            FailureCode.NOT_ANSWERED,
        )
    return None


def _calls_of(record: RunRecord, probe_indices: list[int]) -> tuple[dict[str, int], int]:
    """The torch calls and backward passes of the student's code while the probes ran."""
    calls: dict[str, int] = {}
    autograd_runs = 0
    for i in probe_indices:
        got = record.probes.get(i)
        if got is not None:
            for name, count in got.calls.items():
                calls[name] = calls.get(name, 0) + count
            autograd_runs += got.autograd
    return calls, autograd_runs


def _failed_check_verdict(event: CellEvent) -> TaskVerdict:
    code = FailureCode.TIME_LIMIT if event.error_type == "CellTimeout" else FailureCode.CHECK_FAILED
    label = "time limit" if code is FailureCode.TIME_LIMIT else "visible check failed"
    return TaskVerdict(0.0, f"visible check failed: {event.error}", [label], code)


def _cases_verdict(task: Task, outcomes: list[CaseOutcome]) -> TaskVerdict:
    """The verdict on a task whose visible check passed, from its hidden cases."""
    failed = [o for o in outcomes if o.kind is not None]
    share = _share(task, outcomes)
    if not failed:
        return TaskVerdict(task.points, "passed", [])
    listed = ", ".join(f"'{o.name}' ({o.kind})" for o in failed)
    message = (
        f"visible check passed, but {len(failed)} of {len(outcomes)} hidden cases differ from "
        f"the reference: {listed}"
    )
    if 0 < share < 1:
        message += f"; partial credit for the cases that pass ({share:.0%})"
    return TaskVerdict(
        round(task.points * share, 4),
        message,
        [f"case: {o.name} ({o.kind})" for o in failed],
        FailureCode.CASE_DIFFERS,
    )


def judge_task(
    task: Task,
    assignment: Assignment,
    outcome: RunOutcome,
    test_cell: int | None,
    tampered: str | None,
    scan: AnswerScan | None,
    expected: list[Any],
    student: str = REFERENCE_STUDENT,
) -> TaskVerdict:
    """The verdict on one task (of ``student``'s notebook); see the module's docstring."""
    record = outcome.record
    event = record.cells.get(test_cell) if test_cell is not None else None
    unchecked = _unchecked_verdict(outcome, event, tampered)
    if unchecked is not None:
        return unchecked
    assert event is not None  # a test cell that never ran has its verdict above
    probe_indices = assignment.probes_of(task.task_id)
    calls, autograd_runs = _calls_of(record, probe_indices)
    breaks = rule_breaks(assignment.rules.get(task.task_id, []), scan, calls, autograd_runs)
    if breaks:
        text = "; ".join(f"rule broken: {rule.describe()} ({found})" for rule, found in breaks)
        return TaskVerdict(
            0.0, text, [f"rule: {rule.describe()}" for rule, _ in breaks], FailureCode.RULE_BROKEN
        )
    if not event.ok:
        return _failed_check_verdict(event)
    # A figure's lines show the runs whose numbers the task records: they are compared
    # within the loosest tolerance of the task's probes, that of those numbers.
    curves = (
        max(assignment.probes[i].rtol for i in probe_indices),
        max(assignment.probes[i].atol for i in probe_indices),
    )
    outcomes = [
        o
        for i in probe_indices
        for o in case_outcomes(
            assignment.probes[i].name,
            record.probes.get(i),
            expected[i],
            assignment.probes[i].rtol,
            assignment.probes[i].atol,
            student,
            curves,
        )
    ]
    return _cases_verdict(task, outcomes)
