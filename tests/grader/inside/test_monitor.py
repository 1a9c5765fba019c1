"""The run-time half of rule checking: calls attributed to the student's cells only."""

from __future__ import annotations

import sys

import torch

from d2lgrade.inside.monitor import CallMonitor, cell_file


def compiled(source: str, filename: str) -> dict:
    namespace: dict = {"torch": torch}
    exec(compile(source, filename, "exec"), namespace)
    return namespace


def test_calls_from_student_cells_count_and_the_probes_own_do_not():
    student = compiled(
        "def softmax(X):\n    return getattr(torch, 'soft' + 'max')(X, 1)", cell_file(3)
    )
    course = compiled("def provided(X):\n    return torch.softmax(X, 1)", cell_file(1))
    via_course = compiled("def uses_provided(X):\n    return provided(X)", cell_file(3))
    via_course["provided"] = course["provided"]
    probe = compiled(
        "def probe(softmax, uses_provided, provided):\n"
        "    X = torch.softmax(torch.randn(2, 3), 1)\n"
        "    provided(X)\n"
        "    return softmax(X), uses_provided(X)",
        "<hidden check probe>",
    )
    with CallMonitor([3]) as monitor:
        probe["probe"](student["softmax"], via_course["uses_provided"], course["provided"])
    calls = monitor.record()["calls"]
    # Once, from the student's own code; the probe's own softmax and the course's helper
    # (called by the probe or by the student) speak for themselves.
    assert calls.get("torch.softmax") == 1, calls


def test_backward_passes_from_student_code_are_counted():
    student = compiled(
        "def grad_of(f, x):\n    x = x.clone().requires_grad_()\n    f(x).backward()\n"
        "    return x.grad",
        cell_file(5),
    )
    probe = compiled(
        "def probe(grad_of):\n    y = torch.ones(2, requires_grad=True)\n"
        "    (y * y).sum().backward()\n    return grad_of(lambda t: (t * t).sum(), torch.ones(3))",
        "<hidden check probe>",
    )
    with CallMonitor([5]) as monitor:
        probe["probe"](student["grad_of"])
    assert monitor.record()["autograd"] == 1
    assert monitor.record()["calls"].get("torch.Tensor.backward") == 1


def test_the_monitor_leaves_torch_as_it_found_it():
    engine = torch.autograd._engine_run_backward
    with CallMonitor([0]):
        pass
    assert torch.autograd._engine_run_backward is engine
    assert not torch.overrides._is_torch_function_mode_enabled()


def test_watched_python_functions_are_recorded_even_under_a_name_built_at_run_time():
    import numpy as np

    student = compiled(
        "def shape_of(a, b):\n    return getattr(torch, 'broadcast_' + 'shapes')(a, b)\n"
        "def inverse(A):\n    import numpy\n    return getattr(numpy.linalg, 'i' + 'nv')(A)",
        cell_file(2),
    )
    original = torch.broadcast_shapes
    with CallMonitor(
        [2],
        watch=[
            "torch.broadcast_shapes",
            "numpy.linalg.inv",
            "torch.Tensor.softmax",
            "torch.nn.Softmax",
            "no.such.module",
        ],
    ) as monitor:
        student["shape_of"]((2, 1), (1, 3))
        student["inverse"](np.eye(2))
        torch.broadcast_shapes((1,), (2,))  # the monitor's caller here is not a student cell
    assert monitor.record()["calls"].get("torch.broadcast_shapes") == 1
    assert monitor.record()["calls"].get("numpy.linalg.inv") == 1
    assert torch.broadcast_shapes is original and np.linalg.inv.__name__ == "inv"


def test_watched_classes_are_recorded_when_built_subclassed_or_used_by_any_name():
    import torch.optim

    import d2lutils

    student = compiled(
        "def parameter(t):\n    return getattr(torch.nn, 'Para' + 'meter')(t)\n"
        "def optimizer_step(params):\n"
        "    getattr(getattr(torch, 'op' + 'tim'), 'S' + 'GD')(params, lr=0.1).step()\n"
        "import d2lutils\n"
        "class Board(getattr(d2lutils, 'Progress' + 'Board')):\n"
        "    def add(self, y):\n"
        "        self.draw(0, y, 'loss', every_n=1)\n",
        cell_file(4),
    )
    init, new = vars(torch.optim.SGD)["__init__"], vars(torch.nn.Parameter)["__new__"]
    draw = vars(d2lutils.ProgressBoard)["draw"]
    watch = ["torch.nn.Parameter", "torch.optim.*", "d2lutils.ProgressBoard.*"]
    with CallMonitor([4], watch=watch) as monitor:
        weight = student["parameter"](torch.ones(2))
        student["optimizer_step"]([weight])
        student["Board"]().add(1.0)
        torch.optim.SGD([weight], lr=0.1)  # not from a student cell
    calls = monitor.record()["calls"]
    assert isinstance(weight, torch.nn.Parameter)
    assert calls.get("torch.nn.Parameter") == 1, calls
    assert calls.get("torch.optim.SGD") == 1, calls
    assert calls.get("torch.optim.SGD.step") == 1, calls
    assert calls.get("d2lutils.ProgressBoard.draw") == 1, calls
    assert vars(torch.optim.SGD)["__init__"] is init
    assert vars(torch.nn.Parameter)["__new__"] is new
    assert vars(d2lutils.ProgressBoard)["draw"] is draw


