"""What every kind of sandbox offers the grader: run one job, report what came back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class RawRun:
    """The unchecked result of one job.

    ``events`` are the decoded lines the runner wrote; ``status`` is the runner's exit
    status, ``"timeout"``, or a sentence saying why the run ended otherwise;
    ``stderr`` is the start of what the sandbox itself printed (bubblewrap's own errors).
    """

    events: list[dict[str, Any]]
    status: str | int
    stderr: str = field(default="")


class Sandbox(Protocol):
    """A grading slot's way of running notebooks in isolation."""

    def run(self, job: Any) -> RawRun:
        """Run one job (``d2lgrade.protocol.Job``) to the end or its time limit."""

    def close(self) -> None:
        """Stop whatever the sandbox keeps running between jobs."""
