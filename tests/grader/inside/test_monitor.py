"""The run-time half of rule checking: calls attributed to the student's cells only."""

from __future__ import annotations

import sys

import torch

from d2lgrade.inside.monitor import CallMonitor, RunningWork
from d2lgrade.inside.provenance import cell_file
from d2lgrade.protocol import (
    CODE_FROM_STRING,
    HANDED_A_FUNCTION,
    LOOP_RAN,
    LOOPING_CALLS,
    OTHER_LIBRARY,
    PRIVATE_TORCH,
    PROCESS_LEFT_RUNNING,
    RECORD_OFF,
    RECURSION,
    REPEATED_CALLBACK,
    STEPPED_THROUGH_TENSORS,
    THREAD_LEFT_RUNNING,
)


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


def test_numpy_functions_written_in_c_are_recorded_by_any_name():
    """numpy.dot runs no Python code of its own and raises no profile event when NumPy
    calls it; the Python function NumPy runs first, to find overriding arguments, gives
    it away, whichever module handed numpy on (d2l.np, plt.np) and however it was named."""
    import numpy as np

    student = compiled(
        "import d2lutils as d2l\n"
        "def by_d2l(A, x):\n    return d2l.np.dot(A, x)\n"
        "def by_built_name(A, x):\n"
        "    return getattr(getattr(d2l, 'n' + 'p'), 'in' + 'ner')(A, x)\n"
        "def by_own_sums(A, x):\n    return (A * x).sum(axis=1)",
        cell_file(2),
    )
    A, x = np.ones((2, 3)), np.arange(3.0)
    with CallMonitor([2], watch=["numpy.dot", "numpy.inner", "numpy.matmul"]) as monitor:
        student["by_d2l"](A, x)
        student["by_built_name"](A, x)
        student["by_own_sums"](A, x)
        np.dot(A, x)  # the monitor's caller here is not a student cell
    calls = monitor.record()["calls"]
    assert (calls.get("numpy.dot"), calls.get("numpy.inner")) == (1, 1), calls
    assert sys.getprofile() is None


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


ELSEWHERE_WATCH = [
    "threading.Thread.start",
    "_thread.start_new_thread",
    "os.fork",
    "sys.setprofile",
    THREAD_LEFT_RUNNING,
    PROCESS_LEFT_RUNNING,
]


def test_threads_started_from_student_code_are_recorded_by_any_route():
    """A thread runs out of the record's sight, so starting one is recorded itself:
    through threading, an executor, or _thread reached by a name built at run time."""
    before = RunningWork.now()  # the test process's own (pytest's, Dask's...)
    student = compiled(
        "import threading, concurrent.futures, _thread, time\n"
        "def by_threading(X):\n"
        "    box = []\n"
        "    t = threading.Thread(target=lambda: box.append(X * 2))\n"
        "    t.start(); t.join()\n"
        "    return box[0]\n"
        "def by_executor(X):\n"
        "    with concurrent.futures.ThreadPoolExecutor(1) as pool:\n"
        "        return pool.submit(torch.mul, X, 2).result()\n"
        "def by_built_name(X):\n"
        "    done = threading.Event()\n"
        "    getattr(_thread, 'start_new_' + 'thread')(done.set, ())\n"
        "    done.wait(5)\n"
        "    time.sleep(0.05)\n"
        "    return X * 2",
        cell_file(1),
    )
    X = torch.ones(3)
    for route in ("by_threading", "by_executor", "by_built_name"):
        with CallMonitor([1], watch=ELSEWHERE_WATCH, running_before=before) as monitor:
            assert torch.equal(student[route](X), X * 2)
        calls = monitor.record()["calls"]
        assert calls.get("_thread.start_new_thread", 0) >= 1, (route, calls)
    with CallMonitor([1], watch=ELSEWHERE_WATCH, running_before=before) as monitor:
        threading_in_probe = compiled(
            "import threading\ndef probe():\n"
            "    t = threading.Thread(target=lambda: None)\n    t.start(); t.join()",
            "<hidden check probe>",
        )
        threading_in_probe["probe"]()
    assert not monitor.record()["calls"], "the probe's own thread is not the student's"


