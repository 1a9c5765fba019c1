"""What ``d2l.Trainer`` costs on top of a hand-written PyTorch training loop.

Both sides train the same MLP (784-256-10, ReLU, SGD with lr 0.1) for one epoch
at batch size 256 on a full-size (60,000 / 10,000) Fashion-MNIST stand-in held in
memory, starting from the same weights and seeing the same shuffled batches:

(A) ``d2l.Trainer(max_epochs=1).fit(model, data)`` with a ``d2l.Classifier``
    (its ``ProgressBoard`` is created as usual; outside a notebook it only
    records points, and nothing is ever displayed);
(B) a plain loop over the data module's tensors: per batch forward,
    cross-entropy, ``zero_grad``, ``backward``, ``step``, then a validation pass
    under ``no_grad`` computing loss and accuracy per batch. It keeps the same
    per-epoch numbers ``Trainer`` reports (mean training loss, validation loss and
    accuracy, each with one ``.item()`` per batch), so both sides do the same work.

The runs alternate A, B, A, B, ... with the same ``torch.set_num_threads`` for
both (1 by default: on a machine shared with other jobs, intra-op threads that
wait for each other on busy cores make epoch times swing by 4x or more; pass
``--threads`` to change it); the medians are compared. An untimed first pair
checks that both sides end with the same weights (same batches, same
arithmetic). Model construction and the copy of the initial weights are outside
the timed region.
Goal: A at most 1.15x B.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from _common import (
    fashion_mnist_standin,
    fmt_samples,
    fmt_seconds,
    goal_line,
    median,
    print_load,
    print_machine_info,
)
from torch import nn

GOAL = 1.15


def make_net() -> nn.Sequential:
    """The MLP both sides train."""
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def make_classifier(lr: float, initial: dict[str, torch.Tensor]) -> Any:
    """A ``d2l.Classifier`` around the MLP, starting from ``initial`` weights."""
    import d2lutils as d2l

    class MLP(d2l.Classifier):
        def __init__(self, lr: float) -> None:
            super().__init__()
            self.save_hyperparameters()
            self.net = make_net()

    model = MLP(lr)
    model.net.load_state_dict(initial)
    return model


def sampler_permutation(n: int, seed: int) -> torch.Tensor:
    """The order in which a shuffling ``DataLoader`` visits ``n`` items after ``manual_seed(seed)``.

    Starting an iteration over a ``DataLoader`` draws one int64 from the global
    generator (its base seed); its ``RandomSampler`` then draws another and seeds a
    private generator with it. Doing the same here gives the same batches; the
    weight check in ``main`` reports it if a PyTorch version does otherwise.
    """
    torch.manual_seed(seed)
    torch.empty((), dtype=torch.int64).random_()  # the DataLoader iterator's base seed
    private_seed = int(torch.empty((), dtype=torch.int64).random_().item())
    return torch.randperm(n, generator=torch.Generator().manual_seed(private_seed))


def run_trainer(
    data: Any, lr: float, initial: dict[str, torch.Tensor], seed: int
) -> tuple[float, dict[str, float], nn.Module]:
    """(A) one epoch through ``d2l.Trainer``; returns seconds, its epoch metrics and the net."""
    import d2lutils as d2l

    model = make_classifier(lr, initial)
    torch.manual_seed(seed)
    started = time.perf_counter()
    trainer = d2l.Trainer(max_epochs=1)
    history = trainer.fit(model, data)
    elapsed = time.perf_counter() - started
    return elapsed, {k: v[-1] for k, v in history.items()}, model.net


def run_plain(
    data: Any, lr: float, initial: dict[str, torch.Tensor], seed: int, batch_size: int
) -> tuple[float, dict[str, float], nn.Module]:
    """(B) the same epoch as a hand-written loop over the same in-memory tensors."""
    net = make_net()
    net.load_state_dict(initial)
    X_train, y_train = data.train.tensors
    X_val, y_val = data.val.tensors
    n_train, n_val = len(y_train), len(y_val)
    started = time.perf_counter()
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    order = sampler_permutation(n_train, seed)
    net.train()
    train_loss = 0.0
    for start in range(0, n_train, batch_size):
        idx = order[start : start + batch_size]
        X, y = X_train[idx], y_train[idx]
        loss = F.cross_entropy(net(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        train_loss += loss.item() * len(y)
    net.eval()
    val_loss = val_correct = 0.0
    with torch.no_grad():
        for start in range(0, n_val, batch_size):
            X, y = X_val[start : start + batch_size], y_val[start : start + batch_size]
            logits = net(X)
            val_loss += F.cross_entropy(logits, y).item() * len(y)
            val_correct += (logits.argmax(dim=1) == y).float().mean().item() * len(y)
    elapsed = time.perf_counter() - started
    metrics = {
        "train_loss": train_loss / n_train,
        "val_loss": val_loss / n_val,
        "val_acc": val_correct / n_val,
    }
    return elapsed, metrics, net


def max_weight_difference(a: nn.Module, b: nn.Module) -> float:
    """Largest absolute difference between corresponding parameters."""
    with torch.no_grad():
        return max(float((p - q).abs().max()) for p, q in zip(a.parameters(), b.parameters()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="folder with (or to receive) FashionMNIST/raw; default: a temp dir",
    )
    parser.add_argument("--repeats", type=int, default=11, help="timed epochs per side")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch.set_num_threads for both sides (default 1: on a machine "
        "shared with other jobs, several threads make epochs swing 4x)",
    )
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=0.1)
    args = parser.parse_args()

    import d2lutils as d2l

    print_machine_info("Trainer overhead: d2l.Trainer + Classifier vs a hand-written loop")
    torch.set_num_threads(args.threads)
    print(
        f"torch.set_num_threads({args.threads}) for both sides; batch size {args.batch_size}; "
        f"lr {args.lr}; {args.repeats} timed epochs per side, alternating A, B, A, B, ..."
    )

    with fashion_mnist_standin(args.root) as root:
        data = d2l.FashionMNIST(batch_size=args.batch_size, root=root)
    print(
        f"{data.data_description}; {len(data.train_dataloader())} training and "
        f"{len(data.val_dataloader())} validation batches per epoch"
    )
    torch.manual_seed(0)
    initial = {k: v.clone() for k, v in make_net().state_dict().items()}

    # Untimed warm-up of both sides, which also checks that they do the same work.
    _, metrics_a, net_a = run_trainer(data, args.lr, initial, seed=1)
    _, metrics_b, net_b = run_plain(data, args.lr, initial, seed=1, batch_size=args.batch_size)
    difference = max_weight_difference(net_a, net_b)
    print(
        f"same work check: max |weight A - weight B| after one epoch = {difference:.2e} "
        f"({'same batches and updates' if difference < 1e-4 else 'DIFFERENT: check the batches'})"
    )
    if difference >= 1e-4:
        sys.exit(
            "error: the two sides did not do the same work (different weights after one "
            "epoch), so no ratio is printed"
        )
    print("  epoch metrics A: " + ", ".join(f"{k} {v:.4f}" for k, v in sorted(metrics_a.items())))
    print("  epoch metrics B: " + ", ".join(f"{k} {v:.4f}" for k, v in sorted(metrics_b.items())))

    times: dict[str, list[float]] = {"A": [], "B": []}
    for repeat in range(args.repeats):
        seed = 100 + repeat
        times["A"].append(run_trainer(data, args.lr, initial, seed)[0])
        times["B"].append(run_plain(data, args.lr, initial, seed, args.batch_size)[0])

    a, b = median(times["A"]), median(times["B"])
    pair_ratios = [x / y for x, y in zip(times["A"], times["B"])]
    print(f"(A) d2l.Trainer.fit, 1 epoch: median {fmt_seconds(a)} of {fmt_samples(times['A'])}")
    print(f"(B) hand-written loop, 1 epoch: median {fmt_seconds(b)} of {fmt_samples(times['B'])}")
    print(
        f"per-pair ratios A/B: [{', '.join(f'{r:.3f}' for r in pair_ratios)}], "
        f"median {median(pair_ratios):.3f}"
    )
    print(
        goal_line(
            "Trainer time / hand-written time (ratio of medians)", a / b, GOAL, at_least=False
        )
    )
    print_load()


if __name__ == "__main__":
    main()
