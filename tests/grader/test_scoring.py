"""Comparison of plain values and points per task, in the grader's own process."""
from __future__ import annotations

import torch

from d2lgrade.inside.plain import to_plain
from d2lgrade.scoring import compare


def test_compare_checks_structure_kind_shape_and_values():
    a = to_plain(torch.tensor([1.0, 2.0]))
    assert compare(a, a) is None
    assert compare(to_plain(torch.tensor([1.0, 2.00001])), a) is None
    assert "values differ" in compare(to_plain(torch.tensor([1.0, 2.1])), a)
    assert "shape" in compare(to_plain(torch.tensor([1.0])), a)
    assert "int array" in compare(to_plain(torch.tensor([1, 2])), a)
    assert compare(True, True) is None and compare(1, True) is not None
    assert compare([1, 2], [1, 2, 3]) is not None
    assert compare({"a": 1.0}, {"a": 1.0 + 1e-9}) is None
    assert compare(float("nan"), float("nan")) is None
    assert compare("x", 1.0) is not None
