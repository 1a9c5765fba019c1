"""A worker-side grading function that kills its own worker, for the scale-out tests.

Dask workers import it by name (the tests put this folder on their PYTHONPATH).
``poison_*`` students kill the worker every time they are graded; ``dies_once_*``
students kill it the first time only (a marker file under ``$D2L_TEST_FAULT_DIR``
remembers), so their retry on another worker must succeed.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

import psutil

from d2lgrade.config import Limits
from d2lgrade.grade import PreparedAssignment
from d2lgrade.scaleout import grade_on_worker

# A notebook can kill its worker only once its sandbox runs, seconds into the worker's
# life and after it got the task. Killing sooner would race the nanny, which does not
# restart a worker that dies before the nanny has seen it start, and the cluster would
# be left with no workers.
WORKER_AGE_SECONDS = 5.0
AFTER_THE_TASK_SECONDS = 2.0


def grade_or_die(
    student: str, data: bytes, prepared: PreparedAssignment, limits: Limits
) -> dict[str, Any]:
    marker = Path(os.environ["D2L_TEST_FAULT_DIR"]) / student
    if student.startswith("poison") or (student.startswith("dies_once") and not marker.exists()):
        marker.touch()
        age = time.time() - psutil.Process().create_time()
        time.sleep(max(AFTER_THE_TASK_SECONDS, WORKER_AGE_SECONDS - age))
        os.kill(os.getpid(), signal.SIGKILL)
    return grade_on_worker(student, data, prepared, limits)
