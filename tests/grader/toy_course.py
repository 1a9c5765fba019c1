"""A small course with one assignment ("toy"), built on the fly for grading tests.

Three tasks: ``double`` (2 points), ``softmax`` (3 points) and ``norm`` (1 point),
each with a visible check cell and hidden probes. Tests derive hostile and broken
submissions from the reference notebook with the helpers below.
"""

from __future__ import annotations

import copy
import json
import textwrap
from pathlib import Path
from typing import Any

import nbformat

ASSIGNMENT = "toy"
POINTS = {"double": 2, "softmax": 3, "norm": 1}
FULL = sum(POINTS.values())

SOLUTIONS = {
    "double": "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
    "softmax": textwrap.dedent("""\
        def softmax(X):
            ### BEGIN SOLUTION
            shifted = X - X.max(dim=1, keepdim=True).values
            e = torch.exp(shifted)
            return e / e.sum(dim=1, keepdim=True)
            ### END SOLUTION"""),
    "norm": "def norm(v):\n    ### BEGIN SOLUTION\n    return torch.sqrt((v * v).sum())\n    ### END SOLUTION",
}
STUB = "    # YOUR CODE HERE\n    raise NotImplementedError()"
TESTS = {
    "double": 'check_equal(double(3), 6, "double(3)", hint="multiply by 2")\nprint("double passed")',
    "softmax": textwrap.dedent("""\
        P = softmax(torch.tensor([[1.0, 2.0, 3.0]]))
        check_close(P.sum(dim=1), torch.ones(1), "row sums of softmax(X)", hint="divide by the row sum")
        print("softmax passed")"""),
    "norm": 'check_close(norm(torch.tensor([3.0, 4.0])), 5.0, "norm([3, 4])")\nprint("norm passed")',
}
HIDDEN = textwrap.dedent("""\
    from d2lgrade import probe, rules
    from d2lgrade.rules import SOFTMAX, Forbid, NoLoops

    rules("softmax", Forbid(*SOFTMAX, why="build it from exp, max and sum"), NoLoops())
    rules("norm", Forbid("torch.norm", "torch.linalg.norm", "torch.linalg.vector_norm", "torch.Tensor.norm",
                         why="compute it from squares and a square root"))


    @probe("double")
    def double_on_other_inputs(double):
        import torch
        return [double(-7), double(2.5), double(torch.arange(3))]


    @probe("softmax")
    def softmax_cases(softmax):
        import torch
        from d2lgrade.inside.probekit import attempt, keeps_inputs
        gen = torch.Generator().manual_seed(5)
        X = torch.randn(4, 6, generator=gen)
        return {
            "random logits": attempt(softmax, X),
            "large logits": attempt(softmax, torch.tensor([[1000.0, 0.0]])),
            "float64": attempt(softmax, X.double()),
            "input not modified": keeps_inputs(softmax, X),
        }


    @probe("norm")
    def norm_on_random_vector(norm):
        import torch
        gen = torch.Generator().manual_seed(9)
        return norm(torch.randn(10, generator=gen))


    RULE_EXAMPLES = {
        "softmax": {
            "breaks": {
                "torch.softmax": "def softmax(X):\\n    return torch.softmax(X, dim=1)",
                "method": "def softmax(X):\\n    return X.softmax(1)",
                "alias in another cell": ("sm = torch.nn.functional.softmax",
                                          "def softmax(X):\\n    return sm(X, dim=1)"),
                "helper in another cell": ("def helper(X):\\n    return X.log_softmax(1).exp()",
                                           "def softmax(X):\\n    return helper(X)"),
                "name built at run time": "def softmax(X):\\n    return getattr(torch, 'soft' + 'max')(X, 1)",
                "loop over rows": ("def softmax(X):\\n    rows = [torch.exp(r - r.max()) for r in X]\\n"
                                   "    return torch.stack([r / r.sum() for r in rows])"),
                "eval": "def softmax(X):\\n    return eval('torch.soft' + 'max')(X, 1)",
            },
            "keeps": {
                "amax shift": ("def softmax(X):\\n    E = torch.exp(X - X.amax(dim=1, keepdim=True))\\n"
                               "    return E / E.sum(dim=1, keepdim=True)  # not torch.softmax"),
                "helper in another cell": ("def shifted_exp(X):\\n    return torch.exp(X - X.max(1, keepdim=True).values)",
                                           "def softmax(X):\\n    E = shifted_exp(X)\\n    return E / E.sum(1, keepdim=True)"),
                "grad mode switched": ("def softmax(X):\\n    with torch.no_grad():\\n"
                                       "        m = X.max(1, keepdim=True).values\\n"
                                       "    E = torch.exp(X - m)\\n    return E / E.sum(1, keepdim=True)"),
            },
        },
        "norm": {
            "breaks": {"torch.linalg.norm": "def norm(v):\\n    return torch.linalg.norm(v)",
                       "method": "def norm(v):\\n    return v.norm()"},
            "keeps": {"dot product": "def norm(v):\\n    return torch.sqrt(torch.dot(v, v))"},
        },
    }
    """)


