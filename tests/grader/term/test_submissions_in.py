"""Submission times from nbgrader, a CSV and a Canvas zip; one bad entry spoils nothing."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from d2lgrade.batch import Submission
from d2lgrade.errors import SubmissionsNotFoundError
from d2lgrade.term.roster import Roster, Student
from d2lgrade.term.submissions_in import (
    csv_times,
    nbgrader_times,
    parse_time,
    read_canvas_zip,
)

CHICAGO = ZoneInfo("America/Chicago")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-09-18 23:59:00.123456 UTC", datetime(2026, 9, 18, 23, 59, 0, 123456, timezone.utc)),
        ("2026-09-18T23:59:00Z", datetime(2026, 9, 18, 23, 59, tzinfo=timezone.utc)),
        ("2026-09-18T23:59:00+02:00", datetime(2026, 9, 18, 21, 59, tzinfo=timezone.utc)),
        ("2026-09-18 23:59:00", datetime(2026, 9, 18, 23, 59, tzinfo=CHICAGO)),
        ("2026-09-18 23:59:00 Europe/Berlin", datetime(2026, 9, 18, 21, 59, tzinfo=timezone.utc)),
    ],
)
def test_times_in_the_formats_nbgrader_and_people_write(text, expected):
    assert parse_time(text, CHICAGO) == expected


def test_nbgrader_timestamps_and_a_broken_one(tmp_path):
    submissions = []
    for student, stamp in [("ann", "2026-09-18 10:00:00 UTC"), ("bob", "yesterday"), ("cyd", None)]:
        folder = tmp_path / student / "ex2_1"
        folder.mkdir(parents=True)
        (folder / "ex2_1.ipynb").write_text("{}")
        if stamp:
            (folder / "timestamp.txt").write_text(stamp)
        submissions.append(Submission(student, "ex2_1", folder / "ex2_1.ipynb"))
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "timestamp.txt").write_text("2026-09-18 10:00:00 UTC")  # not anybody's
    submissions.append(Submission("dan", "ex2_1", flat / "dan.ipynb"))
    problems: list[str] = []
    times = nbgrader_times(submissions, CHICAGO, problems)
    assert set(times) == {("ann", "ex2_1")}
    assert times[("ann", "ex2_1")].time == datetime(2026, 9, 18, 10, tzinfo=timezone.utc)
    assert len(problems) == 1 and problems[0].startswith(f"{tmp_path}/bob/ex2_1/timestamp.txt:1: ")


def test_a_csv_of_times_skips_bad_lines(tmp_path):
    path = tmp_path / "times.csv"
    path.write_text(
        "student_id,submitted_at\nann,2026-09-18T10:00:00\nbob,soon\ncyd\n"
        "dan,2026-09-19T01:00:00+00:00\n"
    )
    problems: list[str] = []
    times = csv_times(path, "ex2_1", CHICAGO, problems)
    assert times[("ann", "ex2_1")].time == datetime(2026, 9, 18, 10, tzinfo=CHICAGO)
    assert ("dan", "ex2_1") in times and len(times) == 2
    assert [p.split(": ")[0] for p in problems] == [f"{path}:3", f"{path}:4"]
    path.write_text("who,when\n")
    with pytest.raises(SubmissionsNotFoundError, match=r"times\.csv:1: header: "):
        csv_times(path, "ex2_1", CHICAGO, [])


def canvas_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_canvas_zip_maps_user_ids_through_the_roster_and_reads_late_markers(tmp_path):
    roster = Roster([Student("s1", "Ada", lms_id="101"), Student("s2", "Bob", lms_id="102")], [])
    data = canvas_zip(
        {
            "lovelaceada_101_9001_ex2_1.ipynb": b'{"ada": 1}',
            "bobbob_LATE_102_9002_ex2_1.ipynb": b'{"bob": "first"}',
            "bobbob_LATE_102_9003_ex2_1-1.ipynb": b'{"bob": "again"}',
            "strangerx_555_9004_ex2_1.ipynb": b'{"x": 1}',
            "lovelaceada_101_9001_notes.txt": b"not a notebook",
            "corrupt_late_103_9005_ex2_1.ipynb": b'{"CORRUPTED": 1}',
        }
    )
    # Flip a byte of one member's stored data: its CRC no longer matches.
    data = data.replace(b'{"CORRUPTED": 1}', b'{"CORRUPTED": 2}', 1)
    path = tmp_path / "submissions.zip"
    path.write_bytes(data)
    problems: list[str] = []
    download = read_canvas_zip(path, "ex2_1", roster, tmp_path / "out", problems)
    by_student = {s.student: s for s in download.submissions}
    assert set(by_student) == {"s1", "s2", "canvas-555", "canvas-103"}
    assert by_student["s2"].path is not None and by_student["s2"].path.read_bytes() == (
        b'{"bob": "again"}'
    )
    assert by_student["canvas-103"].path is None
    assert "unreadable" in by_student["canvas-103"].missing_reason
    assert download.times[("s2", "ex2_1")].marked_late
    assert download.times[("s1", "ex2_1")].marked_late is False
    assert download.unknown == ["canvas-103", "canvas-555"]
    assert any("notes.txt: name:" in p for p in problems)
    assert any("corrupt_late_103" in p and "cannot be read" in p for p in problems)


def test_a_file_that_is_no_zip_is_one_clear_error(tmp_path):
    path = tmp_path / "submissions.zip"
    path.write_text("not a zip")
    with pytest.raises(SubmissionsNotFoundError, match=r"submissions\.zip: not a readable zip"):
        read_canvas_zip(path, "ex2_1", None, tmp_path / "out", [])
