"""How late a submission was and what that costs, under the course's late policy."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from .course_file import LatePolicy

ON_TIME, LATE, TOO_LATE, NO_TIME, MISSING = "on time", "late", "too late", "no time", "missing"


@dataclass(frozen=True)
class Lateness:
    """The verdict on one submission's time: ``status`` is one of ``on time``, ``late``,
    ``too late`` (past the last day: earns 0), ``no time`` (nothing said when it came:
    no penalty) and ``missing``; ``late_by`` is how long after the (extended) due date."""

    status: str
    late_by: timedelta = timedelta(0)
    penalty_percent: float = 0.0

    def describe(self) -> str:
        """A short phrase for the gradebook and the diff, e.g. ``late 1 d 2 h (-10%)``."""
        if self.status in (LATE, TOO_LATE):
            hours = math.ceil(self.late_by.total_seconds() / 3600)
            days, rest = divmod(hours, 24)
            span = "".join(f" {n} {unit}" for n, unit in ((days, "d"), (rest, "h")) if n)
            cost = f" (-{self.penalty_percent:g}%)" if self.penalty_percent else ""
            return f"{self.status}{span}{cost}"
        return self.status

    def final_points(self, raw: float) -> float:
        """The points left of ``raw`` after the penalty."""
        return round(raw * (1 - self.penalty_percent / 100), 6)


def judge_lateness(
    submitted: datetime | None,
    due: datetime,
    extension: timedelta,
    policy: LatePolicy,
    marked_late: bool | None = None,
) -> Lateness:
    """Lateness of work handed in at ``submitted`` (aware) against ``due`` plus ``extension``.

    Without a time, ``marked_late`` is an LMS's own verdict against the same due date
    (Canvas marks late files, but its download carries no time): unmarked work is on
    time, marked work is late by one started unit, and under an extension the LMS's
    verdict says nothing (``no time``, no penalty).
    """
    if submitted is None:
        if marked_late is None or (marked_late and extension):
            return Lateness(NO_TIME)
        if not marked_late:
            return Lateness(ON_TIME)
        # How late is unknown (late_by stays 0): one started unit's penalty.
        return Lateness(LATE, timedelta(0), min(policy.max_penalty_percent, policy.penalty_percent))
    late_by = submitted - (due + extension)
    if late_by <= policy.grace:
        return Lateness(ON_TIME)
    if policy.last_day is not None and late_by > policy.last_day:
        return Lateness(TOO_LATE, late_by, 100.0)
    return _late(late_by, policy)


def _late(late_by: timedelta, policy: LatePolicy) -> Lateness:
    units = math.ceil(late_by / policy.unit)
    return Lateness(LATE, late_by, min(policy.max_penalty_percent, units * policy.penalty_percent))
