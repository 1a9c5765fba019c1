"""Models: what to compute, which loss to use and how to optimize it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from torch import nn

from .board import ProgressBoard
from .hparams import HyperParameters

if TYPE_CHECKING:
    from .trainer import Trainer


class Module(nn.Module, HyperParameters):
    """Base class of the models: an ``nn.Module`` that also knows its loss and optimizer.

    A subclass sets ``self.net`` (or overrides ``forward``), may override ``loss``
    (mean squared error by default) and ``configure_optimizers`` (SGD with
    ``self.lr`` by default). During ``Trainer.fit`` the steps plot their metrics on
    ``self.board``.
    """

    trainer: Trainer | None
    # Set from the constructor's arguments by save_hyperparameters (``lr`` by the
    # subclasses that take one).
    plot_train_per_epoch: int
    plot_valid_per_epoch: int
    lr: float

    def __init__(self, plot_train_per_epoch: int = 2, plot_valid_per_epoch: int = 1) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.board = ProgressBoard()
        self.trainer = None

    def loss(self, y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Mean squared error; classifiers and scratch models override this."""
        return F.mse_loss(y_hat, y.reshape(y_hat.shape))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Apply ``self.net`` to a batch of inputs."""
        net = getattr(self, "net", None)
        if net is None:
            raise AttributeError(
                f"{type(self).__name__} has no attribute 'net': set self.net in __init__ "
                "or override forward()."
            )
        output: torch.Tensor = net(X)
        return output

    def plot(self, key: str, value: torch.Tensor | float, train: bool) -> None:
        """Record a metric for the history and draw it on the board against epochs."""
        trainer = self.trainer
        if trainer is None:
            raise RuntimeError("plot() records training progress; call it during Trainer.fit().")
        label = ("train_" if train else "val_") + key
        number = value.detach().float().item() if isinstance(value, torch.Tensor) else float(value)
        trainer.record(label, number)
        self.board.xlabel = "epoch"
        if train:
            x = trainer.train_batch_idx / trainer.num_train_batches
            every_n = trainer.num_train_batches / self.plot_train_per_epoch
        else:
            x = trainer.epoch + 1
            every_n = trainer.num_val_batches / self.plot_valid_per_epoch
        self.board.draw(x, number, label, every_n=max(1, int(every_n)), weight=trainer.batch_size)

    def training_step(self, batch: Sequence[torch.Tensor]) -> torch.Tensor:
        """Loss on one training minibatch (the last element of ``batch`` is the target)."""
        loss = self.loss(self(*batch[:-1]), batch[-1])
        self.plot("loss", loss, train=True)
        return loss

    def validation_step(self, batch: Sequence[torch.Tensor]) -> None:
        """Record the loss on one validation minibatch."""
        loss = self.loss(self(*batch[:-1]), batch[-1])
        self.plot("loss", loss, train=False)

    def configure_optimizers(self) -> Any:
        """The optimizer ``Trainer`` uses: minibatch SGD with learning rate ``self.lr``."""
        if not hasattr(self, "lr"):
            raise AttributeError(
                f"{type(self).__name__} has no 'lr': take a learning rate in __init__ "
                "(and call save_hyperparameters) or override configure_optimizers()."
            )
        return torch.optim.SGD(self.parameters(), lr=self.lr)

    def apply_init(
        self, inputs: Sequence[torch.Tensor], init: Callable[[nn.Module], None] | None = None
    ) -> None:
        """Run one forward pass (so lazy layers get their shapes), then apply ``init``."""
        self.forward(*inputs)
        if init is not None:
            self.apply(init)


class Classifier(Module):
    """A model whose outputs are class scores (logits); reports loss and accuracy."""

    def loss(self, Y_hat: torch.Tensor, Y: torch.Tensor, averaged: bool = True) -> torch.Tensor:
        """Cross-entropy between logits ``Y_hat`` (n, classes) and class indices ``Y`` (n,)."""
        logits = Y_hat.reshape(-1, Y_hat.shape[-1])
        return F.cross_entropy(logits, Y.reshape(-1), reduction="mean" if averaged else "none")

    def accuracy(self, Y_hat: torch.Tensor, Y: torch.Tensor, averaged: bool = True) -> torch.Tensor:
        """Fraction of rows whose highest score is the true class (or 0/1 per row)."""
        predicted = Y_hat.reshape(-1, Y_hat.shape[-1]).argmax(dim=1)
        correct = (predicted == Y.reshape(-1)).float()
        return correct.mean() if averaged else correct

    def layer_summary(self, X_shape: Sequence[int]) -> None:
        """Print the output shape of each layer of ``self.net`` (an ``nn.Sequential``) for
        a random input of shape ``X_shape``: a quick check that the shapes fit together."""
        net = getattr(self, "net", None)
        if not isinstance(net, nn.Sequential):
            raise AttributeError(
                f"{type(self).__name__}.layer_summary lists the layers of self.net, which must "
                f"be an nn.Sequential; got {type(net).__name__}"
            )
        X = torch.randn(*X_shape)
        with torch.no_grad():
            for layer in net:
                X = layer(X)
                print(f"{type(layer).__name__} output shape:\t{tuple(X.shape)}")

    def validation_step(self, batch: Sequence[torch.Tensor]) -> None:
        """Record loss and accuracy on one validation minibatch."""
        Y_hat = self(*batch[:-1])
        self.plot("loss", self.loss(Y_hat, batch[-1]), train=False)
        self.plot("acc", self.accuracy(Y_hat, batch[-1]), train=False)
