"""One training epoch of Fashion-MNIST minibatches: d2lutils against the d2l 1.0.3 pipeline.

What is compared, at batch size 256 over a full-size (60,000 training images)
stand-in written by ``shared/tools/tile_fashion_mnist.py``:

(a) ``d2lutils.FashionMNIST(batch_size=256, root=...).train_dataloader()``: the
    images are decoded, converted to float and resized once when the data module is
    built (timed separately as the one-off load), and each minibatch is one indexing
    of in-memory tensors;
(b) the pipeline of d2l 1.0.3: ``torchvision.datasets.FashionMNIST`` with
    ``Compose([Resize((28, 28)), ToTensor()])`` under a ``DataLoader(batch_size=256,
    shuffle=True, num_workers=4)``, which converts every image through PIL on every
    epoch and starts its four worker processes at the start of every epoch.

An epoch is iterating the loader to the end (the batches are not used). Each
pipeline gets one untimed warm-up epoch, then the two are timed in alternation
(a, b, b, a, a, b, ...) so that changes in machine load hit both; the medians are
compared. Goal: (a) at least 50x faster per epoch than (b).

(a) takes tens of milliseconds, so each turn of (a) times ``--new-epochs``
epochs (each one a sample). Its cost is one gather of 256 rows per batch, which
PyTorch splits over its intra-op threads; on a machine whose cores are busy with
other jobs those threads wait for each other and the epoch time swings by 10x.
(a) is therefore timed both with PyTorch's default thread count (what a student
gets; the goal line) and with one thread (the cost without that contention). The
old pipeline's workers always use one thread each.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import torch
from _common import (
    fashion_mnist_standin,
    fmt_samples,
    fmt_seconds,
    goal_line,
    median,
    print_load,
    print_machine_info,
)
from torch.utils.data import DataLoader

GOAL = 50.0


def time_epoch(make_loader: Callable[[], DataLoader], expected: int) -> float:
    """Seconds to build a loader and iterate it once; checks every example came out."""
    started = time.perf_counter()
    seen = 0
    for _, y in make_loader():
        seen += len(y)
    elapsed = time.perf_counter() - started
    if seen != expected:
        raise RuntimeError(f"the epoch produced {seen} examples, expected {expected}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="folder with (or to receive) FashionMNIST/raw; default: a temp dir",
    )
    parser.add_argument("--repeats", type=int, default=7, help="timed epochs per pipeline")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--workers", type=int, default=4, help="num_workers of the old pipeline")
    parser.add_argument(
        "--new-epochs",
        type=int,
        default=3,
        help="d2lutils epochs timed in each turn (each one a sample)",
    )
    args = parser.parse_args()

    import torchvision
    from torchvision import transforms

    import d2lutils

    # The old pipeline asks for more workers than this machine may have cores; that
    # is what it did, so keep it and silence the warning about it.
    warnings.filterwarnings("ignore", message="This DataLoader will create")
    print_machine_info("data loading: one epoch, d2lutils vs the d2l 1.0.3 pipeline")
    default_threads = torch.get_num_threads()
    print(
        f"batch size {args.batch_size}; old pipeline num_workers={args.workers}; "
        f"{args.repeats} timed epochs each, interleaved"
    )

    with fashion_mnist_standin(args.root) as root:
        load_times = []
        for _ in range(3):
            started = time.perf_counter()
            data = d2lutils.FashionMNIST(batch_size=args.batch_size, root=root)
            load_times.append(time.perf_counter() - started)
        n_train = len(data.train)
        old_transform = transforms.Compose([transforms.Resize((28, 28)), transforms.ToTensor()])
        started = time.perf_counter()
        old_dataset = torchvision.datasets.FashionMNIST(
            root=str(root), train=True, transform=old_transform
        )
        old_setup = time.perf_counter() - started
        if len(old_dataset) != n_train:
            raise RuntimeError(f"torchvision sees {len(old_dataset)} images, d2lutils {n_train}")

        def new_loader() -> DataLoader:
            return data.train_dataloader()

        def old_loader() -> DataLoader:
            return DataLoader(
                old_dataset, batch_size=args.batch_size, shuffle=True, num_workers=args.workers
            )

        new_name, new1_name, old_name = (
            f"d2lutils, {default_threads} thread(s)",
            "d2lutils, 1 thread",
            "d2l 1.0.3",
        )
        # name -> (make loader, intra-op threads, epochs per turn)
        pipelines: dict[str, tuple[Callable[[], DataLoader], int, int]] = {
            new_name: (new_loader, default_threads, args.new_epochs),
            old_name: (old_loader, default_threads, 1),
        }
        if default_threads != 1:
            pipelines[new1_name] = (new_loader, 1, args.new_epochs)
        first_epoch: dict[str, float] = {}
        for name, (make, threads, _) in pipelines.items():
            torch.set_num_threads(threads)
            first_epoch[name] = time_epoch(make, n_train)
        times: dict[str, list[float]] = {name: [] for name in pipelines}
        order = list(pipelines)
        for repeat in range(args.repeats):
            for name in order if repeat % 2 == 0 else order[::-1]:
                make, threads, epochs = pipelines[name]
                torch.set_num_threads(threads)
                times[name].extend(time_epoch(make, n_train) for _ in range(epochs))
        torch.set_num_threads(default_threads)

    new, old = median(times[new_name]), median(times[old_name])
    print(f"training images per epoch: {n_train:,} ({len(data.train_dataloader())} batches)")
    print(
        f"(a) d2lutils one-off load (FashionMNIST(...) incl. both splits, float + resize): "
        f"median {fmt_seconds(median(load_times))} of {fmt_samples(load_times)}"
    )
    for name in pipelines:
        label = "(b)" if name == old_name else "(a)"
        if name == old_name:
            print(
                f"(b) d2l 1.0.3 setup (torchvision.datasets.FashionMNIST(...)): "
                f"{fmt_seconds(old_setup)}"
            )
        print(
            f"{label} {name}: first (untimed, warm-up) epoch {fmt_seconds(first_epoch[name])}; "
            f"epoch median {fmt_seconds(median(times[name]))} of {fmt_samples(times[name])}"
        )
    print(f"setup + one epoch, old / new: {(old_setup + old) / (median(load_times) + new):.2f}x")
    print(goal_line(f"per-epoch speed-up, d2l 1.0.3 / {new_name}", old / new, GOAL, at_least=True))
    if new1_name in times:
        print(
            goal_line(
                f"per-epoch speed-up, d2l 1.0.3 / {new1_name} (context)",
                old / median(times[new1_name]),
                GOAL,
                at_least=True,
            )
        )
    print_load()


if __name__ == "__main__":
    main()
