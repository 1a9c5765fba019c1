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
through a helper defined in another cell or a library function it calls.

All of that sees the thread that runs the probe, and only while the record is on. So
the record also shows what would take work out of its sight: starting a thread or a
process and setting a profiler or tracer (through the interpreter's audit events,
PEP 578, raised whichever route made the call, and the code of thread starts), and a
thread or child process the notebook left running when a probe starts or ends. The
record crosses to the grader as plain data, which applies the task's rules to it.
"""

from __future__ import annotations

import dis
import fnmatch
import functools
import importlib
import inspect
import math
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import CodeType, FrameType, ModuleType, TracebackType
from typing import Any, NamedTuple

from ..protocol import (
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
    allowed_module,
    other_library_mark,
)
from .provenance import (
    MADE_CODE_EVENTS,
    PROBE_FILE_PREFIX,
    StudentCode,
)

MAX_NAMES = 1000
# What the monitor itself calls, bound when the runner imports it, before any cell: a
# notebook that replaces them in sys later cannot blind the record with its own.
_getframe = sys._getframe
_setprofile = sys.setprofile
_getprofile = sys.getprofile
_addaudithook = sys.addaudithook
# Builtins that step through their items in C, each step an operation on the items when
# these are tensors (``STEPPED_THROUGH_TENSORS``), by identity.
STEPPING_BUILTINS = frozenset(map(id, (sum, max, min, sorted, math.prod)))
# Tensor operations one call of them may run before it counts as stepping through
# tensors: sum([a, b]) runs two, max(a, b) a comparison and a truth test.
STEPS_ALLOWED = 3
# Watched names the interpreter raises as audit events (PEP 578) itself, whichever route
# made the call, even C code such as functools.partial or map calling them; recorded
# under the event's name.
AUDIT_EVENTS = frozenset(
    {
        "os.exec",
        "os.fork",
        "os.forkpty",
        "os.posix_spawn",
        "os.spawn",
        "os.system",
        "subprocess.Popen",
        "sys.setprofile",
        "sys.settrace",
    }
)
# The audit events of code made from a string (builtins exec, eval and compile raise them
# whatever name reached them), recorded as CODE_FROM_STRING; the import system's own
# (a module imported lazily while the student's code runs) are not the student's.
CODE_EVENTS = frozenset({"exec", "compile"})


# Libraries whose job is to call the student's code in turn: torch's nn.Sequential calls
# their layers, d2lutils' Trainer their training_step per batch. When the record asks
# which code of the student's called a function of theirs again and again, d2lutils'
# frames end the search if that function is a method of such a part
# (``TorchMachinery.parts``: a layer, a d2lutils model, data module or optimizer); torch's
# are looked through, but a part's method counts as repeated only when the same part
# runs it again (one layer called once per row is a loop, a stack of layers is not); any
# other library's frames (re.sub, pandas' apply), and theirs calling back a plain
# function (a DataLoader's collate_fn, the net given to d2l.evaluate_loss), are looked
# through.
FRAMEWORKS = ("torch", "d2lutils")


def _package(frame: FrameType) -> str:
    """The top-level package whose code ``frame`` runs (``torch`` for torch.nn...)."""
    return str(frame.f_globals.get("__name__", "")).split(".")[0]


def _part_running(frame: FrameType) -> object | None:
    """The framework part (``TorchMachinery.parts``) whose method ``frame`` runs, or None:
    its first argument, whose type (not its ``__class__``, which a class can fake) is a
    part's and has this code as its own method of this name (a plain function given a
    layer as its first argument is no method of it)."""
    code = frame.f_code
    if not code.co_argcount:
        return None
    receiver = frame.f_locals.get(code.co_varnames[0])
    kind = type(receiver)
    if not issubclass(kind, torch_machinery().parts):
        return None
    for klass in kind.__mro__:
        if code.co_name in vars(klass):
            method = vars(klass)[code.co_name]
            found = getattr(getattr(method, "__func__", method), "__code__", None) is code
            return receiver if found else None
    return None


def _hands_functions_on(frame: FrameType, student_code: StudentCode) -> bool:
    """Whether ``frame``, a library's Python function that student code called, was given
    a function that is not the student's among its arguments, directly or one level
    inside ``*args`` and ``**kwargs`` (a function of theirs called back item by item
    shows as ``REPEATED_CALLBACK``). The frameworks' own functions (torch.vmap, a hook),
    the import system and the grader's recorders (a torch function mode is handed each
    function called) do not count."""
    if _package(frame) in (*FRAMEWORKS, "d2lgrade", "importlib"):
        return False
    code = frame.f_code
    count = code.co_argcount + code.co_kwonlyargcount
    names = list(code.co_varnames[:count])
    for flag in (inspect.CO_VARARGS, inspect.CO_VARKEYWORDS):
        if code.co_flags & flag:
            names.append(code.co_varnames[count])
            count += 1
    local = frame.f_locals
    for name in names:
        value = local.get(name)
        values: Any = (value,)
        if isinstance(value, (dict, tuple)):
            values = value.values() if isinstance(value, dict) else value
        if any(_a_library_function(v, student_code) for v in values):
            return True
    return False


def _a_library_function(value: Any, student_code: StudentCode) -> bool:
    """Whether ``value`` is a function that is not the student's (a partial of theirs is
    theirs). Classes, and objects callable on the side (a context manager, a layer), are
    no functions handed on."""
    while isinstance(value, functools.partial):
        value = value.func
    return not (
        not callable(value)
        or isinstance(value, type)
        or hasattr(type(value), "__enter__")
        or isinstance(value, torch_machinery().parts)
        or student_code.wrote(value)
    )


def _running_already(frame: FrameType) -> bool:
    """Whether ``frame``'s code is already running below it, since the probe called in:
    recursion, through whatever frames (a layer calling itself through torch's
    ``Module.__call__`` recurses too)."""
    outer = frame.f_back
    while outer is not None and not outer.f_code.co_filename.startswith(PROBE_FILE_PREFIX):
        if outer.f_code is frame.f_code:
            return True
        outer = outer.f_back
    return False


class TorchMachinery(NamedTuple):
    """The parts of torch the monitor builds on and asks."""

    function_mode: Any  # torch.overrides.TorchFunctionMode
    dispatch_mode: Any  # torch.utils._python_dispatch.TorchDispatchMode
    autograd: ModuleType
    C: ModuleType  # torch._C
    resolve_name: Callable[[Any], str | None]
    parts: tuple[type, ...]  # whose methods a framework calls in turn (see FRAMEWORKS)


@functools.cache
def torch_machinery() -> TorchMachinery:
    """torch's parts as they were when first asked for (the runner asks before any cell
    runs): a notebook that later swaps the mode classes in their modules, or replaces
    ``__import__``, does not change what the monitor builds on or asks."""
    import torch
    import torch.autograd
    from torch.autograd.function import FunctionCtx
    from torch.overrides import TorchFunctionMode, resolve_name
    from torch.utils._python_dispatch import TorchDispatchMode

    from d2lutils.hparams import HyperParameters

    parts = (torch.nn.Module, torch.optim.Optimizer, FunctionCtx, HyperParameters)
    return TorchMachinery(
        TorchFunctionMode, TorchDispatchMode, torch.autograd, torch._C, resolve_name, parts
    )


def _recorders_disabled(operators: bool) -> bool:
    """Whether torch's modes are switched off in this thread right now: by
    ``torch._C.DisableTorchFunction``, or, where operators are recorded, by excluding
    the Python dispatch key (``torch._C._ExcludeDispatchKeyGuard``)."""
    C = torch_machinery().C
    if not C._is_torch_function_mode_enabled():
        return True
    return operators and (
        C._dispatch_tls_is_dispatch_key_excluded(C.DispatchKey.Python)
        or not C._len_torch_dispatch_stack()
    )


@dataclass(frozen=True)
class RunningWork:
    """The threads (a count: one that runs only C code has no frame to list) and child
    processes of this process, other than the one running this code."""

    threads: int = 0
    children: frozenset[int] = frozenset()

    @classmethod
    def now(cls) -> RunningWork:
        import _thread

        return cls(_thread._count(), frozenset(_running_children()))


def qualified_name(func: Any) -> str:
    """``torch.nn.functional.softmax``-style name of a torch function or method."""
    name = torch_machinery().resolve_name(func)
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
    try:
        return torch_machinery().resolve_name(func) is not None
    except TypeError:  # an unhashable object
        return False


def _defined_under(value: Any, owner: Any) -> bool:
    """Whether ``value`` belongs to ``owner``: for a module, defined in it or in one of
    its submodules (not imported from elsewhere, as ``d2lutils.board`` imports
    ``HyperParameters``); for a class, a function it defines."""
    if not isinstance(owner, ModuleType):
        return inspect.isfunction(value)
    module = str(getattr(value, "__module__", ""))
    return module == owner.__name__ or module.startswith(owner.__name__ + ".")


def watched_callables(name: str) -> list[tuple[str, Any, str]]:
    """``(recorded name, owner, attribute)`` for each callable that ``name`` watches.

    A module-level function is replaced in its module. A class is watched through what
    runs when it is used: its own ``__init__`` or ``__new__`` (recorded under the class's
    name: constructing it, or a subclass that calls up to it) and the functions it
    defines (``name.method``). A pattern in the last part (``numpy.broadcast*``,
    ``torch.optim.*``, ``d2lutils.ProgressBoard.*``) watches each public function and
    class that the module (or a submodule) defines, or each function of the class,
    whose name matches.
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
            and (inspect.isfunction(value) or inspect.isclass(value))
            and _defined_under(value, owner)
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


