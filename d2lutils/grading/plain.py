"""Plain data: what may cross from a student's process to the grader, and how it is compared.

Only JSON-representable values cross: numbers, strings, booleans, None, lists, dicts
with string keys, and arrays encoded as ``{"__array__": {...}}``. Nothing from student
code is ever unpickled, and comparison runs in the grader's process on these plain
values, so an object with a forged ``__eq__`` cannot pass a check.
"""
from __future__ import annotations

import math
from typing import Any

ARRAY_KEY = "__array__"
_KINDS = {"b": "bool", "i": "int", "u": "int", "f": "float"}


def encode_array(dtype_kind: str, shape: list[int], data: list[Any]) -> dict[str, Any]:
    """The plain form of an array: its kind (bool/int/float), shape and flat values."""
    return {ARRAY_KEY: {"kind": dtype_kind, "shape": shape, "data": data}}


def to_plain(value: Any, depth: int = 0) -> Any:
    """Convert a probe's return value to plain data; raise ``TypeError`` for anything else.

    Runs inside the student's process. Exact type checks (not ``isinstance``) keep
    subclasses with overridden methods out.
    """
    import numpy as np

    if depth > 20:
        raise TypeError("result is nested more than 20 levels deep")
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value
    if kind in (list, tuple):
        return [to_plain(v, depth + 1) for v in value]
    if kind is dict:
        if not all(type(k) is str for k in value):
            raise TypeError("dict results must have str keys")
        if ARRAY_KEY in value:
            raise TypeError(f"dict key {ARRAY_KEY!r} is reserved")
        return {k: to_plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, np.generic) and type(value).__module__ == "numpy":
        return to_plain(value.item(), depth + 1)
    if kind is np.ndarray:
        array = value
    else:
        import torch

        if kind not in (torch.Tensor, torch.nn.Parameter):
            raise TypeError(f"cannot send a {kind.__module__}.{kind.__qualname__} to the grader")
        array = value.detach().cpu().resolve_conj().numpy()
    if array.dtype.kind not in _KINDS:
        raise TypeError(f"arrays of dtype {array.dtype} are not supported")
    return encode_array(_KINDS[array.dtype.kind], list(array.shape), array.ravel().tolist())


def _describe(value: Any) -> str:
    if isinstance(value, dict) and ARRAY_KEY in value:
        meta = value[ARRAY_KEY]
        return f"{meta['kind']} array of shape {tuple(meta['shape'])}"
    return type(value).__name__


def _numbers_close(a: float, b: float, rtol: float, atol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * abs(b)


def compare(student: Any, reference: Any, rtol: float = 1e-4, atol: float = 1e-6,
            path: str = "result") -> str | None:
    """``None`` when ``student`` matches ``reference``, else a short reason (grader-side)."""
    import numpy as np

    if isinstance(reference, dict) and ARRAY_KEY in reference:
        if not (isinstance(student, dict) and ARRAY_KEY in student):
            return f"{path}: expected {_describe(reference)}, got {_describe(student)}"
        ref, got = reference[ARRAY_KEY], student[ARRAY_KEY]
        if ref["kind"] != got["kind"] or list(ref["shape"]) != list(got["shape"]):
            return f"{path}: expected {_describe(reference)}, got {_describe(student)}"
        try:
            want = np.asarray(ref["data"], dtype=float)
            have = np.asarray(got["data"], dtype=float)
        except (TypeError, ValueError):
            return f"{path}: array data is malformed"
        if want.shape != have.shape:
            return f"{path}: array data is malformed"
        if ref["kind"] == "float":
            same = np.isclose(have, want, rtol=rtol, atol=atol, equal_nan=True)
        else:
            same = have == want
        if not np.all(same):
            return f"{path}: {int(np.sum(~same))} of {want.size} values differ"
        return None
    if type(reference) is bool or type(student) is bool:
        return None if student is reference else f"{path}: values differ"
    if type(reference) in (int, float):
        if type(student) not in (int, float):
            return f"{path}: expected a number, got {_describe(student)}"
        return None if _numbers_close(float(student), float(reference), rtol, atol) else f"{path}: values differ"
    if type(reference) is list:
        if type(student) is not list or len(student) != len(reference):
            return f"{path}: expected a sequence of {len(reference)} items"
        for i, (s, r) in enumerate(zip(student, reference)):
            reason = compare(s, r, rtol, atol, f"{path}[{i}]")
            if reason:
                return reason
        return None
    if type(reference) is dict:
        if type(student) is not dict or set(student) != set(reference):
            return f"{path}: expected keys {sorted(reference)}"
        for key in reference:
            reason = compare(student[key], reference[key], rtol, atol, f"{path}[{key!r}]")
            if reason:
                return reason
        return None
    return None if type(student) is type(reference) and student == reference else f"{path}: values differ"
