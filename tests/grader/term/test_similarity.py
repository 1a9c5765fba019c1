"""The similarity report: copies with renamed names are flagged, independent answers are not."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import toy_course as toy

from d2lgrade.batch import Submission
from d2lgrade.term.similarity import answer_code, write_similarity_report

# Each answers the toy tasks its own way, as a student who read the chapter would.
INDEPENDENT = {
    "bob": {
        "double": "def double(x):\n    return x + x",
        "softmax": (
            "def softmax(X):\n    m = torch.amax(X, dim=1, keepdim=True)\n"
            "    ex = torch.exp(X - m)\n    total = ex.sum(1, keepdim=True)\n"
            "    return ex / total"
        ),
        "norm": "def norm(v):\n    return (v ** 2).sum().sqrt()",
    },
    "cyd": {
        "double": "def double(x):\n    result = 2 * x\n    return result",
        "softmax": (
            "def softmax(X):\n    X_exp = torch.exp(X - X.max(1, keepdim=True)[0])\n"
            "    return X_exp / X_exp.sum(axis=1, keepdims=True)"
        ),
        "norm": "def norm(v):\n    squares = v * v\n    return torch.sqrt(torch.sum(squares))",
    },
}


def disguised_copy() -> nbformat.NotebookNode:
    """The reference answers with every local name renamed and comments added."""
    notebook = toy.reference_notebook()
    renames = {"shifted": "centred", "e": "expd", "X": "logits", "v": "vec", "x": "value"}
    for task in toy.POINTS:
        cell = toy.answer_cell(notebook, task)
        source = cell.source
        for old, new in renames.items():
            source = re.sub(rf"\b{old}\b", new, source)
        cell.source = "# my own work\n" + source.replace("return", "# done\n    return", 1)
    return notebook


def with_answers(answers: dict[str, str]) -> nbformat.NotebookNode:
    notebook = toy.student_notebook()
    for task, source in answers.items():
        toy.answer_cell(notebook, task).source = source
    return notebook


def test_a_renamed_copy_is_flagged_and_independent_answers_are_not(tmp_path: Path):
    given = tmp_path / "exercises" / "toy" / "toy.ipynb"
    given.parent.mkdir(parents=True)
    nbformat.write(toy.student_notebook(), given)
    notebooks = {
        "ann": toy.reference_notebook(),
        "zed": disguised_copy(),
        "untouched": toy.student_notebook(),
        **{name: with_answers(answers) for name, answers in INDEPENDENT.items()},
    }
    submissions = []
    for student, notebook in notebooks.items():
        path = tmp_path / "in" / f"{student}.ipynb"
        path.parent.mkdir(exist_ok=True)
        nbformat.write(notebook, path)
        submissions.append(Submission(student, "toy", path))
    submissions.append(Submission("gone", "toy", None, "missing"))

    pairs = write_similarity_report(submissions, given, tmp_path / "out")

    assert [(p.first, p.second) for p in pairs] == [("ann", "zed")]
    assert pairs[0].share > 0.9
    index = (tmp_path / "out" / "similarity" / "toy.html").read_text()
    assert "toy-001.html" in index and "5 notebooks compared" in index
    page = (tmp_path / "out" / "similarity" / pairs[0].page).read_text()
    assert page.count("<mark>") >= 2 and "centred" in page and "shifted" in page


def test_answer_code_holds_answer_and_added_cells_only():
    notebook = toy.reference_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell("def helper():\n    return 42"))
    code = answer_code(toy.to_bytes(notebook))
    assert "return 2 * x" in code and "def helper" in code
    assert "check_equal" not in code and "import torch" not in code