@functools.lru_cache(maxsize=8)
def watched_code(names: tuple[str, ...]) -> tuple[dict[Any, str], dict[int, str]]:
    """What the profile hook of :class:`CallMonitor` looks for: the code object of each
    Python callable ``names`` watch (:func:`watched_callables`; the innermost function
    under its decorators) and the id of each one written in C, with the names to record.

    A call is recognized by the code that runs, not by the name that reached it: an
    alias bound in an earlier cell, a name built at run time or a subclass all run it.
    """
    code: dict[Any, str] = {}
    builtin: dict[int, str] = {}
    for name in names:
        for recorded_as, owner, attribute in watched_callables(name):
            entry = _function_of(vars(owner)[attribute])
            func = inspect.unwrap(entry)
            if hasattr(func, "__code__"):
                code.setdefault(func.__code__, recorded_as)
                continue
            if inspect.isbuiltin(func) or inspect.ismethoddescriptor(func):
                builtin.setdefault(id(func), recorded_as)
            dispatcher = _numpy_dispatcher_code(entry)
            if dispatcher is not None:
                code.setdefault(dispatcher, recorded_as)
    return code, builtin


# The opcodes that jump back: every for or while loop and comprehension has one.
_LOOP_OPCODES = frozenset(
    dis.opmap[name]
    for name in ("FOR_ITER", "JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT", "JUMP_ABSOLUTE")
    if name in dis.opmap
)
_loops_in: dict[int, tuple[CodeType, bool]] = {}  # by id; the code is kept alive with it


