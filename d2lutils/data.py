"""Data modules: where data lives and how it is cut into minibatches."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from numbers import Real
from pathlib import Path
from typing import Any, Protocol

import torch
import torch.utils.data
from torch.utils.data import DataLoader, TensorDataset

from .hparams import HyperParameters

DATA_DIR_VARIABLE = "D2L_DATA_DIR"


def data_root(root: str | os.PathLike[str] | None = None) -> Path:
    """Where data sets live: ``root`` if given, else ``$D2L_DATA_DIR``, else a cache folder."""
    if root is not None:
        return Path(root).expanduser()
    if os.environ.get(DATA_DIR_VARIABLE):
        return Path(os.environ[DATA_DIR_VARIABLE]).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "d2lutils" / "data"


class TensorLoader:
    """Minibatches of in-memory tensors, cut with one ``index_select`` per tensor.

    It yields ``[X_batch, y_batch, ...]`` like a ``DataLoader`` over a ``TensorDataset``
    and, under the same seed, the very same batches in the same order: it draws from
    PyTorch's global generator exactly as a shuffled ``DataLoader`` does. But where a
    ``DataLoader`` makes one Python call per example and then stacks them, this makes
    one call per minibatch (validation batches are even zero-copy slices), which is
    what makes an epoch over 60,000 images take milliseconds.
    """

    def __init__(self, tensors: Sequence[torch.Tensor], batch_size: int, shuffle: bool) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.dataset = TensorDataset(*tensors)
        self.tensors = self.dataset.tensors
        self.batch_size = batch_size
        self.shuffle = shuffle

    def __len__(self) -> int:
        return -(-len(self.dataset) // self.batch_size)

    def _order(self) -> torch.Tensor:
        n = len(self.dataset)
        torch.empty((), dtype=torch.int64).random_()  # DataLoader's per-epoch base seed
        seed = int(torch.empty((), dtype=torch.int64).random_().item())  # RandomSampler's
        return torch.randperm(n, generator=torch.Generator().manual_seed(seed))

    def __iter__(self) -> Iterator[list[torch.Tensor]]:
        n = len(self.dataset)
        if not self.shuffle:
            torch.empty((), dtype=torch.int64).random_()  # as DataLoader, for equal seeds
            for start in range(0, n, self.batch_size):
                yield [t[start : start + self.batch_size] for t in self.tensors]
            return
        order = self._order()
        for start in range(0, n, self.batch_size):
            rows = order[start : start + self.batch_size]
            yield [t.index_select(0, rows) for t in self.tensors]


class Batches(Protocol):
    """What a data module hands the trainer: a sized, re-iterable collection of minibatches.

    Both a ``torch.utils.data.DataLoader`` and a :class:`TensorLoader` are ``Batches``;
    each minibatch is a sequence of tensors, the target last.
    """

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Sequence[torch.Tensor]]: ...


def tensor_loader(
    tensors: Sequence[torch.Tensor], batch_size: int, shuffle: bool, num_workers: int = 0
) -> TensorLoader:
    """Minibatches over in-memory tensors (see :class:`TensorLoader`).

    ``num_workers`` is accepted for d2l compatibility and ignored: slicing tensors that
    are already in memory is faster than handing work to other processes.
    """
    return TensorLoader(tensors, batch_size, shuffle)


def check_split(val_fraction: float, split_seed: int) -> None:
    """Raise ``ValueError`` unless ``0 < val_fraction < 1`` and ``split_seed`` is an int."""
    if (
        isinstance(val_fraction, bool)
        or not isinstance(val_fraction, Real)
        or not 0 < val_fraction < 1
    ):
        raise ValueError(
            f"val_fraction must be a number strictly between 0 and 1 (the share of the "
            f"training examples held out for validation), got {val_fraction!r}."
        )
    if isinstance(split_seed, bool) or not isinstance(split_seed, int):
        raise ValueError(f"split_seed must be an int, got {split_seed!r}")


def split_rows(
    num_rows: int, val_fraction: float, split_seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Split the row indices ``0 .. num_rows - 1`` at random into training and validation rows.

    ``round(val_fraction * num_rows)`` rows go to validation, the rest to training; both
    index tensors (int64, 1-D) are sorted, so each part keeps the stored order. The
    draw uses its own generator seeded with ``split_seed``: the same seed gives the same
    split on every machine, whatever else has drawn random numbers before.
    """
    check_split(val_fraction, split_seed)
    num_val = round(val_fraction * num_rows)
    if not 0 < num_val < num_rows:
        raise ValueError(
            f"val_fraction={val_fraction} of {num_rows} examples leaves {num_val} for "
            f"validation and {num_rows - num_val} for training; both need at least one. "
            "Choose a fraction that keeps examples on both sides."
        )
    order = torch.randperm(num_rows, generator=torch.Generator().manual_seed(split_seed))
    return order[num_val:].sort().values, order[:num_val].sort().values