def _meta(
    grade_id: str, *, grade=False, solution=False, locked=False, points=None
) -> dict[str, Any]:
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def reference_notebook() -> nbformat.NotebookNode:
    cells = [
        nbformat.v4.new_markdown_cell("# Toy exercises", metadata=_meta("intro", locked=True)),
        nbformat.v4.new_code_cell(
            "import torch\nfrom d2lutils.checks import check_close, check_equal",
            metadata=_meta("setup", locked=True),
        ),
    ]
    for task, points in POINTS.items():
        cells.append(
            nbformat.v4.new_code_cell(
                SOLUTIONS[task], metadata=_meta(f"{task}_answer", solution=True)
            )
        )
        cells.append(
            nbformat.v4.new_code_cell(
                TESTS[task], metadata=_meta(task, grade=True, locked=True, points=points)
            )
        )
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata["d2lcourse"] = {"assignment": ASSIGNMENT}
    return notebook


def student_notebook() -> nbformat.NotebookNode:
    """The untouched student version: solution regions replaced by the stub."""
    notebook = reference_notebook()
    for cell in notebook.cells:
        source = cell.source
        if "### BEGIN SOLUTION" in source:
            head = source.split("    ### BEGIN SOLUTION")[0]
            cell.source = head + STUB
    return notebook


def solved(*tasks: str) -> nbformat.NotebookNode:
    """A student notebook with only ``tasks`` solved."""
    notebook = student_notebook()
    for cell in notebook.cells:
        grade_id = _grade_id(cell) or ""
        if grade_id.endswith("_answer") and grade_id[: -len("_answer")] in tasks:
            cell.source = SOLUTIONS[grade_id[: -len("_answer")]]
    return notebook


def _grade_id(cell: nbformat.NotebookNode) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def answer_cell(notebook: nbformat.NotebookNode, task: str) -> nbformat.NotebookNode:
    return next(c for c in notebook.cells if _grade_id(c) == f"{task}_answer")


def test_cell(notebook: nbformat.NotebookNode, task: str) -> nbformat.NotebookNode:
    return next(c for c in notebook.cells if _grade_id(c) == task)


def to_bytes(notebook: Any) -> bytes:
    return json.dumps(notebook if isinstance(notebook, dict) else dict(notebook)).encode()


def write_course(root: Path) -> Path:
    """Write solutions/toy/{toy.ipynb,hidden_checks.py} under ``root``; return root."""
    folder = root / "solutions" / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(reference_notebook(), folder / f"{ASSIGNMENT}.ipynb")
    (folder / "hidden_checks.py").write_text(HIDDEN)
    return root


def clone(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return copy.deepcopy(notebook)
