"""A stopwatch that remembers every interval it measured."""

from __future__ import annotations

import time

import numpy as np


class Timer:
    """Record several running times; starts immediately on creation."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.start()

    def start(self) -> None:
        """Start (or restart) the current interval."""
        self._started = time.perf_counter()

    def stop(self) -> float:
        """End the current interval, record it and return its length in seconds."""
        self.times.append(time.perf_counter() - self._started)
        return self.times[-1]

    def avg(self) -> float:
        """Mean of the recorded intervals (0.0 when none were recorded)."""
        return sum(self.times) / len(self.times) if self.times else 0.0

    def sum(self) -> float:
        """Total of the recorded intervals."""
        return sum(self.times)

    def cumsum(self) -> list[float]:
        """Running totals of the recorded intervals."""
        return [float(total) for total in np.cumsum(self.times)]
