"""Shared helpers of the benchmark scripts: machine info, medians, goal lines, the data stand-in.

Not a benchmark itself. Each ``bench_*.py`` script imports it from its own folder.
"""

from __future__ import annotations

import contextlib
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TILE_TOOL = REPO.parent / "shared" / "tools" / "tile_fashion_mnist.py"
RAW_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


def print_machine_info(title: str) -> None:
    """Header of every benchmark: what ran where, and how busy the machine was."""
    import torch

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count() or 1
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    print(f"== {title}")
    print(
        f"machine: {platform.machine()} {platform.system()} {platform.release()}; "
        f"os.cpu_count()={os.cpu_count()}, usable cores={usable}; "
        f"load average (1/5/15 min) at start: {load}"
    )
    print(
        f"python {platform.python_version()}, torch {torch.__version__} "
        f"(intra-op threads by default: {torch.get_num_threads()})"
    )


def print_load(when: str = "at end") -> None:
    """The load average now; timings on a busy machine are noisier."""
    if hasattr(os, "getloadavg"):
        print(
            f"load average (1/5/15 min) {when}: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
        )


def median(values: Sequence[float]) -> float:
    """Median of a non-empty sequence."""
    return statistics.median(values)


def fmt_seconds(seconds: float) -> str:
    """Seconds with a unit that keeps three significant figures readable."""
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


def fmt_samples(values: Sequence[float]) -> str:
    """All measured values, for the record."""
    return "[" + ", ".join(fmt_seconds(v) for v in values) + "]"


def goal_line(name: str, ratio: float, goal: float, *, at_least: bool) -> str:
    """One line saying whether ``ratio`` meets ``goal`` and by how much it misses."""
    met = ratio >= goal if at_least else ratio <= goal
    relation = ">=" if at_least else "<="
    verdict = "MET" if met else "NOT MET"
    text = f"{name}: {ratio:.2f}x (goal {relation} {goal:g}x) -> {verdict}"
    if not met:
        if at_least:
            text += f"; short by a factor of {goal / ratio:.2f}"
        else:
            text += f"; over by {100 * (ratio / goal - 1):.1f}% of the goal"
    return text


def has_raw_files(root: Path) -> bool:
    """Whether ``root`` holds the four Fashion-MNIST IDX files in torchvision's layout."""
    raw = root / "FashionMNIST" / "raw"
    return all((raw / name).exists() for name in RAW_FILES)


@contextlib.contextmanager
def fashion_mnist_standin(root: Path | None) -> Iterator[Path]:
    """A full-size (60,000 / 10,000) Fashion-MNIST stand-in in torchvision's layout.

    With ``root`` holding the files already, use them; with ``root`` empty or missing,
    write the stand-in there and keep it; with no ``root``, write it into a temporary
    folder that is removed afterwards. The files come from ``tile_fashion_mnist.py``
    in the shared tools, found relative to the repository.
    """
    if root is not None and has_raw_files(root):
        yield root
        return
    if not TILE_TOOL.exists():
        raise SystemExit(
            f"cannot make the data stand-in: {TILE_TOOL} does not exist; "
            "pass --root with a folder holding FashionMNIST/raw"
        )
    with contextlib.ExitStack() as stack:
        if root is None:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="d2l-bench-")))
        subprocess.run(
            [sys.executable, str(TILE_TOOL), str(root)], check=True, stdout=subprocess.DEVNULL
        )
        yield root
