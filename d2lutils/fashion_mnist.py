"""Fashion-MNIST held in memory as tensors, read from torchvision's file layout."""

from __future__ import annotations

import gzip
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import TensorDataset

from .data import DATA_DIR_VARIABLE, DataModule, TensorLoader, check_split, split_rows
from .plotting import show_images

TEXT_LABELS = (
    "t-shirt",
    "trouser",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle boot",
)
FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
FULL_SIZES = {True: 60_000, False: 10_000}
_IMAGE_MAGIC, _LABEL_MAGIC = 2051, 2049


class DatasetNotFoundError(FileNotFoundError):
    """The data set's files are missing and could not be downloaded."""


def raw_folder(root: Path) -> Path:
    """The folder torchvision uses for the raw IDX files under ``root``."""
    return root / "FashionMNIST" / "raw"


def _read_bytes(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes()
    gz = path.with_name(path.name + ".gz")
    try:
        return gzip.decompress(gz.read_bytes())
    except (OSError, EOFError) as err:
        raise ValueError(
            f"{gz} is not a readable gzip file ({err}); delete it and load again."
        ) from err


def read_idx(path: Path, expected_magic: int) -> np.ndarray:
    """Read one IDX file (or its ``.gz``) and check its header against its size."""
    raw = _read_bytes(path)
    if len(raw) < 8 or int.from_bytes(raw[:4], "big") != expected_magic:
        raise ValueError(
            f"{path} is not a Fashion-MNIST IDX file (bad header). Delete it and load "
            "again to re-download, or replace it with a good copy."
        )
    ndim = raw[3]
    header_size = 4 + 4 * ndim
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected_size = header_size + int(np.prod(dims))
    if len(raw) != expected_size:
        raise ValueError(
            f"{path} is truncated or corrupt: its header announces shape {dims} "
            f"({expected_size} bytes) but the file holds {len(raw)} bytes. Delete it and "
            "load again to re-download, or replace it with a good copy."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(dims)


def _files_present(raw_dir: Path) -> bool:
    names = [name for pair in FILES.values() for name in pair]
    return all((raw_dir / n).exists() or (raw_dir / f"{n}.gz").exists() for n in names)


def download(root: Path) -> None:
    """Fetch the four files through torchvision into ``root/FashionMNIST/raw``."""
    import torchvision

    for train in (True, False):
        torchvision.datasets.FashionMNIST(root=str(root), train=train, download=True)


def load_split(root: Path, train: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Images as a uint8 tensor (n, 28, 28) and labels as int64 (n,) for one split."""
    raw_dir = raw_folder(root)
    image_name, label_name = FILES[train]
    images = read_idx(raw_dir / image_name, _IMAGE_MAGIC)
    labels = read_idx(raw_dir / label_name, _LABEL_MAGIC)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"{raw_dir}: {image_name} holds {images.shape} and {label_name} holds "
            f"{labels.shape}; they must hold the same number of images and labels."
        )
    if labels.size and labels.max() >= len(TEXT_LABELS):
        raise ValueError(f"{raw_dir / label_name} holds label {labels.max()}; labels must be 0-9.")
    return torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64))


def to_float_images(images: torch.Tensor, resize: Sequence[int]) -> torch.Tensor:
    """uint8 (n, H, W) -> float32 (n, 1, h, w) in [0, 1], resized once for the whole set."""
    floats = images.unsqueeze(1).float().div_(255)
    if tuple(resize) == tuple(images.shape[1:]):
        return floats
    return F.interpolate(
        floats, size=tuple(resize), mode="bilinear", antialias=True, align_corners=False
    ).clamp_(0, 1)


def get_fashion_mnist_labels(labels: Any) -> list[str]:
    """Class names for a sequence or tensor of class indices (0-9).

    An index outside 0-9 is an error: Python's negative indexing would otherwise
    name class -1 "ankle boot".
    """
    names = []
    for i in labels:
        index = int(i)
        if not 0 <= index < len(TEXT_LABELS):
            raise ValueError(f"class index {index} is not one of 0-{len(TEXT_LABELS) - 1}")
        names.append(TEXT_LABELS[index])
    return names


class LabeledImages(TensorDataset):
    """A ``TensorDataset`` of (image, label) pairs that also answers to the names of
    torchvision's data sets that code written for d2l reads: ``targets`` (the labels, a
    tensor) and ``classes`` (the class names)."""

    @property
    def classes(self) -> list[str]:
        """The class names, in the order of the class indices."""
        return list(TEXT_LABELS)

    @property
    def targets(self) -> torch.Tensor:
        """The labels of all examples, int64, shape (n,)."""
        return self.tensors[1]


class FashionMNIST(DataModule):
    """The Fashion-MNIST clothing images (10 classes), resized once and kept in memory.

    ``train`` and ``val`` are ``TensorDataset`` s of (image, label): images are
    float32 tensors of shape (1, *resize) in [0, 1], labels int64 class indices.
    Files are read from ``root``, else ``$D2L_DATA_DIR``, else a cache folder, in
    torchvision's layout (``<root>/FashionMNIST/raw``); they are downloaded through
    torchvision only when missing.

    By default, as in d2l, ``val`` is the official test set. With ``val_fraction``
    between 0 and 1, that share of the training images, drawn at random with
    ``split_seed``, becomes ``val`` instead, and the official test images become a
    separate ``test`` set (see :meth:`test_dataloader`): a model can then be chosen
    on ``val`` and measured once on images no choice has seen.

    The data sets are :class:`LabeledImages`, which also answer to torchvision's
    ``targets`` and ``classes``.
    """

    # Set from the constructor's arguments by save_hyperparameters.
    resize: Sequence[int]
    val_fraction: float
    split_seed: int

    def __init__(
        self,
        batch_size: int = 64,
        resize: Sequence[int] = (28, 28),
        root: str | os.PathLike[str] | None = None,
        num_workers: int = 0,
        val_fraction: float = 0.0,
        split_seed: int = 0,
    ) -> None:
        super().__init__(root=root, num_workers=num_workers)
        self.save_hyperparameters(ignore=["root"])
        if len(resize) != 2 or min(resize) < 1:
            raise ValueError(f"resize must be (height, width) with positive sizes, got {resize!r}")
        if val_fraction != 0:  # before reading the files: a bad value fails at once
            check_split(val_fraction, split_seed)
        self._ensure_files()
        splits = {}
        for train in (True, False):
            images, labels = load_split(self.root, train)
            splits[train] = (to_float_images(images, resize), labels)
        self.test: LabeledImages | None = None
        if val_fraction == 0:
            self.train, self.val = LabeledImages(*splits[True]), LabeledImages(*splits[False])
            return
        train_rows, val_rows = split_rows(len(splits[True][1]), val_fraction, split_seed)
        self.train = LabeledImages(*(t[train_rows] for t in splits[True]))
        self.val = LabeledImages(*(t[val_rows] for t in splits[True]))
        self.test = LabeledImages(*splits[False])

    def _ensure_files(self) -> None:
        raw_dir = raw_folder(self.root)
        if _files_present(raw_dir):
            return
        try:
            download(self.root)
        except Exception as err:  # torchvision raises several types when offline
            expected = ", ".join(name for pair in FILES.values() for name in pair)
            raise DatasetNotFoundError(
                f"Fashion-MNIST is not in {raw_dir} and could not be downloaded "
                f"({type(err).__name__}). Expected the files {expected} (optionally .gz) "
                f"there. Put them there, pass root=..., or set {DATA_DIR_VARIABLE} to a "
                "folder that holds FashionMNIST/raw."
            ) from None

    @property
    def data_description(self) -> str:
        """One line on what was loaded: how many images, their size, and whether it is a subset.

        The folder is left out on purpose: the same text then appears on every machine.
        """
        n_train, n_val = len(self.train), len(self.val)
        height, width = self.train.tensors[0].shape[-2:]
        if self.test is None:
            text = (
                f"Fashion-MNIST: {n_train:,} training and {n_val:,} "
                f"validation images of {height}x{width} pixels"
            )
            n_train_file, n_test_file = n_train, n_val
        else:
            n_test = len(self.test)
            text = (
                f"Fashion-MNIST: {n_train:,} training, {n_val:,} validation and "
                f"{n_test:,} test images of {height}x{width} pixels"
            )
            n_train_file, n_test_file = n_train + n_val, n_test
        if n_train_file < FULL_SIZES[True] or n_test_file < FULL_SIZES[False]:
            text += " (a subset, not the full 60,000 / 10,000)"
        if self.test is not None:
            text += (
                f"; validation = {self.val_fraction:.0%} of the training images, "
                f"split seed {self.split_seed}"
            )
        return text

    def text_labels(self, indices: Any) -> list[str]:
        """Class names for a sequence or tensor of class indices (0-9).

        The same as :func:`get_fashion_mnist_labels`.
        """
        return get_fashion_mnist_labels(indices)

    def get_dataloader(self, train: bool) -> TensorLoader:
        """Minibatches of (images, labels): shuffled for training, in order for validation."""
        dataset = self.train if train else self.val
        return self.get_tensorloader(dataset.tensors, train)

    def visualize(
        self,
        batch: Sequence[torch.Tensor],
        nrows: int = 1,
        ncols: int = 8,
        labels: Sequence[str] = (),
    ) -> None:
        """Show the first ``nrows * ncols`` images of ``batch`` with their class names.

        Returns nothing, as in d2l, so that a cell ending with this call shows only the
        figure; its axes are ``plt.gcf().axes``.
        """
        X, y = batch[0], batch[1]
        titles = list(labels) if labels else self.text_labels(y)
        show_images(X.squeeze(1), nrows, ncols, titles=titles)


def load_data_fashion_mnist(
    batch_size: int,
    resize: int | Sequence[int] | None = None,
    root: str | os.PathLike[str] | None = None,
) -> tuple[TensorLoader, TensorLoader]:
    """Training and test minibatches of Fashion-MNIST: d2l's first-edition loader.

    Returns ``(train_iter, test_iter)``: the training images reshuffled each epoch and
    the official test images in order, as batches ``[X, y]`` with ``X`` float32 of
    shape (batch, 1, height, width) in [0, 1] and ``y`` int64 class indices.
    ``resize`` is one side (square images) or (height, width). The files are found as
    for :class:`FashionMNIST` (``root``, else ``$D2L_DATA_DIR``, else a cache folder,
    downloading only when missing); the images are held in memory, so no worker
    processes are needed.
    """
    if resize is None:
        size: Sequence[int] = (28, 28)
    elif isinstance(resize, int):
        size = (resize, resize)
    else:
        size = resize
    data = FashionMNIST(batch_size=batch_size, resize=size, root=root)
    return data.get_dataloader(train=True), data.get_dataloader(train=False)
