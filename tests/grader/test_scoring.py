"""Comparison of plain values by kind of difference, case groups, rules and partial credit."""

from __future__ import annotations

import torch

from d2lgrade.inside.plain import to_plain
from d2lgrade.inside.probekit import RAISED
from d2lgrade.protocol import ProbeEvent
from d2lgrade.scoring import case_outcomes, difference


def test_difference_names_the_kind_of_the_first_difference():
    a = to_plain(torch.tensor([1.0, 2.0]))
    assert difference(a, a) is None
    assert difference(to_plain(torch.tensor([1.0, 2.00001])), a) is None
    assert difference(to_plain(torch.tensor([1.0, 2.1])), a) == "value"
    assert difference(to_plain(torch.tensor([1.0])), a) == "shape"
    assert difference(to_plain(torch.tensor([1, 2])), a) == "dtype"
    assert difference(to_plain(torch.tensor([1.0, 2.0], dtype=torch.float64)), a) == "dtype"
    assert difference(True, True) is None and difference(1, True) == "type"
    assert difference([1, 2], [1, 2, 3]) == "length"
    assert (
        difference({"a": 1.0}, {"a": 1.0 + 1e-9}) is None
        and difference({"b": 1}, {"a": 1}) == "keys"
    )
    assert difference(float("nan"), float("nan")) is None
    assert difference("x", 1.0) == "type"


def test_raised_cases_compare_by_exception_type_only():
    raised = {RAISED: "ValueError"}
    assert difference(raised, raised) is None
    assert difference({RAISED: "TypeError"}, raised) == "exception type"
    assert difference(1.0, raised) == "no exception"
    assert difference(raised, 1.0) == "raised ValueError"


def test_each_case_of_a_probe_is_judged_on_its_own_and_a_stopped_probe_fails_them_all():
    expected = {"random": 1.0, "large": [1.0, 2.0], "float64": {RAISED: "TypeError"}}
    got = ProbeEvent(0, True, {"random": 1.0, "large": [1.0, 3.0], "float64": 5.0})
    kinds = {o.name: o.kind for o in case_outcomes("p", got, expected, 1e-4, 1e-6)}
    assert kinds == {"random": None, "large": "value", "float64": "no exception"}
    stopped = case_outcomes("p", ProbeEvent(0, False, error="NameError"), expected, 1e-4, 1e-6)
    assert all("NameError" in o.kind for o in stopped) and len(stopped) == 3
    single = case_outcomes("softmax_on_big_inputs", ProbeEvent(0, True, 2.0), 1.0, 1e-4, 1e-6)
    assert [(o.name, o.kind) for o in single] == [("softmax on big inputs", "value")]


def test_plotted_lines_are_compared_with_the_reference_runs_curves():
    from matplotlib.figure import Figure

    from d2lgrade.inside.probekit import figure_summary

    def figure(*curves: list[float]) -> dict:
        fig = Figure()
        ax = fig.add_subplot()
        for curve in curves:
            ax.plot(range(1, len(curve) + 1), curve)
        ax.set(xlabel="epoch", ylabel="loss")
        return figure_summary(fig)

    losses = [[2.0, 1.0, 0.5], [2.0, 0.4, 0.1]]
    reference = figure(*losses)
    # Within the numbers' tolerance: a run that differs in the last digits keeps it.
    close = figure(*([v * 1.01 for v in run] for run in losses))
    assert difference(close, reference, curves=(0.05, 0.0)) is None
    # Made-up curves with the right number of axes, lines and points do not.
    constant = figure([1.0, 1.0, 1.0], [1.0, 1.0, 1.0])
    assert difference(constant, reference, curves=(0.05, 0.0)) == "plotted data"
    swapped = figure(*reversed(losses))
    assert difference(swapped, reference, curves=(0.05, 0.0)) == "plotted data"
    assert difference(figure(losses[0]), reference) == "length"  # a line missing
    assert difference(figure(*losses[:1], [2.0, 0.4]), reference) == "points per line"
