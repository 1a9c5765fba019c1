"""What a probe is handed: the answer, with a library's callable bound to the task's
name made the student's, so that the record sees what it does."""

from __future__ import annotations

import functools
import inspect
import operator

import torch

from d2lgrade.inside.monitor import CallMonitor
from d2lgrade.inside.provenance import StudentCode, cell_file
from d2lgrade.inside.runner import called_as_theirs


def compiled(source: str, filename: str) -> dict:
    namespace: dict = {"torch": torch}
    exec(compile(source, filename, "exec"), namespace)
    return namespace


PROBE = compiled(
    "def probe(softmax):\n    return softmax(torch.tensor([[1.0, 2.0], [0.0, 0.0]]))",
    "<hidden check probe>",
)["probe"]


def recorded(answer) -> dict:
    with CallMonitor(StudentCode([1])) as monitor:
        PROBE(answer)
    return monitor.record()["calls"]


def test_a_librarys_callable_bound_to_the_answers_name_works_as_the_students():
    student = StudentCode([1])
    for library_callable in (
        functools.partial(getattr(torch, "soft" + "max"), dim=1),
        operator.methodcaller("softmax", 1),
        torch.nn.Softmax(dim=1).forward,
    ):
        assert not recorded(library_callable), "no frame of the student's, nothing seen"
        handed = called_as_theirs(library_callable, student)
        assert handed is not library_callable
        assert handed.__wrapped__ is library_callable
        calls = recorded(handed)
        assert {"torch.softmax", "torch.Tensor.softmax", "torch.nn.functional.softmax"} & set(
            calls
        ), calls
        assert torch.equal(PROBE(handed), PROBE(library_callable))


def test_the_students_own_code_classes_and_values_are_handed_on_as_they_are():
    student = StudentCode([1])
    own = compiled(
        "def softmax(X):\n    return X.exp() / X.exp().sum(1, keepdim=True)\n"
        "class Model:\n    def __call__(self, X):\n        return X\n"
        "    def method(self, X):\n        return X\n",
        cell_file(1),
    )
    model = own["Model"]()
    for answer in (own["softmax"], own["Model"], model, model.method, 3, [1, 2], torch.nn.Linear):
        assert called_as_theirs(answer, student) is answer
    # the signature a probe may read is the answer's own
    rows = functools.partial(torch.nn.functional.softmax, dim=1)
    assert inspect.signature(called_as_theirs(rows, student)) == inspect.signature(rows)