def test_processes_and_profilers_are_recorded_even_when_c_code_makes_the_call():
    """Audit events come from the interpreter, whatever called: functools.partial
    (C code, no profile event) calling os.fork or sys.setprofile is still seen."""
    before = RunningWork.now()  # the test process's own (pytest's, Dask's...)
    student = compiled(
        "import os, sys, functools\n"
        "def forked():\n"
        "    pid = functools.partial(getattr(os, 'fo' + 'rk'))()\n"
        "    if pid == 0:\n"
        "        os._exit(0)\n"
        "    os.waitpid(pid, 0)\n"
        "def quiet():\n"
        "    functools.partial(getattr(sys, 'setpro' + 'file'), None)()",
        cell_file(2),
    )
    with CallMonitor([2], watch=ELSEWHERE_WATCH, running_before=before) as monitor:
        student["forked"]()
    assert monitor.record()["calls"].get("os.fork") == 1, monitor.record()
    with CallMonitor([2], watch=ELSEWHERE_WATCH, running_before=before) as monitor:
        student["quiet"]()
    assert monitor.record()["calls"].get("sys.setprofile") == 1, monitor.record()
    with CallMonitor([2], watch=["os.fork"]) as monitor:
        pass
    assert sys.getprofile() is None and not monitor.record()["calls"]


def test_threads_and_processes_left_running_by_the_notebook_are_recorded():
    """A worker started in a cell before the probes, then fed by the answer, starts
    nothing while the probe runs: the record notes that it is alive."""
    before = RunningWork.now()  # the test process's own (pytest's, Dask's...)
    import os
    import threading

    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        with CallMonitor([1], watch=ELSEWHERE_WATCH, running_before=before) as monitor:
            pass
    finally:
        stop.set()
        worker.join()
    assert monitor.record()["calls"].get(THREAD_LEFT_RUNNING) == 2  # at start and end
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        os.read(read_end, 1)
        os._exit(0)
    try:
        with CallMonitor([1], watch=ELSEWHERE_WATCH, running_before=before) as monitor:
            pass
    finally:
        os.write(write_end, b"x")
        os.waitpid(child, 0)
    assert monitor.record()["calls"].get(PROCESS_LEFT_RUNNING) == 2
    with CallMonitor([1], watch=ELSEWHERE_WATCH, running_before=before) as monitor:
        pass
    assert not monitor.record()["calls"], "nothing left running, nothing recorded"


