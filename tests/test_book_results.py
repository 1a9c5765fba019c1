"""The book's headline results, read from the notebooks' own variables after a fresh run.

nbval compares printed text; these tests check the numbers themselves: softmax
regression from scratch learns, the MLPs keep up with it, and the backpropagation
formulas of 5.3 agree with autograd.
"""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

BOOK = Path(__file__).resolve().parents[1] / "book"


def run_and_read(notebook: str, names: list[str]) -> dict[str, object]:
    """Execute a chapter notebook in a fresh kernel and return the named variables."""
    nb = nbformat.read(BOOK / notebook, as_version=4)
    reader = "import json\nprint(json.dumps({n: globals()[n] for n in %r}, default=float))" % names
    nb.cells.append(nbformat.v4.new_code_cell(reader))
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(BOOK)}}).execute()
    stream = [o for o in nb.cells[-1].outputs if o.get("name") == "stdout"]
    return json.loads(stream[-1]["text"])


@pytest.fixture(scope="module")
def mlp_results():
    return run_and_read("ch5_2_mlp_implementation.ipynb",
                        ["softmax_val_acc", "mlp_scratch_val_acc", "mlp_val_acc"])


def test_softmax_regression_from_scratch_beats_55_percent():
    values = run_and_read("ch4_4_softmax_regression_scratch.ipynb", ["softmax_val_acc"])
    assert values["softmax_val_acc"] > 0.55


def test_mlps_reach_softmax_accuracy_minus_five_points(mlp_results):
    floor = mlp_results["softmax_val_acc"] - 0.05
    assert mlp_results["mlp_scratch_val_acc"] >= floor, mlp_results
    assert mlp_results["mlp_val_acc"] >= floor, mlp_results


def test_backpropagation_formulas_match_autograd():
    values = run_and_read("ch5_3_backpropagation.ipynb", ["gradient_check_passed"])
    assert values["gradient_check_passed"] is True
