"""d2lutils: the helper library of our Dive into Deep Learning course (chapters 2-5).

Import it as ``import d2lutils as d2l``: names and call signatures follow the
``d2l`` package the chapters were written against, so code written for one runs
with the other.
"""

from typing import Any

from .board import ProgressBoard
from .checks import CheckFailed, check_close, check_equal, check_shape, check_true, check_type
from .data import DataModule, SyntheticRegressionData, TensorLoader, data_root, tensor_loader
from .devices import cpu, gpu, num_gpus, try_gpu
from .fashion_mnist import DatasetNotFoundError, FashionMNIST
from .hparams import HyperParameters, add_to_class
from .models import LinearRegression, LinearRegressionScratch
from .module import Classifier, Module
from .optim import SGD
from .plotting import plot, set_axes, set_figsize, show_images, use_svg_display
from .quiz import MultipleChoice, set_student_id
from .seeding import set_seed
from .timing import Timer
from .trainer import Trainer

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """``d2l.plt`` is ``matplotlib.pyplot``, imported on first use, not with d2lutils."""
    if name == "plt":
        import matplotlib.pyplot

        return matplotlib.pyplot
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The module's names, ``plt`` included, for ``dir(d2l)`` and tab completion."""
    return sorted([*globals(), "plt"])


__all__ = [
    "SGD",
    "CheckFailed",
    "Classifier",
    "DataModule",
    "DatasetNotFoundError",
    "FashionMNIST",
    "HyperParameters",
    "LinearRegression",
    "LinearRegressionScratch",
    "Module",
    "MultipleChoice",
    "ProgressBoard",
    "SyntheticRegressionData",
    "TensorLoader",
    "Timer",
    "Trainer",
    "add_to_class",
    "check_close",
    "check_equal",
    "check_shape",
    "check_true",
    "check_type",
    "cpu",
    "data_root",
    "gpu",
    "num_gpus",
    "plot",
    "plt",
    "set_axes",
    "set_figsize",
    "set_seed",
    "set_student_id",
    "show_images",
    "tensor_loader",
    "try_gpu",
    "use_svg_display",
]
