"""The two commands stop at once, with the reason, when their set-up fails."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def scripts_with(tmp_path: Path, failing: str) -> Path:
    """A copy of scripts/ in which the set-up script ``failing`` exits with status 3."""
    scripts = tmp_path / "scripts"
    shutil.copytree(REPO / "scripts", scripts)
    (scripts / failing).write_text("#!/usr/bin/env bash\necho 'pretend failure' >&2\nexit 3\n")
    return scripts


def test_a_failing_environment_set_up_stops_common_sh(tmp_path):
    scripts_with(tmp_path, "ensure_env.sh")
    run = subprocess.run(
        ["bash", "-c", "source scripts/common.sh; echo STILL-RUNNING"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert "STILL-RUNNING" not in run.stdout
    assert "setting up .venv failed" in run.stderr and "pretend failure" in run.stderr


def test_a_failing_system_set_up_stops_test_sh(tmp_path):
    scripts = scripts_with(tmp_path, "ensure_system.sh")
    (scripts / "common.sh").write_text(f'cd "{tmp_path}"\n')  # an environment that is already fine
    (scripts / "book.sh").write_text("echo BOOK-BUILT\n")
    run = subprocess.run(
        ["bash", str(scripts / "test.sh")], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 1
    assert "BOOK-BUILT" not in run.stdout + run.stderr
    assert "installing the system packages the tests need failed" in run.stderr
