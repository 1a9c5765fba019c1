"""Helpers that hidden checks import inside the sandbox (one copy for every exercise).

A probe returns a dict of named cases; the grader compares each case with the
reference on its own and tells the student which cases failed and how (shape, dtype,
value, exception type), never the inputs. These helpers build such cases, and every
probe finds them already defined, with ``torch``, ``nn``, ``F``, ``np`` and ``d2l``
(:func:`probe_namespace`)::

    @probe("softmax")
    def softmax_cases(softmax):
        X = torch.randn(8, 10, generator=torch.Generator().manual_seed(1)) * 5
        return {
            "random logits": attempt(softmax, X),
            "float64": attempt(softmax, X.double()),
            "input not modified": keeps_inputs(softmax, X),
        }
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from ..protocol import CURVE, MULTIPLE_CHOICE, RAISED


def attempt(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``func(*args, **kwargs)``, or ``{"__raised__": "<exception type>"}`` if it raised.

    One failing case then does not hide the others.
    """
    try:
        return func(*args, **kwargs)
    except Exception as err:  # the student's code may raise anything
        return {RAISED: type(err).__name__}


def _snapshot(value: Any) -> Any:
    clone = getattr(value, "clone", None) or getattr(value, "copy", None)
    return clone() if callable(clone) else value


def _same(a: Any, b: Any) -> bool:
    import torch

    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return a.dtype == b.dtype and a.shape == b.shape and bool(torch.equal(a, b))
    try:
        import numpy as np

        if isinstance(a, np.ndarray):
            return bool(np.array_equal(a, b))
    except ImportError:
        pass
    return bool(a == b)


