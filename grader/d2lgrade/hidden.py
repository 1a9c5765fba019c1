"""Hidden checks: probes written by the instructor, run against a notebook's namespace.

A probe is a function in ``solutions/<assignment>/hidden_checks.py``::

    from d2lgrade import probe

    @probe("softmax")                 # the task: grade_id of its test cell
    def softmax_on_large_logits(softmax):
        import torch
        return softmax(torch.tensor([[1000.0, 0.0]]))

Its parameters name objects of the notebook. The grader copies the function's source
into the notebook's process, calls it there, with the names of
``probekit.probe_namespace`` (``torch``, ``attempt``...) as its globals, and brings the
result back as plain data; the same probe run on the reference notebook gives the
expected value. A question whose answer is a value (a number, a shape, a letter) needs
no function: ``concept("steps", "answer_steps", as_=int)`` declares its probe.
"""

from __future__ import annotations

import ast
import builtins
import importlib.util
import inspect
import symtable
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import AssignmentError
from .inside.probekit import PROBE_GLOBALS
from .protocol import ProbeJob
from .rules import Rule, collecting, stop_collecting

_registry: list[Probe] | None = None


@dataclass(frozen=True)
class Probe:
    """One hidden check: the task it belongs to, its source and its tolerances."""

    task: str
    name: str
    params: tuple[str, ...]
    source: str
    rtol: float = 1e-4
    atol: float = 1e-6
    timeout: float = 30.0
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def job(self) -> ProbeJob:
        """What the in-sandbox runner needs to call this probe."""
        return ProbeJob(self.task, self.name, list(self.params), self.source, self.timeout)


def probe(
    task: str, *, rtol: float = 1e-4, atol: float = 1e-6, timeout: float = 30.0
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated function as a hidden check of ``task``."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        if _registry is None:
            return func  # imported outside load_probes: nothing to collect
        source = textwrap.dedent(inspect.getsource(func))
        tree = ast.parse(source)
        definition = tree.body[0]
        if not isinstance(definition, ast.FunctionDef):
            raise TypeError(f"@probe must decorate a plain function, not {func!r}")
        definition.decorator_list = []
        params = tuple(a.arg for a in definition.args.args)
        _refuse_letters_read_inside(func.__name__, definition, params)
        _register(Probe(task, func.__name__, params, ast.unparse(definition), rtol, atol, timeout))
        return func

    return register


def _register(new: Probe) -> None:
    assert _registry is not None
    _refuse_unknown_globals(new)
    if any(p.name == new.name for p in _registry):
        raise AssignmentError(f"two probes are named {new.name}: give one another name")
    _registry.append(new)


def _refuse_unknown_globals(new: Probe) -> None:
    """A probe runs in the sandbox with ``probekit.probe_namespace`` as its globals: a
    name of the hidden-checks file (a constant, a helper, an import at the top) would be
    missing there, and fail for every student alike. Refused here, at load time."""
    unknown: set[str] = set()
    tables = [symtable.symtable(new.source, f"<probe {new.name}>", "exec")]
    while tables:
        table = tables.pop()
        tables.extend(table.get_children())
        if table.get_type() == "module":
            continue
        unknown.update(
            s.get_name()
            for s in table.get_symbols()
            if s.is_global() and s.is_referenced() and not s.is_assigned()
        )
    unknown -= PROBE_GLOBALS | set(dir(builtins))
    if unknown:
        raise AssignmentError(
            f"probe {new.name} uses {', '.join(sorted(unknown))}, which the sandbox does "
            f"not define: import it inside the probe or take it as a parameter (what every "
            f"probe has: {', '.join(sorted(PROBE_GLOBALS))})"
        )


# How ``concept`` turns an answer into what is compared: the ``as_`` forms it accepts.
CONCEPT_FORMS: dict[Any, str] = {
    float: "float",
    int: "int",
    str: "text",
    "shape": "ints",
    "ints": "ints",
    "floats": "floats",
    "choice": "choice",
}


def concept(
    task: str,
    answer: str,
    *,
    as_: Any = float,
    question: str | None = None,
    case: str = "answer",
    rtol: float = 1e-4,
    atol: float = 1e-6,
    name: str | None = None,
) -> str:
    """Declare the probe of a question whose answer is one value of the notebook.

    ``answer`` names the notebook variable; ``as_`` says how it is compared: ``float``,
    ``int`` (a count: any other type differs), ``str``, ``"shape"`` or ``"ints"`` (a
    list of integers), ``"floats"``, or ``"choice"`` (a multiple-choice letter, read by
    the grader through the notebook's ``question`` object: see
    ``probekit.multiple_choice``). The answer is reported as the case ``case``. Returns
    the probe's name (``name``, default the task's id), for ``variants.per_student``.
    """
    if as_ not in CONCEPT_FORMS:
        raise AssignmentError(
            f"concept({task!r}): as_={as_!r} is not one of "
            + ", ".join(k if isinstance(k, str) else k.__name__ for k in CONCEPT_FORMS)
        )
    form = CONCEPT_FORMS[as_]
    if (form == "choice") != (question is not None):
        raise AssignmentError(
            f"concept({task!r}): give question=<the notebook's question object> exactly "
            'when as_="choice"'
        )
    name = name or task
    for identifier in (name, answer, question or answer):
        if not identifier.isidentifier():
            raise AssignmentError(f"concept({task!r}): {identifier!r} is not a Python name")
    params: tuple[str, ...]
    if question is not None:
        params, value = (question, answer), f"multiple_choice({question}, {answer})"
    else:
        params, value = (answer,), f"concept_value({form!r}, {answer})"
    source = f"def {name}({', '.join(params)}):\n    return {{{case!r}: {value}}}"
    if _registry is not None:
        _register(Probe(task, name, params, source, rtol, atol))
    return name


def _refuse_letters_read_inside(
    name: str, definition: ast.FunctionDef, params: tuple[str, ...]
) -> None:
    """A probe must not map a multiple-choice letter through the notebook's question
    (``question.choice(answer)``): the notebook controls that object and its environment.
    ``probekit.multiple_choice(question, answer)`` hands the letter to the grader instead."""
    for node in ast.walk(definition):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in ("choice", "order", "letter_for")
            and isinstance(node.value, ast.Name)
            and node.value.id in params
        ):
            raise AssignmentError(
                f"probe {name} reads a multiple-choice answer through the notebook's "
                f"{node.value.id}.{node.attr}: return "
                f"probekit.multiple_choice({node.value.id}, <the answer's name>) as a case "
                "instead, so that the grader maps the letter itself"
            )


