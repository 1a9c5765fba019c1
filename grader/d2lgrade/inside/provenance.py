"""Whose code a frame runs: the student's, the course's, a probe's or a library's.

The runner compiles cell ``i`` under the file name :func:`cell_file` ``(i)`` and each
probe under a name starting with ``PROBE_FILE_PREFIX``, so a frame's code names its
origin. Code can also be made while the notebook runs: compiled from a string (``exec``,
``eval``, ``compile``, by any name or library), a code object built or copied under
another file name (``types.CodeType``, ``code.replace``), unmarshalled bytes, a module
the notebook wrote and imported. The interpreter raises an audit event (PEP 578) for
each, whatever route made it. :class:`StudentCode` listens to them from before the
notebook's first cell and takes as the student's the code run on their behalf (object
by object) and any file name their code itself gave new code. So a name picked to pass
for a library's, a course cell's or the grader's own hides nothing: frames that carry
it count as the student's (the record sees the calls they make, the loops they run),
not as the code they imitate.
"""

from __future__ import annotations

import contextlib
import functools
import importlib._bootstrap
import importlib._bootstrap_external
import marshal
import os
import site
import sys
from collections.abc import Iterator
from types import CodeType, FrameType
from typing import Any

PROBE_FILE_PREFIX = "<hidden check "
COURSE_CELL_PREFIX = "<notebook cell "
# The audit events that make code; the ones raised by the import system are the
# student's only for a module file outside the installation (one the notebook wrote).
MADE_CODE_EVENTS = frozenset({"compile", "exec", "code.__new__", "marshal.loads"})
# How many objects of unmarshalled data are searched for code (bounds hostile data).
MAX_MARSHALLED_OBJECTS = 10_000
_marshal_loads = marshal.loads


def cell_file(index: int) -> str:
    """The file name the runner gives the code of cell ``index`` (see ``runner.py``)."""
    return f"{COURSE_CELL_PREFIX}{index}>"