def test_a_reference_taken_in_a_cell_before_the_probes_is_recorded_too():
    """The record knows a watched callable by the code that runs: a reference bound in a
    cell by a name built at run time, before the monitor started, is seen; and nothing
    is replaced, so a class keeps its own __init__ and what it does with its frames."""
    import numpy as np

    import d2lutils

    student = compiled(
        "import numpy\n"
        "shapes = getattr(numpy, 'broadcast_' + 'shapes')\n"
        "import d2lutils\n"
        "class Settings(d2lutils.HyperParameters):\n"
        "    def __init__(self, lr, epochs=3):\n"
        "        self.save_hyperparameters()\n"
        "def shape_of(a, b):\n    return shapes(a, b)\n"
        "def settings():\n    return Settings(0.1).hparams",
        cell_file(2),
    )
    init = vars(d2lutils.HyperParameters).get("__init__")
    watch = ["numpy.broadcast*", "d2lutils.HyperParameters", "sys.setprofile", "torch.Tensor.*"]
    with CallMonitor([2], watch=watch) as monitor:
        assert student["shape_of"]((2, 1), (1, 3)) == (2, 3)
        assert student["settings"]() == {"lr": 0.1, "epochs": 3}
        assert (torch.ones(2) * 2).sum().item() == 4.0
    calls = monitor.record()["calls"]
    assert calls.get("numpy.broadcast_shapes") == 1, calls
    assert calls.get("d2lutils.HyperParameters.save_hyperparameters") == 1, calls
    assert np.broadcast_shapes.__name__ == "broadcast_shapes"
    assert vars(d2lutils.HyperParameters).get("__init__") is init
    assert sys.getprofile() is None


def test_switching_the_record_off_is_itself_recorded():
    student = compiled(
        "import sys\ndef quiet():\n    getattr(sys, 'setpro' + 'file')(None)", cell_file(1)
    )
    with CallMonitor([1], watch=["sys.setprofile"]) as monitor:
        student["quiet"]()
    assert monitor.record()["calls"].get("sys.setprofile") == 1


def test_operators_are_recorded_whatever_route_reached_them():
    student = compiled(
        "def by_ops(A, x):\n    return torch.ops.aten.mv(A, x)\n"
        "def by_convolution(A, x):\n"
        "    return torch.nn.functional.conv1d(A[:, None, :], x[None, None, :])[:, 0, 0]\n"
        "def by_elementwise(A, x):\n    return (A * x).sum(1)",
        cell_file(4),
    )
    probe = compiled(
        "def probe(by_ops, by_convolution, by_elementwise):\n"
        "    A, x = torch.randn(3, 4), torch.randn(4)\n"
        "    expected = torch.mv(A, x)\n"
        "    return [f(A, x) for f in (by_ops, by_convolution, by_elementwise)], expected",
        "<hidden check probe>",
    )
    with CallMonitor([4], operators=True) as monitor:
        got, expected = probe["probe"](
            student["by_ops"], student["by_convolution"], student["by_elementwise"]
        )
    calls = monitor.record()["calls"]
    assert all(torch.allclose(g, expected, atol=1e-5) for g in got)
    # Once each: the probe's own torch.mv is not the student's.
    assert calls.get("aten::mv") == 1, calls
    assert calls.get("aten::convolution") == 1, calls
    assert calls.get("aten::mul") == 1 and calls.get("aten::sum") == 1, calls
    with CallMonitor([4]) as monitor:
        probe["probe"](student["by_ops"], student["by_convolution"], student["by_elementwise"])
    assert not any("::" in name for name in monitor.record()["calls"]), "operators: off"
    assert not torch._C._len_torch_dispatch_stack()


def test_iterating_over_a_tensor_shows_in_the_record():
    student = compiled(
        "def builtin_sum(X):\n    return sum(X)\n"
        "def unpacked(X):\n    first, second = X\n    return first + second\n"
        "def whole(X):\n    return X.sum(0)",
        cell_file(1),
    )
    X = torch.randn(2, 3)
    for name, iterates in (("builtin_sum", True), ("unpacked", True), ("whole", False)):
        with CallMonitor([1], operators=True) as monitor:
            student[name](X)
        calls = monitor.record()["calls"]
        assert ("torch.Tensor.unbind" in calls and "aten::unbind" in calls) is iterates, calls
