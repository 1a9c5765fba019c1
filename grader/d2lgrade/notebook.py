"""Reading a submitted notebook: validate the file and read its cells.

This module knows the notebook format only; what runs for which assignment is
planned in ``planning.py``. Everything here works on the submitted bytes in the
grader's own process, before any of the student's code runs.
"""

from __future__ import annotations

import json
from typing import Any

MAX_NOTEBOOK_BYTES = 64 * 1024**2


class SubmissionError(ValueError):
    """The file cannot be graded at all; the message says why and what to do."""


def cell_source(cell: dict[str, Any]) -> str:
    """A cell's source as one string (notebook files may store it as a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def nbgrader_meta(cell: dict[str, Any]) -> dict[str, Any]:
    """The cell's nbgrader metadata, or {} when it has none or it is malformed."""
    metadata = cell.get("metadata")
    meta = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return meta if isinstance(meta, dict) else {}


def normalized(source: str) -> str:
    """Source with trailing spaces and blank edges removed, for edit detection."""
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def parse_notebook(data: bytes) -> dict[str, Any]:
    """Decode and validate a submitted .ipynb; raise ``SubmissionError`` with the reason."""
    if not data.strip():
        raise SubmissionError("the file is empty: submit the notebook saved from Jupyter or Colab")
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(
            f"the file is {len(data) / 1024**2:.0f} MB, above the "
            f"{MAX_NOTEBOOK_BYTES // 1024**2} MB limit: clear outputs and resubmit"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SubmissionError(
            f"the file is not UTF-8 text (byte {err.start}): it is not a "
            "notebook; download it again as .ipynb"
        ) from None
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as err:
        raise SubmissionError(
            f"the file is not valid notebook JSON (line {err.lineno}, column "
            f"{err.colno}: {err.msg}); download it again as .ipynb"
        ) from None
    except RecursionError:
        raise SubmissionError(
            "the file's JSON nests lists or objects too deeply to be a notebook; "
            "download it again as .ipynb"
        ) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise SubmissionError("the file is JSON but not a notebook (no list of cells)")
    if notebook.get("nbformat") != 4:
        raise SubmissionError(
            f"the notebook has nbformat version {notebook.get('nbformat')!r}; "
            "version 4 is required (save it with a current Jupyter or Colab)"
        )
    for i, cell in enumerate(notebook["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise SubmissionError(f"cell {i} is malformed (no valid cell_type)")
        source = cell.get("source", "")
        if not (
            isinstance(source, str)
            or (isinstance(source, list) and all(isinstance(s, str) for s in source))
        ):
            raise SubmissionError(f"cell {i} has a malformed source")
    return notebook
