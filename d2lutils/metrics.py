"""Counting how well a model does over a data set: d2l's first-edition evaluation helpers.

The chapters measure models through ``Module.validation_step`` and the
:class:`~d2lutils.Trainer`; code written in the older function style (a ``net``, a
``data_iter`` and a loop) uses these instead, with the same meaning as in d2l.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch
from torch import nn


class Accumulator:
    """Running sums of ``n`` quantities, e.g. (correct predictions, examples seen).

    ``add(a, b, ...)`` adds one value to each sum in order, ``acc[i]`` reads sum ``i``
    and ``reset()`` sets them all back to zero. Values may be numbers or one-element
    tensors; the sums are Python floats.
    """

    def __init__(self, n: int) -> None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"an Accumulator needs a positive number of sums, got {n!r}")
        self.data = [0.0] * n

    def add(self, *args: Any) -> None:
        """Add ``args[i]`` to sum ``i``; with fewer values than sums, the rest stay as they are."""
        if len(args) > len(self.data):
            raise ValueError(
                f"this Accumulator keeps {len(self.data)} sums but add() got {len(args)} values"
            )
        for i, value in enumerate(args):
            self.data[i] += float(value)

    def reset(self) -> None:
        """Set every sum back to zero."""
        self.data = [0.0] * len(self.data)

    def __getitem__(self, index: int) -> float:
        return self.data[index]

    def __len__(self) -> int:
        return len(self.data)


def accuracy(y_hat: torch.Tensor, y: torch.Tensor) -> float:
    """The *number* (not the fraction) of correct predictions, as a float.

    ``y_hat`` holds either scores of shape (n, q), whose largest column is the
    prediction, or predicted labels of shape (n,); ``y`` holds the labels, shape (n,).
    A count rather than a mean lets callers add it up over batches of any size.
    """
    if y_hat.dim() > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(dim=1)
    predicted = y_hat.reshape(-1).to(y.dtype)
    if predicted.shape != y.reshape(-1).shape:
        raise ValueError(
            f"accuracy got {predicted.numel()} predictions for {y.numel()} labels "
            f"(y_hat of shape {tuple(y_hat.shape)}, y of shape {tuple(y.shape)})"
        )
    return float((predicted == y.reshape(-1)).sum())


def _batches(data_iter: Iterable[Sequence[torch.Tensor]]) -> Iterable[Sequence[torch.Tensor]]:
    for batch in data_iter:
        if len(batch) < 2:
            raise ValueError(
                "each batch of data_iter must be (inputs, labels); got a batch of "
                f"{len(batch)} item(s)"
            )
        yield batch


def evaluate_loss(
    net: Callable[[torch.Tensor], torch.Tensor],
    data_iter: Iterable[Sequence[torch.Tensor]],
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
) -> float:
    """Mean of ``loss`` over every element it returns on the batches of ``data_iter``.

    ``loss`` should return one value per example (``reduction='none'``); the labels
    are reshaped to the shape of ``net``'s output first. No gradients are recorded.
    """
    total = Accumulator(2)  # sum of losses, number of values
    with torch.no_grad():
        for X, y, *_ in _batches(data_iter):
            out = net(X)
            values = loss(out, y.reshape(out.shape))
            total.add(values.sum(), values.numel())
    if total[1] == 0:
        raise ValueError("evaluate_loss got no examples: data_iter yielded no batches")
    return total[0] / total[1]


def evaluate_accuracy_gpu(
    net: Callable[[torch.Tensor], torch.Tensor],
    data_iter: Iterable[Sequence[torch.Tensor]],
    device: torch.device | str | None = None,
) -> float:
    """Fraction of correct predictions of ``net`` over ``data_iter``, computed on ``device``.

    ``device`` defaults to the device of the model's first parameter (the CPU for a
    model without parameters). A ``nn.Module`` is evaluated in evaluation mode and
    put back into the mode it was in afterwards (d2l leaves it in evaluation mode).
    """
    module = net if isinstance(net, nn.Module) else None
    was_training = module is not None and module.training
    if module is not None:
        module.eval()
        if device is None:
            device = next((p.device for p in module.parameters()), None)
    device = torch.device(device if device is not None else "cpu")
    counts = Accumulator(2)  # correct predictions, predictions
    try:
        with torch.no_grad():
            for X, y, *_ in _batches(data_iter):
                X, y = X.to(device), y.to(device)
                counts.add(accuracy(net(X), y), y.numel())
    finally:
        if module is not None and was_training:
            module.train()
    if counts[1] == 0:
        raise ValueError("evaluate_accuracy_gpu got no examples: data_iter yielded no batches")
    return counts[0] / counts[1]
