"""The grader's code in the student's process, sealed before the notebook's first cell.

The runner, the call monitor and what they build on (torch's mode classes and tensor
type, ``json``, the builtins) live in the process that runs the student's cells, where
a cell can rebind any of it: ``CallMonitor.count = lambda self, name: None``, a
function's ``__code__`` swapped, ``json.dumps`` replaced, an attribute of the runner
itself. :func:`seal` remembers, before the first cell, which object each of those
names is bound to and what each of those functions runs; the runner asks
:func:`first_change` before each probe and before it reports one. A notebook that
changed the grader's own code earns nothing: what it reports cannot be trusted.

A seal is made of tuples, and :func:`first_change` takes everything it calls as
default arguments bound when this module was imported, so that a cell can change
neither what was remembered nor how it is compared (the runner checks those few
functions itself, see ``runner.run_job``). Identities are compared, so a check costs a
pass over a few thousand names; a module imported later, or anything the notebook does
to its own objects, breaks nothing.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Iterator
from types import FunctionType, ModuleType
from typing import Any, NamedTuple

GRADER_PACKAGE = __name__.split(".")[0]
# Modules whose names the grader's code looks up after the cells, besides its own.
# Their namespaces may gain names (a submodule imported later), but none may be rebound;
# the grader's own modules and classes, and the objects sealed with them, may gain none.
# (Not torch's or NumPy's top level: libraries rebind names there as they are imported,
# torch._dynamo its manual_seed, and the grader binds the few types it needs from them
# before any cell. A cell that rebinds a function a probe calls changes only its own
# results, which are compared with the reference's.)
BUILT_ON = (
    "builtins",
    "collections",
    "json",
    "json.encoder",
    "os",
    "signal",
    "torch._C",
    "torch.autograd",
    "torch.overrides",
    "torch.utils._python_dispatch",
)


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018 (an empty cell raises)
    except ValueError:
        return False
    return True


def function_state(
    func: FunctionType, _tuple: Any = tuple, _filled: Any = _filled
) -> tuple[Any, ...]:
    """What decides what ``func`` does and a notebook can set: its code, defaults and
    closure's contents, to compare by identity."""
    cells = _tuple(cell.cell_contents for cell in func.__closure__ or () if _filled(cell))
    return (func.__code__, func.__defaults__, func.__kwdefaults__, *cells)


def _functions_in(value: Any) -> Iterator[FunctionType]:
    """The Python functions a namespace entry runs: itself, or what a staticmethod,
    classmethod or property wraps, and the functions under its decorators."""
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if isinstance(value, property):
        for accessor in (value.fget, value.fset, value.fdel):
            yield from _functions_in(accessor)
        return
    for _ in range(10):  # a decorator chain, bounded
        if isinstance(value, FunctionType):
            yield value
            value = value.__dict__.get("__wrapped__")
        elif isinstance(value, functools._lru_cache_wrapper):
            value = value.__wrapped__
        else:
            return


class Namespace(NamedTuple):
    """A namespace as sealed: its name, the live mapping, its entries then, and whether
    it may gain entries."""

    name: str
    live: Any
    entries: tuple[tuple[str, Any], ...]
    open_to_new: bool


class Seal(NamedTuple):
    namespaces: tuple[Namespace, ...]
    functions: tuple[tuple[str, FunctionType, tuple[Any, ...]], ...]


def _namespaces(objects: dict[str, Any]) -> Iterator[Namespace]:
    """The grader's modules and their classes, ``objects`` (sealed closed, under the
    names given), ``BUILT_ON`` and torch's tensor and mode classes."""
    import torch
    from torch.overrides import TorchFunctionMode
    from torch.utils._python_dispatch import TorchDispatchMode

    def closed(name: str, space: Any) -> Namespace:
        return Namespace(name, space, tuple(space.items()), False)

    for name, module in list(sys.modules.items()):
        if not isinstance(module, ModuleType) or not (
            name == GRADER_PACKAGE or name.startswith(GRADER_PACKAGE + ".")
        ):
            continue
        yield closed(name, vars(module))
        for attribute, value in list(vars(module).items()):
            if inspect.isclass(value) and value.__module__ == name:
                yield closed(f"{name}.{attribute}", vars(value))
    for name, value in objects.items():
        yield closed(name, vars(value))
    for name in BUILT_ON:
        if name in sys.modules:
            space = vars(sys.modules[name])
            yield Namespace(name, space, tuple(space.items()), True)
    tensor_base = getattr(torch._C, "TensorBase", None) or torch._C._TensorBase
    classes = (torch.Tensor, tensor_base, torch.nn.Parameter, TorchFunctionMode, TorchDispatchMode)
    for built_on in classes:
        # closed: a new entry would hide an inherited one
        yield closed(f"{built_on.__module__}.{built_on.__qualname__}", vars(built_on))


def seal(objects: dict[str, Any]) -> Seal:
    """The grader's code and what it builds on as they are now, and the attributes of
    ``objects`` (the runner and its parts, by the names to report)."""
    namespaces = tuple(_namespaces(objects))
    functions = tuple(
        (f"{space.name}.{entry}", func, function_state(func))
        for space in namespaces
        for entry, value in space.entries
        for func in _functions_in(value)
    )
    return Seal(namespaces, functions)


_MISSING = object()
# What the interpreter itself adds to a module's namespace as its code runs: the record
# of the warnings issued there.
ADDED_BY_PYTHON = frozenset({"__warningregistry__"})


def _added(
    space: Namespace,
    _isinstance: Any = isinstance,
    _module: Any = ModuleType,
    _python: frozenset[str] = ADDED_BY_PYTHON,
) -> str | None:
    """An entry of ``space`` that was not there when sealed, other than a submodule
    imported since (the import system binds it in its package) and ``ADDED_BY_PYTHON``,
    or None."""
    known = {entry for entry, _ in space.entries}
    for entry, value in list(space.live.items()):
        if entry in known or entry in _python:
            continue
        if _isinstance(value, _module) and value.__name__ == f"{space.name}.{entry}":
            continue
        return str(entry)
    return None


def first_change(
    sealed: Seal,
    _len: Any = len,
    _zip: Any = zip,
    _state: Any = function_state,
    _added: Any = _added,
    _missing: Any = _MISSING,
) -> str | None:
    """The first name or function of ``sealed`` that changed since (dotted, as
    ``d2lgrade.inside.monitor.CallMonitor.count``), or None. Asked between probes:
    while one runs, the monitor rebinds a name of torch's for a while."""
    for space in sealed.namespaces:
        for entry, value in space.entries:
            if space.live.get(entry, _missing) is not value:
                return f"{space.name}.{entry}"
        if not space.open_to_new and _len(space.live) != _len(space.entries):
            added = _added(space)
            if added is not None:
                return f"{space.name}.{added}"
    for name, func, state in sealed.functions:
        now = _state(func)
        if _len(now) != _len(state):
            return name
        for then, current in _zip(state, now):
            if then is not current:
                return name
    return None


# What first_change runs: whoever asks it checks that these still run what they did.
CHECKING_FUNCTIONS = (first_change, function_state, _filled, _added)
