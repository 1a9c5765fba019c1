"""Small helpers for building classes step by step and recording hyperparameters."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


def add_to_class(cls: type) -> Callable[[T], T]:
    """Attach the decorated function to ``cls`` as a method of the same name.

    A notebook can then grow a class one cell at a time::

        @add_to_class(Model)
        def forward(self, X): ...
    """

    def register(obj: T) -> T:
        setattr(cls, obj.__name__, obj)  # type: ignore[attr-defined]
        return obj

    return register


class HyperParameters:
    """Mixin whose ``save_hyperparameters`` stores the caller's arguments as attributes."""

    hparams: dict[str, Any]

    def save_hyperparameters(self, ignore: Iterable[str] = ()) -> None:
        """Copy the arguments of the calling ``__init__`` onto ``self``.

        Every argument except ``self``, those named in ``ignore`` and private ones
        (leading underscore) becomes an attribute, and all of them are also kept in
        the dict ``self.hparams`` so that a run can be logged or reproduced.
        """
        caller = inspect.currentframe()
        if caller is None or caller.f_back is None:
            raise RuntimeError("save_hyperparameters needs Python frame introspection")
        frame = caller.f_back
        info = inspect.getargvalues(frame)
        skipped = set(ignore) | {"self"}
        names = list(info.args)
        if info.varargs:
            names.append(info.varargs)
        if info.keywords:
            names.append(info.keywords)
        hparams = {
            name: info.locals[name]
            for name in names
            if name not in skipped and not name.startswith("_")
        }
        for name, value in hparams.items():
            setattr(self, name, value)
        # nn.Module.__setattr__ needs its own machinery set up first; plain dict
        # assignment through object keeps this usable before super().__init__().
        object.__setattr__(self, "hparams", hparams)
