"""The run-time half of rule checking: which torch calls student code made, and autograd runs.

While a probe runs, a ``TorchFunctionMode`` sees every torch function and tensor
method call, a ``TorchDispatchMode`` (for tasks with rules) sees every ATen operator
the dispatcher runs, recorded as ``aten::mm``: every route to a kernel
(``torch.ops.aten.mm``, a library function written in Python, a convolution that
computes a product) ends there. A wrapper around autograd's engine entry point sees every backward
pass (``Tensor.backward``, ``torch.autograd.grad`` and what is built on them). A call
counts when student code made it: walking out from the call through library code, a
frame of one of the student's cells comes before a frame of the probe or of the course's
own cells. So a probe may use
``torch.softmax`` to build its inputs, while the student's ``softmax`` may not, even
through a helper defined in another cell or a library function it calls. The record
crosses to the grader as plain data, which applies the task's rules to it.
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import importlib
import inspect
import sys
from collections import Counter
from collections.abc import Callable
from types import FrameType, ModuleType, TracebackType
from typing import Any

MAX_NAMES = 1000
PROBE_FILE_PREFIX = "<hidden check "
COURSE_CELL_PREFIX = "<notebook cell "


def cell_file(index: int) -> str:
    """The file name the runner gives the code of cell ``index`` (see ``runner.py``)."""
    return f"{COURSE_CELL_PREFIX}{index}>"


def qualified_name(func: Any) -> str:
    """``torch.nn.functional.softmax``-style name of a torch function or method."""
    from torch.overrides import resolve_name

    name = resolve_name(func)
    if name:
        return str(name)
    module, qualname = getattr(func, "__module__", None), getattr(func, "__qualname__", None)
    if module and qualname:
        return f"{module}.{qualname}"
    return type(func).__name__


def _resolve(name: str) -> Any:
    """The module, class or function a qualified name like ``numpy.linalg.inv`` stands
    for, or None."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            found = getattr(found, part, None)
        return found
    return None


def _function_of(entry: Any) -> Any:
    """The function a class's ``__dict__`` entry holds (a staticmethod's too)."""
    return entry.__func__ if isinstance(entry, staticmethod) else entry


def _seen_by_the_torch_function_mode(func: Any) -> bool:
    """Whether ``func`` is a torch function or tensor method, which calls the torch
    function mode under the name it has where it is defined: replaced there, it would
    be recorded under the wrapper's name instead of torch's."""
    from torch.overrides import resolve_name

    try:
        return resolve_name(func) is not None
    except TypeError:  # an unhashable object
        return False


def watched_callables(name: str) -> list[tuple[str, Any, str]]:
    """``(recorded name, owner, attribute)`` for each callable that ``name`` watches.

    A module-level function is replaced in its module. A class is watched through what
    runs when it is used: its own ``__init__`` or ``__new__`` (recorded under the class's
    name: constructing it, or a subclass that calls up to it) and the functions it
    defines (``name.method``). A pattern in the last part (``numpy.broadcast*``,
    ``torch.optim.*``, ``d2lutils.ProgressBoard.*``) watches each public function and
    class of the module, or each function of the class, whose name matches.
    """
    prefix, _, last = name.rpartition(".")
    if not prefix:
        return []
    if any(c in last for c in "*?["):
        owner = _resolve(prefix)
        if not (isinstance(owner, ModuleType) or inspect.isclass(owner)):
            return []
        return [
            target
            for attribute, value in sorted(vars(owner).items())
            if fnmatch.fnmatchcase(attribute, last)
            and not attribute.startswith("__")
            and (last.startswith("_") or not attribute.startswith("_"))
            and (
                inspect.isfunction(value)
                or (inspect.isclass(value) and isinstance(owner, ModuleType))
            )
            for target in watched_callables(f"{prefix}.{attribute}")
        ]
    found = _resolve(name)
    if inspect.isclass(found):
        methods = [
            (f"{name}.{attribute}", found, attribute)
            for attribute, value in vars(found).items()
            if inspect.isfunction(value)
            and not attribute.startswith("__")
            and not _seen_by_the_torch_function_mode(value)
        ]
        construction = [
            (name, found, dunder)
            for dunder in ("__init__", "__new__")
            if inspect.isfunction(inspect.unwrap(_function_of(vars(found).get(dunder))))
        ]
        return methods + construction
    owner = _resolve(prefix)
    if inspect.isclass(owner) and inspect.isfunction(vars(owner).get(last)):
        return [] if _seen_by_the_torch_function_mode(found) else [(name, owner, last)]
    if isinstance(owner, ModuleType) and callable(found):
        defined_here = getattr(found, "__module__", None) == owner.__name__
        return (
            []
            if defined_here and _seen_by_the_torch_function_mode(found)
            else [(name, owner, last)]
        )
    return []


# (owner, attribute, what it held before the recording wrapper)
Replaced = tuple[Any, str, Any]
# The wrappers in place, by owner and attribute, and the monitor recording now (the
# innermost; the wrappers record nothing while it is empty).
_INSTALLED: dict[tuple[int, str], Replaced] = {}
_RECORDING: list[CallMonitor] = []


