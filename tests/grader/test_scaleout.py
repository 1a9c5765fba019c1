"""Grading on a real Dask cluster (``distributed.LocalCluster``, two worker processes).

The gradebook must equal the local run's byte for byte; the cache still skips
unchanged notebooks; a worker that dies mid-batch loses nothing, a notebook
that kills workers twice is reported, not retried forever, and a cluster left with
no workers ends the run with the waiting notebooks reported, instead of a hang.
"""

from __future__ import annotations

import concurrent.futures
import os
from dataclasses import replace
from pathlib import Path

import pytest
import toy_course as toy

from d2lgrade.batch import Submission, grade_class
from d2lgrade.config import GradingConfig, Limits
from d2lgrade.report import write_gradebook, write_summary
from d2lgrade.scaleout import DaskEngine

distributed = pytest.importorskip("distributed")
import dask  # noqa: E402  (installed with distributed)

HERE = Path(__file__).resolve().parent
CONFIG = GradingConfig(limits=Limits(cell_seconds=10, notebook_seconds=60), jobs=1)


def class_of_notebooks(folder: Path) -> list[Submission]:
    """24 submissions: solved, partial and untouched ones, and a few hostile ones."""
    notebooks = {
        "infinite_loop": toy.solved("double", "norm"),
        "reads_hidden_checks": toy.solved("double"),
        "forges_events": toy.solved("norm"),
    }
    toy.answer_cell(notebooks["infinite_loop"], "softmax").source = "while True:\n    pass"
    toy.answer_cell(notebooks["reads_hidden_checks"], "norm").source = (
        "import glob\nleak = glob.glob('/**/hidden_checks.py', recursive=True)\n"
        "def norm(v):\n    return len(leak)"
    )
    toy.answer_cell(notebooks["forges_events"], "double").source = (
        "import os, json\nfor fd in range(3, 30):\n    try:\n"
        "        os.write(fd, (json.dumps({'event': 'end'}) + '\\n').encode())\n"
        "    except OSError:\n        pass\ndef double(x):\n    return 2 * x"
    )
    kinds = [
        toy.reference_notebook(),
        toy.solved("double"),
        toy.solved("softmax", "norm"),
        toy.student_notebook(),
    ]
    for i in range(21):
        notebooks[f"student_{i:02d}"] = kinds[i % len(kinds)]
    folder.mkdir(parents=True, exist_ok=True)
    submissions = []
    for name, notebook in notebooks.items():
        (folder / f"{name}.ipynb").write_bytes(toy.to_bytes(notebook))
        submissions.append(Submission(name, "toy", folder / f"{name}.ipynb"))
    return submissions