def test_loops_no_statement_spells_are_recorded_and_straight_code_is_not():
    """Recursion through another function, and a builtin calling a function of the
    student's back item by item, are loops whatever builtin does it; helpers called
    from several places, a probe calling the answer often, and torch's containers and
    d2lutils' Trainer calling the student's layers, steps and optimizer in turn are not;
    torch and d2lutils calling back a plain function item by item (a collate_fn, the net
    of d2l.evaluate_loss) are loops too."""
    student = compiled(
        "import re\n"
        "def row(x):\n    return x / x.sum()\n"
        "def even(X, i, out):\n    if i < len(X):\n        out[i] = row(X[i])\n"
        "        odd(X, i + 1, out)\n    return out\n"
        "def odd(X, i, out):\n    return even(X, i, out)\n"
        "def by_recursion(X):\n    return even(X, 0, torch.empty_like(X))\n"
        "def by_sorted(X):\n    out = torch.empty_like(X)\n"
        "    sorted(range(len(X)), key=lambda i: out.__setitem__(i, row(X[i])) or 0)\n"
        "    return out\n"
        "def by_re_sub(X):\n    out = torch.empty_like(X)\n"
        "    put = lambda i: out.__setitem__(i, row(X[i]))\n"
        "    re.sub('.', lambda m: put(m.start()) or '', 'x' * len(X))\n"
        "    return out\n"
        "def by_library(X):\n    out = torch.empty_like(X)\n"
        "    each(range(len(X)), lambda i: out.__setitem__(i, row(X[i])))\n"
        "    return out\n"
        "def straight(X):\n    return row(X[0]) + row(X[1])\n"
        "class Scale(torch.nn.Module):\n    def forward(self, X):\n        return 2 * X\n"
        "def layered(X):\n    return torch.nn.Sequential(Scale(), Scale(), Scale())(X)\n"
        "import d2lutils as d2l\n"
        "def by_evaluate_loss(X):\n    out = torch.empty_like(X)\n"
        "    def net(x):\n        out[int(x[0, 0])] = row(X[int(x[0, 0])])\n"
        "        return x\n"
        "    rows = torch.arange(len(X), dtype=torch.float32).reshape(-1, 1)\n"
        "    d2l.evaluate_loss(net, d2l.load_array((rows, rows), 1, False), d2l.squared_loss)\n"
        "    return out\n"
        "def by_collate(X):\n"
        "    rows = torch.utils.data.DataLoader(X, 1, collate_fn=lambda b: row(b[0]))\n"
        "    return torch.stack(list(rows))\n"
        "class Model(d2l.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.w = torch.nn.Parameter(torch.zeros(2, 1))\n"
        "    def forward(self, X):\n        return X @ self.w\n"
        "    def configure_optimizers(self):\n        return Step([self.w])\n"
        "class Step(d2l.HyperParameters):\n    def __init__(self, params):\n"
        "        self.params = params\n"
        "    def step(self):\n        for p in self.params:\n            p -= 0.1 * p.grad\n"
        "    def zero_grad(self):\n        for p in self.params:\n            p.grad = None\n"
        "def trained(X):\n    model = Model()\n    model.board.display = False\n"
        "    data = d2l.SyntheticRegressionData([1.0, 2.0], 0.0, num_train=32, num_val=8, "
        "batch_size=8)\n"
        "    d2l.Trainer(max_epochs=2).fit(model, data)\n    return X",
        cell_file(1),
    )
    # A library that is no framework (like pandas' apply): its frames are looked through.
    student["each"] = compiled(
        "def each(items, f):\n    for item in items:\n        f(item)", "/lib/somelib.py"
    )["each"]
    probe = compiled(
        "def probe(answer):\n    X = torch.rand(4, 3) + 0.5\n"
        "    return [answer(X) for _ in range(3)]",
        "<hidden check probe>",
    )
    watch = [RECURSION, REPEATED_CALLBACK]
    for answer, mark in (
        ("by_recursion", RECURSION),
        ("by_sorted", REPEATED_CALLBACK),
        ("by_re_sub", REPEATED_CALLBACK),
        ("by_library", REPEATED_CALLBACK),
        # torch and d2lutils calling back a plain function: looked through
        ("by_evaluate_loss", REPEATED_CALLBACK),
        ("by_collate", REPEATED_CALLBACK),
    ):
        with CallMonitor([1], watch=watch) as monitor:
            probe["probe"](student[answer])
        assert monitor.record()["calls"].get(mark), (answer, monitor.record())
    # The methods of layers, models and optimizers that torch and d2lutils call in turn.
    for answer in ("straight", "layered", "trained"):
        with CallMonitor([1], watch=watch) as monitor:
            probe["probe"](student[answer])
        assert not set(monitor.record()["calls"]) & set(watch), (answer, monitor.record())
    with CallMonitor([1]) as monitor:
        probe["probe"](student["by_sorted"])
    assert not set(monitor.record()["calls"]) & set(watch), "watched only if asked"
    assert sys.getprofile() is None


