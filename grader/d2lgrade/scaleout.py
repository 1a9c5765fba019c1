"""Grading on a Dask cluster: the same pipeline, mapped over the cluster's workers.

The instructor's machine loads the assignments and runs the reference solutions
once (``batch.grade_class`` does that before any engine starts); this engine then
sends both to the workers once and maps :func:`grade_on_worker` over the notebooks
still to grade. Each worker keeps a :class:`~d2lgrade.sandbox.SandboxPool` of its
own (warm where it can be) with ``--jobs`` sandboxes, set up and closed by a worker
plugin. Results come back as plain JSON records; the reports are written locally.

When a worker dies, the scheduler hands its notebooks to other workers. A notebook
whose grading has killed workers more often than the scheduler's
``distributed.scheduler.allowed-failures`` allows (set it to 1 so that a second death
ends it) comes back as ``KilledWorker`` and is reported as such, with 0 points.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from .assignment import Assignment
from .batch import Batch, Engine, Graded, internal_error
from .config import GradingConfig, Limits, default_data_dir
from .errors import GradingError
from .grade import grade_submission
from .results import SubmissionResult, zero_result
from .sandbox import SandboxPool, sandbox_description

PLUGIN_NAME = "d2lgrade-sandboxes"
WorkerGrade = Callable[[str, bytes, Assignment, list[Any], Limits], dict[str, Any]]

try:
    from distributed import WorkerPlugin
except ImportError:  # the engine says what to install when it is asked for
    WorkerPlugin = object  # type: ignore[assignment,misc]


class WorkerSandboxes(WorkerPlugin):
    """Gives each worker its own sandbox pool for the length of a grading run."""

    name = PLUGIN_NAME

    def __init__(self, config: GradingConfig) -> None:
        self.config = config
        self.pool: SandboxPool | None = None

    def setup(self, worker: Any) -> None:
        config = self.config
        if config.data_dir is not None and not config.data_dir.is_dir():
            # Another machine: its own copy of the data, where d2lutils would look.
            config = replace(config, data_dir=default_data_dir())
        self.pool = SandboxPool(config)

    def teardown(self, worker: Any) -> None:
        if self.pool is not None:
            self.pool.close()


def grade_on_worker(
    student: str, data: bytes, assignment: Assignment, expected: list[Any], limits: Limits
) -> dict[str, Any]:
    """Grade one notebook in a sandbox of this worker's pool; the result as plain data."""
    from distributed import get_worker

    plugin = get_worker().plugins.get(PLUGIN_NAME)
    if not isinstance(plugin, WorkerSandboxes) or plugin.pool is None:
        raise RuntimeError("this worker has no grading sandboxes (the plugin was not registered)")
    with plugin.pool.sandbox() as sandbox:
        return grade_submission(student, data, assignment, expected, sandbox, limits).to_json()


def _shared(value: Any) -> Any:
    return value


class DaskEngine:
    """Grades on the workers of the Dask scheduler at ``address``."""

    def __init__(
        self, address: str, config: GradingConfig, worker_grade: WorkerGrade = grade_on_worker
    ) -> None:
        self.address = address
        self.config = config
        self.worker_grade = worker_grade

    def grade(self, batch: Batch) -> Iterator[Graded]:
        tasks, assignments, expected = batch.tasks, batch.assignments, batch.expected
        if not tasks:
            return
        from distributed import Client, as_completed
        from distributed.scheduler import KilledWorker

        try:
            client = Client(self.address, timeout="30s")
        except OSError as err:
            raise GradingError(
                f"cannot reach the Dask scheduler at {self.address} ({err}); "
                "start it with `dask scheduler` and check the address"
            ) from None
        try:
            if not client.scheduler_info().get("workers"):
                client.wait_for_workers(1, timeout=60)
            client.register_plugin(WorkerSandboxes(self.config))
            run = uuid.uuid4().hex[:8]
            # Sent once per assignment as tasks that return them, not scattered: the
            # scheduler can recompute a task whose result died with every worker that
            # held it, while scattered data would be lost for good.
            ids = sorted({t.assignment_id for t in tasks})
            shared_assignments = {
                a: client.submit(_shared, assignments[a], key=f"assignment-{run}-{a}") for a in ids
            }
            shared_expected = {
                a: client.submit(_shared, expected[a], key=f"expected-{run}-{a}") for a in ids
            }
            futures = {
                client.submit(
                    self.worker_grade,
                    t.student,
                    t.data,
                    shared_assignments[t.assignment_id],
                    shared_expected[t.assignment_id],
                    self.config.limits,
                    key=f"grade-{run}-{t.index}",
                    pure=False,
                ): t
                for t in tasks
            }
            for future in as_completed(futures):
                task = futures[future]
                assignment = assignments[task.assignment_id]
                try:
                    yield task, SubmissionResult.from_json(future.result()), True
                except KilledWorker:
                    yield (
                        task,
                        zero_result(
                            task.student,
                            assignment,
                            "not graded: the Dask workers grading this notebook died each time it "
                            "was tried, so it was not retried again; grade it alone to see why",
                            sandbox_description(),
                        ),
                        False,
                    )
                except Exception as err:  # a grader bug must not cost the rest of the class
                    yield task, internal_error(task, assignment, err), False
        finally:
            try:
                client.unregister_worker_plugin(PLUGIN_NAME)
            finally:
                client.close()


def dask_engine(
    address: str, worker_grade: WorkerGrade = grade_on_worker
) -> Callable[[SandboxPool], Engine]:
    """An engine factory for ``batch.grade_class`` that grades on the cluster at ``address``."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise GradingError(
            "--scheduler needs Dask's distributed package: pip install 'd2l-grade[dask]'"
        ) from None

    def make(pool: SandboxPool) -> Engine:
        return DaskEngine(address, pool.config, worker_grade)

    return make