def _recording_wrapper(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def recorded(*args: Any, **kwargs: Any) -> Any:
        if _RECORDING and _RECORDING[-1].from_student(sys._getframe(1)):
            _RECORDING[-1].count(name)
        return original(*args, **kwargs)

    # No way back to the original through the wrapper (functools.wraps leaves one).
    del recorded.__wrapped__
    with contextlib.suppress(TypeError, ValueError):  # no signature to show
        recorded.__signature__ = inspect.signature(original)  # type: ignore[attr-defined]
    return recorded


def install_watch(names: list[str]) -> list[Replaced]:
    """Put a recording wrapper in place of each callable ``names`` watch
    (:func:`watched_callables`) not yet wrapped; returns what it replaced.

    The runner installs them before the notebook's cells run, so that a reference taken
    in a cell (``f = getattr(torch, "broadcast_" + "shapes")``) is the wrapper too; they
    record only while a :class:`CallMonitor` is active.
    """
    installed = []
    for name in names:
        for recorded_as, owner, attribute in watched_callables(name):
            if (id(owner), attribute) in _INSTALLED:
                continue
            # A class's own entry, as stored: __new__ is a staticmethod there.
            original = vars(owner)[attribute]
            wrapper: Any = _recording_wrapper(recorded_as, _function_of(original))
            try:
                setattr(
                    owner,
                    attribute,
                    staticmethod(wrapper) if original is not _function_of(original) else wrapper,
                )
            except (TypeError, AttributeError):  # a type written in C keeps its own
                continue
            _INSTALLED[(id(owner), attribute)] = (owner, attribute, original)
            installed.append((owner, attribute, original))
    return installed


def remove_watch(installed: list[Replaced]) -> None:
    """Put back what :func:`install_watch` replaced."""
    for owner, attribute, original in reversed(installed):
        setattr(owner, attribute, original)
        del _INSTALLED[(id(owner), attribute)]


class CallMonitor:
    """Records calls made from the student's cells while it is active (a context manager).

    ``watch`` names functions and classes to record too (qualified names or
    ``module.*`` patterns, as task rules name them): code written in Python or outside
    torch, which the torch function mode does not see (``torch.broadcast_shapes``,
    ``numpy.linalg.inv``, ``torch.func.jacrev``, ``torch.optim.SGD``,
    ``torch.nn.Parameter``). While the monitor is active, each is replaced where it is
    defined by a wrapper that records the call (:func:`watched_callables`), so that a
    name built at run time (``getattr(torch, "broadcast_" + "shapes")``) or a subclass
    reaches the wrapper.
    """

    def __init__(
        self,
        student_cells: list[int],
        watch: list[str] = (),  # type: ignore[assignment]
        operators: bool = False,
    ) -> None:
        self.student_files = frozenset(cell_file(i) for i in student_cells)
        self.watch = list(watch)
        self.operators = operators
        self._dispatch_mode: Any = None
        self.calls: Counter[str] = Counter()
        self.autograd_runs = 0
        self._mode: Any = None
        self._engine: Callable[..., Any] | None = None
        self._installed: list[Replaced] = []

    def from_student(self, frame: FrameType | None) -> bool:
        """Whether the innermost frame of notebook or probe code around ``frame`` is the
        student's: library frames (torch, d2lutils) are looked through, while the
        course's own cells and the probe speak for themselves."""
        while frame is not None:
            name = frame.f_code.co_filename
            if name in self.student_files:
                return True
            if name.startswith((PROBE_FILE_PREFIX, COURSE_CELL_PREFIX)):
                return False
            frame = frame.f_back
        return False

    def count(self, name: str) -> None:
        """Count one call of ``name`` (up to ``MAX_NAMES`` different names)."""
        if name in self.calls or len(self.calls) < MAX_NAMES:
            self.calls[name] += 1

    def __enter__(self) -> CallMonitor:
        import torch.autograd
        from torch.overrides import TorchFunctionMode
        from torch.utils._python_dispatch import TorchDispatchMode

        monitor = self

        class Recorder(TorchFunctionMode):
            def __torch_function__(
                self, func: Any, types: Any, args: Any = (), kwargs: Any = None
            ) -> Any:
                if monitor.from_student(sys._getframe(1)):
                    monitor.count(qualified_name(func))
                return func(*args, **(kwargs or {}))

        class OperatorRecorder(TorchDispatchMode):  # type: ignore[no-untyped-call]
            @classmethod
            def _should_skip_dynamo(cls) -> bool:
                # Skipping wraps __torch_dispatch__ in torch._dynamo.disable, whose first
                # call imports dynamo and sympy (seconds), through builtins a notebook may
                # have replaced. Ruled answers may not compile (TAMPERING), so no dynamo
                # frame ever runs inside this mode.
                return False

            def __torch_dispatch__(
                self, func: Any, types: Any, args: Any = (), kwargs: Any = None
            ) -> Any:
                if monitor.from_student(sys._getframe(1)):
                    monitor.count(func._schema.name)
                return func(*args, **(kwargs or {}))

        # A private entry point that backward() and autograd.grad() both go through.
        engine = getattr(torch.autograd, "_engine_run_backward")  # noqa: B009

        def counting_engine(*args: Any, **kwargs: Any) -> Any:
            if monitor.from_student(sys._getframe(1)):
                monitor.autograd_runs += 1
            return engine(*args, **kwargs)

        self._engine = engine
        setattr(torch.autograd, "_engine_run_backward", counting_engine)  # noqa: B010
        self._installed = install_watch(self.watch)
        _RECORDING.append(self)
        self._mode = Recorder()
        self._mode.__enter__()
        if self.operators:
            self._dispatch_mode = OperatorRecorder()  # type: ignore[no-untyped-call]
            self._dispatch_mode.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        import torch.autograd

        try:
            if self._dispatch_mode is not None:
                self._dispatch_mode.__exit__(kind, error, trace)
                self._dispatch_mode = None
            self._mode.__exit__(kind, error, trace)
        finally:
            setattr(torch.autograd, "_engine_run_backward", self._engine)  # noqa: B010
            _RECORDING.remove(self)
            remove_watch(self._installed)

    def record(self) -> dict[str, Any]:
        """What crosses to the grader: call counts by name, and backward passes."""
        return {"calls": dict(self.calls), "autograd": self.autograd_runs}