def keeps_inputs(func: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
    """Whether calling ``func`` leaves every tensor or array argument as it was."""
    before = [_snapshot(a) for a in args]
    attempt(func, *args, **kwargs)
    return all(_same(a, b) for a, b in zip(args, before))


def multiple_choice(question: Any, answer: Any) -> dict[str, Any]:
    """A multiple-choice answer as the grader reads it: the letter, as given.

    The grader maps the letter to a choice in its own process, from the id the notebook
    was submitted under and the question as the reference notebook defines it; never
    through the notebook's objects or environment. The question's id, choices and order
    as the notebook holds them come along only so that the grader notices a notebook
    that changed them (or the grading id): such an answer loses the question. Use it as
    a case of its own: ``{"answer": multiple_choice(view_or_copy, answer_view_or_copy)}``.
    """
    try:
        held: Any = {
            "question": str(question.question_id),
            "choices": [str(c) for c in question.choices],
            "shown": [str(c) for c in question.order()],
        }
    except Exception as err:  # a notebook may have replaced the question with anything
        held = {RAISED: type(err).__name__}
    letter = answer if isinstance(answer, str) else f"<{type(answer).__name__}>"
    return {MULTIPLE_CHOICE: {"letter": letter[:100], "notebook": held}}


def dtype_and_shape(value: Any) -> Any:
    """``[dtype name, shape]`` of a tensor or array (or the raised marker as it is)."""
    if isinstance(value, dict) and RAISED in value:
        return value
    return [str(value.dtype).replace("torch.", ""), list(value.shape)]


class CallCounter:
    """Wraps a function to count its calls and notice gradients flowing through its outputs.

    Lets a probe tell autograd from finite differences: autograd evaluates ``f`` a
    few times and backpropagates through its output; differences call it many
    times and never backpropagate.
    """

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.calls = 0
        self.backpropagated = False

    def _mark(self, grad: Any) -> Any:
        self.backpropagated = True
        return grad

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        import torch

        self.calls += 1
        out = self.func(*args, **kwargs)
        if isinstance(out, torch.Tensor) and out.requires_grad:
            out.register_hook(self._mark)  # type: ignore[no-untyped-call]
        return out


def _numbers(values: Any) -> list[Any]:
    """Plotted coordinates as floats (as text where they are not numbers)."""
    import numpy as np

    try:
        return [float(v) for v in np.asarray(values, dtype=float).ravel()]
    except (TypeError, ValueError):
        return [str(v) for v in np.asarray(values, dtype=object).ravel()]


def figure_summary(fig: Any) -> Any:
    """What a probe compares of an experiment's figure: its axes, the data of every line
    and the axis labels.

    ``{"axes": n, "lines": [[line, ...] per axes], "labelled": bool}``, where each line is
    ``{"__curve__": {"x": [...], "y": [...]}}``: the grader compares the plotted data
    with the reference run's, line by line in drawing order, within the loosest
    tolerance of the task's probes (the one its recorded numbers are compared with), so a
    figure must show the runs it claims. The type of what was given when it is no
    matplotlib figure.
    """
    from matplotlib.figure import Figure

    if not isinstance(fig, Figure):
        return {"not a figure": type(fig).__name__}
    axes = fig.get_axes()
    return {
        "axes": len(axes),
        "lines": [
            [
                {CURVE: {"x": _numbers(line.get_xdata()), "y": _numbers(line.get_ydata())}}
                for line in ax.get_lines()
            ]
            for ax in axes
        ],
        "labelled": all(ax.get_xlabel().strip() and ax.get_ylabel().strip() for ax in axes),
    }


def concept_value(kind: str, answer: Any) -> Any:
    """A concept question's answer in the form the grader compares (``hidden.concept``).

    ``float``: the number; ``int``: the integer, or ``"not an int"`` for any other type
    (a count); ``text``: the string; ``ints`` and ``floats``: the list of numbers (a shape,
    counts, rates); ``choice`` is read by :func:`multiple_choice`. An answer that cannot be
    converted gives the raised marker, so the student reads "raised TypeError".
    """
    if kind == "int":
        return answer if type(answer) is int else "not an int"
    converters: dict[str, Callable[[Any], Any]] = {
        "float": float,
        "text": str,
        "ints": lambda values: [int(v) for v in values],
        "floats": lambda values: [float(v) for v in values],
    }
    return attempt(converters[kind], answer)


def recorded(results: Any, key: Any) -> Any:
    """``results[key]`` as floats: a number, or a list (of lists) of numbers, as an
    experiment's dict of recorded numbers holds them (``hidden.experiment``)."""

    def floats(value: Any) -> Any:
        if getattr(value, "ndim", None) == 0 or not hasattr(value, "__iter__"):
            return float(value)
        return [floats(v) for v in value]

    return floats(results[key])


def y_scales(fig: Any) -> list[str]:
    """The scale of each axes' y axis (``"linear"``, ``"log"``)."""
    return [ax.get_yscale() for ax in fig.get_axes()]


# The modules every probe finds imported, by the name it uses (imported in the sandbox
# only: the host that loads the hidden checks need not import torch).
PROBE_MODULES = {
    "torch": "torch",
    "nn": "torch.nn",
    "F": "torch.nn.functional",
    "np": "numpy",
    "d2l": "d2lutils",
}
# The helpers every probe finds defined.
PROBE_HELPERS: dict[str, Any] = {
    "attempt": attempt,
    "keeps_inputs": keeps_inputs,
    "multiple_choice": multiple_choice,
    "dtype_and_shape": dtype_and_shape,
    "CallCounter": CallCounter,
    "figure_summary": figure_summary,
    "concept_value": concept_value,
    "recorded": recorded,
    "y_scales": y_scales,
    "RAISED": RAISED,
}
# What probe_namespace provides (the host checks probes against it when it loads them).
PROBE_GLOBALS = frozenset(PROBE_MODULES) | frozenset(PROBE_HELPERS)


def probe_namespace() -> dict[str, Any]:
    """The globals every probe runs with: the modules and helpers all probes use.

    A probe's body is copied into the notebook's process and run in a fresh namespace
    (never the notebook's, whose names a student may have rebound); these names are
    in it, so a probe need not import them. ``hidden.probe`` refuses at load time a
    probe that reads any other global.
    """
    modules = {name: importlib.import_module(module) for name, module in PROBE_MODULES.items()}
    return {**modules, **PROBE_HELPERS}
