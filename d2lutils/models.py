"""Ready-made models: the linear regressions of Sections 3.4 and 3.5 and the softmax
regression of Section 4.5.

:class:`LinearRegressionScratch` keeps its weights as plain tensors and is trained by
the hand-written :class:`~d2lutils.SGD`; :class:`LinearRegression` uses ``nn.Linear``,
``F.mse_loss`` and ``torch.optim.SGD``. Subclasses change the loss or the optimizer
(weight decay, for instance) without repeating the rest. :class:`SoftmaxRegression` is
a :class:`~d2lutils.Classifier` made of ``nn.Flatten`` and one lazily sized linear layer.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .module import Classifier, Module
from .optim import SGD


def _check_linear_hyperparameters(lr: float, sigma: float, num_inputs: int | None) -> None:
    if num_inputs is not None and (
        isinstance(num_inputs, bool) or not isinstance(num_inputs, int) or num_inputs < 1
    ):
        raise ValueError(
            f"num_inputs must be a positive int (the number of features), got {num_inputs!r}"
        )
    if not lr > 0:
        raise ValueError(f"lr must be a positive learning rate, got {lr!r}")
    if not sigma >= 0:
        raise ValueError(
            f"sigma is the standard deviation of the initial weights and must be >= 0, "
            f"got {sigma!r}"
        )


def linreg(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor | float) -> torch.Tensor:
    """The linear model ``X @ w + b`` as a function (d2l's first-edition ``linreg``).

    ``X`` has shape (n, d), ``w`` shape (d, 1) (or (d,)), and ``b`` broadcasts; the
    predictions have shape (n, 1) (or (n,)).
    """
    return X @ w + b


def squared_loss(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per-example halved squared error ``(y_hat - y) ** 2 / 2``, shaped like ``y_hat``.

    Not averaged: d2l's first-edition ``squared_loss``, whose callers sum it and
    divide by the batch size themselves. ``y`` is reshaped to ``y_hat``'s shape first,
    so that targets of shape (n,) do not broadcast into an (n, n) matrix.
    """
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


class LinearRegressionScratch(Module):
    """Linear regression ``X @ w + b`` with plain tensors, halved squared loss and hand SGD.

    Parameters
    ----------
    num_inputs : int
        Number of features: ``w`` has shape (num_inputs, 1).
    lr : float
        Learning rate of the :class:`~d2lutils.SGD` optimizer.
    sigma : float, default=0.01
        Standard deviation of the normal distribution ``w`` is drawn from; ``b`` starts at 0.

    Attributes
    ----------
    w : torch.Tensor
        Weights, shape (num_inputs, 1), a leaf tensor that requires gradients.
    b : torch.Tensor
        Bias, shape (1,), a leaf tensor that requires gradients.

    Notes
    -----
    ``w`` and ``b`` are not ``nn.Parameter``: ``model.parameters()`` does not list them,
    and :meth:`configure_optimizers` hands them to the optimizer by name.
    """

    num_inputs: int
    sigma: float

    def __init__(self, num_inputs: int, lr: float, sigma: float = 0.01) -> None:
        _check_linear_hyperparameters(lr, sigma, num_inputs)
        super().__init__()
        self.save_hyperparameters()
        self.w = torch.normal(0, sigma, (num_inputs, 1), requires_grad=True)
        self.b = torch.zeros(1, requires_grad=True)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Predictions of shape (n, 1) for a batch ``X`` of shape (n, num_inputs)."""
        return X @ self.w + self.b

    def loss(self, y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Mean of ``(y_hat - y) ** 2 / 2``; ``y`` is reshaped to ``y_hat``'s shape first,
        so that targets of shape (n,) do not broadcast into an (n, n) matrix."""
        return ((y_hat - y.reshape(y_hat.shape)) ** 2 / 2).mean()

    def configure_optimizers(self) -> SGD:
        """The hand-written minibatch SGD over ``w`` and ``b``."""
        return SGD([self.w, self.b], self.lr)

    def get_w_b(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The learned weights (num_inputs, 1) and bias (1,), detached from autograd."""
        return self.w.detach(), self.b.detach()


class LinearRegression(Module):
    """Linear regression with ``nn.Linear(num_inputs, 1)``, ``F.mse_loss`` and ``torch.optim.SGD``.

    Parameters
    ----------
    lr : float
        Learning rate of ``torch.optim.SGD``.
    num_inputs : int or None, default=None
        Number of features. None makes the layer lazy (``nn.LazyLinear``): it learns
        its input size from the first batch it sees.
    sigma : float, default=0.01
        Standard deviation of the normal distribution the weights are drawn from; the
        bias starts at 0.

    Notes
    -----
    A lazy layer has no weights until its first forward pass, and creating them then
    runs PyTorch's default initialization, which would overwrite anything set before.
    The normal initialization is therefore applied right after that first pass
    materializes the weights (at once when ``num_inputs`` is given).
    """

    num_inputs: int | None
    sigma: float

    def __init__(self, lr: float, num_inputs: int | None = None, sigma: float = 0.01) -> None:
        _check_linear_hyperparameters(lr, sigma, num_inputs)
        super().__init__()
        self.save_hyperparameters()
        if num_inputs is None:
            self.net: nn.Module = nn.LazyLinear(1)
            # Registered after LazyLinear's own hook, so it runs once the weights exist.
            self._pending_init = self.net.register_forward_pre_hook(self._initialize_once)
        else:
            self.net = nn.Linear(num_inputs, 1)
            self._initialize()

    def _initialize(self) -> None:
        weight, bias = self.get_w_b()
        nn.init.normal_(weight, 0.0, self.sigma)
        nn.init.zeros_(bias)

    def _initialize_once(self, module: nn.Module, inputs: Any) -> None:
        self._initialize()
        self._pending_init.remove()

    def get_w_b(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The weight (1, num_inputs) and bias (1,) of the layer, detached from autograd.

        They share storage with the layer: they show later updates, and writing into
        them changes the model.
        """
        weight = self.net.weight
        bias = self.net.bias
        if not isinstance(weight, torch.Tensor) or not isinstance(bias, torch.Tensor):
            raise TypeError(f"{type(self.net).__name__} has no weight and bias tensors")
        if isinstance(weight, nn.parameter.UninitializedParameter):
            raise RuntimeError(
                "The lazy layer has no weights yet: run one batch through the model first "
                "(or pass num_inputs to create them at once)."
            )
        return weight.detach(), bias.detach()


class SoftmaxRegression(Classifier):
    """Softmax regression: flatten each example, then one ``nn.LazyLinear(num_outputs)``.

    ``forward`` returns the logits (n, num_outputs); the inherited
    :meth:`~d2lutils.Classifier.loss` applies the softmax inside ``F.cross_entropy``.
    The layer learns its input size from the first batch it sees.
    """

    num_outputs: int

    def __init__(self, num_outputs: int, lr: float) -> None:
        if isinstance(num_outputs, bool) or not isinstance(num_outputs, int) or num_outputs < 1:
            raise ValueError(f"num_outputs must be a positive int (classes), got {num_outputs!r}")
        if not lr > 0:
            raise ValueError(f"lr must be a positive learning rate, got {lr!r}")
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Flatten(), nn.LazyLinear(num_outputs))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Logits of shape (n, num_outputs) for a batch ``X`` of shape (n, ...)."""
        logits: torch.Tensor = self.net(X)
        return logits
