"""What a task's answer refers to, read from the submitted source in the grader's process.

Nothing here runs student code: the cells are parsed with ``ast`` as IPython runs them
(its own syntax, ``%magic``, ``x = !cmd``, ``obj?``, turned into the calls it makes, and
the code a magic gets as text, ``%%time``'s body, read too). Names are resolved
to qualified names (``torch.nn.functional.softmax``) through ``import ... as``,
``from ... import``, aliases assigned anywhere in the notebook (``sm = torch.softmax``,
``f = getattr(F, "softmax")``) and attribute chains. A method called on an object whose
type the analysis cannot know is ``?.name``. The answer includes every function or
class of the notebook that it calls, transitively, wherever it was defined, so a
forbidden call cannot hide in a helper in another cell.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import threading
from collections import Counter
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

UNKNOWN = "?"
# CPython 3.11's AST constructor is not safe to run from several threads at once
# ("AST constructor recursion depth mismatch"), and the grader grades on threads.
_PARSING = threading.Lock()
# Builtins that run code given as text, which no static reading can follow.
BUILTINS_THAT_RUN_CODE = ("eval", "exec", "compile", "__import__")
# Builtins that call a function once per element: loops without the keyword.
LOOPING_BUILTINS = ("map", "filter")
# Calls that make a function which calls another once per element: a name bound to what
# they made (``eq = np.frompyfunc(operator.eq, 2, 1)``) stands for them.
LOOPING_FACTORIES = ("numpy.frompyfunc", "numpy.vectorize")
# Modules that the course's libraries hand on under another name: d2lutils' namespace
# (d2lutils.MODULES: d2l.np, d2l.F...; a test keeps the two in step) and the ``np`` that
# hundreds of library modules import (plt.np, torch.functional.np). A name reached
# through one (d2l.np.dot, plt.np.dot) is the module's own (numpy.dot).
REEXPORTED_MODULES = {
    "d2lutils.torch": "torch",
    "d2lutils.nn": "torch.nn",
    "d2lutils.F": "torch.nn.functional",
    "d2lutils.np": "numpy",
    "d2lutils.plt": "matplotlib.pyplot",
    "d2lutils.pd": "pandas",
    "d2lutils.torchvision": "torchvision",
    "d2lutils.transforms": "torchvision.transforms",
}
REEXPORTED_EVERYWHERE = {"np": "numpy", "torch": "torch"}


@dataclass
class AnswerScan:
    """The qualified names an answer refers to (with counts) and its Python loops: ``for``
    and ``while``, comprehensions and functions that call themselves."""

    references: Counter[str] = field(default_factory=Counter)
    loops: int = 0
    # Why the student's code could not be read although the kernel may run it (a cell
    # that nests too deeply): then no rule of the task can be checked from the source.
    unread: str | None = None


class _Notebook:
    """Aliases collected from every code cell, in order; definitions of functions and
    classes from the student's cells only (``student_cells``; all when None): the
    course's own code is the course's, even when an answer calls into it."""

    def __init__(self, sources: list[str], student_cells: list[int] | None = None) -> None:
        self.student = set(range(len(sources)) if student_cells is None else student_cells)
        self.aliases: dict[str, str] = {}
        self.definitions: dict[str, list[ast.AST]] = {}
        self.methods: set[str] = set()  # names of functions defined in a class body
        self.trees: list[ast.Module | None] = []
        self.unread: list[int] = []
        for index, source in enumerate(sources):
            try:
                with _PARSING:
                    tree = _parse_cell(source)
            except (SyntaxError, ValueError):
                # The kernel cannot compile it either, so the cell defines nothing.
                self.trees.append(None)
                continue
            except (RecursionError, MemoryError):
                # A kernel whose recursion limit an earlier cell raised may compile it.
                self.trees.append(None)
                if index in self.student:
                    self.unread.append(index)
                continue
            self.trees.append(tree)
            self._collect(tree, index in self.student)
        # Aliases of aliases (f = F; g = f.softmax) settle after a few passes.
        for _ in range(5):
            before = dict(self.aliases)
            for parsed in self.trees:
                if parsed is not None:
                    self._collect_assignments(parsed)
            if before == self.aliases:
                break

    def _collect(self, tree: ast.AST, student: bool) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.aliases[alias.asname] = alias.name
                    else:
                        top = alias.name.split(".")[0]
                        self.aliases[top] = top
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if alias.name != "*":
                        self.aliases[alias.asname or alias.name] = _canonical(
                            node.module, alias.name
                        )
            elif (
                isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and student
            ):
                self.definitions.setdefault(node.name, []).append(node)
                if isinstance(node, ast.ClassDef):
                    self.methods.update(
                        item.name
                        for item in node.body
                        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                    )
        self._collect_assignments(tree)

    def _collect_assignments(self, tree: ast.AST) -> None:
        for node in ast.walk(tree):
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                targets, value = [node.target], node.value
            if value is None:
                continue
            if isinstance(value, ast.Lambda):
                for target in targets:
                    if isinstance(target, ast.Name):
                        self.definitions.setdefault(target.id, []).append(value)
                continue
            if isinstance(value, ast.Call) and self.qualify(value.func) in LOOPING_FACTORIES:
                value = value.func  # what it makes loops as its maker does
            qualified = self.qualify(value)
            if qualified is None or qualified.startswith(UNKNOWN):
                continue
            for target in targets:
                if isinstance(target, ast.Name):
                    self.aliases[target.id] = qualified
                elif isinstance(target, ast.Attribute):
                    self.aliases[f"{UNKNOWN}.{target.attr}"] = qualified

    def qualify(self, node: ast.expr) -> str | None:
        """The qualified name ``node`` refers to, ``?.attr`` for unknown bases, else None."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualify(node.value)
            if base is None or base.startswith(UNKNOWN):
                return self.aliases.get(f"{UNKNOWN}.{node.attr}", f"{UNKNOWN}.{node.attr}")
            return _canonical(base, node.attr)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            base = self.qualify(node.args[0])
            attr = node.args[1].value
            return (
                f"{UNKNOWN}.{attr}"
                if base is None or base.startswith(UNKNOWN)
                else _canonical(base, attr)
            )
        return None


