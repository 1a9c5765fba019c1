"""Benchmarks refuse to print a ratio when the goal's conditions do not hold."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("script", "extra"), [("bench_grading.py", ["--stock-n", "1"]), ("bench_scaleout.py", [])]
)
def test_grading_benchmarks_refuse_without_the_sandbox(script, extra):
    # No bubblewrap on this PATH: the grader would run notebooks unsandboxed.
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    run = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), "--n", "3", *extra],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode != 0
    assert "no ratio is printed" in run.stderr + run.stdout
    assert "->" not in run.stdout  # no goal line
