"""The static half of rule checking: names resolved through imports, aliases and helpers."""

from __future__ import annotations

import pytest

from d2lgrade.rules import MATRIX_PRODUCT, SOFTMAX, Forbid, NoAutograd, NoLoops, matches
from d2lgrade.scoring import rule_breaks
from d2lgrade.static_check import scan_answer

SETUP = "import torch\nimport torch.nn.functional as F\nfrom torch import nn"


def refs(*cells: str, answer: int = -1, roots: set[str] = frozenset()) -> dict[str, int]:
    sources = [SETUP, *cells]
    return dict(
        scan_answer(sources, [len(sources) + answer if answer < 0 else answer], roots).references
    )


@pytest.mark.parametrize(
    "answer",
    [
        "def softmax(X):\n    return torch.softmax(X, dim=1)",
        "def softmax(X):\n    return F.softmax(X, dim=1)",
        "def softmax(X):\n    return torch.nn.functional.softmax(X, 1)",
        "def softmax(X):\n    return X.softmax(1)",
        "def softmax(X):\n    return nn.Softmax(dim=1)(X)",
        "from torch import softmax as s\ndef softmax(X):\n    return s(X, 1)",
        "import torch.nn.functional as G\ndef softmax(X):\n    return G.log_softmax(X, 1).exp()",
        "sm = getattr(torch, 'softmax')\ndef softmax(X):\n    return sm(X, 1)",
        "def softmax(X):\n    f = F\n    return f.softmax(X, 1)",
        "def softmax(X):\n    return torch.special.softmax(X, 1)",
    ],
)
def test_every_way_of_naming_softmax_is_seen(answer):
    assert Forbid(*SOFTMAX).static_violation(refs(answer), 0), answer


def test_an_alias_made_in_another_cell_and_a_helper_defined_elsewhere_are_followed():
    alias_cell = "my_sm = torch.softmax"
    assert Forbid(*SOFTMAX).static_violation(
        refs(alias_cell, "def softmax(X):\n    return my_sm(X, 1)"), 0
    )
    helper_cell = "def helper(X):\n    return F.softmax(X, dim=1)"
    assert Forbid(*SOFTMAX).static_violation(
        refs(helper_cell, "def softmax(X):\n    return helper(X)"), 0
    )
    chain = (
        "def inner(X):\n    return X.log_softmax(1)",
        "def outer(X):\n    return inner(X).exp()",
        "def softmax(X):\n    return outer(X)",
    )
    assert Forbid(*SOFTMAX).static_violation(refs(*chain), 0)


def test_a_definition_outside_the_answer_cell_is_scanned_when_the_probes_call_it():
    moved = [
        "# YOUR CODE HERE\nraise NotImplementedError()",
        "def softmax(X):\n    return torch.softmax(X, 1)",
    ]
    sources = [SETUP, *moved]
    scan = scan_answer(sources, [1], roots={"softmax"}, student_cells=[1, 2])
    assert Forbid(*SOFTMAX).static_violation(dict(scan.references), scan.loops)


def test_comments_strings_and_own_names_are_not_uses():
    answer = (
        "def softmax(X):\n    # not torch.softmax: exp over the row sum\n"
        "    note = 'torch.softmax would be shorter'\n"
        "    softmax_sum = torch.exp(X).sum(1, keepdim=True)\n"
        "    return torch.exp(X) / softmax_sum"
    )
    assert Forbid(*SOFTMAX).static_violation(refs(answer), 0) is None


def test_a_method_of_the_notebooks_own_class_is_not_taken_for_a_tensor_method():
    answer = (
        "class Model:\n    def softmax(self, X):\n"
        "        E = torch.exp(X)\n        return E / E.sum(1, keepdim=True)\n"
        "    def forward(self, X):\n        return self.softmax(X)"
    )
    assert Forbid(*SOFTMAX).static_violation(refs(answer), 0) is None


