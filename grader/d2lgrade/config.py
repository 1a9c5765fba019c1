"""One configuration for a grading run, with every default in one place.

The command line builds a :class:`GradingConfig` once; everything below receives it
whole instead of a trail of positional arguments.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import GradingError
from .protocol import Limits as Limits  # the configuration holds the run's limits

# Where d2lutils looks for data sets, and the environment variable that moves it:
# notebooks in the sandbox must find the very files the instructor has.
DATA_DIR_VARIABLE = "D2L_DATA_DIR"
NO_WARM_VARIABLE = "D2L_GRADE_NO_WARM_SANDBOX"


def default_jobs() -> int:
    """Notebooks graded at once by default: the cores this process may use."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def default_data_dir() -> Path | None:
    """The data folder notebooks read: ``$D2L_DATA_DIR``, else d2lutils' cache folder.

    None when neither exists; notebooks that need data then fail with d2lutils' own
    message, which names the variable to set.
    """
    if os.environ.get(DATA_DIR_VARIABLE):
        return Path(os.environ[DATA_DIR_VARIABLE]).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "d2lutils" / "data"
    return cache if cache.is_dir() else None


# Scale-out: a worker restarted by its nanny, or one a cluster manager adds, joins within
# seconds; five minutes without any means nobody is coming.
WORKER_WAIT_SECONDS = 300.0


def warm_by_default() -> bool:
    """Warm sandboxes unless ``$D2L_GRADE_NO_WARM_SANDBOX`` is set (the flag's default)."""
    return not os.environ.get(NO_WARM_VARIABLE)


@dataclass(frozen=True)
class GradingConfig:
    """How to grade: limits, where data is, how many at once, the cache, the sandbox kind
    and the engine.

    ``warm_sandboxes`` asks for warm sandboxes; they are used only where they can be
    made (root and bubblewrap), otherwise each notebook gets a fresh sandbox.
    ``scheduler`` is the address of a Dask scheduler to grade on (None: this machine);
    after ``worker_wait`` seconds without any worker there, the notebooks still
    waiting are reported as not graded.
    """

    limits: Limits = field(default_factory=Limits)
    data_dir: Path | None = None
    jobs: int = field(default_factory=default_jobs)
    cache_dir: Path | None = None
    warm_sandboxes: bool = field(default_factory=warm_by_default)
    scheduler: str | None = None
    worker_wait: float = WORKER_WAIT_SECONDS

    def __post_init__(self) -> None:
        if self.jobs < 1:
            raise GradingError(f"--jobs must be at least 1, got {self.jobs}")
        if self.scheduler is None:
            return
        if not self.worker_wait > 0:
            raise GradingError(
                f"--worker-wait must be a positive number of seconds, got {self.worker_wait}"
            )
        if importlib.util.find_spec("distributed") is None:
            raise GradingError(
                "--scheduler needs Dask's distributed package: pip install 'd2l-grade[dask]'"
            )
