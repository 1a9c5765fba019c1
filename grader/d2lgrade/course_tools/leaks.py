"""What must never reach students, and how to look for it: one detector for the whole course.

The student copy (``student_copy.py``), the website's and the PDF's tests and the
exercise tests all ask the same question, "does this text reveal a solution or a hidden
check?", and answer it here, with one threshold and one normalisation:

- a **solution secret** is a line of a solution region (``### BEGIN/END SOLUTION``) of a
  reference notebook, or a solution cell without markers, that is long enough to be
  telling (``MIN_LEAK_CHARS`` characters, whitespace collapsed) and that students may not
  see anyway (it is not in the book, the library or a task statement: ``public_text``);
- a **hidden-check secret** is the name of a probe and each telling line of its body.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..notebook import cell_source, nbgrader_meta

# Shorter lines ("return x", "loss.backward()") also occur in innocent code.
MIN_LEAK_CHARS = 20
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "@probe(")
_BLOCK = re.compile(r"^[ \t]*### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION", re.S | re.M)


def collapse(text: str) -> str:
    """``text`` with every run of whitespace made one space: how leaks are compared."""
    return " ".join(text.split())


@dataclass
class Secret:
    """Telling lines of one solution cell or probe, and where they come from."""

    origin: str
    lines: list[str] = field(default_factory=list)


def solution_blocks(source: str) -> list[str]:
    """The text between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (each block). A
    solution cell without the markers is replaced whole for students: all of it is secret."""
    blocks = _BLOCK.findall(source)
    return blocks if blocks or "### BEGIN SOLUTION" in source else [source]


def notebook_text(notebook: dict[str, Any]) -> str:
    """Sources and text outputs of a notebook."""
    parts = []
    for cell in notebook.get("cells", []):
        parts.append(cell_source(cell))
        for out in cell.get("outputs", []):
            text = out.get("text")
            if text:
                parts.append("".join(text) if isinstance(text, list) else text)
            for mime, data in out.get("data", {}).items():
                if mime.startswith("text/"):
                    parts.append("".join(data) if isinstance(data, list) else data)
            if out.get("traceback"):
                parts.append("\n".join(out["traceback"]))
    return "\n".join(parts)


def public_text(root: Path) -> str:
    """What students get by design, collapsed: the book, the d2lutils library they
    install, and the parts of the reference notebooks that are not solutions (the
    statements, given code and checks that the exercise notebooks are made of).

    The exercise notebooks themselves are not counted: a solution line that leaked into
    one would otherwise count as public and hide its own leak.
    """
    parts = []
    for path in sorted((root / "book").glob("*.ipynb")):
        parts.append(notebook_text(json.loads(path.read_text(encoding="utf8"))))
    parts += [path.read_text(encoding="utf8") for path in sorted((root / "book").glob("*.md"))]
    parts += [path.read_text(encoding="utf8") for path in sorted((root / "d2lutils").rglob("*.py"))]
    for path in sorted((root / "solutions").glob("*/*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf8"))["cells"]:
            source = cell_source(cell)
            if nbgrader_meta(cell).get("solution") is True:
                source = _BLOCK.sub("", source) if "### BEGIN SOLUTION" in source else ""
            parts.append(source)
    return collapse("\n".join(parts))


def telling(lines: list[str], public: str) -> list[str]:
    """The lines (collapsed) that are long enough to tell and not public anyway."""
    kept: list[str] = []
    for line in map(collapse, lines):
        if len(line) >= MIN_LEAK_CHARS and line not in public and line not in kept:
            kept.append(line)
    return kept


def solution_secrets(root: Path, public: str | None = None) -> list[Secret]:
    """The telling lines of each solution cell of ``root/solutions/*/*.ipynb``; a block of
    short lines counts as a whole as well."""
    public = public_text(root) if public is None else public
    secrets = []
    for path in sorted((root / "solutions").glob("*/*.ipynb")):
        for index, cell in enumerate(json.loads(path.read_text(encoding="utf8"))["cells"]):
            meta = nbgrader_meta(cell)
            if meta.get("solution") is not True:
                continue
            blocks = solution_blocks(cell_source(cell))
            lines = [line for block in blocks for line in block.splitlines()]
            lines += [block for block in blocks if len(block.strip().splitlines()) > 1]
            secrets.append(
                Secret(
                    f"{path.relative_to(root)}, cell {meta.get('grade_id', f'#{index}')}",
                    telling(lines, public),
                )
            )
    return secrets


def _is_probe(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    return name == "probe"


def hidden_check_secrets(root: Path, public: str | None = None) -> list[Secret]:
    """For each ``@probe`` function of ``root/solutions/*/hidden_checks.py``: its name and
    the telling lines of its body."""
    public = public_text(root) if public is None else public
    secrets = []
    for path in sorted((root / "solutions").glob("*/hidden_checks.py")):
        source = path.read_text(encoding="utf8")
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source, str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                map(_is_probe, node.decorator_list)
            ):
                body = lines[node.body[0].lineno - 1 : node.end_lineno]
                secrets.append(
                    Secret(
                        f"{path.relative_to(root)}, @probe {node.name}",
                        [node.name] + telling(body, public),
                    )
                )
    return secrets


def leaks_in(text: str, secrets: list[Secret]) -> list[str]:
    """``origin: line`` for every secret line found in ``text`` (compared collapsed)."""
    haystack = collapse(text)
    return [
        f"{secret.origin}: {line!r}"
        for secret in secrets
        for line in secret.lines
        if line in haystack
    ]
