"""Hidden checks: probes written by the instructor, run against a notebook's namespace.

A probe is a function in ``solutions/<assignment>/hidden_checks.py``::

    from d2lgrade import probe

    @probe("softmax")                 # the task: grade_id of its test cell
    def softmax_on_large_logits(softmax):
        import torch
        return softmax(torch.tensor([[1000.0, 0.0]]))

Its parameters name objects of the notebook. The grader copies the function's source
into the notebook's process, calls it there and brings the result back as plain data;
the same probe run on the reference notebook gives the expected value.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import AssignmentError
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
        _registry.append(
            Probe(task, func.__name__, params, ast.unparse(definition), rtol, atol, timeout)
        )
        return func

    return register


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
