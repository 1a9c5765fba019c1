"""When each submission came in, and submissions read straight from an LMS download.

Three sources of times: nbgrader's ``timestamp.txt`` beside each submitted notebook, a
CSV of times for a flat folder (``student_id,submitted_at``), and the file names of a
Canvas "Download Submissions" zip, ``<name>[_LATE]_<user id>_<submission id>_<file>``,
whose ``LATE`` marker is Canvas's own verdict (the names carry no time; a CSV of times
given too takes precedence). A bad line or an unreadable zip member is reported and
skipped; the rest is read.
"""

from __future__ import annotations

import csv
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..batch import Submission
from ..errors import SubmissionsNotFoundError
from .roster import Roster

TIMESTAMP_FILE = "timestamp.txt"
CANVAS_NAME = re.compile(
    r"^(?P<name>[^_/]+?)(?P<late>_late)?_(?P<user>\d+)_(?P<submission>\d+)_(?P<file>[^/]+)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SubmittedAt:
    """When a submission came in (aware; None when unknown) and, when the time is
    unknown, whether the LMS marked it late (None: the LMS said nothing)."""

    time: datetime | None
    marked_late: bool | None = None


Times = dict[tuple[str, str], SubmittedAt]


def parse_time(text: str, zone: tzinfo) -> datetime:
    """An aware time from ISO text or nbgrader's ``2026-09-18 23:59:00.123456 UTC``.

    A trailing zone name is honoured; a time without a zone is in ``zone``.
    Raises ValueError for anything else.
    """
    text = text.strip()
    named = re.fullmatch(r"(.+?)\s+([A-Za-z_]+(?:/[A-Za-z_]+)*)", text)
    if named:
        try:
            zone = ZoneInfo(named.group(2))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {named.group(2)!r}") from None
        text = named.group(1)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def nbgrader_times(submissions: list[Submission], zone: tzinfo, problems: list[str]) -> Times:
    """The ``timestamp.txt`` time of each submission in nbgrader's layout that has one
    (``<student>/<assignment>/``; a flat folder's notebooks share a folder, so not there)."""
    times: Times = {}
    for sub in submissions:
        if sub.path is None or sub.path.parent.name != sub.assignment:
            continue
        stamp = sub.path.parent / TIMESTAMP_FILE
        if not stamp.is_file():
            continue
        try:
            times[(sub.student, sub.assignment)] = SubmittedAt(parse_time(stamp.read_text(), zone))
        except (OSError, UnicodeDecodeError, ValueError) as err:
            problems.append(f"{stamp}:1: time: {err}; no time for this submission")
    return times


def csv_times(path: Path, assignment: str, zone: tzinfo, problems: list[str]) -> Times:
    """Times from a CSV with the columns ``student_id`` and ``submitted_at`` (ISO 8601;
    without an offset, in ``zone``)."""
    try:
        rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    except (OSError, UnicodeDecodeError) as err:
        raise SubmissionsNotFoundError(f"{path}: cannot read the times ({err})") from None
    header = [h.strip().lower() for h in rows[0]] if rows else []
    if "student_id" not in header or "submitted_at" not in header:
        raise SubmissionsNotFoundError(
            f"{path}:1: header: expected the columns student_id,submitted_at; got {header!r}"
        )
    who, when = header.index("student_id"), header.index("submitted_at")
    times: Times = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(f"{path}:{number}: {len(row)} fields, expected {len(header)}; skipped")
            continue
        try:
            times[(row[who].strip(), assignment)] = SubmittedAt(parse_time(row[when], zone))
        except ValueError as err:
            problems.append(f"{path}:{number}: submitted_at: {err}; skipped")
    return times


@dataclass
class CanvasDownload:
    """What a Canvas zip held: one submission per student, Canvas's late markers, problems."""

    submissions: list[Submission]
    times: Times
    unknown: list[str]


def _resubmission_rank(file_name: str) -> int:
    """Canvas appends ``-1``, ``-2`` ... to a file handed in again: the highest is the latest."""
    match = re.search(r"-(\d+)\.ipynb$", file_name)
    return int(match.group(1)) if match else 0


def read_canvas_zip(
    zip_path: Path, assignment: str, roster: Roster | None, dest: Path, problems: list[str]
) -> CanvasDownload:
    """Extract the notebooks of a Canvas "Download Submissions" zip into ``dest``.

    Each is filed under the roster's ``student_id`` whose ``lms_id`` is its Canvas user
    id; a user id the roster lacks is kept under ``canvas-<user id>`` and listed in
    ``unknown``. Members that are not notebooks named the Canvas way, or cannot be read,
    are reported in ``problems``.
    """
    try:
        archive = zipfile.ZipFile(zip_path)
    except (OSError, zipfile.BadZipFile) as err:
        raise SubmissionsNotFoundError(f"{zip_path}: not a readable zip file ({err})") from None
    by_lms = roster.by_lms_id() if roster is not None else {}
    chosen: dict[str, tuple[int, zipfile.ZipInfo, bool]] = {}
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            base = info.filename.rsplit("/", 1)[-1]
            match = CANVAS_NAME.match(base)
            if not base.endswith(".ipynb") or match is None:
                problems.append(
                    f"{zip_path}: {info.filename}: name: not a notebook named "
                    "<name>_<user id>_<submission id>_<file>.ipynb; skipped"
                )
                continue
            user, late = match.group("user"), bool(match.group("late"))
            rank = _resubmission_rank(base)
            if user not in chosen or rank > chosen[user][0]:
                chosen[user] = (rank, info, late)
        dest.mkdir(parents=True, exist_ok=True)
        download = CanvasDownload([], {}, [])
        for user, (_, info, late) in sorted(chosen.items()):
            student = by_lms[user].student_id if user in by_lms else f"canvas-{user}"
            if user not in by_lms:
                download.unknown.append(student)
            target = dest / f"{student}.ipynb"
            try:
                target.write_bytes(archive.read(info))
            except (OSError, zipfile.BadZipFile, EOFError, ValueError) as err:
                problems.append(f"{zip_path}: {info.filename}: cannot be read ({err})")
                download.submissions.append(
                    Submission(
                        student, assignment, None, f"unreadable file in the Canvas zip ({err})"
                    )
                )
                continue
            download.submissions.append(Submission(student, assignment, target))
            download.times[(student, assignment)] = SubmittedAt(None, late)
    return download
