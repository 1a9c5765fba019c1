"""Hidden checks declared as data: concept and experiment probes, the probe namespace,
and the standard evasions of a forbidden name."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
import torch

from d2lgrade.errors import AssignmentError
from d2lgrade.evasions import BOUND, BUILT, DIRECT, HELPER, IMPORTED, evasions, out_of_sight
from d2lgrade.hidden import Probe, load_hidden_checks
from d2lgrade.inside.probekit import PROBE_GLOBALS, RAISED, probe_namespace


def load(tmp_path: Path, source: str) -> list[Probe]:
    path = tmp_path / "hidden_checks.py"
    path.write_text(textwrap.dedent(source))
    return load_hidden_checks(path)[0]


def run(probe: Probe, *args):
    """Call a loaded probe as the sandbox does: its source alone, with the namespace."""
    namespace = {"__builtins__": __builtins__, **probe_namespace()}
    exec(compile(probe.source, probe.name, "exec"), namespace)
    return namespace[probe.name](*args)


def test_the_namespace_holds_what_the_host_checks_against():
    assert set(probe_namespace()) == PROBE_GLOBALS


@pytest.mark.parametrize(
    ("form", "given", "compared"),
    [
        ("as_=float", 0.25, 0.25),
        ("as_=float", torch.tensor(0.5), 0.5),
        ("as_=float", "a half", {RAISED: "ValueError"}),
        ("as_=int", 12, 12),
        ("as_=int", 12.0, "not an int"),
        ("as_=int", True, "not an int"),
        ('as_="shape"', torch.Size([2, 3]), [2, 3]),
        ('as_="floats"', (1, 2.5), [1.0, 2.5]),
        ("as_=str", "softmax", "softmax"),
    ],
)
def test_a_concept_probe_compares_the_answer_in_its_form(tmp_path, form, given, compared):
    (probe,) = load(
        tmp_path,
        f"""
        from d2lgrade import concept
        concept("steps", "answer_steps", {form}, rtol=0.0, atol=1e-9)
        """,
    )
    assert (probe.task, probe.name, probe.params, probe.rtol) == (
        "steps",
        "steps",
        ("answer_steps",),
        0.0,
    )
    assert run(probe, given) == {"answer": compared}


def test_a_choice_concept_hands_the_letter_to_the_grader(tmp_path):
    (probe,) = load(
        tmp_path,
        """
        from d2lgrade import concept
        concept("pick", "answer_pick", as_="choice", question="pick_question", case="letter")
        """,
    )
    assert probe.params == ("pick_question", "answer_pick")
    (held,) = run(probe, object(), "B")["letter"].values()
    assert held["letter"] == "B"


@pytest.mark.parametrize(
    ("call", "complaint"),
    [
        ('concept("t", "answer_t", as_=list)', "is not one of"),
        ('concept("t", "answer_t", as_="choice")', "question="),
        ('concept("t", "answer_t", question="q")', "question="),
        ('concept("t", "answer t")', "not a Python name"),
        ('concept("t", "a")\nconcept("t", "b")', "two probes are named t"),
    ],
)
def test_a_wrong_concept_declaration_is_refused_with_the_reason(tmp_path, call, complaint):
    with pytest.raises(AssignmentError, match=complaint):
        load(tmp_path, "from d2lgrade import concept\n" + call)


def test_an_experiment_declares_its_numbers_and_its_figure(tmp_path):
    numbers, figure = load(
        tmp_path,
        """
        from d2lgrade import experiment
        experiment(
            "sweep",
            "sweep_results",
            {"rates": "lr", "final losses": "loss", "slope": "slope"},
            figure="sweep_figure",
            log_y=True,
            rtol=1e-3,
        )
        """,
    )
    assert (numbers.name, figure.name, figure.rtol) == ("sweep_numbers", "sweep_figure", 1e-3)
    results = {"lr": [0.1, 1], "loss": torch.tensor([[2.0], [0.5]]), "slope": torch.tensor(-1.5)}
    assert run(numbers, results) == {
        "rates": [0.1, 1.0],
        "final losses": [[2.0], [0.5]],
        "slope": -1.5,
    }
    fig, ax = plt.subplots()
    ax.semilogy([1, 2], [3.0, 4.0])
    ax.set(xlabel="epoch", ylabel="loss")
    shown = run(figure, fig)
    assert shown["figure: y axis scales"] == ["log"]
    assert shown["figure"]["lines"] == [[{"__curve__": {"x": [1.0, 2.0], "y": [3.0, 4.0]}}]]
    assert run(numbers, {"lr": [0.1]})["final losses"] == {RAISED: "KeyError"}


def test_a_probe_reading_a_global_of_the_file_is_refused_at_load(tmp_path):
    with pytest.raises(AssignmentError, match=r"probe cases uses SEED, which the sandbox"):
        load(
            tmp_path,
            """
            from d2lgrade import probe
            SEED = 3

            @probe("t")
            def cases(f):
                gen = torch.Generator().manual_seed(SEED)
                return {"x": attempt(f, torch.randn(2, generator=gen))}
            """,
        )


def test_a_probe_may_use_the_namespace_its_imports_and_nested_scopes(tmp_path):
    (probe,) = load(
        tmp_path,
        """
        from d2lgrade import probe

        @probe("t")
        def cases(f):
            import math

            class Doubled:
                factor = 2.0

            def twice(x):
                return Doubled.factor * f(x)

            return {"x": attempt(twice, math.pi), "rows": [twice(v) for v in (1.0, 2.0)]}
        """,
    )
    assert run(probe, lambda x: x + 1) == {"x": 2 * (torch.pi + 1), "rows": [4.0, 6.0]}


def test_evasions_reach_the_forbidden_callable_by_every_route():
    examples = evasions(
        "torch.nn.functional.softmax", "def answer(X):\n    return {name}(X, dim=1)"
    )
    assert list(examples) == [
        "torch.nn.functional.softmax",
        "torch.nn.functional.softmax bound to another name in another cell",
        "torch.nn.functional.softmax imported under another name in another cell",
        "torch.nn.functional.softmax in a helper in another cell",
        "torch.nn.functional.softmax by a name built at run time",
        "torch.nn.functional.softmax bound by a name built at run time in another cell",
    ]
    X = torch.randn(3, 4, generator=torch.Generator().manual_seed(0))
    for label, example in examples.items():
        cells = [example] if isinstance(example, str) else list(example)
        namespace = {"torch": torch}
        for cell in cells:
            exec(cell, namespace)
        assert torch.equal(namespace["answer"](X), torch.softmax(X, dim=1)), label
    runtime = examples["torch.nn.functional.softmax by a name built at run time"]
    assert 'getattr(torch.nn.functional, "sof" + "tmax")' in runtime


def test_evasions_of_another_package_import_it_where_they_name_it():
    import numpy as np

    examples = evasions("numpy.linalg.inv", "def answer(A):\n    return {name}(A)")
    assert len(examples) == 6
    A = np.array([[2.0, 0.0], [0.0, 4.0]])
    for label, example in examples.items():
        namespace: dict = {}  # a notebook that never imported numpy
        for cell in [example] if isinstance(example, str) else example:
            exec(cell, namespace)
        assert np.allclose(namespace["answer"](A), np.linalg.inv(A)), label


def test_evasions_only_the_routes_asked_for():
    examples = evasions(
        "torch.logsumexp", "def f(X):\n    return {name}(X, 1)", only=(DIRECT, BUILT)
    )
    assert list(examples) == ["torch.logsumexp", "torch.logsumexp by a name built at run time"]
    assert list(evasions("torch.Tensor.inverse", "{name}(A)", only=(IMPORTED, BOUND))) == [
        "torch.Tensor.inverse bound to another name in another cell"
    ]


def test_evasions_of_a_method_skip_the_import_and_honour_skip():
    examples = evasions(
        "torch.Tensor.inverse",
        "def answer(A):\n    return {name}(A)",
        skip=("in a helper in another cell",),
    )
    assert list(examples) == [
        "torch.Tensor.inverse",
        "torch.Tensor.inverse bound to another name in another cell",
        "torch.Tensor.inverse by a name built at run time",
        "torch.Tensor.inverse bound by a name built at run time in another cell",
    ]


@pytest.mark.parametrize(
    ("name", "template", "skip", "complaint"),
    [
        ("torch.softmax", "def answer(X):\n    return X", (), "has no {name}"),
        ("softmax", "{name}(X)", (), "dotted name"),
        ("torch.softmax", "{name}(X)", ("aliased",), "no route"),
        ("torch.softmax", "{name}(X)", (HELPER, "in a loop"), "no route"),
    ],
)
def test_evasions_refuse_what_they_cannot_generate(name, template, skip, complaint):
    with pytest.raises(AssignmentError, match=complaint):
        evasions(name, template, skip=skip)


# The worker thread of one route is ended by a SystemExit raised in it, which pytest reports.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_out_of_sight_routes_compute_the_answer_elsewhere_and_raise_its_errors():
    """Each route runs the forbidden callable in another thread or process, or in a
    helper whose code claims a file name not the student's, reached by names built at
    run time, and hands back its value or its exception."""
    import threading

    import numpy as np

    examples = out_of_sight("numpy.linalg.inv", "def answer(A):\n    return {name}(A)")
    assert list(examples) == [
        "numpy.linalg.inv in a thread",
        "numpy.linalg.inv in a forked process",
        "numpy.linalg.inv by a worker thread started in another cell",
        "numpy.linalg.inv in a helper whose code claims a hidden check's file name",
        "numpy.linalg.inv in a helper made from a string under a course cell's name",
    ]
    A = np.array([[2.0, 0.0], [0.0, 4.0]])
    running = set(threading.enumerate())
    namespaces: dict[str, dict] = {}
    for label, (helpers, answer) in examples.items():
        assert "threading" not in helpers and "os.fork" not in helpers, label  # names built
        assert '"inv"' not in helpers and "'inv'" not in helpers, label
        namespace = namespaces[label] = {}
        exec(helpers, namespace)
        exec(answer, namespace)
        assert np.allclose(namespace["answer"](A), np.linalg.inv(A)), label
        with pytest.raises(np.linalg.LinAlgError):
            namespace["answer"](np.zeros((2, 2)))

    class Stop:
        def __iter__(self):
            raise SystemExit  # ends the worker's thread quietly

    namespaces["numpy.linalg.inv by a worker thread started in another cell"]["jobs_inv"].put(
        Stop()
    )
    for worker in set(threading.enumerate()) - running:
        worker.join(10)
        assert not worker.is_alive()
    with pytest.raises(AssignmentError, match=r"has no \{name\}"):
        out_of_sight("torch.softmax", "def answer(X):\n    return X")
