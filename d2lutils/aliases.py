"""The framework-neutral tensor names of ``d2l`` (``d2l.reshape``, ``d2l.float32``...).

D2L writes some code once for several frameworks and reaches tensor operations through
names of its own: ``d2l.reshape(X, (2, 3))``, ``d2l.numpy(x)``, ``d2l.float32``. Code
written for ``from d2l import torch as d2l`` uses them, so they exist here too, each
standing for the PyTorch operation it means. They are not in ``d2lutils.__all__``:
``from d2lutils import *`` would otherwise replace the builtin ``abs``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

# Names that stand for a PyTorch function or dtype as it is.
nn_Module = torch.nn.Module
ones_like = torch.ones_like
ones = torch.ones
zeros_like = torch.zeros_like
zeros = torch.zeros
tensor = torch.tensor
arange = torch.arange
meshgrid = torch.meshgrid
sin = torch.sin
sinh = torch.sinh
cos = torch.cos
cosh = torch.cosh
tanh = torch.tanh
linspace = torch.linspace
exp = torch.exp
log = torch.log
normal = torch.normal
rand = torch.rand
randn = torch.randn
matmul = torch.matmul
int32 = torch.int32
int64 = torch.int64
float32 = torch.float32
concat = torch.cat
stack = torch.stack
abs = torch.abs  # d2l's name: the reason these names stay out of __all__
eye = torch.eye
sigmoid = torch.sigmoid
batch_matmul = torch.bmm


# Names that stand for a method of the tensor they are given.
def numpy(x: torch.Tensor, *args: Any, **kwargs: Any) -> np.ndarray:
    """``x`` as a NumPy array, detached from autograd and copied to the CPU if needed."""
    return x.detach().cpu().numpy(*args, **kwargs)


def _method(method: str, doc: str) -> Callable[..., Any]:
    """A function that calls ``x.<method>(...)`` on the tensor ``x`` it is given."""

    def call(x: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        return getattr(x, method)(*args, **kwargs)

    call.__doc__ = doc
    return call


size = _method("numel", "The number of elements of ``x`` (``x.numel()``).")
reshape = _method("reshape", "``x.reshape(...)``.")
to = _method("to", "``x.to(...)``: another device or dtype.")
reduce_sum = _method("sum", "``x.sum(...)``.")
reduce_mean = _method("mean", "``x.mean(...)``.")
argmax = _method("argmax", "``x.argmax(...)``; D2L passes the axis as ``axis=``, which works.")
astype = _method("type", "``x.type(dtype)``: ``x`` converted to another dtype.")
transpose = _method("t", "``x.t()``: the transpose of a matrix (at most two dimensions).")
expand_dims = _method("unsqueeze", "``x.unsqueeze(axis)``: a new axis of length one.")
swapaxes = _method("swapaxes", "``x.swapaxes(a, b)``.")
repeat = _method("repeat", "``x.repeat(...)``: ``x`` tiled along each axis.")


NAMES = [
    "nn_Module",
    "ones_like",
    "ones",
    "zeros_like",
    "zeros",
    "tensor",
    "arange",
    "meshgrid",
    "sin",
    "sinh",
    "cos",
    "cosh",
    "tanh",
    "linspace",
    "exp",
    "log",
    "normal",
    "rand",
    "randn",
    "matmul",
    "int32",
    "int64",
    "float32",
    "concat",
    "stack",
    "abs",
    "eye",
    "sigmoid",
    "batch_matmul",
    "numpy",
    "size",
    "reshape",
    "to",
    "reduce_sum",
    "reduce_mean",
    "argmax",
    "astype",
    "transpose",
    "expand_dims",
    "swapaxes",
    "repeat",
]