def test_switching_the_recorders_off_is_recorded():
    """torch._C's guards inside the answer, or torch's mode class patched in a cell
    before the probes: the student's code then runs with a recorder off, which the
    record notes; a clean run does not."""
    from torch.overrides import TorchFunctionMode
    from torch.utils._python_dispatch import TorchDispatchMode

    student = compiled(
        "def guarded(X):\n"
        "    C = getattr(torch, '_' + 'C')\n"
        "    with getattr(C, 'DisableTorch' + 'Function')():\n"
        "        return getattr(torch, 'soft' + 'max')(X, 1)\n"
        "def plain(X):\n    return X.exp() / X.exp().sum(1, keepdim=True)",
        cell_file(1),
    )
    X = torch.randn(2, 3)
    for answer, switched_off in (("guarded", True), ("plain", False)):
        with CallMonitor([1], watch=[RECORD_OFF], operators=True) as monitor:
            student[answer](X)
        assert bool(monitor.record()["calls"].get(RECORD_OFF)) is switched_off, answer
    original = TorchFunctionMode.__enter__, TorchFunctionMode.__exit__
    # What a notebook's cell could do: a mode that never enters and exits quietly.
    TorchFunctionMode.__enter__ = lambda self: self
    TorchFunctionMode.__exit__ = lambda self, *exc: None
    try:
        with CallMonitor([1], watch=[RECORD_OFF]) as monitor:
            student["plain"](X)
    finally:
        TorchFunctionMode.__enter__, TorchFunctionMode.__exit__ = original
    assert monitor.record()["calls"].get(RECORD_OFF), monitor.record()
    original_enter = TorchDispatchMode.__enter__
    TorchDispatchMode.__enter__ = lambda self: self  # its exit then finds no mode to pop
    try:
        with CallMonitor([1], watch=[RECORD_OFF], operators=True) as monitor:
            pass
    finally:
        TorchDispatchMode.__enter__ = original_enter
    assert monitor.record()["calls"].get(RECORD_OFF), monitor.record()


def test_calls_from_student_code_into_libraries_outside_the_course_are_recorded():
    """sympy or mpmath could invert a matrix under names no rule lists: a call from the
    student's code into a library outside protocol.COURSE_LIBRARIES is recorded by its
    top-level module; torch, NumPy, the standard library, and calls that torch makes
    itself, are not."""
    import numpy as np

    outside: dict = {"__name__": "somelib.linalg"}
    exec(compile("def inv(A):\n    return A.inverse()", "/lib/somelib/linalg.py", "exec"), outside)
    student = compiled(
        "import math\n"
        "def outside_route(A):\n    return inv(A)\n"
        "def course_route(A):\n"
        "    return torch.linalg.solve(A, torch.eye(len(A))) + np.zeros(1)[0] + math.sqrt(1.0)",
        cell_file(1),
    )
    student["inv"], student["np"] = outside["inv"], np
    A = torch.eye(2) * 2
    for route, outside_seen in (("outside_route", True), ("course_route", False)):
        with CallMonitor([1], watch=[OTHER_LIBRARY]) as monitor:
            student[route](A)
        marks = [name for name in monitor.record()["calls"] if name.startswith("<another")]
        assert marks == (["<another library: somelib>"] if outside_seen else []), route


_LOOPING_ROUTES = """
import json, sys
import torch
import io
from d2lgrade.inside.monitor import CallMonitor
from d2lgrade.inside.provenance import cell_file
from d2lgrade.inside.runner import Runner
from d2lgrade.protocol import LOOPING_CALLS

Runner(io.BytesIO(), 1000, [1], [])  # what it sets up before the notebook's first cell
student = {"torch": torch}
exec(compile(
    "import collections, functools, itertools, operator\\n"
    "import numpy as np\\n"
    "early = vars(np)['__buil' + 'tins__']['ma' + 'p']  # bound in a cell, before any probe\\n"
    "def by_module_builtins(values, n):\\n"
    "    found = getattr(torch, '__buil' + 'tins__')['ma' + 'p']\\n"
    "    return list(found(values.count, range(n)))\\n"
    "def by_early_alias(values, n):\\n    return list(early(values.count, range(n)))\\n"
    "def by_starmap(values, n):\\n"
    "    found = getattr(itertools, 'star' + 'map')\\n"
    "    return list(found(values.count, zip(range(n))))\\n"
    "def by_reduce(values, n):\\n"
    "    return getattr(functools, 'red' + 'uce')(operator.add, values, 0)\\n"
    "def by_counter(values, n):\\n"
    "    return operator.itemgetter(*range(n))(collections.Counter(values))\\n"
    "def through_a_library(values, n):\\n    return each(values)\\n"
    "def straight(values, n):\\n    return torch.bincount(torch.tensor(values), minlength=n)\\n",
    cell_file(1), "exec"), student)
library = {}
exec(compile("def each(values):\\n    return list(map(abs, values))", "/lib/somelib.py", "exec"),
     library)
student["each"] = library["each"]
record = {}
for answer in ("by_module_builtins", "by_early_alias", "by_starmap", "by_reduce",
               "by_counter", "through_a_library", "straight"):
    with CallMonitor([1], watch=list(LOOPING_CALLS)) as monitor:
        list(map(len, ["the probe's own map"]))
        student[answer]([2, 0, 2, 1], 3)
    # torch's own calls (torch.bincount) are always recorded: leave them out here
    record[answer] = sorted(n for n in monitor.record()["calls"] if not n.startswith("torch."))
made = map(abs, [-1])
record["behaves"] = [isinstance(made, map), list(made), map.__name__, map.__module__]
print(json.dumps(record))
"""


