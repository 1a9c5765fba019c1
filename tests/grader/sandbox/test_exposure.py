"""What a notebook can see and touch from inside the sandbox, looked for where the course really is.

A probe of a toy course explores from inside, in both sandbox modes: the mount table,
the folders around the d2lutils and d2lgrade packages (in a checkout, their parents
hold solutions/ and every hidden_checks.py), the real course's solutions, the grading
course, the submissions and the gradebook folder, and a bounded walk of whatever the
sandbox shows. None of them may be visible. Then it tries to write into every mounted
path but its own scratch space and /dev, /proc; every write must fail.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import toy_course as toy
from test_corpus import config_for

from d2lgrade.assignment import load_assignment
from d2lgrade.execution import run_notebook
from d2lgrade.planning import plan_cells
from d2lgrade.sandbox import SandboxPool, sandbox_description
from d2lgrade.sandbox.bwrap import exposed_packages

REPO = Path(__file__).resolve().parents[3]
EXPLORE = """

@probe("norm")
def exposure(norm):
    import os
    import time
    forbidden = {forbidden!r}
    packages = {packages!r}
    with open("/proc/self/mountinfo") as table:
        fields = [line.split() for line in table]
    mounts = sorted({{f[4].replace("\\\\040", " ") for f in fields}})
    private = ("/tmp", "/scratch", "/dev", "/proc")
    read_write = sorted({{f[4] for f in fields if "rw" in f[5].split(",") and f[4] != "/"
                         and not (f[4].startswith(private)
                                  and not f[4].startswith("/tmp/matplotlib/"))}})

    def bound(path):
        return path in mounts or any(m.startswith(path.rstrip("/") + "/") for m in mounts)

    report = {{"visible": [p for p in forbidden if os.path.lexists(p)],
              "mounted": [m for m in mounts for p in forbidden if m == p or m.startswith(p + "/")],
              "beside_packages": [], "writable": [], "read_write": read_write, "found": []}}
    for parent in sorted({{os.path.dirname(p) for p in packages}}
                         | {{os.path.dirname(os.path.dirname(p)) for p in packages}}):
        try:
            entries = [os.path.join(parent, e) for e in os.listdir(parent)]
        except OSError:
            continue
        report["beside_packages"] += [e for e in entries if not bound(e)]
    for mount in mounts:
        if mount.startswith(private) and not mount.startswith("/tmp/matplotlib/"):
            continue
        target = (os.path.join(mount, f".d2l-write-{{os.getpid()}}") if os.path.isdir(mount)
                  else mount)
        try:
            with open(target, "a") as handle:
                handle.write("x")
            report["writable"].append(mount)
        except OSError:
            pass
    deadline = time.monotonic() + 20
    for folder, dirs, files in os.walk("/"):
        dirs[:] = [d for d in dirs
                   if os.path.join(folder, d) not in ("/proc", "/sys", "/dev", "/usr")]
        report["found"] += [os.path.join(folder, f) for f in files
                            if f in ("hidden_checks.py", "gradebook.csv")
                            or (f.endswith(".ipynb") and "site-packages" not in folder)]
        if time.monotonic() > deadline:
            report["found"].append("(the walk ran out of time)")
            break
    return report
"""


def exploring_course(root: Path, forbidden: list[str]) -> Path:
    course = toy.write_course(root)
    hidden = course / "solutions" / "toy" / "hidden_checks.py"
    packages = [str(p) for p in exposed_packages()]
    hidden.write_text(
        hidden.read_text() + textwrap.dedent(EXPLORE).format(forbidden=forbidden, packages=packages)
    )
    return course


@pytest.fixture(scope="module", params=["warm", "fresh"])
def exposure(request, tmp_path_factory):
    assert sandbox_description() == "bubblewrap", "install bubblewrap"
    config = config_for(request.param)
    work = tmp_path_factory.mktemp("exposure")
    submissions, grades = work / "submitted", work / "grades"
    for folder in (submissions / "someone" / "toy", grades):
        folder.mkdir(parents=True)
    (submissions / "someone" / "toy" / "toy.ipynb").write_bytes(
        toy.to_bytes(toy.reference_notebook())
    )
    (grades / "gradebook.csv").write_text("student,total\n")
    # Everything of the course but the two package folders (and a venv inside the checkout).
    forbidden = [
        str(p) for p in sorted(REPO.iterdir()) if p.name not in ("d2lutils", "grader", ".venv")
    ]
    forbidden += [str(p) for p in sorted((REPO / "grader").iterdir()) if p.name != "d2lgrade"]
    forbidden += [str(p) for p in sorted(REPO.glob("solutions/*/hidden_checks.py"))]
    forbidden += [str(submissions), str(grades), str(work / "course" / "solutions")]
    course = exploring_course(work / "course", forbidden)
    assignment = load_assignment(course / "solutions", "toy")
    plan = plan_cells(json.loads(toy.to_bytes(toy.reference_notebook())), assignment)
    with SandboxPool(config, size=1) as pool, pool.sandbox() as sandbox:
        outcome = run_notebook(plan, assignment, sandbox, config.limits, "someone")
    probe = next(i for i, p in enumerate(assignment.probes) if p.name == "exposure")
    event = outcome.record.probes.get(probe)
    assert event is not None and event.ok, (outcome.crash, event)
    return event.value


def test_no_part_of_the_course_around_the_sandbox_is_visible(exposure):
    assert exposure["visible"] == [], exposure["visible"]
    assert exposure["mounted"] == [], exposure["mounted"]


def test_the_package_folders_are_bound_alone(exposure):
    assert exposure["beside_packages"] == [], exposure["beside_packages"]


def test_a_walk_of_everything_visible_finds_no_checks_gradebook_or_notebook(exposure):
    assert exposure["found"] == [], exposure["found"][:20]


def test_no_mounted_path_outside_the_scratch_space_is_writable(exposure):
    assert exposure["writable"] == [], exposure["writable"]
    # Mounted read-only too, not merely owned by another user.
    assert exposure["read_write"] == [], exposure["read_write"]
