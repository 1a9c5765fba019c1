"""The framework-neutral tensor names of ``d2l`` (``d2l.reshape``, ``d2l.float32``...).

D2L writes some code once for several frameworks and reaches tensor operations through
names of its own: ``d2l.reshape(X, (2, 3))``, ``d2l.numpy(x)``, ``d2l.float32``. Code
written for ``from d2l import torch as d2l`` uses them, so they exist here too, each
standing for the PyTorch operation it means. They are not in ``d2lutils.__all__``:
``from d2lutils import *`` would otherwise replace the builtin ``abs``.
"""

from __future__ import annotations

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


def size(x: torch.Tensor, *args: Any, **kwargs: Any) -> int:
    """The number of elements of ``x`` (``x.numel()``)."""
    return x.numel(*args, **kwargs)


def reshape(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    """``x.reshape(...)``."""
    return x.reshape(*args, **kwargs)


def to(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    """``x.to(...)``: another device or dtype."""
    return x.to(*args, **kwargs)


def reduce_sum(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    """``x.sum(...)``."""
    return x.sum(*args, **kwargs)


def reduce_mean(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    """``x.mean(...)``."""
    return x.mean(*args, **kwargs)


def argmax(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    """``x.argmax(...)``; D2L passes the axis as ``axis=``, which PyTorch accepts."""
    return x.argmax(*args, **kwargs)


def astype(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    """``x.type(dtype)``: ``x`` converted to another dtype."""
    converted: torch.Tensor = x.type(*args, **kwargs)
    return converted


def transpose(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    """``x.t()``: the transpose of a matrix (tensors of at most two dimensions)."""
    return x.t(*args, **kwargs)


def expand_dims(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    """``x.unsqueeze(axis)``: a new axis of length one."""
    return x.unsqueeze(*args, **kwargs)


def swapaxes(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    """``x.swapaxes(a, b)``."""
    return x.swapaxes(*args, **kwargs)


def repeat(x: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    """``x.repeat(...)``: ``x`` tiled along each axis."""
    return x.repeat(*args, **kwargs)


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
