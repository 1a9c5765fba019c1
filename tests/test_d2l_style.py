"""Code written for ``from d2l import torch as d2l`` runs with ``import d2lutils as d2l``.

Two sources of such code:

- ``tests/d2l_style/*.py``: our own scripts, one per section of D2L 1.0.3, written in
  the style of that section's PyTorch notebook and calling every ``d2l`` name it calls,
  the way it calls it. They run in CI.
- D2L 1.0.3's own notebooks, when ``D2L_REFERENCE_NOTEBOOKS`` names a checkout of the
  public ``d2l-ai/d2l-pytorch-colab`` repository (we do not ship their code): every cell
  of each section below runs with the import line replaced and ``!pip`` lines dropped.
  Offline, the data they read come from ``D2L_DATA_DIR`` as everywhere else.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SCRIPTS = sorted((HERE / "d2l_style").glob("*.py"))

# The sections of chapters 2.1-5.3 in D2L 1.0.3's PyTorch notebooks.
REFERENCE_SECTIONS = [
    "chapter_preliminaries/ndarray.ipynb",
    "chapter_preliminaries/pandas.ipynb",
    "chapter_preliminaries/linear-algebra.ipynb",
    "chapter_preliminaries/calculus.ipynb",
    "chapter_preliminaries/autograd.ipynb",
    "chapter_preliminaries/probability.ipynb",
    "chapter_preliminaries/lookup-api.ipynb",
    "chapter_linear-regression/linear-regression.ipynb",
    "chapter_linear-regression/oo-design.ipynb",
    "chapter_linear-regression/synthetic-regression-data.ipynb",
    "chapter_linear-regression/linear-regression-scratch.ipynb",
    "chapter_linear-regression/linear-regression-concise.ipynb",
    "chapter_linear-regression/generalization.ipynb",
    "chapter_linear-regression/weight-decay.ipynb",
    "chapter_linear-classification/softmax-regression.ipynb",
    "chapter_linear-classification/image-classification-dataset.ipynb",
    "chapter_linear-classification/classification.ipynb",
    "chapter_linear-classification/softmax-regression-scratch.ipynb",
    "chapter_linear-classification/softmax-regression-concise.ipynb",
    "chapter_linear-classification/generalization-classification.ipynb",
    "chapter_linear-classification/environment-and-distribution-shift.ipynb",
    "chapter_multilayer-perceptrons/mlp.ipynb",
    "chapter_multilayer-perceptrons/mlp-implementation.ipynb",
    "chapter_multilayer-perceptrons/backprop.ipynb",
]
D2L_IMPORT = "from d2l import torch as d2l"


def _env() -> dict[str, str]:
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(HERE.parent))
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_d2l_style_code_runs_with_d2lutils(script: Path, tmp_path: Path) -> None:
    source = script.read_text()
    assert "import d2lutils as d2l" in source, f"{script.name} must import d2lutils as d2l"
    assert D2L_IMPORT not in source
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{script.name} failed:\n{done.stderr[-4000:]}"


def drop_in_cells(notebook: dict) -> list[str]:
    """The code cells of a D2L notebook as they run with d2lutils."""
    cells = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        lines = [line for line in source.splitlines() if not line.lstrip().startswith("!")]
        cells.append("\n".join(lines).replace(D2L_IMPORT, "import d2lutils as d2l"))
    return cells


REFERENCE_ROOT = os.environ.get("D2L_REFERENCE_NOTEBOOKS")


@pytest.mark.skipif(
    not REFERENCE_ROOT,
    reason="set D2L_REFERENCE_NOTEBOOKS to a checkout of d2l-ai/d2l-pytorch-colab",
)
@pytest.mark.parametrize("section", REFERENCE_SECTIONS)
def test_d2l_notebook_runs_with_d2lutils(section: str, tmp_path: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    assert REFERENCE_ROOT is not None
    original = nbformat.read(Path(REFERENCE_ROOT) / section, as_version=4)
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(code) for code in drop_in_cells(original)]
    )
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