def test_matrix_products_operators_and_loops():
    assert Forbid(*MATRIX_PRODUCT).static_violation(refs("def f(A, B):\n    return A @ B"), 0)
    assert Forbid(*MATRIX_PRODUCT).static_violation(
        refs("def f(A, B):\n    return F.linear(A, B.T)"), 0
    )
    assert (
        Forbid(*MATRIX_PRODUCT).static_violation(
            refs("def f(A, B):\n    return (A[:, :, None] * B).sum(1)"), 0
        )
        is None
    )
    scan = scan_answer([SETUP, "def f(X):\n    return torch.stack([r / r.sum() for r in X])"], [1])
    assert NoLoops().static_violation(dict(scan.references), scan.loops)


def test_loops_in_disguise_break_the_no_loops_rule():
    disguised = [
        "def f(X):\n    return torch.stack(list(map(lambda r: r / r.sum(), X)))",
        "def f(X):\n    return torch.stack(tuple(filter(None, X)))",
        "from functools import reduce\ndef f(X):\n    return reduce(torch.add, X)",
        "import functools as ft\ndef f(X):\n    return ft.reduce(lambda a, b: a + b, X)",
        "import itertools\ndef f(X):\n    return torch.tensor(list(itertools.accumulate(X)))",
        "import numpy as np\ndef f(X):\n    return np.vectorize(abs)(X)",
        "def f(X):\n    return X.clone().apply_(lambda v: v * 2)",
        "def f(X, i=0):\n    return X[i] + f(X, i + 1) if i < len(X) - 1 else X[i]",
        "class M:\n    def f(self, X):\n        return X if X.dim() < 2 else self.f(X.sum(0))",
    ]
    for answer in disguised:
        scan = scan_answer([SETUP, answer], [1])
        assert NoLoops().static_violation(dict(scan.references), scan.loops), answer
    whole_tensor = [
        "def f(X):\n    return X / X.sum(dim=1, keepdim=True)",
        "def f(X):\n    return torch.cumsum(X, dim=0)",
        "def f(X):\n    g = lambda v: v * 2\n    return g(X)",
        # a method of the same name on another object is no recursion
        "def mean(X):\n    return X.mean(dim=0)",
        "def softmax(X):\n    e = X.exp()\n    return e / e.sum(1, keepdim=True)",
        "def cumsum(X):\n    return torch.cumsum(X, dim=0)",
    ]
    for answer in whole_tensor:
        scan = scan_answer([SETUP, answer], [1])
        assert NoLoops().static_violation(dict(scan.references), scan.loops) is None, answer


def test_autograd_uses_are_seen():
    for answer in (
        "def g(f, x):\n    x = x.requires_grad_()\n    f(x).backward()\n    return x.grad",
        "def g(f, x):\n    return torch.autograd.grad(f(x), x)[0]",
        "from torch.func import grad\ndef g(f, x):\n    return grad(f)(x)",
        "def g(f, x):\n    with torch.enable_grad():\n        return f(x)",
    ):
        assert NoAutograd().static_violation(refs(answer), 0), answer


def test_pattern_matching_of_unknown_methods():
    assert matches("?.softmax", ("torch.Tensor.softmax",)) == "torch.Tensor.softmax"
    assert matches("?.softmax", ("torch.softmax",)) is None
    assert matches("torch.autograd.grad", ("torch.autograd.*",)) == "torch.autograd.*"


LOOPED = "def softmax(X):\n    for r in X:\n        pass\n    return X\n"


@pytest.mark.parametrize(
    "cells",
    [
        ["_ = %who_ls\n" + LOOPED, "# answer"],  # a line ast alone cannot read
        [LOOPED + "files = !ls\n", "# answer"],
        [LOOPED + "softmax?\n", "# answer"],
        ["%%time\n" + LOOPED, "# answer"],  # a cell magic's body
        ["%%capture out\n%%time\n" + LOOPED, "# answer"],
        ["%time " + LOOPED.splitlines()[0] + " return [r for r in X]", "# answer"],
        [
            "_ = %who_ls\n" + LOOPED.replace("softmax", "rows"),
            "def softmax(X):\n    return rows(X)",
        ],
    ],
)
def test_cells_are_read_as_ipython_runs_them(cells):
    scan = scan_answer([SETUP, *cells], [len(cells)], roots={"softmax"})
    assert scan.loops == 1 and scan.unread is None