class DataModule(HyperParameters):
    """Owns the data: where it is stored and how training and validation batches are made.

    A subclass sets ``self.train`` and ``self.val`` (datasets) and ``self.batch_size``,
    or overrides ``get_dataloader(train)``. One that also holds out a test set sets
    ``self.test``, which :meth:`test_dataloader` serves.
    """

    batch_size: int
    # Set by save_hyperparameters; the class default serves subclasses whose __init__
    # does not call super().__init__(), as D2L's own data classes often do not.
    num_workers: int = 0

    def __init__(self, root: str | os.PathLike[str] | None = None, num_workers: int = 0) -> None:
        self.save_hyperparameters()
        self.root = data_root(root)

    def get_dataloader(self, train: bool) -> Batches:
        """Loader over ``self.train`` (shuffled) or ``self.val`` (in order)."""
        split = "train" if train else "val"
        if not hasattr(self, split) or not hasattr(self, "batch_size"):
            raise AttributeError(
                f"{type(self).__name__} has no '{split}' dataset or 'batch_size': set them "
                "in __init__, or override get_dataloader(train)."
            )
        return DataLoader(
            getattr(self, split),
            batch_size=self.batch_size,
            shuffle=train,
            num_workers=self.num_workers,
        )

    def train_dataloader(self) -> Batches:
        """Minibatches for training, reshuffled each epoch."""
        return self.get_dataloader(train=True)

    def val_dataloader(self) -> Batches:
        """Minibatches for validation, in a fixed order."""
        return self.get_dataloader(train=False)

    def test_dataloader(self) -> Batches:
        """Minibatches of the test set, in a fixed order: for one final measurement.

        Only data modules that keep a test set apart from the validation set have one
        (``self.test``); :class:`FashionMNIST` does when built with ``val_fraction > 0``.
        """
        test = getattr(self, "test", None)
        if test is None:
            raise AttributeError(
                f"{type(self).__name__} has no separate test set: its validation set is all "
                "the held-out data there is. For FashionMNIST, pass val_fraction (e.g. 0.2) to "
                "carve the validation set out of the training images and keep the test "
                "images apart."
            )
        if isinstance(test, TensorDataset):
            return self.get_tensorloader(test.tensors, train=False)
        return DataLoader(
            test, batch_size=self.batch_size, shuffle=False, num_workers=self.num_workers
        )

    def get_tensorloader(
        self, tensors: Sequence[torch.Tensor], train: bool, indices: Any = slice(0, None)
    ) -> TensorLoader:
        """Loader over ``tensor[indices]`` for each tensor, batched with ``self.batch_size``."""
        selected = tuple(tensor[indices] for tensor in tensors)
        return tensor_loader(selected, self.batch_size, shuffle=train, num_workers=self.num_workers)


