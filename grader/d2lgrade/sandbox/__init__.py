"""Where student code runs, behind one interface.

``SandboxPool`` owns the sandboxes of a grading run: it hands a slot's sandbox to
one grading thread at a time and closes them all when the run ends. Which kind a
slot gets is decided here, once:

- a warm sandbox (``warm.py``): as root with bubblewrap, unless the configuration
  asks for fresh ones; its zygote imports torch once and forks a child per notebook;
- a fresh sandbox per notebook (``fresh.py``) otherwise.
"""

from __future__ import annotations

import os
import queue
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ..config import GradingConfig
from .base import RawRun, Sandbox
from .bwrap import bubblewrap
from .fresh import FreshSandbox
from .warm import WarmSandbox

__all__ = [
    "RawRun",
    "Sandbox",
    "SandboxPool",
    "open_sandbox",
    "sandbox_description",
    "warm_sandboxes_available",
]


def sandbox_description() -> str:
    """One line for logs and gradebooks: which isolation grading uses."""
    if bubblewrap():
        return "bubblewrap"
    return "NONE (bwrap missing or not usable: student code runs with your permissions)"


def warm_sandboxes_available(config: GradingConfig) -> bool:
    """Whether notebooks run in forked children of warm sandboxes under ``config``.

    A warm sandbox pays the torch import once per grading slot instead of once per
    notebook; each child still gets its own mount namespace, scratch folder and user
    id, which needs root.
    """
    return config.warm_sandboxes and bubblewrap() is not None and os.getuid() == 0


def open_sandbox(slot: int, config: GradingConfig) -> Sandbox:
    """The sandbox of grading slot ``slot``: warm where it can be, else fresh."""
    if warm_sandboxes_available(config):
        return WarmSandbox(slot, config)
    return FreshSandbox(slot, config)


class SandboxPool:
    """``size`` sandboxes for one grading run, lent to one thread at a time.

    Use it as a context manager: every sandbox it started is stopped on exit.
    """

    def __init__(
        self,
        config: GradingConfig,
        size: int | None = None,
        factory: Callable[[int, GradingConfig], Sandbox] = open_sandbox,
    ) -> None:
        self.config = config
        self.size = size or config.jobs
        self._free: queue.Queue[Sandbox] = queue.Queue()
        self._all = [factory(slot, config) for slot in range(self.size)]
        for sandbox in self._all:
            self._free.put(sandbox)

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def sandbox(self) -> Iterator[Sandbox]:
        """Borrow a free sandbox for one job (waits while all are busy)."""
        sandbox = self._free.get()
        try:
            yield sandbox
        finally:
            self._free.put(sandbox)

    def close(self) -> None:
        """Stop every sandbox of the pool."""
        for sandbox in self._all:
            sandbox.close()
