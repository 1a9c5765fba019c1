"""Prepare the PDF build: write its table of contents and print the PDF's file name.

Usage: python scripts/pdf/prepare.py OUT_DIR

The PDF holds the book without its exercises: OUT_DIR/_toc.yml is _toc.yml less every
page under exercises/ (and any part left empty). The file is rewritten only when its
content changes, so that an unchanged book builds nothing new. The file name printed is
latex.latex_documents.targetname of _config.yml with .pdf for .tex.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
NOT_IN_PDF = "exercises/"


def without_exercises(entries: list[dict]) -> list[dict]:
    """The entries of a part, chapter or section list, less the pages under exercises/
    and the groups that held nothing else."""
    kept = []
    for entry in entries:
        if str(entry.get("file", "")).startswith(NOT_IN_PDF):
            continue
        entry = dict(entry)
        emptied = False
        for key in ("parts", "chapters", "sections"):
            if key in entry:
                entry[key] = without_exercises(entry[key])
                emptied = emptied or not entry[key]
                if not entry[key]:
                    del entry[key]
        if emptied and "file" not in entry and "url" not in entry and "glob" not in entry:
            continue
        kept.append(entry)
    return kept


def pdf_toc(toc: dict) -> dict:
    toc = dict(toc)
    for key in ("parts", "chapters", "sections"):
        if key in toc:
            toc[key] = without_exercises(toc[key])
    return toc


def pdf_name(config: dict) -> str:
    target = (config.get("latex") or {}).get("latex_documents", {}).get("targetname")
    if not target or not target.endswith(".tex"):
        raise SystemExit(
            "error: _config.yml needs latex.latex_documents.targetname "
            "(e.g. book.tex): it names the PDF"
        )
    return target[: -len(".tex")] + ".pdf"


def main(out_dir: str) -> None:
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf8"))
    text = (
        "# Written by scripts/pdf/prepare.py from _toc.yml: the book without exercises.\n"
        + yaml.safe_dump(pdf_toc(toc), sort_keys=False)
    )
    target = Path(out_dir) / "_toc.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.is_file() or target.read_text(encoding="utf8") != text:
        target.write_text(text, encoding="utf8")
    print(pdf_name(yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf8"))))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
