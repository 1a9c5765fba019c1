"""Rules as data: named sets carry their ATen operators, and loops in disguise are loops."""

from __future__ import annotations

import pytest

from d2lgrade.protocol import CODE_FROM_STRING, THREAD_LEFT_RUNNING
from d2lgrade.rules import (
    ANY_PRODUCT,
    ATEN_OPS,
    CROSS_ENTROPY,
    LOGSUMEXP,
    MATRIX_PRODUCT,
    SOFTMAX,
    TAMPERING,
    CourseLibrariesOnly,
    Forbid,
    NoAutograd,
    NoLoops,
    NoTampering,
    StayInTorch,
    TaskRules,
    WorkInSight,
    aten_ops_of,
    matches,
)
from d2lgrade.static_check import scan_answer


def test_a_forbid_of_a_named_set_forbids_its_operators_whatever_the_route():
    rule = Forbid(*SOFTMAX, why="build it yourself")
    assert "aten::_softmax" in rule.names
    found = rule.runtime_violation({"aten::_softmax": 1, "aten::exp": 3}, 0)
    assert found and "operator aten::_softmax" in found and "by whatever route" in found
    assert rule.runtime_violation({"aten::exp": 1, "aten::sum": 1, "aten::div": 1}, 0) is None
    # the softmax of a sparse tensor that stores every entry is the same numbers
    assert rule.runtime_violation({"aten::_sparse_softmax": 1}, 0)
    # The feedback names Python functions, never operators.
    assert "aten" not in rule.describe()


def test_a_forbid_of_patterns_only_names_what_they_cover():
    rule = Forbid("torch.optim.*", "d2lutils.SyntheticRegressionData*", why="by hand")
    assert rule.describe() == "do not use torch.optim, d2lutils.SyntheticRegressionData: by hand"
    assert Forbid("torch.optim.*", "torch.mv").describe() == "do not use torch.mv"


def test_only_sets_listed_in_full_bring_their_operators():
    assert "aten::mm" not in Forbid("torch.matmul").names
    assert aten_ops_of(("torch.matmul",)) == ()
    combined = Forbid(*LOGSUMEXP, *SOFTMAX, *CROSS_ENTROPY, "torch.extra")
    assert {"aten::logsumexp", "aten::_log_softmax", "aten::nll_loss*"} <= set(combined.names)
    assert Forbid(*ANY_PRODUCT).runtime_violation({"aten::convolution": 1}, 0)
    assert Forbid(*MATRIX_PRODUCT).runtime_violation({"aten::convolution": 1}, 0) is None


@pytest.mark.parametrize(
    "operator",
    [
        "aten::mm",
        "aten::mv",
        "aten::addmm",
        "aten::bmm",
        "aten::dot",
        "aten::baddbmm",
        "aten::_trilinear",
    ],
)
def test_matrix_product_operators(operator):
    assert Forbid(*MATRIX_PRODUCT).runtime_violation({operator: 1}, 0)


@pytest.mark.parametrize(
    "innocent", ["aten::mul", "aten::sum", "aten::mvlgamma", "aten::lgamma", "aten::cummax"]
)
def test_operators_that_only_look_like_products_are_allowed(innocent):
    assert Forbid(*ANY_PRODUCT).runtime_violation({innocent: 1}, 0) is None


def static_break(rule, answer: str) -> str | None:
    """What ``rule`` finds in the source of ``answer`` (a cell after ``import torch``)."""
    scan = scan_answer(["import torch", answer], [1])
    return rule.static_violation(dict(scan.references), scan.loops)


def test_every_operator_pattern_is_an_operator():
    assert all(op.startswith("aten::") for ops in ATEN_OPS.values() for op in ops)


def test_operators_called_by_name_are_tampering():
    for name in ("torch.ops.aten.mm", "torch.ops", "torch.library.Library", "torch.jit.script"):
        assert matches(name, TAMPERING), name


def test_iterating_over_a_tensor_is_a_loop_at_run_time_and_where_the_source_shows_it():
    rule = NoLoops()
    assert rule.runtime_violation({"torch.Tensor.unbind": 2, "aten::unbind": 2}, 0)
    assert rule.runtime_violation({"aten::unbind": 1}, 0)
    assert rule.runtime_violation({"torch.Tensor.sum": 1, "aten::sum": 1}, 0) is None
    for answer in (
        "def f(X):\n    return sum(X.unbind(0))",
        "def f(X):\n    return sum(torch.unbind(X))",
        "def f(X):\n    return max(X.__iter__())",
    ):
        assert static_break(rule, answer), answer
    assert static_break(rule, "def f(X):\n    m, n = X.shape\n    return X.sum(0) / m") is None


