"""Similarity evidence across one assignment's submissions, for a person to look at.

Each notebook's answer cells (the cells students write in, including cells they add)
are fingerprinted with copydetect, which winnows k-grams of the code after replacing
names by placeholders, so that renaming variables or editing comments does not hide a
copy. The code the course hands out (the student version's answer cells: signatures,
docstrings, stubs) is boilerplate and never counts. Pairs that share fingerprints are
found through an index (no all-pairs loop), compared, and those above a threshold are
ranked and shown side by side with the matching spans marked. Nothing here changes a
grade.
"""

from __future__ import annotations

import html
import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

from ..batch import Submission
from ..notebook import SubmissionError, cell_source, nbgrader_meta, parse_notebook

NOISE_CHARS = 25  # k: matches shorter than this many filtered characters are never seen
THRESHOLD = 0.6  # the share of either notebook's answer code that the pair shares
MIN_OVERLAP = 60  # filtered characters in common below which a pair is never flagged
TOP_PAIRS = 200
SIMILARITY_FOLDER = "similarity"
COMMON_SHARE = 0.1  # code in more than this share of the class (and 10 notebooks) is an idiom


def answer_code(data: bytes) -> str:
    """The code a student wrote: solution cells and cells they added, one block each."""
    notebook = parse_notebook(data)
    blocks = []
    for cell in notebook["cells"]:
        meta = nbgrader_meta(cell)
        if cell.get("cell_type") == "code" and (meta.get("solution") or not meta):
            label = meta.get("grade_id", "added cell")
            blocks.append(f"# --- {label} ---\n{cell_source(cell).rstrip()}\n")
    return "\n".join(blocks)


def _fingerprint(code: str, boilerplate: list[int] | None = None) -> Any:
    from copydetect import CodeFingerprint

    return CodeFingerprint(
        "answers.py", NOISE_CHARS, 1, boilerplate=boilerplate or [], fp=io.StringIO(code)
    )


@dataclass(frozen=True)
class SimilarPair:
    """Two submissions whose answer code overlaps; ``share`` is the larger of the two
    shares of each one's code that the other contains."""

    first: str
    second: str
    share: float
    overlap: int
    page: str


def given_code(student_version: Path) -> str:
    """The answer cells of the notebook students start from (empty if it is missing)."""
    return answer_code(student_version.read_bytes()) if student_version.is_file() else ""


def similar_pairs(
    codes: dict[str, str],
    boilerplate_code: str,
    threshold: float = THRESHOLD,
    min_overlap: int = MIN_OVERLAP,
) -> tuple[list[tuple[str, str, float, int]], dict[str, Any]]:
    """Pairs of ``codes`` (student to answer code) above ``threshold``, most similar first,
    with the fingerprints for drawing them."""
    from copydetect import compare_files

    boilerplate = list(_fingerprint(boilerplate_code).hashes) if boilerplate_code else []
    prints = {student: _fingerprint(code, boilerplate) for student, code in codes.items()}
    holders: dict[int, list[str]] = defaultdict(list)
    for student, fingerprint in prints.items():
        for value in fingerprint.hashes:
            holders[int(value)].append(student)
    common = max(10, int(COMMON_SHARE * len(codes)))
    shared: Counter[tuple[str, str]] = Counter()
    for students in holders.values():
        if len(students) <= common:
            shared.update(combinations(sorted(students), 2))
    found = []
    for (first, second), count in shared.items():
        smaller = min(len(prints[first].hashes), len(prints[second].hashes)) or 1
        if count / smaller < threshold / 2:
            continue  # too few fingerprints in common to reach the threshold
        overlap, (share_first, share_second), _ = compare_files(prints[first], prints[second])
        share = float(max(share_first, share_second))
        if share >= threshold and int(overlap) >= min_overlap:
            found.append((first, second, share, int(overlap)))
    found.sort(key=lambda p: (-p[2], -p[3], p[0], p[1]))
    return found, prints


_STYLE = """<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
pre{white-space:pre-wrap;font-size:.85em}mark{background:#ffd36e}.pair td{width:50%}</style>"""


def _side(student: str, fingerprint: Any, slices: Any) -> str:
    from copydetect.utils import highlight_overlap

    if slices.shape[1]:
        code, _ = highlight_overlap(
            fingerprint.raw_code, slices, "<mark>", "</mark>", escape_html=True
        )
    else:
        code = html.escape(fingerprint.raw_code)
    return f"<td><h2>{html.escape(student)}</h2><pre>{code}</pre></td>"