def load_hidden_checks(path: Path) -> tuple[list[Probe], dict[str, list[Rule]]]:
    """Import a hidden-checks file: its probes in file order and each task's rules.

    A task with rules also gets the grader's own rule against tampering with checks.
    """
    global _registry
    spec = importlib.util.spec_from_file_location(f"_hidden_checks_{path.parent.name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import hidden checks from {path}")
    module = importlib.util.module_from_spec(spec)
    _registry = []
    declared = collecting()
    try:
        spec.loader.exec_module(module)
        return list(_registry), {task: r.all() for task, r in declared.items()}
    finally:
        _registry = None
        stop_collecting()


def experiment(
    task: str,
    results: str,
    numbers: dict[str, Any],
    *,
    figure: str | None = None,
    log_y: bool = False,
    rtol: float = 1e-4,
    atol: float = 1e-6,
) -> None:
    """Declare the probes of an experiment: the numbers it recorded and its figure.

    ``results`` names the notebook's dict of recorded numbers; ``numbers`` maps each
    case's name to a key of it, whose value (a number or a list of numbers, nested or
    not) is compared within ``rtol``/``atol``. ``figure`` names the notebook's
    matplotlib figure, compared by ``probekit.figure_summary`` (each plotted line's data
    within the same tolerance), and with ``log_y`` the scale of its y axes.
    """
    for identifier in (results, figure or results):
        if not identifier.isidentifier():
            raise AssignmentError(f"experiment({task!r}): {identifier!r} is not a Python name")
    cases = ", ".join(
        f"{case!r}: attempt(recorded, {results}, {key!r})" for case, key in numbers.items()
    )
    source = f"def {task}_numbers({results}):\n    return {{{cases}}}"
    if _registry is None:
        return
    _register(Probe(task, f"{task}_numbers", (results,), source, rtol, atol))
    if figure is not None:
        shown = f"'figure': attempt(figure_summary, {figure})"
        if log_y:
            shown += f", 'figure: y axis scales': attempt(y_scales, {figure})"
        source = f"def {task}_figure({figure}):\n    return {{{shown}}}"
        _register(Probe(task, f"{task}_figure", (figure,), source, rtol, atol))
