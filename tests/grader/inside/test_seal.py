"""The grader's code sealed in the student's process: a cell that changes it, or that
would read a probe or run code while one is set up, gains nothing."""

from __future__ import annotations

import json
import os
import sys
import types

from d2lgrade.inside.seal import first_change, seal
from d2lgrade.protocol import GRADER_CHANGED, Job, Limits, ProbeJob


def test_the_seal_names_what_a_cell_rebinds_and_nothing_else():
    import torch

    import d2lgrade.inside.monitor as monitor

    holder = types.SimpleNamespace(part=1)
    sealed = seal({"the holder": holder})
    assert first_change(sealed) is None
    count, dumps, wrapped = monitor.CallMonitor.count, json.dumps, monitor.watched_code
    detach = vars(torch.Tensor)["detach"]
    assert "double" not in vars(torch.Tensor)
    changes = {
        "d2lgrade.inside.monitor.CallMonitor.count": (
            lambda: setattr(monitor.CallMonitor, "count", lambda self, name: None),
            lambda: setattr(monitor.CallMonitor, "count", count),
        ),
        "d2lgrade.inside.monitor.CallMonitor.record": (
            lambda: setattr(monitor.CallMonitor.record, "__code__", (lambda self: {}).__code__),
            lambda: setattr(monitor.CallMonitor.record, "__code__", record_code),
        ),
        "json.dumps": (lambda: setattr(json, "dumps", str), lambda: setattr(json, "dumps", dumps)),
        "torch.Tensor.detach": (
            lambda: setattr(torch.Tensor, "detach", lambda self: self),
            lambda: setattr(torch.Tensor, "detach", detach),
        ),
        "torch.Tensor.double": (  # would hide the method it inherits
            lambda: setattr(torch.Tensor, "double", lambda self: self),
            lambda: delattr(torch.Tensor, "double"),
        ),
        "d2lgrade.inside.monitor.len": (
            lambda: setattr(monitor, "len", lambda x: 0),
            lambda: delattr(monitor, "len"),
        ),
        "the holder.part": (
            lambda: setattr(holder, "part", 2),
            lambda: setattr(holder, "part", 1),
        ),
        "d2lgrade.inside.monitor.watched_code": (  # the function under functools.cache
            lambda: setattr(wrapped.__wrapped__, "__defaults__", (1,)),
            lambda: setattr(wrapped.__wrapped__, "__defaults__", None),
        ),
    }
    record_code = monitor.CallMonitor.record.__code__
    for name, (change, undo) in changes.items():
        change()
        try:
            assert first_change(sealed) == name
        finally:
            undo()
        assert first_change(sealed) is None, name
    # Modules the grader builds on may gain names (a submodule imported later), and
    # libraries rebind names of torch's own as they are imported (torch._dynamo).
    json.a_new_name, seed = 1, torch.manual_seed
    torch.manual_seed = lambda seed: None
    try:
        assert first_change(sealed) is None
    finally:
        del json.a_new_name
        torch.manual_seed = seed


_PROBE = (
    "def probe(said, traced, look):  # probe-marker-{index}\n"
    "    __import__('gc').collect()  # a collection, and a while for the interval timer\n"
    "    sum(range(3_000_000))\n"
    "    return [said, list(traced) if traced else traced, look()]\n"
)


