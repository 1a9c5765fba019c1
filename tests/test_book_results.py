"""The book's headline results, read from the notebooks' own variables after a fresh run.

nbval compares printed text; these tests check the numbers themselves, on the data the
book is built with (the 15k-image subset of Fashion-MNIST offline): softmax regression
from scratch learns, the MLP beats softmax regression on the same training budget, and
the backpropagation formulas of 5.3 agree with autograd.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "book"
SUBSET_15K = REPO.parent / "shared" / "data" / "fashion-mnist-15k"


def book_data_dir() -> str | None:
    """The folder the book is built from: $D2L_BOOK_DATA_DIR (set by scripts/test.sh), else
    the 15k subset beside the repository, else None (the kernel then inherits D2L_DATA_DIR)."""
    if os.environ.get("D2L_BOOK_DATA_DIR"):
        return os.environ["D2L_BOOK_DATA_DIR"]
    return str(SUBSET_15K) if SUBSET_15K.is_dir() else None


def run_and_read(notebook: str, names: list[str]) -> dict[str, object]:
    """Execute a chapter notebook in a fresh kernel and return the named variables."""
    nb = nbformat.read(BOOK / notebook, as_version=4)
    reader = (
        f"import json\nprint(json.dumps({{n: globals()[n] for n in {names!r}}}, default=float))"
    )
    nb.cells.append(nbformat.v4.new_code_cell(reader))
    env = dict(os.environ)
    if book_data_dir() is not None:
        env["D2L_DATA_DIR"] = book_data_dir()
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(BOOK)}}
    ).execute(env=env)
    stream = [o for o in nb.cells[-1].outputs if o.get("name") == "stdout"]
    return json.loads(stream[-1]["text"])


def test_softmax_regression_from_scratch_reaches_75_percent():
    values = run_and_read("ch4_4_softmax_regression_scratch.ipynb", ["softmax_val_acc"])
    assert values["softmax_val_acc"] >= 0.75, values


def test_mlp_at_least_as_accurate_as_softmax_regression_on_the_same_budget():
    values = run_and_read(
        "ch5_2_mlp_implementation.ipynb", ["softmax_val_acc", "mlp_val_acc", "same_budget"]
    )
    assert values["same_budget"] is True, (
        values
    )  # the notebook's own check of epochs, batches and grid
    assert values["mlp_val_acc"] >= values["softmax_val_acc"], values


def test_backpropagation_formulas_match_autograd():
    values = run_and_read("ch5_3_backpropagation.ipynb", ["gradient_check_passed"])
    assert values["gradient_check_passed"] is True