def test_looping_helpers_called_by_student_code_are_recorded_by_any_route():
    """map or itertools.starmap calling a function written in C (values.count) raises no
    profile event: the classes made observable before the first cell are seen built by
    any route (a module's __builtins__, a name built at run time, an alias bound in an
    earlier cell), functools.reduce and collections.Counter by their identity or code.
    Only the student's own calls count; a library's and the probe's use of map do not,
    and map's objects behave as before."""
    import json
    import subprocess

    ran = subprocess.run(
        [sys.executable, "-c", _LOOPING_ROUTES], capture_output=True, text=True, check=True
    )
    record = json.loads(ran.stdout)
    assert record.pop("behaves") == [True, [1], "map", "builtins"]
    assert record == {
        "by_module_builtins": ["builtins.map"],
        "by_early_alias": ["builtins.map"],
        "by_starmap": ["itertools.starmap"],
        "by_reduce": ["functools.reduce"],
        "by_counter": ["collections.Counter"],
        "through_a_library": [],
        "straight": [],
    }, record


def test_forward_mode_duals_are_recorded_by_any_name():
    """Forward-mode autograd through names built at run time runs no backward kernel for
    sin; the record still shows the dual numbers made and unpacked, which NoAutograd
    forbids."""
    from d2lgrade.rules import NoAutograd

    student = compiled(
        "def derivative(f, x):\n"
        "    dual = getattr(getattr(torch, 'auto' + 'grad'), 'forward' + '_ad')\n"
        "    with dual.dual_level():\n"
        "        out = f(dual.make_dual(x, torch.ones_like(x)))\n"
        "        return dual.unpack_dual(out).tangent.clone()",
        cell_file(1),
    )
    with CallMonitor([1], operators=True) as monitor:
        slope = student["derivative"](torch.sin, torch.zeros(3))
    assert torch.equal(slope, torch.ones(3))
    calls = monitor.record()["calls"]
    assert not any("backward" in name for name in calls), calls
    assert NoAutograd().runtime_violation(calls, monitor.record()["autograd"]), calls


def test_code_run_from_a_string_is_recorded_by_any_name_and_imports_are_not(tmp_path):
    """exec, eval and compile raise audit events whatever name reached them: a loop in a
    string the source check never read is seen run. A module imported for the first
    time inside the student's call (the import system execs it) and the probe's own
    exec are not the student's."""
    (tmp_path / "fresh_module_for_the_record.py").write_text("VALUE = 3\n")
    sys.path.insert(0, str(tmp_path))
    student = compiled(
        "import numpy as np\n"
        "def by_exec(X):\n"
        "    run = vars(np)['__buil' + 'tins__']['ex' + 'ec']\n"
        "    space = {'X': X}\n"
        "    run('total = 0\\nfor row in range(len(X)):\\n    total = total + X[row]', space)\n"
        "    return space['total']\n"
        "def by_eval(X):\n"
        "    return vars(np)['__buil' + 'tins__']['ev' + 'al']('X.sum(0)', {'X': X})\n"
        "def by_import(X):\n"
        "    import fresh_module_for_the_record\n"
        "    return X.sum(0) * fresh_module_for_the_record.VALUE\n",
        cell_file(2),
    )
    try:
        for answer, seen in (("by_exec", True), ("by_eval", True), ("by_import", False)):
            with CallMonitor([2], watch=[CODE_FROM_STRING]) as monitor:
                exec("probe_value = 1", {})  # the probe's own
                student[answer](torch.ones(3, 2))
            assert bool(monitor.record()["calls"].get(CODE_FROM_STRING)) == seen, answer
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("fresh_module_for_the_record", None)
    assert sys.getprofile() is None


