"""A clear error for code written for d2l where only d2lutils is installed.

D2L's notebooks start with ``from d2l import torch as d2l``. The ``d2l`` package no
longer installs on current Python and NumPy, so pasted into a course notebook that line
would fail with a bare ``No module named 'd2l'``. Once d2lutils is imported, that
failure says what to write instead. The finder goes last on ``sys.meta_path``: where
the real ``d2l`` is installed, the import system finds it first and nothing changes.
"""

from __future__ import annotations

import importlib.abc
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType

HINT = (
    "No module named 'd2l': this course uses d2lutils, which has the d2l names of "
    "chapters 2-5 under the same spelling. Replace `from d2l import torch as d2l` with "
    "`import d2lutils as d2l` (and drop `!pip install d2l...` lines)."
)


class D2LImportHint(importlib.abc.MetaPathFinder):
    """Turns a failed ``import d2l`` (or ``d2l.torch``) into :data:`HINT`."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> ModuleSpec | None:
        if fullname.split(".")[0] != "d2l":
            return None
        raise ModuleNotFoundError(HINT, name=fullname)


def install() -> None:
    """Put the hint last on ``sys.meta_path``, once."""
    if not any(isinstance(finder, D2LImportHint) for finder in sys.meta_path):
        sys.meta_path.append(D2LImportHint())