def _has_loop(code: CodeType) -> bool:
    """Whether ``code`` (one function's, not those nested in it) has a loop, read in its
    bytecode: what runs, whatever source or name it came from."""
    known = _loops_in.get(id(code))
    if known is None:
        opcodes = code.co_code[::2]  # each instruction is an opcode byte and an argument
        known = _loops_in[id(code)] = (code, any(op in _LOOP_OPCODES for op in opcodes))
    return known[1]


_observed_classes: set[type] = set()


def _written_in_c(cls: type) -> bool:
    """Whether constructing ``cls`` runs no Python code of its own."""
    return not any(
        inspect.isfunction(_function_of(vars(cls).get(dunder)))
        for dunder in ("__init__", "__new__")
    )


def _observable_subclass(original: type) -> type | None:
    """A subclass of the C class ``original``, under its name, whose construction runs a
    Python ``__new__``: calling a class written in C raises no profile event, while that
    code's start is one. None if ``original`` allows no subclass."""

    def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
        return original.__new__(cls, *args, **kwargs)

    # A code object per class, named after it, so that the profile hook tells them apart.
    __new__.__code__ = __new__.__code__.replace(co_name=original.__qualname__)
    namespace = {
        "__new__": __new__,
        "__module__": original.__module__,
        "__qualname__": original.__qualname__,
        "__doc__": original.__doc__,
    }
    try:
        return type(original.__name__, (original,), namespace)
    except TypeError:
        return None


