"""Device helpers: pick the CPU or a GPU by index, with clear errors."""

from __future__ import annotations

import torch


def cpu() -> torch.device:
    """The CPU device."""
    return torch.device("cpu")


def num_gpus() -> int:
    """How many CUDA GPUs PyTorch can see."""
    return torch.cuda.device_count()


def gpu(i: int = 0) -> torch.device:
    """The ``i``-th CUDA GPU; raises ``RuntimeError`` if it does not exist."""
    available = num_gpus()
    if i >= available:
        raise RuntimeError(
            f"GPU {i} was requested but PyTorch sees {available} GPU(s). "
            "Use d2l.try_gpu() to fall back to the CPU, or run on a machine with a GPU."
        )
    return torch.device(f"cuda:{i}")


def try_gpu(i: int = 0) -> torch.device:
    """The ``i``-th GPU if it exists, else the CPU."""
    return gpu(i) if num_gpus() > i else cpu()


def try_all_gpus() -> list[torch.device]:
    """Every GPU PyTorch sees, or ``[cpu()]`` when there is none.

    d2l 1.0.3 returns an empty list on a machine without a GPU, against its own
    docstring; the CPU here lets code that loops over the devices run anywhere.
    """
    return [gpu(i) for i in range(num_gpus())] or [cpu()]
