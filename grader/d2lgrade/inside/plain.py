"""Plain data: what a probe's result becomes before it leaves the student's process.

Only JSON-representable values cross: numbers, strings, booleans, None, lists, dicts
with string keys, and arrays encoded as ``{"__array__": {...}}``. Nothing from student
code is ever unpickled; the grader compares these plain values in its own process
(``d2lgrade.scoring``), so an object with a forged ``__eq__`` cannot pass a check.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..protocol import ARRAY_KEY

_KINDS = {"b": "bool", "i": "int", "u": "int", "f": "float"}
# The types to_plain takes, bound when the runner imports it (before any cell), not
# looked up in modules a cell could rebind (see seal.py).
_NUMPY_SCALAR, _NUMPY_ARRAY = np.generic, np.ndarray
_TENSORS = (torch.Tensor, torch.nn.Parameter)
_BFLOAT16 = torch.bfloat16
# A list's and a tuple's own iteration, which a subclass (a named tuple) cannot override
# (names of a sealed module, not a dict a cell could refill).
_LIST_ITEMS, _TUPLE_ITEMS = list.__iter__, tuple.__iter__


def encode_array(dtype_kind: str, dtype: str, shape: list[int], data: list[Any]) -> dict[str, Any]:
    """The plain form of an array: its kind (bool/int/float), exact dtype, shape and flat values."""
    return {ARRAY_KEY: {"kind": dtype_kind, "dtype": dtype, "shape": shape, "data": data}}


def to_plain(value: Any, depth: int = 0) -> Any:
    """Convert a probe's return value to plain data; raise ``TypeError`` for anything else.

    Runs inside the student's process. Exact type checks (not ``isinstance``) keep
    subclasses with overridden methods out; a subclass of list or tuple (a named tuple)
    is read through the base type's own iteration, item by item.
    """
    if depth > 20:
        raise TypeError("result is nested more than 20 levels deep")
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value
    if kind in (list, tuple):
        return [to_plain(v, depth + 1) for v in value]
    if issubclass(kind, tuple) or issubclass(kind, list):
        # A named tuple is a tuple: its items, read as the base type stores them.
        items = _TUPLE_ITEMS(value) if issubclass(kind, tuple) else _LIST_ITEMS(value)
        return [to_plain(v, depth + 1) for v in items]
    if kind is dict:
        if not all(type(k) is str for k in value):
            raise TypeError("dict results must have str keys")
        if ARRAY_KEY in value:
            raise TypeError(f"dict key {ARRAY_KEY!r} is reserved")
        return {k: to_plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, _NUMPY_SCALAR) and type(value).__module__ == "numpy":
        return to_plain(value.item(), depth + 1)
    if kind is _NUMPY_ARRAY:
        array, dtype = value, str(value.dtype)
    else:
        if kind not in _TENSORS:
            raise TypeError(f"cannot send a {kind.__module__}.{kind.__qualname__} to the grader")
        dtype = str(value.dtype).removeprefix("torch.")
        if value.dtype == _BFLOAT16:  # numpy has no bfloat16
            value = value.float()
        array = value.detach().cpu().resolve_conj().numpy()
    if array.dtype.kind not in _KINDS:
        raise TypeError(f"arrays of dtype {array.dtype} are not supported")
    return encode_array(_KINDS[array.dtype.kind], dtype, list(array.shape), array.ravel().tolist())