def make_looping_classes_observable() -> None:
    """Put an observable subclass (:func:`_observable_subclass`) in place of each class
    written in C that ``LOOPING_CALLS`` names (``map``, ``filter``,
    ``itertools.starmap``...), in its module.

    Called before the notebook's first cell: every route by which the notebook can reach
    such a class (its name, ``getattr(builtins, ...)``, a module's ``__builtins__``, an
    alias bound in any cell) then gives the subclass, whose construction the record sees.
    Objects and ``isinstance`` behave as before.
    """
    for pattern in LOOPING_CALLS:
        module_name, _, last = pattern.rpartition(".")
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # a method of a class (torch.Tensor.apply_): no class to replace
            continue
        for attribute, value in list(vars(module).items()):
            if (
                fnmatch.fnmatchcase(attribute, last)
                and not attribute.startswith("_")
                and inspect.isclass(value)
                and value not in _observed_classes
                and _written_in_c(value)
            ):
                observed = _observable_subclass(value)
                if observed is not None:
                    _observed_classes.add(observed)
                    setattr(module, attribute, observed)


class _Claimed(Exception):
    pass


class _Claimant:
    """An argument that claims any NumPy function it is passed to, before it computes."""

    def __array_function__(self, *args: Any) -> Any:
        raise _Claimed