def _canonical(base: str, attr: str) -> str:
    """The qualified name of ``base.attr``, a module handed on under another name
    (``REEXPORTED_MODULES``, ``REEXPORTED_EVERYWHERE``) named as itself."""
    name = f"{base}.{attr}"
    return REEXPORTED_MODULES.get(name) or REEXPORTED_EVERYWHERE.get(attr) or name


@functools.cache
def _ipython_syntax() -> Any:
    """IPython's transformer of its own syntax into Python, made once."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()


def _parse_cell(source: str, depth: int = 0) -> ast.Module:
    """The code a cell runs in the kernel: IPython's syntax turned into the calls IPython
    makes (a cell that ``ast`` alone cannot read would otherwise hide its code from the
    rules), followed by the Python that its magics get as text (``%%time``'s body,
    ``%timeit``'s statement). Raises what ``ast.parse`` raises for the cell itself."""
    python: str = _ipython_syntax().transform_cell(source)
    tree = ast.parse(python)
    if depth < 3:
        for text in _magic_texts(tree):
            # Text that is not Python (%%bash, %pip install) IPython runs otherwise.
            with contextlib.suppress(SyntaxError, ValueError):
                tree.body.extend(_parse_cell(text, depth + 1).body)
    return tree


def _magic_texts(tree: ast.Module) -> list[str]:
    """The text arguments of ``get_ipython().run_line_magic`` / ``run_cell_magic`` calls."""
    texts = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("run_line_magic", "run_cell_magic")
            and isinstance(node.func.value, ast.Call)
            and isinstance(node.func.value.func, ast.Name)
            and node.func.value.func.id == "get_ipython"
            and node.args
            and isinstance(node.args[-1], ast.Constant)
            and isinstance(node.args[-1].value, str)
        ):
            texts.append(node.args[-1].value)
    return texts