def test_a_name_bound_to_what_a_looping_factory_made_stands_for_it():
    helper = "import numpy as np, operator\neq = np.frompyfunc(operator.eq, 2, 1)"
    answer = "def counts(y, k):\n    return eq(y[None, :], np.arange(k)[:, None]).sum(1)"
    assert refs(helper, answer, roots={"counts"}).get("numpy.frompyfunc")
    assert not NoLoops().static_violation(refs("y = np.zeros(3)", "z = y + 1"), 0)


def test_magic_text_that_is_not_python_is_left_alone():
    answer = "%%bash\nfor f in *; do echo $f; done\n"
    assert scan_answer([SETUP, "%pip install -q torch\n%matplotlib inline", answer], [2]).loops == 0


def test_unparsable_answers_are_skipped_not_raised():
    # the kernel cannot compile the cell either: it defines nothing
    scan = scan_answer([SETUP, "def f(:\n", "x = 'a\x00'"], [1, 2])
    assert not scan.references and scan.unread is None


def test_a_cell_too_deep_to_read_leaves_the_rules_unchecked_and_says_so():
    # An earlier cell may raise the kernel's recursion limit so that it compiles there.
    deep = "def softmax(X):\n    return torch.softmax(X, 1)\nz = 0" + " + 1" * 5000
    helper = "import sys\nsys.setrecursionlimit(20000)"
    scan = scan_answer([SETUP, helper, deep, "# answer"], [3], roots={"softmax"})
    assert scan.unread and "'def softmax(X):'" in scan.unread and "too deeply" in scan.unread
    rules = [Forbid(*SOFTMAX, why="build it"), NoLoops()]
    assert [found for _, found in rule_breaks(rules, scan, {}, 0)] == [scan.unread] * 2
    # the course's own cells are the course's: only the student's are read for the rules
    course_cell_only = scan_answer([deep, "def softmax(X):\n    return X"], [1], student_cells=[1])
    assert course_cell_only.unread is None


def test_the_courses_own_code_is_not_the_answers():
    course_cell = "class Demo:\n    def __init__(self):\n        self.layer = torch.nn.Linear(2, 2)"
    answer = (
        "class Model(Demo):\n    def __init__(self):\n"
        "        super().__init__()\n        self.w = torch.zeros(2)"
    )
    sources = [SETUP, course_cell, answer]
    scan = scan_answer(sources, [2], student_cells=[2])
    assert Forbid("torch.nn.Linear").static_violation(dict(scan.references), 0) is None
    # The same class written by the student is scanned.
    scan = scan_answer(sources, [2], student_cells=[1, 2])
    assert Forbid("torch.nn.Linear").static_violation(dict(scan.references), 0)


@pytest.mark.parametrize(
    "answer",
    [
        "import d2lutils as d2l\ndef matvec(A, x):\n    return d2l.np.dot(A.numpy(), x.numpy())",
        "import matplotlib.pyplot as plt\ndef matvec(A, x):\n    return plt.np.dot(A, x)",
        "from matplotlib.pyplot import np as n\ndef matvec(A, x):\n    return n.matmul(A, x)",
        "import d2lutils\ndef matvec(A, x):\n    return d2lutils.torch.mv(A, x)",
        "import d2lutils as d2l\ndef matvec(A, x):\n    return getattr(d2l, 'F').linear(x, A)",
    ],
)
def test_a_module_handed_on_under_another_name_is_itself(answer):
    found = Forbid(*MATRIX_PRODUCT, "torch.nn.functional.linear").static_violation(refs(answer), 0)
    assert found, answer


def test_the_modules_d2lutils_hands_on_are_all_known():
    import d2lutils
    from d2lgrade.static_check import REEXPORTED_MODULES

    libraries = {"torch", "numpy", "matplotlib", "pandas", "torchvision"}
    handed_on = {
        f"d2lutils.{name}": module
        for name, module in d2lutils.MODULES.items()
        if module.split(".")[0] in libraries
    }
    assert handed_on == REEXPORTED_MODULES