def test_the_feedback_names_the_python_function_before_its_operator():
    found = Forbid(*SOFTMAX).runtime_violation({"aten::_softmax": 1, "torch.softmax": 1}, 0)
    assert found == "your code called torch.softmax while it was checked"


def test_every_task_with_rules_keeps_its_work_where_the_record_sees_it():
    """Threads, processes and profilers are forbidden in every ruled task: at run time
    by what the record saw, in the source by the modules that start them."""
    assert any(isinstance(rule, WorkInSight) for rule in TaskRules("t", [NoLoops()]).all())
    assert TaskRules("t").all() == [], "a task without rules gets none of the grader's own"
    rule = WorkInSight()
    assert rule.runtime_violation({"torch.Tensor.sum": 3}, 0) is None
    assert "os.fork" in str(rule.runtime_violation({"os.fork": 1}, 0))
    from_string = rule.runtime_violation({CODE_FROM_STRING: 1}, 0)
    assert from_string is not None and "code made from a string" in from_string
    left = rule.runtime_violation({THREAD_LEFT_RUNNING: 1}, 0)
    assert left is not None and "thread that your notebook started" in left
    for answer in (
        "import threading\ndef f(X):\n    threading.Thread(target=print).start()",
        "from concurrent.futures import ThreadPoolExecutor as Pool\ndef f(X):\n    Pool(1)",
        "import os\ndef f(X):\n    return os.fork()",
    ):
        assert static_break(NoTampering, answer), answer


def test_backward_kernels_are_autograd_however_the_pass_was_started():
    """The engine called directly or a grad_fn called by hand passes no Python entry
    point the record counts, but runs the backward pass's kernels."""
    rule = NoAutograd()
    found = rule.runtime_violation({"aten::nll_loss_backward": 1, "aten::mul": 3}, 0)
    assert found is not None and "aten::nll_loss_backward" in found
    assert rule.runtime_violation({"aten::mul": 3, "torch.Tensor.mul": 3}, 0) is None


def test_forward_mode_autograd_is_autograd_though_no_backward_pass_runs():
    """Dual numbers (torch.autograd.forward_ad, torch.func.jvp) give a derivative without
    the engine or a backward kernel; the record shows the duals made and unpacked."""
    rule = NoAutograd()
    found = rule.runtime_violation({"torch._VariableFunctionsClass._make_dual": 1}, 0)
    assert found is not None and "_make_dual" in found, found
    assert static_break(
        rule,
        "from torch.autograd import forward_ad as fw\ndef f(x):\n    return fw.make_dual(x, x)",
    )


def test_a_ruled_answer_may_use_only_the_course_libraries():
    rule = CourseLibrariesOnly()
    assert TaskRules("t", [NoLoops()]).all()[-1] == rule
    assert static_break(rule, "import sympy\ndef f(A):\n    return sympy.Matrix(A).inv()")
    assert static_break(rule, "import numpy as np, math\ndef f(A):\n    return np.eye(2)") is None
    found = rule.runtime_violation({"<another library: mpmath>": 1, "torch.cat": 1}, 0)
    assert found == "your code called the library mpmath while it was checked"
    assert rule.runtime_violation({"torch.cat": 1, "<a function that called itself>": 1}, 0) is None


def test_looping_helpers_are_loops_at_run_time_whatever_name_reached_them():
    """The record names map, itertools' classes, functools.reduce and Counter when the
    student's code called them (protocol.LOOPING_CALLS): NoLoops watches them and names
    the one it saw; plain whole-tensor calls pass."""
    rule = NoLoops()
    assert {"builtins.map", "itertools.*", "functools.reduce"} <= set(rule.watched())
    found = rule.runtime_violation({"builtins.map": 1, "torch.tensor": 1}, 0)
    assert found is not None and "looped through map " in found, found
    found = rule.runtime_violation({"itertools.starmap": 2}, 0)
    assert found is not None and "itertools.starmap" in found, found
    assert rule.runtime_violation({"torch.bincount": 1, "aten::bincount": 1}, 0) is None
    assert static_break(rule, "import collections\ndef f(y):\n    return collections.Counter(y)")


def test_staying_in_torch_closes_the_door_to_numpy_kernels():
    """NumPy's ufuncs and array methods raise no event the record sees: a task that
    forbids a computation keeps the entries on tensors, wherever the data would leave."""
    rule = StayInTorch()
    for door in ("torch.Tensor.numpy", "torch.Tensor.__array__", "torch.Tensor.tolist"):
        assert (
            rule.runtime_violation({door: 1}, 0) == f"your code called {door} while it was checked"
        )
    assert rule.runtime_violation({"torch.Tensor.sum": 1, "torch.sqrt": 1}, 0) is None
    assert static_break(rule, "def f(A, x):\n    return A.numpy().dot(x.numpy())")
    assert "no NumPy arrays" in rule.describe()