def test_loops_are_seen_however_the_answer_was_reached_and_whatever_runs_them():
    """The answer's own loop, reached by a name the source check cannot follow; a layer
    calling itself through torch's Module.__call__; a plain function given a layer as its
    first argument, called back by torch; a course cell's function relaying a builtin's
    calls; C functions handed to a library that calls them item by item; a builtin
    adding a tensor's rows one by one; and one layer that torch runs once per row."""
    student = compiled(
        "import collections, functools, json, re\n"
        "import numpy as np\n"
        "import pandas as pd\n"
        "import torch.utils._pytree as pytree\n"
        "def each_row(X):\n    out = X.clone()\n    for i in range(len(X)):\n"
        "        out[i] = X[i] / X[i].sum()\n    return out\n"
        "class Rows(torch.nn.Module):\n    def forward(self, X, i=0):\n"
        "        if i == len(X):\n            return X[:0]\n"
        "        return torch.cat([(X[i] / X[i].sum())[None], self(X, i + 1)])\n"
        "def by_self_call(X):\n    return Rows()(X)\n"
        "def row_of(bag, i):\n    return bag.X[i] / bag.X[i].sum()\n"
        "def by_tree_map(X):\n    bag = torch.nn.Module()\n    bag.X = X\n"
        "    return torch.stack(pytree.tree_map(functools.partial(row_of, bag), "
        "list(range(len(X)))))\n"
        "def by_course_relay(X):\n    out = X.clone()\n"
        "    class Put:\n        def __mul__(self, i):\n"
        "            out[i] = X[i] / X[i].sum()\n            return i\n"
        "    sorted(range(len(X)), key=functools.partial(scale, Put()))\n    return out\n"
        "def by_pandas_map(X):\n    counts = X.flatten().tolist().count\n"
        "    return torch.tensor(pd.Series(range(3)).map(counts).to_numpy())\n"
        "def by_pandas_apply(X):\n"
        "    return pd.DataFrame(X.numpy()).apply(np.argsort, axis=1, raw=True)\n"
        "def by_json_hook(X):\n"
        "    return json.loads(str(list(range(3))), parse_int=X.flatten().tolist().count)\n"
        "def by_count_elements(X):\n    found = {}\n"
        "    collections._count_elements(found, X.flatten().tolist())\n    return found\n"
        "def by_sum_of_pieces(X):\n    return sum(X.split(1))\n"
        "class Row(torch.nn.Module):\n    def forward(self, state):\n"
        "        X, i, out = state\n        out[i] = X[i] / X[i].sum()\n"
        "        return X, i + 1, out\n"
        "def by_one_layer_per_row(X):\n"
        "    return torch.nn.Sequential(*[Row()] * len(X))((X, 0, X.clone()))[2]\n"
        "def vectorized(X):\n"
        "    total = sum([X.sum(), X.sum()]) + max(X.max(), X.min())\n"
        "    return torch.vmap(torch.sum)(X) + torch.where(X > 0, X, 0).sum() + total\n",
        cell_file(1),
    )
    course = compiled("def scale(x, factor):\n    return x * factor\n", cell_file(0))
    student["scale"] = course["scale"]
    probe = compiled(
        "def probe(answer):\n    return answer(torch.arange(1.0, 11.0).reshape(5, 2))",
        "<hidden check probe>",
    )
    watch = [RECURSION, REPEATED_CALLBACK, LOOP_RAN, HANDED_A_FUNCTION, STEPPED_THROUGH_TENSORS]
    watch += LOOPING_CALLS
    for answer, mark in (
        ("each_row", LOOP_RAN),
        ("by_self_call", RECURSION),
        ("by_tree_map", REPEATED_CALLBACK),
        ("by_course_relay", REPEATED_CALLBACK),
        ("by_pandas_map", HANDED_A_FUNCTION),
        ("by_json_hook", HANDED_A_FUNCTION),
        ("by_pandas_apply", HANDED_A_FUNCTION),
        ("by_count_elements", "collections._count_elements"),
        ("by_sum_of_pieces", STEPPED_THROUGH_TENSORS),
        ("by_one_layer_per_row", REPEATED_CALLBACK),
    ):
        with CallMonitor([1], watch=watch) as monitor:
            probe["probe"](student[answer])
        assert monitor.record()["calls"].get(mark), (answer, monitor.record())
    # torch taking a function on its own terms (vmap) is whole-tensor work
    with CallMonitor([1], watch=watch) as monitor:
        probe["probe"](student["vectorized"])
    assert not set(monitor.record()["calls"]) & set(watch), monitor.record()


