"""The late policy: grace, a penalty per started day or hour, the cap, the last day."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from d2lgrade.term.course_file import LatePolicy
from d2lgrade.term.lateness import judge_lateness

DUE = datetime(2026, 9, 18, 23, 59, tzinfo=timezone.utc)
DAILY = LatePolicy(
    grace=timedelta(minutes=15),
    penalty_percent=10,
    unit=timedelta(days=1),
    max_penalty_percent=30,
    last_day=timedelta(days=5),
)


@pytest.mark.parametrize(
    ("after_due", "status", "percent"),
    [
        (timedelta(hours=-3), "on time", 0),
        (timedelta(minutes=15), "on time", 0),  # inside the grace period
        (timedelta(minutes=16), "late", 10),  # past it: the first started day
        (timedelta(days=1, minutes=1), "late", 20),
        (timedelta(days=4), "late", 30),  # capped
        (timedelta(days=5, seconds=1), "too late", 100),  # past the last day
    ],
)
def test_penalty_per_started_day_with_grace_cap_and_last_day(after_due, status, percent):
    verdict = judge_lateness(DUE + after_due, DUE, timedelta(0), DAILY)
    assert (verdict.status, verdict.penalty_percent) == (status, percent)
    assert verdict.final_points(6) == pytest.approx(6 * (1 - percent / 100))


def test_penalty_per_hour():
    hourly = LatePolicy(penalty_percent=5, unit=timedelta(hours=1))
    verdict = judge_lateness(DUE + timedelta(hours=2, minutes=1), DUE, timedelta(0), hourly)
    assert verdict.penalty_percent == 15 and verdict.describe() == "late 3 h (-15%)"


def test_an_extension_moves_the_deadline():
    late = DUE + timedelta(days=1, hours=1)
    assert judge_lateness(late, DUE, timedelta(days=2), DAILY).status == "on time"
    assert judge_lateness(late, DUE, timedelta(days=1), DAILY).penalty_percent == 10


def test_an_lms_verdict_without_a_time():
    assert judge_lateness(None, DUE, timedelta(0), DAILY).status == "no time"
    assert judge_lateness(None, DUE, timedelta(0), DAILY, marked_late=False).status == "on time"
    marked = judge_lateness(None, DUE, timedelta(0), DAILY, marked_late=True)
    assert (marked.status, marked.penalty_percent, marked.describe()) == ("late", 10, "late (-10%)")
    extended = judge_lateness(None, DUE, timedelta(days=1), DAILY, marked_late=True)
    assert extended.status == "no time"
