"""The run-time half of rule checking: which torch calls student code made, and autograd runs.

While a probe runs, a ``TorchFunctionMode`` sees every torch function and tensor
method call, and a wrapper around autograd's engine entry point sees every backward
pass (``Tensor.backward``, ``torch.autograd.grad`` and what is built on them). A call
counts when student code made it: walking out from the call, a frame of one of the
student's cells comes before any frame of the probe itself. So a probe may use
``torch.softmax`` to build its inputs, while the student's ``softmax`` may not, even
through a helper defined in another cell or a library function it calls. The record
crosses to the grader as plain data, which applies the task's rules to it.
"""
from __future__ import annotations

import sys
from collections import Counter
from types import FrameType, TracebackType
from typing import Any, Callable

MAX_NAMES = 1000
PROBE_FILE_PREFIX = "<hidden check "


def cell_file(index: int) -> str:
    """The file name the runner gives the code of cell ``index`` (see ``runner.py``)."""
    return f"<notebook cell {index}>"


def qualified_name(func: Any) -> str:
    """``torch.nn.functional.softmax``-style name of a torch function or method."""
    from torch.overrides import resolve_name

    name = resolve_name(func)
    if name:
        return name
    module, qualname = getattr(func, "__module__", None), getattr(func, "__qualname__", None)
    if module and qualname:
        return f"{module}.{qualname}"
    return type(func).__name__


class CallMonitor:
    """Records calls made from the student's cells while it is active (a context manager)."""

    def __init__(self, student_cells: list[int]) -> None:
        self.student_files = frozenset(cell_file(i) for i in student_cells)
        self.calls: Counter[str] = Counter()
        self.autograd_runs = 0
        self._mode: Any = None
        self._engine: Callable[..., Any] | None = None

    def from_student(self, frame: FrameType | None) -> bool:
        while frame is not None:
            name = frame.f_code.co_filename
            if name in self.student_files:
                return True
            if name.startswith(PROBE_FILE_PREFIX):
                return False
            frame = frame.f_back
        return False

    def __enter__(self) -> "CallMonitor":
        import torch.autograd
        from torch.overrides import TorchFunctionMode

        monitor = self

        class Recorder(TorchFunctionMode):
            def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
                if monitor.from_student(sys._getframe(1)):
                    name = qualified_name(func)
                    if name in monitor.calls or len(monitor.calls) < MAX_NAMES:
                        monitor.calls[name] += 1
                return func(*args, **(kwargs or {}))

        engine = torch.autograd._engine_run_backward

        def counting_engine(*args: Any, **kwargs: Any) -> Any:
            if monitor.from_student(sys._getframe(1)):
                monitor.autograd_runs += 1
            return engine(*args, **kwargs)

        self._engine = engine
        torch.autograd._engine_run_backward = counting_engine
        self._mode = Recorder()
        self._mode.__enter__()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        import torch.autograd

        try:
            self._mode.__exit__(kind, error, trace)
        finally:
            torch.autograd._engine_run_backward = self._engine

    def record(self) -> dict[str, Any]:
        """What crosses to the grader: call counts by name, and backward passes."""
        return {"calls": dict(self.calls), "autograd": self.autograd_runs}
