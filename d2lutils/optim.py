"""Minibatch stochastic gradient descent written out by hand: a class and a function."""

from __future__ import annotations

from collections.abc import Iterable

import torch

from .hparams import HyperParameters


class SGD(HyperParameters):
    """Plain minibatch SGD: ``p <- p - lr * p.grad`` for every parameter ``p``.

    It offers the two methods a :class:`~d2lutils.Trainer` calls on an optimizer,
    ``step`` and ``zero_grad``, so it can stand in for ``torch.optim.SGD``.
    """

    def __init__(self, params: Iterable[torch.Tensor], lr: float) -> None:
        if lr <= 0:
            raise ValueError(f"lr must be positive, got {lr}")
        self.params = list(params)
        self.lr = lr
        self.hparams = {"lr": lr}

    def step(self) -> None:
        """Move each parameter against its gradient; parameters without one are skipped."""
        with torch.no_grad():
            for param in self.params:
                if param.grad is not None:
                    param -= self.lr * param.grad

    def zero_grad(self) -> None:
        """Reset the gradients, which PyTorch otherwise accumulates across backward calls."""
        for param in self.params:
            if param.grad is not None:
                param.grad.zero_()


def sgd(params: Iterable[torch.Tensor], lr: float, batch_size: int) -> None:
    """One step of minibatch SGD in place, then the gradients zeroed: d2l's first-edition
    function form of :class:`SGD`.

    Each parameter moves by ``-lr * grad / batch_size``: the gradient is that of a
    loss *summed* over the minibatch (``squared_loss(...).sum().backward()``), and the
    division turns it into the gradient of the mean.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size!r}")
    params = list(params)
    grads = []
    for i, param in enumerate(params):
        if param.grad is None:
            raise ValueError(
                f"parameter {i} (shape {tuple(param.shape)}) has no gradient: create it with "
                "requires_grad=True and call backward() on the loss before d2l.sgd"
            )
        grads.append(param.grad)
    with torch.no_grad():
        for param, grad in zip(params, grads):
            param -= lr * grad / batch_size
            grad.zero_()