def _references(
    node: ast.AST, notebook: _Notebook, scan: AnswerScan, called: set[str], walked: set[int]
) -> None:
    """Add what ``node`` refers to and its loops to ``scan``, and the notebook's functions
    it uses to ``called``; ``walked`` holds the ids of nodes already counted."""
    if id(node) in walked:
        return
    for child in ast.walk(node):
        walked.add(id(child))
        if isinstance(
            child,
            (
                ast.For,
                ast.AsyncFor,
                ast.While,
                ast.ListComp,
                ast.SetComp,
                ast.DictComp,
                ast.GeneratorExp,
            ),
        ):
            scan.loops += 1
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and _calls_itself(child):
            scan.loops += 1
        if isinstance(child, (ast.BinOp, ast.AugAssign)) and isinstance(child.op, ast.MatMult):
            scan.references["@"] += 1
        if isinstance(child, ast.Name):
            if child.id in notebook.aliases:
                scan.references[notebook.aliases[child.id]] += 1
            elif child.id in BUILTINS_THAT_RUN_CODE + LOOPING_BUILTINS:
                scan.references[child.id] += 1
            if child.id in notebook.definitions:
                called.add(child.id)
        elif isinstance(child, ast.Attribute):
            qualified = notebook.qualify(child)
            if child.attr in notebook.methods and (
                qualified is None or qualified.startswith(UNKNOWN)
            ):
                # ``obj.name`` on an object of unknown type, where a class of the notebook
                # defines a method ``name``: taken for that method, which is scanned as
                # such (run time still sees a tensor method of the same name).
                called.add(child.attr)
            elif qualified is not None:
                scan.references[qualified] += 1
        elif isinstance(child, ast.Call):
            qualified = notebook.qualify(child)
            if qualified is not None:
                scan.references[qualified] += 1


def _calls_itself(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the function calls its own name (``f(...)`` or ``self.f(...)``): recursion.
    A method of the same name on another object (``torch.sparse.softmax`` inside
    ``softmax``, ``t.mean()`` inside ``mean``) is not; recursion the source hides is seen
    at run time."""
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            callee = node.func
            if (isinstance(callee, ast.Name) and callee.id == function.name) or (
                isinstance(callee, ast.Attribute)
                and callee.attr == function.name
                and isinstance(callee.value, ast.Name)
                and callee.value.id in ("self", "cls")
            ):
                return True
    return False


def scan_answer(
    sources: list[str],
    answer_cells: list[int],
    roots: AbstractSet[str] = frozenset(),
    student_cells: list[int] | None = None,
) -> AnswerScan:
    """Scan a task's answer: the cells at ``answer_cells`` of the notebook whose code cells
    are ``sources``, the definitions of the names in ``roots`` (what the task's probes
    call) made in ``student_cells``, and every function or class they use, wherever
    it is defined.
    """
    notebook = _Notebook(sources, student_cells)
    scan = AnswerScan()
    if notebook.unread:
        first_line = sources[notebook.unread[0]].strip().splitlines()[0]
        begins = first_line if len(first_line) <= 40 else first_line[:37] + "..."
        scan.unread = (
            f"the grader cannot read your cell that begins {begins!r}: its code nests too "
            "deeply (a very long expression); split it into shorter statements"
        )
    called: set[str] = set()
    walked: set[int] = set()
    for index in answer_cells:
        tree = notebook.trees[index]
        if tree is not None:
            _references(tree, notebook, scan, called, walked)
    student = set(range(len(sources)) if student_cells is None else student_cells)
    for index in sorted(student - set(answer_cells)):
        tree = notebook.trees[index]
        if tree is not None and _defines(tree, roots):
            _references(tree, notebook, scan, called, walked)
    seen: set[str] = set()
    while called - seen:
        name = sorted(called - seen)[0]
        seen.add(name)
        for definition in notebook.definitions.get(name, []):
            _references(definition, notebook, scan, called, walked)
    return scan


def _defines(tree: ast.Module, names: AbstractSet[str]) -> bool:
    """Whether the cell binds one of ``names`` at its top level (def, class, assignment, import)."""
    for node in tree.body:
        if (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node.name in names
        ):
            return True
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, (ast.AnnAssign, ast.AugAssign))
            else []
        )
        if any(isinstance(t, ast.Name) and t.id in names for t in targets):
            return True
        if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
            (a.asname or a.name.split(".")[0]) in names for a in node.names
        ):
            return True
    return False