def _run(*cells: str) -> list[dict]:
    """The events of the runner's process (as a fresh sandbox starts it, unconfined)
    running ``cells`` then the probe twice, the job sent on its standard input."""
    import subprocess

    params = ["NOTEBOOK_SAYS", "STILL_TRACED", "LOOK"]
    job = Job(
        list(cells),
        [ProbeJob("task", "probe", params, _PROBE.format(index=i), 30.0) for i in range(2)],
        Limits(),
        student="s",
        student_cells=list(range(len(cells))),
        watch=["torch.softmax"],
    )
    read_end, write_end = os.pipe()
    runner = subprocess.Popen(
        [sys.executable, "-m", "d2lgrade.inside.runner", str(write_end)],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        pass_fds=(write_end,),
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    os.close(write_end)
    runner.stdin.write(job.to_json().encode())
    runner.stdin.close()
    with os.fdopen(read_end, "rb") as results:
        events = [json.loads(line) for line in results.read().decode().splitlines()]
    assert runner.wait(timeout=300) == 0, runner.stderr.read()[-3000:]
    return events


_QUIET = "NOTEBOOK_SAYS = 'nothing'\nSTILL_TRACED = False\nLOOK = lambda: None\n"


def test_a_notebook_that_changes_the_grader_is_reported_and_nothing_after_it():
    events = _run(
        _QUIET + "import d2lgrade.inside.monitor as m\n"
        "m.CallMonitor.count = lambda self, name: None"
    )
    assert [e["event"] for e in events] == ["start", "cell", GRADER_CHANGED], events
    assert events[-1]["what"] == "d2lgrade.inside.monitor.CallMonitor.count"


def test_a_probe_is_out_of_the_cells_reach_and_nothing_the_notebook_set_runs_around_it():
    """No cell finds a probe's source among the objects the garbage collector lists, nor
    code run by a probe the next probe's among its frames' variables, nor can either open
    the process's file descriptors; a tracer, profiler, garbage-collector callback or
    signal handler set in a cell is gone before the probe starts, and an audit hook is
    never added."""
    events = _run(
        "import gc, os, signal, sys, threading\n"
        "def found(*marks):\n"
        "    mark = '-'.join(marks)  # not folded into one constant\n"
        "    return [type(o).__name__ for o in gc.get_objects() if mark in repr(o)[:100000]]\n"
        "NOTEBOOK_SAYS = found('probe', 'marker')\n"
        "def LOOK():\n"
        "    opened, mark = [], '-'.join(['probe', 'marker', '1'])\n"
        "    for fd in os.listdir('/proc/self/fd'):\n"
        "        try:\n"
        "            open('/proc/self/fd/' + fd, 'rb').close()\n"
        "            opened.append(fd)\n"
        "        except OSError:\n"
        "            pass\n"
        "    frame, seen = sys._getframe(1), []\n"
        "    while frame is not None:\n"
        "        seen += [k for k, v in frame.f_locals.items() if mark in repr(v)[:100000]]\n"
        "        frame = frame.f_back\n"
        "    return [opened, seen]\n"
        "STILL_TRACED = []\n"
        "def note(*args):\n"
        "    frame = sys._getframe(1)\n"
        "    while frame is not None:\n"
        "        if frame.f_code.co_filename.startswith('<hidden'):\n"
        "            STILL_TRACED.append(frame.f_code.co_name)\n"
        "            return\n"
        "        frame = frame.f_back\n"
        "def tracer(frame, event, arg):\n    note()\n"
        "sys.settrace(tracer)\nsys.setprofile(tracer)\nthreading.settrace(tracer)\n"
        "gc.callbacks.append(lambda *args: note())\n"
        "signal.signal(signal.SIGALRM, lambda *args: note())\n"
        "signal.signal(signal.SIGVTALRM, lambda *args: note())\n"
        "signal.setitimer(signal.ITIMER_VIRTUAL, 0.001, 0.001)\n"
        "sys.addaudithook(lambda event, args: note())\n"
    )
    assert [e["event"] for e in events] == ["start", "cell", "probe", "probe", "end"], events
    found, traced, (opened, seen) = events[2]["value"]
    assert found == [] and traced == [] and opened == [] and seen == [], events[2]
    assert {e.get("calls", {}).get("sys.settrace") for e in events[2:4]} == {None}


def test_a_clean_notebook_runs_every_probe_whatever_it_imports():
    events = _run(
        _QUIET + "import dataclasses, pandas, torch.distributions\n"
        "@dataclasses.dataclass\nclass Kept:\n    x: int = 1\n"
        "KEPT = Kept()"
    )
    assert [e["event"] for e in events] == ["start", "cell", "probe", "probe", "end"], events
    assert events[2]["value"] == ["nothing", False, None]


def test_a_notebook_that_takes_the_probes_out_of_their_pipe_is_reported():
    events = _run(
        _QUIET + "import os, stat\n"
        "for fd in map(int, os.listdir('/proc/self/fd')):\n"
        "    try:\n"
        "        if stat.S_ISFIFO(os.fstat(fd).st_mode):\n"
        "            os.set_blocking(fd, False)\n"
        "            os.read(fd, 1 << 20)\n"
        "    except OSError:\n"
        "        pass\n"
    )
    assert [e["event"] for e in events] == ["start", "cell", GRADER_CHANGED], events
    assert events[-1]["what"] == "the pipe that holds the probes"
