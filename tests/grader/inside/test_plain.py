"""The in-sandbox half of plain data: what a probe's result may become."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from d2lgrade.inside.plain import to_plain


def test_to_plain_accepts_only_plain_types():
    plain = to_plain([1, 2.5, True, None, "s", {"k": torch.tensor([[1, 2]])}, np.float32(0.5)])
    assert plain[5]["k"] == {
        "__array__": {"kind": "int", "dtype": "int64", "shape": [1, 2], "data": [1, 2]}
    }
    assert plain[6] == 0.5
    # a named tuple is a tuple, whatever its class says its items are
    Pair = __import__("collections").namedtuple("Pair", "low high")
    forged = type("Forged", (Pair,), {"__iter__": lambda self: iter([0.0, 0.0])})
    assert to_plain(Pair(1.0, torch.tensor(2))) == to_plain([1.0, torch.tensor(2)])
    assert to_plain(forged(1.0, 2.0)) == [1.0, 2.0]
    with pytest.raises(TypeError):
        to_plain(Pair(type("F", (float,), {})(1.0), 2.0))
    for bad in [
        object(),
        type("F", (float,), {})(1.0),
        torch.tensor([1.0]).as_subclass(type("T", (torch.Tensor,), {})),
        {1: 2},
        {"__array__": 1},
    ]:
        with pytest.raises(TypeError):
            to_plain(bad)