def test_private_torch_functions_the_engine_and_c_methods_are_seen_by_what_runs():
    """torch's private kernels called by the student's code (not torch's own calls of
    them under a public function); autograd's engine reached past its counted entry
    point; a tensor's C method that loops, reached through the tensor by a built name."""
    student = compiled(
        "import torch.nn.functional as F\n"
        "def private(x):\n    return getattr(torch, '_prelu' + '_kernel')(x, torch.tensor(0.1))\n"
        "def public(x):\n    return F.prelu(x, torch.tensor([0.1])) + F.relu(x)\n"
        "def engine(x):\n    x = x.clone().requires_grad_()\n    y = (x * x).sum()\n"
        "    run = torch.autograd.Variable._execution_engine.run_backward\n"
        "    run((y,), (torch.ones(()),), False, False, (), True, True)\n    return x.grad\n"
        "def counted(x):\n    x = x.clone().requires_grad_()\n    (x * x).sum().backward()\n"
        "    return x.grad\n"
        "def applied(x):\n    values = x.flatten().tolist()\n"
        "    return getattr(x.clone(), 'app' + 'ly_')(values.count)\n",
        cell_file(1),
    )
    probe = compiled(
        "def probe(answer):\n    return answer(torch.tensor([-1.0, 2.0, 2.0]))",
        "<hidden check probe>",
    )

    def record(answer: str, watch: list[str]) -> dict:
        with CallMonitor([1], watch=watch) as monitor:
            probe["probe"](student[answer])
        return monitor.record()

    assert record("private", [PRIVATE_TORCH])["calls"].get(PRIVATE_TORCH)
    assert PRIVATE_TORCH not in record("public", [PRIVATE_TORCH])["calls"]
    assert record("engine", ["torch.autograd.grad"])["autograd"] == 1
    assert record("counted", ["torch.autograd.grad"])["autograd"] == 1, "counted once"
    assert record("applied", list(LOOPING_CALLS))["calls"].get("torch.Tensor.apply_")


def test_whole_tensor_code_with_helpers_and_context_managers_is_no_loop():
    """Compliant code the loop marks must leave alone, with operators recorded as in a
    ruled task: a builtin adding two tensors or taking the larger of two, context managers
    of the student's or a library's, a partial of the student's own function handed on."""
    student = compiled(
        "import contextlib, functools\n"
        "import numpy as np\n"
        "@contextlib.contextmanager\n"
        "def quiet():\n    with torch.no_grad():\n        yield\n"
        "def scaled(x, factor):\n    return x * factor\n"
        "def answer(X):\n"
        "    with quiet(), np.errstate(over='ignore'), contextlib.ExitStack() as stack:\n"
        "        stack.enter_context(torch.no_grad())\n"
        "        double = functools.partial(scaled, factor=2.0)\n"
        "        total = sum([X.sum(0), double(X).sum(0)])\n"
        "        return total + min(X.max(), torch.ones(()))\n",
        cell_file(1),
    )
    probe = compiled(
        "def probe(answer):\n    return answer(torch.arange(1.0, 11.0).reshape(5, 2))",
        "<hidden check probe>",
    )
    watch = [REPEATED_CALLBACK, LOOP_RAN, HANDED_A_FUNCTION, STEPPED_THROUGH_TENSORS]
    with CallMonitor([1], watch=watch, operators=True) as monitor:
        probe["probe"](student["answer"])
    assert not set(monitor.record()["calls"]) & set(watch), monitor.record()
