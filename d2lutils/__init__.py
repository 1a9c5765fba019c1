"""d2lutils: the helper library of our Dive into Deep Learning course (chapters 2-5).

Import it as ``import d2lutils as d2l``: names and call signatures follow the
``d2l`` package the chapters were written against, so code written for one runs
with the other.
"""

import importlib
from typing import Any

from . import aliases, import_hint
from .board import Animator, ProgressBoard
from .checks import CheckFailed, check_close, check_equal, check_shape, check_true, check_type
from .data import (
    DataModule,
    SyntheticRegressionData,
    TensorLoader,
    data_root,
    get_dataloader_workers,
    load_array,
    synthetic_data,
    tensor_loader,
)
from .devices import cpu, gpu, num_gpus, try_all_gpus, try_gpu
from .fashion_mnist import (
    DatasetNotFoundError,
    FashionMNIST,
    get_fashion_mnist_labels,
    load_data_fashion_mnist,
)
from .hparams import HyperParameters, add_to_class
from .metrics import Accumulator, accuracy, evaluate_accuracy_gpu, evaluate_loss
from .models import (
    LinearRegression,
    LinearRegressionScratch,
    SoftmaxRegression,
    linreg,
    squared_loss,
)
from .module import Classifier, Module
from .optim import SGD, sgd
from .plotting import plot, set_axes, set_figsize, show_images, use_svg_display
from .quiz import MultipleChoice, set_student_id, student_draw
from .seeding import set_seed
from .timing import Timer
from .trainer import Trainer

__version__ = "0.1.0"

import_hint.install()


# The modules d2l's namespace carries (``d2l.torch``, ``d2l.plt``, ``d2l.pd``...), imported
# on first use: pyplot, pandas and torchvision would slow down every ``import d2lutils``.
MODULES = {
    "torch": "torch",
    "nn": "torch.nn",
    "F": "torch.nn.functional",
    "np": "numpy",
    "plt": "matplotlib.pyplot",
    "pd": "pandas",
    "torchvision": "torchvision",
    "transforms": "torchvision.transforms",
    "Image": "PIL.Image",
    "display": "IPython.display",
    "backend_inline": "matplotlib_inline.backend_inline",
    **{name: name for name in ("collections", "hashlib", "inspect", "math", "os", "random")},
    **{name: name for name in ("re", "shutil", "sys", "tarfile", "time", "zipfile")},
    "requests": "requests",
}
# Helpers of D2L's first edition (d2l 0.x) that d2l 1.0 no longer has.
RETIRED = {
    "train_ch3": "train with d2l.Trainer(max_epochs=...).fit(model, data) (Section 3.4)",
    "train_epoch_ch3": "train with d2l.Trainer(max_epochs=...).fit(model, data) (Section 3.4)",
    "evaluate_accuracy": "use d2l.evaluate_accuracy_gpu(net, data_iter), which runs on any device",
    "predict_ch3": "predict with model(X).argmax(dim=1) and name the classes with "
    "d2l.get_fashion_mnist_labels",
}


def __getattr__(name: str) -> Any:
    """d2l's module names (``d2l.plt``, ``d2l.torch``...), imported on first use, its tensor
    names (``d2l.reshape``...) and a clear error for names d2lutils does not have."""
    if name in MODULES:
        try:
            return importlib.import_module(MODULES[name])
        except ImportError as err:  # an AttributeError keeps hasattr() and dir() walkers working
            raise AttributeError(
                f"d2l.{name} is the module {MODULES[name]}, which is not installed here "
                f"({err}); install it with pip to use d2l.{name}"
            ) from err
    if name == "defaultdict":
        return importlib.import_module("collections").defaultdict
    if name in aliases.NAMES:
        return getattr(aliases, name)
    if name in RETIRED:
        raise AttributeError(
            f"d2l.{name} is from D2L's first edition and is not in d2l 1.0 either: {RETIRED[name]}"
        )
    raise AttributeError(
        f"module {__name__!r} has no attribute {name!r}: d2lutils has the d2l names of "
        "chapters 2-5 (dir(d2l) lists them)"
    )


def __dir__() -> list[str]:
    """The module's names, with d2l's module and tensor names, for ``dir(d2l)`` and tab
    completion."""
    return sorted({*globals(), *MODULES, "defaultdict", *aliases.NAMES})


__all__ = [
    "SGD",
    "Accumulator",
    "Animator",
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
    "SoftmaxRegression",
    "SyntheticRegressionData",
    "TensorLoader",
    "Timer",
    "Trainer",
    "accuracy",
    "add_to_class",
    "check_close",
    "check_equal",
    "check_shape",
    "check_true",
    "check_type",
    "cpu",
    "data_root",
    "evaluate_accuracy_gpu",
    "evaluate_loss",
    "get_dataloader_workers",
    "get_fashion_mnist_labels",
    "gpu",
    "linreg",
    "load_array",
    "load_data_fashion_mnist",
    "num_gpus",
    "plot",
    "plt",
    "set_axes",
    "set_figsize",
    "set_seed",
    "set_student_id",
    "sgd",
    "show_images",
    "squared_loss",
    "student_draw",
    "synthetic_data",
    "tensor_loader",
    "try_all_gpus",
    "try_gpu",
    "use_svg_display",
]
