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

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from .assignment import Assignment
from .config import GradingConfig, default_data_dir
from .engines import Batch, Graded, GradingTask, internal_error
from .errors import GradingError
from .grade import PreparedAssignment, grade_submission
from .protocol import Limits
from .results import FailureCode, SubmissionResult, not_graded
from .sandbox import SandboxPool, sandbox_description

PLUGIN_NAME = "d2lgrade-sandboxes"
# How often the engine looks at the cluster while no result comes back.
POLL_SECONDS = 2.0
KILLED_WORKERS = (
    "the Dask workers grading this notebook died each time it was tried, so it was not "
    "retried again; grade it alone to see why"
)
NO_WORKERS = (
    "the Dask cluster at {address} had no workers for {seconds:.0f} s; start workers and "
    "grade again (the notebooks graded so far are cached)"
)
WorkerGrade = Callable[[str, bytes, PreparedAssignment, Limits], dict[str, Any]]

try:
    from distributed import WorkerPlugin
except ImportError:  # GradingConfig says what to install when a scheduler is asked for
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
    student: str, data: bytes, prepared: PreparedAssignment, limits: Limits
) -> dict[str, Any]:
    """Grade one notebook in a sandbox of this worker's pool; the result as plain data."""
    from distributed import get_worker

    plugin = get_worker().plugins.get(PLUGIN_NAME)
    if not isinstance(plugin, WorkerSandboxes) or plugin.pool is None:
        raise RuntimeError("this worker has no grading sandboxes (the plugin was not registered)")
    with plugin.pool.sandbox() as sandbox:
        return grade_submission(student, data, prepared, sandbox, limits).to_json()


def _shared(value: Any) -> Any:
    return value


class DaskEngine:
    """Grades on the workers of the Dask scheduler that ``config`` names.

    ``config.worker_wait``: seconds without any worker after which the notebooks still
    waiting are reported as not graded.
    """

    def __init__(self, config: GradingConfig, worker_grade: WorkerGrade = grade_on_worker) -> None:
        if config.scheduler is None:
            raise GradingError("the Dask engine needs a scheduler address (--scheduler)")
        self.address = config.scheduler
        self.config = config
        self.worker_grade = worker_grade
        self.worker_wait = config.worker_wait

    def grade(self, batch: Batch) -> Iterator[Graded]:
        tasks = batch.tasks
        if not tasks:
            return
        from distributed import Client

        try:
            client = Client(self.address, timeout="30s")
        except OSError as err:
            raise GradingError(
                f"cannot reach the Dask scheduler at {self.address} ({err}); "
                "start it with `dask scheduler` and check the address"
            ) from None
        try:
            if not client.nthreads():
                try:
                    client.wait_for_workers(1, timeout=self.worker_wait)
                except TimeoutError:
                    raise GradingError(
                        f"the Dask cluster at {self.address} has had no workers for "
                        f"{self.worker_wait:.0f} s: start some with `dask worker {self.address}`"
                    ) from None
            client.register_plugin(WorkerSandboxes(self.config))
            run = uuid.uuid4().hex[:8]
            # Sent once per assignment as tasks that return them, not scattered: the
            # scheduler can recompute a task whose result died with every worker that
            # held it, while scattered data would be lost for good.
            ids = sorted({t.assignment_id for t in tasks})
            shared = {
                a: client.submit(_shared, batch.prepared[a], key=f"assignment-{run}-{a}")
                for a in ids
            }
            futures = {
                client.submit(
                    self.worker_grade,
                    t.student,
                    t.data,
                    shared[t.assignment_id],
                    self.config.limits,
                    key=f"grade-{run}-{t.index}",
                    pure=False,
                ): t
                for t in tasks
            }
            assignments = {a: batch.prepared[a].assignment for a in ids}
            yield from self._collect(client, futures, assignments)
        finally:
            try:
                client.unregister_worker_plugin(PLUGIN_NAME)
            finally:
                client.close()

    def _collect(
        self, client: Any, futures: dict[Any, GradingTask], assignments: dict[str, Assignment]
    ) -> Iterator[Graded]:
        """Yield each notebook's result as it arrives. When the cluster has had no worker
        for ``worker_wait`` seconds, the notebooks still waiting are reported as not
        graded instead of waiting forever."""
        from distributed import wait
        from distributed.scheduler import KilledWorker

        pending = set(futures)
        idle_since: float | None = None
        while pending:
            try:
                done, pending = wait(pending, timeout=POLL_SECONDS, return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = set()
            for future in done:
                task = futures[future]
                assignment = assignments[task.assignment_id]
                try:
                    yield task, SubmissionResult.from_json(future.result()), True
                except KilledWorker:
                    yield task, self._not_graded(task, assignment, FailureCode.WORKERS_DIED), False
                except Exception as err:  # a grader bug must not cost the rest of the class
                    yield task, internal_error(task, assignment, err), False
            if done or client.nthreads():
                idle_since = None
                continue
            idle_since = idle_since if idle_since is not None else time.monotonic()
            if time.monotonic() - idle_since >= self.worker_wait:
                client.cancel(list(pending))
                for future in sorted(pending, key=lambda f: futures[f].index):
                    task = futures[future]
                    assignment = assignments[task.assignment_id]
                    yield task, self._not_graded(task, assignment, FailureCode.NO_WORKERS), False
                return

    def _not_graded(
        self, task: GradingTask, assignment: Assignment, code: FailureCode
    ) -> SubmissionResult:
        """The zero result of a notebook the cluster could not grade (``code`` says why)."""
        why = (
            KILLED_WORKERS
            if code is FailureCode.WORKERS_DIED
            else NO_WORKERS.format(address=self.address, seconds=self.worker_wait)
        )
        return not_graded(task.student, assignment, code, why, sandbox_description())
