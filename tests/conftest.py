"""Shared fixtures: the offline Fashion-MNIST sample and a non-interactive matplotlib."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO.parent / "shared" / "data" / "fashion-mnist-sample"


@pytest.fixture(scope="session")
def sample_root() -> Path:
    """Folder holding FashionMNIST/raw with the 800/200-image sample."""
    root = Path(os.environ.get("D2L_DATA_DIR", SAMPLE))
    if not (root / "FashionMNIST" / "raw").is_dir():
        pytest.fail(f"Fashion-MNIST sample not found at {root}: set D2L_DATA_DIR")
    return root