def local_cluster(n_workers: int):
    """Worker processes of one thread each, on this machine, quiet and on free ports."""
    return distributed.LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=40,
    )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    fault_dir = tmp_path_factory.mktemp("faults")
    env = {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
        "D2L_TEST_FAULT_DIR": str(fault_dir),
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # inherited by the worker processes
    # One task per worker thread at a time, and a notebook that kills a second worker fails.
    settings = {
        "distributed.scheduler.allowed-failures": 1,
        "distributed.scheduler.worker-saturation": 1.0,
    }
    try:
        with (
            dask.config.set(settings),
            local_cluster(n_workers=2) as cluster_of_two,
        ):
            yield cluster_of_two
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return toy.write_course(tmp_path_factory.mktemp("course"))


def reports(results, assignments, folder: Path) -> tuple[bytes, bytes]:
    write_gradebook(results, assignments, folder / "gradebook.csv")
    write_summary(results, assignments, folder)
    return (folder / "gradebook.csv").read_bytes(), (folder / "summary.csv").read_bytes()


def test_the_cluster_grades_a_class_exactly_as_a_local_run_and_reuses_the_cache(
    cluster, course, tmp_path
):
    submissions = class_of_notebooks(tmp_path / "submitted")
    assert len(submissions) >= 20
    local, assignments = grade_class(
        submissions, course / "solutions", CONFIG, progress=lambda _: None
    )
    lines: list[str] = []
    on_dask, _ = grade_class(
        submissions,
        course / "solutions",
        GradingConfig(
            limits=CONFIG.limits,
            jobs=1,
            cache_dir=tmp_path / "cache",
            scheduler=cluster.scheduler_address,
        ),
        progress=lines.append,
    )
    assert reports(local, assignments, tmp_path / "local") == reports(
        on_dask, assignments, tmp_path / "dask"
    )
    by_student = {r.student: r for r in on_dask}
    assert by_student["student_00"].total == toy.FULL and by_student["student_03"].total == 0
    assert by_student["forges_events"].total == 0 and by_student["infinite_loop"].total == 3
    assert by_student["reads_hidden_checks"].tasks["norm"].points == 0
    assert not any("(cached)" in line for line in lines)

    again: list[str] = []
    grade_class(
        submissions,
        course / "solutions",
        GradingConfig(
            limits=CONFIG.limits,
            jobs=1,
            cache_dir=tmp_path / "cache",
            scheduler=cluster.scheduler_address,
        ),
        progress=again.append,
    )
    graded = [line for line in again if line.startswith("[")]
    assert len(graded) == len(submissions) and all("(cached)" in line for line in graded)


def test_a_dying_worker_loses_nothing_and_a_poisonous_notebook_is_reported(
    cluster, course, tmp_path
):
    from dask_faults import grade_or_die

    submissions = class_of_notebooks(tmp_path / "submitted")[:8]
    extra = {
        "dies_once_a": toy.reference_notebook(),
        "dies_once_b": toy.solved("double"),
        "poison_x": toy.reference_notebook(),
    }
    for name, notebook in extra.items():
        path = tmp_path / "submitted" / f"{name}.ipynb"
        path.write_bytes(toy.to_bytes(notebook))
        submissions.append(Submission(name, "toy", path))
    local, _ = grade_class(submissions, course / "solutions", CONFIG, progress=lambda _: None)
    on_dask, _ = grade_class(
        submissions,
        course / "solutions",
        replace(CONFIG, scheduler=cluster.scheduler_address),
        progress=lambda _: None,
        engine=lambda config, pool: DaskEngine(config, worker_grade=grade_or_die),
    )
    expected = {r.student: r for r in local}
    got = {r.student: r for r in on_dask}
    assert set(got) == set(expected)
    for student, result in got.items():
        if student == "poison_x":
            assert result.total == 0
            assert any("died each time" in note for note in result.notes), result.notes
        else:
            assert result.tasks == expected[student].tasks, student
    assert got["dies_once_a"].total == toy.FULL and got["dies_once_b"].total == 2


def test_a_cluster_left_without_workers_reports_the_waiting_notebooks(course, tmp_path):
    submissions = class_of_notebooks(tmp_path / "submitted")[:6]
    with local_cluster(n_workers=1) as lonely:

        def retire_all_workers_after_the_first(line: str) -> None:
            if line.startswith("[1/"):
                lonely.scale(0)

        # In a thread, so that a run that never ends fails the test instead of hanging it.
        pool = concurrent.futures.ThreadPoolExecutor(1)
        try:
            run = pool.submit(
                grade_class,
                submissions,
                course / "solutions",
                replace(CONFIG, scheduler=lonely.scheduler_address, worker_wait=3),
                progress=retire_all_workers_after_the_first,
            )
            results, _ = run.result(timeout=120)
        finally:
            pool.shutdown(wait=False)
    assert sorted(r.student for r in results) == sorted(s.student for s in submissions)
    waiting = [r for r in results if any("had no workers for 3 s" in n for n in r.notes)]
    assert 1 <= len(waiting) < len(submissions)
    assert all(r.total == 0 for r in waiting)
    assert all("start workers and grade again" in r.notes[0] for r in waiting)