def _numpy_dispatcher_code(func: Any) -> Any:
    """For a NumPy function written in C (``numpy.dot``), the code of the Python function
    NumPy runs first on every call to find the arguments that may override it, which the
    profile hook sees (the C function itself raises no event when NumPy calls it); None
    for anything else. Found by calling ``func`` once on a :class:`_Claimant`."""
    if not hasattr(func, "_implementation") or not callable(func):
        return None
    entered: list[Any] = []

    def first_call(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call" and not entered:
            entered.append(frame.f_code)

    previous = _getprofile()
    for count in (1, 2, 3):
        entered.clear()
        _setprofile(first_call)
        try:
            func(*[_Claimant()] * count)
        except _Claimed:
            found = entered[0] if entered else None
            return found if getattr(found, "co_name", None) == func.__name__ else None
        except Exception:  # not called with this many arguments: try the next count
            continue
        finally:
            _setprofile(previous)
    return None


class CallMonitor:
    """Records calls made from the student's cells while it is active (a context manager).

    ``watch`` names functions and classes to record too (qualified names, with patterns
    in the last part, as task rules name them): code written in Python or outside torch,
    which the torch function mode does not see (``torch.broadcast_shapes``,
    ``numpy.linalg.inv``, ``torch.func.jacrev``, ``torch.optim.SGD``,
    ``torch.nn.Parameter``). While the monitor is active, a profile hook
    (``sys.setprofile``) recognizes their code when it runs (:func:`watched_code`),
    whatever name reached it: an alias bound in an earlier cell, a name built at run
    time (``getattr(torch, "broadcast_" + "shapes")``), a subclass. Nothing is replaced,
    so the code sees the same objects and frames as without the monitor. The looping
    helpers of ``LOOPING_CALLS`` count only when a cell of the student's calls them
    itself; the C classes among them were made observable before the notebook's first
    cell (:func:`make_looping_classes_observable`).

    Student code is that of the student's cells and the code their code made while the
    notebook ran (``provenance``), under whatever file name it chose; in it, a loop the
    source check may not have read (reached by a name built at run time, made from a
    string) shows in the bytecode that runs (``LOOP_RAN``).
    """

    def __init__(
        self,
        student: list[int] | StudentCode,
        watch: Sequence[str] = (),
        operators: bool = False,
        running_before: RunningWork = RunningWork(),
    ) -> None:
        # The runner passes the code it has noted as the student's since before the
        # first cell (see ``provenance``); cell indexes alone stand for the cells' code.
        self.student_code = student if isinstance(student, StudentCode) else StudentCode(student)
        self.from_student = self.student_code.owns
        self.watch = list(watch)
        self.operators = operators
        self.running_before = running_before
        self._dispatch_mode: Any = None
        self.calls: Counter[str] = Counter()
        self.autograd_runs = 0
        self._mode: Any = None
        self._engine: Callable[..., Any] | None = None
        self._previous_profile: Any = None
        self.audited = (frozenset(self.watch) & AUDIT_EVENTS) | (
            CODE_EVENTS if CODE_FROM_STRING in self.watch else frozenset()
        )
        self.watches_repetition = RECURSION in self.watch or REPEATED_CALLBACK in self.watch
        self.watches_loops = LOOP_RAN in self.watch
        self.watches_handoff = HANDED_A_FUNCTION in self.watch
        self.watches_stepping = STEPPED_THROUGH_TENSORS in self.watch
        self.watches_private = PRIVATE_TORCH in self.watch
        # torch functions the student's code called (the function mode's count; the
        # operators a call runs are not counted again), and the stepping builtins running
        # now: (builtin's id, torch_calls when it began).
        self.torch_calls = 0
        self._stepping: list[tuple[int, int]] = []
        self._builtin: dict[int, str] = {}
        self._looping_builtin: dict[int, str] = {}
        # autograd's engine itself, which _engine_run_backward (counted) calls: a cell
        # that reaches it another way runs autograd all the same.
        self._engine_type = type(torch_machinery().autograd.Variable._execution_engine)
        self.watches_switch_off = RECORD_OFF in self.watch
        self.watches_libraries = OTHER_LIBRARY in self.watch
        # Per running frame of student code (by id, dropped when it returns): how often
        # each (instruction, function of the student's, part) has run from it.
        self._call_sites: dict[int, Counter[tuple[int, Any, int]]] = {}

    def _watch_calls(self) -> None:
        names = [n for n in self.watch if n not in AUDIT_EVENTS]
        code, builtin = watched_code(tuple(n for n in names if n not in LOOPING_CALLS))
        looping_code, looping_builtin = watched_code(tuple(n for n in names if n in LOOPING_CALLS))
        self._previous_profile = _getprofile()
        if not (code or builtin or looping_code or looping_builtin or self._watches_frames()):
            return
        self._builtin, self._looping_builtin = builtin, looping_builtin
        files, made = self.student_code.files, self.student_code.made
        compiled_for_them = self.student_code.compiled_for_them
        repetition, libraries = self.watches_repetition, self.watches_libraries
        handoff, engine_type = self.watches_handoff, self._engine_type
        counted_entry = getattr(self._engine, "__code__", None)
        student_code_starts = self._student_code_starts
        stepping_now = self._stepping  # grown and emptied in place

        def hook(frame: FrameType, event: str, arg: Any) -> None:
            # Whose code runs is asked inline (StudentCode.runs): this runs on every call.
            if event == "call":
                name = code.get(frame.f_code)
                if name is not None and self.from_student(frame.f_back):
                    self.count(name)
                looping, caller = looping_code.get(frame.f_code), frame.f_back
                called_by_student = (  # asked only when needed: this runs on every call
                    (looping is not None or libraries or handoff)
                    and caller is not None
                    and (caller.f_code.co_filename in files or id(caller.f_code) in made)
                )
                if looping is not None and called_by_student:
                    self.count(looping)
                if frame.f_code.co_filename in files or id(frame.f_code) in made:
                    student_code_starts(frame)
                    return
                if libraries and called_by_student:
                    self._note_library(frame.f_globals.get("__name__"))
                if handoff and called_by_student and _hands_functions_on(frame, self.student_code):
                    self.count(HANDED_A_FUNCTION)
                if frame.f_code.co_filename in compiled_for_them:
                    self._compiled_for_the_student_starts(frame)
            elif event == "return":
                if repetition:
                    self._call_sites.pop(id(frame), None)
            elif event == "c_call" and (
                frame.f_code.co_filename in files or id(frame.f_code) in made
            ):
                self._student_calls_c(arg)
            elif event != "c_call" and stepping_now and id(arg) == stepping_now[-1][0]:
                if self.torch_calls - stepping_now.pop()[1] > STEPS_ALLOWED:
                    self.count(STEPPED_THROUGH_TENSORS)
            elif event == "c_call" and id(arg) in builtin and self.from_student(frame):
                self.count(builtin[id(arg)])
            elif (
                event == "c_call"
                and type(getattr(arg, "__self__", None)) is engine_type
                and frame.f_code is not counted_entry
                and self.from_student(frame)
            ):
                self.autograd_runs += 1

        _setprofile(hook)

    def _watches_frames(self) -> bool:
        """Whether the rules ask for what only the frames that run show (beyond calls of
        watched functions)."""
        return (
            self.watches_repetition
            or self.watches_loops
            or self.watches_handoff
            or self.watches_stepping
            or self.watches_switch_off
            or self.watches_libraries
        )

    def _student_calls_c(self, function: Any) -> None:
        """Record what a call of ``function``, written in C, from the student's code shows:
        a watched or looping builtin (a C method through its object too: a tensor's
        ``apply_``), the record switched off, another library, a stepping builtin
        starting, autograd's engine run directly."""
        builtin, looping_builtin = self._builtin, self._looping_builtin
        if id(function) in builtin:
            self.count(builtin[id(function)])
        if id(function) in looping_builtin:
            self.count(looping_builtin[id(function)])
        if self.watches_switch_off and _recorders_disabled(self.operators):
            self.count(RECORD_OFF)
        if self.watches_libraries:
            self._note_library(getattr(function, "__module__", None))
        if self.watches_stepping and id(function) in STEPPING_BUILTINS:
            self._stepping.append((id(function), self.torch_calls))
        owner = getattr(function, "__self__", None)
        if type(owner) is self._engine_type:
            self.autograd_runs += 1
        elif owner is not None and not isinstance(owner, ModuleType):
            method = getattr(type(owner), getattr(function, "__name__", ""), None)
            if id(method) in looping_builtin:
                self.count(looping_builtin[id(method)])

    def _student_code_starts(self, frame: FrameType) -> None:
        """Record what ``frame``, of the student's code, shows as it starts: a loop in
        disguise (recursion, :meth:`_note_repeated_call`), a loop in its bytecode
        (``LOOP_RAN``), the record switched off."""
        if self.watches_repetition:
            if _running_already(frame):
                self.count(RECURSION)
            called_by = self._student_caller(frame)
            if called_by is not None:
                self._note_repeated_call(frame, *called_by)
        # Whoever called it: the answer itself may be code the source check did not read
        # (bound to the task's name by a name built at run time, or defined under an `if`),
        # and the loops it did read it reported already.
        if self.watches_loops and _has_loop(frame.f_code):
            self.count(LOOP_RAN)
        if self.watches_switch_off and _recorders_disabled(self.operators):
            self.count(RECORD_OFF)

    def _compiled_for_the_student_starts(self, frame: FrameType) -> None:
        """Record a loop in ``frame`` (``LOOP_RAN``), which runs code a library compiled
        from a string for the student (``codeop``): whoever called it, as the answer
        itself may be such code. The code libraries make for themselves under a shared
        name (namedtuple's, dataclasses', under ``<string>``) has no loops."""
        if self.watches_loops and _has_loop(frame.f_code):
            self.count(LOOP_RAN)

    def _note_repeated_call(self, frame: FrameType, caller: FrameType, part: int) -> None:
        """Record a loop in disguise as ``frame``, of the student's code, starts, called
        by ``caller`` (see :meth:`_student_caller`): its function called before from the
        same instruction of the same frame (a callback of a builtin or a library, item by
        item), by the same ``part`` (an id; 0 for a plain function)."""
        sites = self._call_sites.setdefault(id(caller), Counter())
        site = (caller.f_lasti, frame.f_code, part)
        sites[site] += 1
        if sites[site] == 2:
            self.count(REPEATED_CALLBACK)

    def _note_library(self, module: object) -> None:
        """Record a call that student code made into ``module`` when it belongs to a
        library outside the course (``protocol.COURSE_LIBRARIES``)."""
        if isinstance(module, str) and not allowed_module(module):
            self.count(other_library_mark(module))

    def _student_caller(self, frame: FrameType) -> tuple[FrameType, int] | None:
        """The frame of student code that called ``frame``, through library frames and
        the course cells' functions, with the id of the part whose method ``frame`` runs
        when torch called it (0 otherwise); None when a probe's frame comes first, or a
        d2lutils frame when ``frame`` runs a method of a part (a trainer calling a
        model's ``training_step`` per batch starts it afresh, see ``FRAMEWORKS``)."""
        caller = frame.f_back
        part: object | None = None
        asked = False  # whether ``frame`` runs a part's method, asked once, when needed
        while caller is not None and not self.student_code.runs(caller.f_code):
            # A course cell's function that the student's code called runs for them.
            if caller.f_code.co_filename.startswith(PROBE_FILE_PREFIX):
                return None
            package = _package(caller)
            if package in FRAMEWORKS:
                if not asked:
                    part, asked = _part_running(frame), True
                if part is not None and package != "torch":
                    return None
            caller = caller.f_back
        return None if caller is None else (caller, id(part) if part is not None else 0)

    def _note_work_left_running(self) -> None:
        """Record threads and child processes alive now that were not before the
        notebook ran (``running_before``), if the rules watch for them."""
        now = RunningWork.now()
        if THREAD_LEFT_RUNNING in self.watch and now.threads > self.running_before.threads:
            self.count(THREAD_LEFT_RUNNING)
        if PROCESS_LEFT_RUNNING in self.watch and now.children - self.running_before.children:
            self.count(PROCESS_LEFT_RUNNING)

    def count(self, name: str) -> None:
        """Count one call of ``name`` (up to ``MAX_NAMES`` different names)."""
        if name in self.calls or len(self.calls) < MAX_NAMES:
            self.calls[name] += 1

    def __enter__(self) -> CallMonitor:
        autograd = torch_machinery().autograd
        # A private entry point that backward() and autograd.grad() both go through.
        engine = getattr(autograd, "_engine_run_backward")  # noqa: B009
        monitor = self

        def counting_engine(*args: Any, **kwargs: Any) -> Any:
            if monitor.from_student(_getframe(1)):
                monitor.autograd_runs += 1
            return engine(*args, **kwargs)

        self._engine = engine
        setattr(autograd, "_engine_run_backward", counting_engine)  # noqa: B010
        self._watch_calls()
        self._note_work_left_running()
        _listen_to_audit_events(self)
        function_recorder, operator_recorder = _recorder_classes(self)
        self._mode = function_recorder()
        self._mode.__enter__()
        if self.operators:
            self._dispatch_mode = operator_recorder()
            self._dispatch_mode.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        _listen_to_audit_events(None)
        self._note_work_left_running()
        try:
            if self._dispatch_mode is not None:
                self._dispatch_mode.__exit__(kind, error, trace)
                self._dispatch_mode = None
            self._mode.__exit__(kind, error, trace)
        except (RuntimeError, IndexError):  # torch's mode stacks emptied behind the record
            self.count(RECORD_OFF)
        finally:
            autograd = torch_machinery().autograd
            setattr(autograd, "_engine_run_backward", self._engine)  # noqa: B010
            _setprofile(self._previous_profile)
            self._call_sites.clear()

    def record(self) -> dict[str, Any]:
        """What crosses to the grader: call counts by name, and backward passes."""
        return {"calls": dict(self.calls), "autograd": self.autograd_runs}


def _private(name: str) -> bool:
    """Whether a part of the qualified ``name`` is private (``torch._prelu_kernel``,
    ``torch._C._nn.linear``); special methods (``__add__``) are not."""
    return any(
        part.startswith("_") and not (part.startswith("__") and part.endswith("__"))
        for part in name.split(".")
    )


def _recorder_classes(monitor: CallMonitor) -> tuple[Any, Any]:
    """The torch function mode and the dispatch mode that record for ``monitor``, built
    on torch's classes as the runner found them (:func:`torch_machinery`)."""
    function_mode, dispatch_mode = torch_machinery()[:2]

    class Recorder(function_mode):  # type: ignore[misc, valid-type]
        def __torch_function__(
            self, func: Any, types: Any, args: Any = (), kwargs: Any = None
        ) -> Any:
            caller = _getframe(1)
            if monitor.from_student(caller):
                name = qualified_name(func)
                monitor.count(name)
                monitor.torch_calls += 1
                if (
                    monitor.watches_private
                    and monitor.student_code.runs(caller.f_code)
                    and _private(name)
                ):
                    monitor.count(PRIVATE_TORCH)
            return func(*args, **(kwargs or {}))

    class OperatorRecorder(dispatch_mode):  # type: ignore[misc, valid-type]
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
            if monitor.from_student(_getframe(1)):
                monitor.count(func._schema.name)
            return func(*args, **(kwargs or {}))

    return Recorder, OperatorRecorder


_audit_listener: CallMonitor | None = None
_noting: StudentCode | None = None  # what the runner notes made code in between probes
_refusing_hooks = False


def _on_audit_event(event: str, args: tuple[Any, ...]) -> None:
    if _refusing_hooks:
        if event == "sys.addaudithook":
            # The interpreter then leaves the new hook out and drops this error.
            raise RuntimeError("the grader allows no other audit hook")
        if event in PATH_EVENTS and args and _into_the_process(args[0]):
            raise PermissionError(f"the grader does not let a notebook open {args[0]!r}")
    monitor = _audit_listener
    if event in MADE_CODE_EVENTS:
        student_code = _noting if monitor is None else monitor.student_code
        if student_code is not None:
            student_code.note_made_code(event, args, _getframe(1))
    if monitor is None or event not in monitor.audited:
        return
    caller = _getframe(1)
    if event in CODE_EVENTS:
        # Not what a module runs as it is imported, even on the student's first use of
        # something (torch imports a module the first time it prints a tensor).
        if monitor.student_code.made_for_them(caller):
            monitor.count(CODE_FROM_STRING)
    elif monitor.from_student(caller):
        monitor.count(event)


@functools.cache
def _audit_hook_added() -> bool:
    # Audit hooks cannot be removed: one per process, listening while a monitor is on.
    _addaudithook(_on_audit_event)
    return True


# The audit events that name a path first, and the paths that lead into this process:
# its file descriptors (a pipe reopened for writing) and its memory.
PATH_EVENTS = frozenset({"open", "os.chdir", "os.symlink", "os.link", "os.mkfifo"})
_PROCESS_PATH = re.compile(r"^/(proc/[^/]+(/task/[^/]+)?/(fd|fdinfo|mem|map_files)|dev/fd)(/|$)")


def _into_the_process(path: Any) -> bool:
    """Whether ``path`` (as an audit event gives it) leads into this process's file
    descriptors or memory."""
    if isinstance(path, int):
        return False
    try:
        name = os.fsdecode(path)
    except TypeError:
        return False
    if not os.path.isabs(name):  # the working directory is asked only when needed
        name = os.path.join(os.getcwd(), name)
    return bool(_PROCESS_PATH.match(os.path.normpath(name)))


def refuse_new_audit_hooks() -> None:
    """From now on, let no other audit hook be added and no path into this process be
    opened (the runner calls it before the notebook's first cell): a hook hears every
    event, a probe's source as the runner compiles it among them, and runs code out of
    the record's sight; ``/proc/self/fd`` reopens the pipe that holds the probes."""
    global _refusing_hooks
    _audit_hook_added()
    _refusing_hooks = True


def note_code_made_by(student_code: StudentCode) -> None:
    """From now on, take the code made by the student's code (audit events, see
    ``provenance``) as theirs, in ``student_code``: the runner calls it before the
    notebook's first cell."""
    global _noting
    _audit_hook_added()
    _noting = student_code


def _listen_to_audit_events(monitor: CallMonitor | None) -> None:
    """Send audit events to ``monitor`` from now on (None: to no one)."""
    global _audit_listener
    if monitor is not None and monitor.audited:
        _audit_hook_added()
    _audit_listener = monitor


def _running_children() -> list[int]:
    """The children of this process (of any of its threads) that are alive, not zombies."""
    try:
        threads = os.listdir("/proc/self/task")
    except OSError:  # no /proc: nothing to tell
        return []
    alive = []
    for thread in threads:
        try:
            with open(f"/proc/self/task/{thread}/children") as listing:
                children = listing.read().split()
        except OSError:
            continue
        for child in children:
            try:
                with open(f"/proc/{child}/stat") as stat:
                    state = stat.read().rpartition(")")[2].split()[0]
            except (OSError, IndexError):
                continue
            if state != "Z":
                alive.append(int(child))
    return alive