def write_similarity_report(
    submissions: list[Submission],
    student_version: Path,
    out: Path,
) -> list[SimilarPair]:
    """Write ``similarity/index.html`` (pairs above ``THRESHOLD``, the first ``TOP_PAIRS``
    ranked) and one side-by-side page per pair under ``out``, for one assignment's
    ``submissions``; the pairs shown."""
    from copydetect import compare_files

    codes = {}
    for sub in submissions:
        if sub.path is None:
            continue
        try:
            codes[sub.student] = answer_code(sub.path.read_bytes())
        except (OSError, SubmissionError, KeyError, TypeError):
            continue  # grading already reports an unreadable notebook
    assignment = submissions[0].assignment if submissions else ""
    found, prints = similar_pairs(codes, given_code(student_version), THRESHOLD)
    folder = out / SIMILARITY_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    pairs = []
    for rank, (first, second, share, overlap) in enumerate(found[:TOP_PAIRS], start=1):
        page = f"{assignment}-{rank:03d}.html"
        _, _, (left, right) = compare_files(prints[first], prints[second])
        (folder / page).write_text(
            f"<!doctype html><meta charset='utf-8'><title>{html.escape(first)} and "
            f"{html.escape(second)}</title>{_STYLE}<p><a href='{assignment}.html'>all pairs</a></p>"
            f"<h1>{html.escape(assignment)}: {html.escape(first)} and {html.escape(second)}"
            f"</h1><p>{share:.0%} of one notebook's answer code is in the other "
            f"({overlap} characters after names are replaced). Evidence to look at, not a "
            "verdict.</p><table class='pair'><tr>"
            f"{_side(first, prints[first], left)}{_side(second, prints[second], right)}"
            "</tr></table>",
            encoding="utf-8",
        )
        pairs.append(SimilarPair(first, second, share, overlap, page))
    rows = "".join(
        f"<tr><td>{i}</td><td>{html.escape(p.first)}</td><td>{html.escape(p.second)}</td>"
        f"<td>{p.share:.0%}</td><td>{p.overlap}</td><td><a href='{p.page}'>side by side</a>"
        "</td></tr>"
        for i, p in enumerate(pairs, start=1)
    )
    (folder / f"{assignment}.html").write_text(
        f"<!doctype html><meta charset='utf-8'><title>Similar submissions</title>{_STYLE}"
        f"<h1>Similar submissions: {html.escape(assignment)}</h1><p>{len(codes)} notebooks "
        f"compared on their answer cells, the given code left out; {len(found)} pair(s) "
        f"share at least {THRESHOLD:.0%} of one notebook's answer code"
        f"{f', the first {TOP_PAIRS} shown' if len(found) > TOP_PAIRS else ''}. Similar code is a "
        "reason to look, never a grade change: short tasks have few ways to be answered."
        "</p><table><tr><th>rank</th><th>student</th><th>student</th><th>share</th>"
        f"<th>characters</th><th></th></tr>{rows}</table>",
        encoding="utf-8",
    )
    return pairs


def link_from_summary(summary: Path, assignment: str, pairs: int) -> None:
    """Add a line to ``summary.html`` that links an assignment's similarity report."""
    link = (
        f"<h2>Similarity: {html.escape(assignment)}</h2><p><a href='{SIMILARITY_FOLDER}/"
        f"{html.escape(assignment)}.html'>{pairs} pair(s) of similar submissions</a> "
        "(evidence to look at, not a grade change)</p>"
    )
    page = summary.read_text(encoding="utf-8")
    if "</body>" in page:
        page = page.replace("</body>", link + "</body>", 1)
    else:
        page += link
    summary.write_text(page, encoding="utf-8")


def report_similarity(submissions: list[Submission], course_root: Path, out: Path) -> int:
    """Write the similarity report of each assignment in ``submissions``, linked from
    ``out/summary.html``; the number of pairs shown in all."""
    total = 0
    for assignment in sorted({s.assignment for s in submissions}):
        given = course_root / "exercises" / assignment / f"{assignment}.ipynb"
        mine = [s for s in submissions if s.assignment == assignment]
        pairs = write_similarity_report(mine, given, out)
        link_from_summary(out / "summary.html", assignment, len(pairs))
        total += len(pairs)
    return total
