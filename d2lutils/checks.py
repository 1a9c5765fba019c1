"""Checks for exercise notebooks that explain, in words, what went wrong.

Each check raises :class:`CheckFailed` (an ``AssertionError``) with a message that
says what was expected, what came back and, when given, a hint.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch


class CheckFailed(AssertionError):
    """A visible exercise check did not pass; the message says why."""


def _fail(what: str, expected: str, got: str, hint: str | None) -> None:
    message = f"{what}: expected {expected}, got {got}."
    if hint:
        message += f" Hint: {hint}"
    raise CheckFailed(message)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def _to_array(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def check_type(
    value: Any, expected_type: type | tuple[type, ...], what: str, hint: str | None = None
) -> None:
    """Check that ``value`` is an instance of ``expected_type``."""
    if not isinstance(value, expected_type):
        names = (
            expected_type.__name__
            if isinstance(expected_type, type)
            else " or ".join(t.__name__ for t in expected_type)
        )
        _fail(what, f"a {names}", f"a {type(value).__name__} ({_short(value)})", hint)


def check_shape(value: Any, shape: Sequence[int], what: str, hint: str | None = None) -> None:
    """Check that a tensor or array has exactly ``shape``."""
    if not hasattr(value, "shape"):
        _fail(what, f"a tensor of shape {tuple(shape)}", f"a {type(value).__name__}", hint)
    if tuple(value.shape) != tuple(shape):
        _fail(what, f"shape {tuple(shape)}", f"shape {tuple(value.shape)}", hint)


def check_equal(value: Any, expected: Any, what: str, hint: str | None = None) -> None:
    """Check exact equality: of plain values, or elementwise of tensors and arrays."""
    if isinstance(expected, (torch.Tensor, np.ndarray)):
        check_shape(value, tuple(expected.shape), what, hint)
        got, want = _to_array(value), _to_array(expected)
        mismatched = np.argwhere(got != want)
        if len(mismatched):
            index = tuple(int(i) for i in mismatched[0])
            _fail(
                what,
                f"{want[index].item()!r} at index {index}",
                f"{got[index].item()!r} ({len(mismatched)} of {want.size} entries differ)",
                hint,
            )
        return
    # Exact types (True is not 1), except that any dict compares as a dict: a training
    # history is a dict subclass that only prints differently.
    same_kind = type(value) is type(expected) or (
        isinstance(expected, dict) and isinstance(value, dict)
    )
    if not same_kind or value != expected:
        _fail(what, _short(expected), _short(value), hint)


def check_close(
    value: Any,
    expected: Any,
    what: str,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    hint: str | None = None,
) -> None:
    """Check that numbers, tensors or arrays match ``expected`` within tolerances."""
    want = _to_array(expected)
    if isinstance(value, (torch.Tensor, np.ndarray)) or want.ndim > 0:
        check_shape(value, want.shape, what, hint)
    try:
        got = _to_array(value).astype(float)
    except (TypeError, ValueError):
        _fail(what, "numbers", f"a {type(value).__name__} ({_short(value)})", hint)
    close = np.isclose(got, want.astype(float), rtol=rtol, atol=atol, equal_nan=True)
    if not np.all(close):
        bad = np.argwhere(~np.atleast_1d(close))
        if want.ndim == 0:
            _fail(what, f"{float(want):.6g}", f"{float(got):.6g}", hint)
        index = tuple(int(i) for i in bad[0])
        _fail(
            what,
            f"{want[index]:.6g} at index {index}",
            f"{got[index]:.6g} ({len(bad)} of {want.size} entries differ)",
            hint,
        )


def check_true(condition: bool, message: str, hint: str | None = None) -> None:
    """Check a condition; ``message`` says what should hold and what came back."""
    if not condition:
        raise CheckFailed(message + (f" Hint: {hint}" if hint else ""))
