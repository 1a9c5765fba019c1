"""The student package carries no grading code, and the grader is a package of its own."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_d2lutils_never_imports_the_grader():
    for path in sorted((REPO / "d2lutils").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any(n.split(".")[0] == "d2lgrade" or "grading" in n for n in names), (
                path,
                names,
            )


def test_the_d2lutils_wheel_holds_no_grading_module(tmp_path):
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = tmp_path.glob("d2lutils-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n == "d2lutils/trainer.py" for n in names)
    modules = [n for n in names if n.endswith(".py")]
    assert all(n.startswith("d2lutils/") for n in modules), modules
    text = " ".join(zipfile.ZipFile(wheel).read(n).decode() for n in modules)
    for word in ("bwrap", "zygote", "hidden_checks", "d2lgrade", "d2l-grade", "unshare"):
        assert word not in text, word
    entry_points = [n for n in names if n.endswith("entry_points.txt")]
    assert not entry_points or b"d2l-grade" not in zipfile.ZipFile(wheel).read(entry_points[0])
