"""Minibatch stochastic gradient descent written out by hand."""

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