class SyntheticRegressionData(DataModule):
    """Noisy samples of the linear model ``y = X w + b + noise``.

    ``X`` has shape (num_train + num_val, len(w)) with standard normal entries and
    ``y`` has shape (num_train + num_val, 1). The first ``num_train`` rows are the
    training set, the rest the validation set. Uses PyTorch's global generator, so
    seed it (``d2l.set_seed``) for repeatable data.
    """

    noise: float
    num_train: int
    num_val: int

    def __init__(
        self,
        w: Any,
        b: float,
        noise: float = 0.01,
        num_train: int = 1000,
        num_val: int = 1000,
        batch_size: int = 32,
    ) -> None:
        super().__init__()
        self.save_hyperparameters()
        w = torch.as_tensor(w, dtype=torch.float32).reshape(-1)
        n = num_train + num_val
        self.X = torch.randn(n, len(w))
        noise_term = torch.randn(n, 1) * noise
        self.y = self.X @ w.reshape(-1, 1) + b + noise_term

    def get_dataloader(self, train: bool) -> TensorLoader:
        """The training rows (shuffled) or the validation rows (in order)."""
        rows = slice(0, self.num_train) if train else slice(self.num_train, None)
        return self.get_tensorloader((self.X, self.y), train, rows)


# The function-style helpers of D2L's first edition, which d2l 1.0.3 still ships.


def synthetic_data(w: Any, b: float, num_examples: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw ``num_examples`` noisy samples of ``y = X w + b``, as Section 3.3 does in one call.

    Returns ``X`` of shape (num_examples, len(w)) with standard normal entries and ``y``
    of shape (num_examples, 1), whose noise is normal with standard deviation 0.01.
    ``w`` may be a tensor, a list or a tuple. Draws from PyTorch's global generator
    (``X`` first, then the noise), so seed it for repeatable data.
    """
    if isinstance(num_examples, bool) or not isinstance(num_examples, int) or num_examples < 0:
        raise ValueError(f"num_examples must be a non-negative int, got {num_examples!r}")
    weights = torch.as_tensor(w, dtype=torch.float32)
    if weights.dim() not in (1, 2) or (weights.dim() == 2 and weights.shape[1] != 1):
        raise ValueError(
            f"w must hold one weight per feature, shape (d,) or (d, 1); got shape "
            f"{tuple(weights.shape)}"
        )
    X = torch.normal(0.0, 1.0, (num_examples, len(weights)))
    y = X @ weights.reshape(-1, 1) + b
    return X, y + torch.normal(0.0, 0.01, y.shape)


def load_array(
    data_arrays: Sequence[torch.Tensor], batch_size: int, is_train: bool = True
) -> TensorLoader:
    """Minibatches over tensors that share their first axis: shuffled when ``is_train``.

    The batches are those of d2l's ``DataLoader(TensorDataset(*data_arrays), batch_size,
    shuffle=is_train)``, drawn the same way from PyTorch's global generator, and come as
    lists ``[X_batch, y_batch, ...]``; they are cut by :class:`TensorLoader`, one
    operation per batch instead of one per example.
    """
    tensors = list(data_arrays)
    if not tensors or not all(isinstance(t, torch.Tensor) for t in tensors):
        raise TypeError(
            "data_arrays must be a tuple of tensors, e.g. (features, labels); got "
            f"{[type(t).__name__ for t in tensors] or 'nothing'}"
        )
    lengths = {len(t) for t in tensors}
    if len(lengths) > 1:
        raise ValueError(
            f"the tensors of data_arrays must have the same length (one row per example); "
            f"got lengths {[len(t) for t in tensors]}"
        )
    return TensorLoader(tensors, batch_size, shuffle=is_train)


def get_dataloader_workers() -> int:
    """How many worker processes a ``DataLoader`` may use here: up to 4, as in d2l,
    but no more than the CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return min(4, len(os.sched_getaffinity(0)))
    return min(4, os.cpu_count() or 1)


def __getattr__(name: str) -> Any:
    """The rest of ``torch.utils.data``: in d2l, ``d2l.data`` *is* that module, so code
    written for d2l reaches ``d2l.data.Dataset`` or ``d2l.data.random_split`` here too."""
    try:
        return getattr(torch.utils.data, name)
    except AttributeError:
        raise AttributeError(
            f"neither d2lutils.data nor torch.utils.data has an attribute {name!r}"
        ) from None


def __dir__() -> list[str]:
    """This module's names and those of ``torch.utils.data`` (tab completion)."""
    return sorted({*globals(), *dir(torch.utils.data)})