def _installation_roots() -> tuple[str, ...]:
    """The folders that hold the interpreter, its libraries and the course's packages:
    a module imported from anywhere else was written by someone at run time."""
    import d2lutils

    folders = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    folders.update(site.getsitepackages())
    # the folders that hold the d2lutils and grader packages (this file is two below)
    folders.add(os.path.dirname(os.path.dirname(str(d2lutils.__file__))))
    folders.add(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    return tuple(os.path.join(os.path.realpath(f), "") for f in folders if f)


def _codes(value: Any, budget: list[int] | None = None) -> Iterator[CodeType]:
    """Every code object in ``value``: a code object and those nested in its constants
    (the functions and classes it defines), or a container of them (unmarshalled data),
    up to ``MAX_MARSHALLED_OBJECTS`` objects."""
    budget = [MAX_MARSHALLED_OBJECTS] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0:
        return
    if isinstance(value, CodeType):
        yield value
        children: Any = value.co_consts
    elif isinstance(value, (tuple, list, set, frozenset)):
        children = value
    elif isinstance(value, dict):
        children = list(value.values())
    else:
        return
    for child in children:
        yield from _codes(child, budget)


class StudentCode:
    """The student's code: their cells' (``student_cells``) and the code their code made
    while the notebook ran (:meth:`note_made_code`)."""

    def __init__(self, student_cells: list[int]) -> None:
        self.cell_files = frozenset(cell_file(i) for i in student_cells)
        # Read on every call the record sees: plain containers, grown in place.
        # File names all of whose code is the student's...
        self.files: set[str] = set(self.cell_files)
        # ...and code objects run on their behalf under a name other code shares
        # (``<string>``, which namedtuple and dataclasses use too), by id, kept alive.
        self.made: dict[int, CodeType] = {}
        # File names a library gave code it compiled for them, and may give its own too
        # (codeop, namedtuple): the record looks for loops in such code they run.
        self.compiled_for_them: set[str] = set()
        self._roots = _installation_roots()

    def runs(self, code: CodeType) -> bool:
        """Whether ``code`` is the student's."""
        return code.co_filename in self.files or id(code) in self.made

    def wrote(self, function: Any) -> bool:
        """Whether calling ``function`` runs the student's code: a function of theirs, a
        bound method or a partial of one, an object whose class's ``__call__`` is theirs."""
        while isinstance(function, functools.partial):
            function = function.func
        code = getattr(getattr(function, "__func__", function), "__code__", None)
        if code is None and callable(function):
            code = getattr(type(function).__call__, "__code__", None)
        return code is not None and self.runs(code)

    def owns(self, frame: FrameType | None) -> bool:
        """Whether the innermost frame of notebook or probe code around ``frame`` is the
        student's: library frames (torch, d2lutils) are looked through, while the
        course's own cells and the probe speak for themselves."""
        files, made = self.files, self.made
        while frame is not None:
            code = frame.f_code
            if code.co_filename in files or id(code) in made:
                return True
            if code.co_filename.startswith((PROBE_FILE_PREFIX, COURSE_CELL_PREFIX)):
                return False
            frame = frame.f_back
        return False

    def note_made_code(self, event: str, args: tuple[Any, ...], caller: FrameType) -> None:
        """Take the code that audit ``event`` (one of ``MADE_CODE_EVENTS``) made as the
        student's, when the student's code made it; ``caller`` raised the event.

        Code run (``exec``) on the student's behalf, by their code or a library it
        called (``timeit.Timer``, ``collections.namedtuple``), is theirs object by
        object, with the functions it defines. A file name their code itself gave new
        code (``compile``, ``code.replace``, unmarshalled code) is theirs whole, as is a
        module file from outside the installation that the import system ran for them.
        A file name a library gave code it compiled for them is noted apart
        (``compiled_for_them``).
        """
        direct = self.runs(caller.f_code)
        if not direct and _imports(caller):
            if event == "exec" and self.owns(caller):
                names = {code.co_filename for code in _codes(args[0])}
                self.files.update(name for name in names if self._written(name))
            return
        if event == "exec":
            if direct or self.made_for_them(caller):
                self.made.update((id(code), code) for code in _codes(args[0]))
        elif not direct:
            if event == "compile" and self.made_for_them(caller):
                self.compiled_for_them.add(_file_name(args[1]))
        elif event in ("compile", "code.__new__"):
            self.files.add(_file_name(args[1]))
        elif event == "marshal.loads":
            with contextlib.suppress(ValueError, EOFError, TypeError):  # then it made no code
                self.files.update(code.co_filename for code in _codes(_marshal_loads(args[0])))

    def made_for_them(self, caller: FrameType) -> bool:
        """Whether library code running in ``caller`` makes code at the student's
        request: the student's code called it, and not by importing a module (what a
        module makes as it is imported is its own)."""
        frame: FrameType | None = caller
        while frame is not None:
            if self.runs(frame.f_code):
                return True
            if _imports(frame) or frame.f_code.co_filename.startswith(
                (PROBE_FILE_PREFIX, COURSE_CELL_PREFIX)
            ):
                return False
            frame = frame.f_back
        return False

    def _written(self, filename: str) -> bool:
        """Whether ``filename`` is a file outside the installation (see
        :func:`_installation_roots`), made while the notebook ran."""
        if not os.path.isabs(filename):
            return False
        return not os.path.realpath(filename).startswith(self._roots)


# The import system's module namespaces, which no name of the notebook's can pose as.
_IMPORT_SYSTEM = (vars(importlib._bootstrap), vars(importlib._bootstrap_external))


def _imports(frame: FrameType) -> bool:
    """Whether ``frame`` runs the import system's own code."""
    return frame.f_globals is _IMPORT_SYSTEM[0] or frame.f_globals is _IMPORT_SYSTEM[1]


def _file_name(name: Any) -> str:
    """A file name as code carries it (``compile`` also takes bytes and paths)."""
    try:
        return os.fsdecode(name)
    except TypeError:
        return str(name)
