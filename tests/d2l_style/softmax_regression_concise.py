"""Concise softmax regression, in the style of D2L 1.0.3's section 4.5 notebook.

Our own code: a model from ``nn.Flatten`` and ``nn.LazyLinear`` returning logits, the
classifier's loss replaced through ``d2l.add_to_class`` by ``F.cross_entropy`` on those
logits, and training on Fashion-MNIST with ``d2l.Trainer``.
"""

# %%
import math

import torch
from torch import nn
from torch.nn import functional as F

import d2lutils as d2l


# %%
class SoftmaxRegression(d2l.Classifier):
    """Flatten, then one lazily sized linear layer; the output holds logits."""

    def __init__(self, num_outputs, lr):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Flatten(), nn.LazyLinear(num_outputs))

    def forward(self, X):
        return self.net(X)


# %%
@d2l.add_to_class(d2l.Classifier)
def loss(self, Y_hat, Y, averaged=True):
    scores = Y_hat.reshape((-1, Y_hat.shape[-1]))
    return F.cross_entropy(scores, Y.reshape((-1,)), reduction="mean" if averaged else "none")


# %%
probe = SoftmaxRegression(num_outputs=10, lr=0.1)
logits = probe(torch.zeros(3, 1, 28, 28))
assert logits.shape == (3, 10)
per_example = probe.loss(logits, torch.tensor([0, 4, 9]), averaged=False)
assert per_example.shape == (3,)
# zero images give equal logits (the bias alone), so every loss equals that of the bias
assert torch.allclose(per_example, -F.log_softmax(probe.net[1].bias, dim=0)[[0, 4, 9]])
huge = probe.loss(torch.tensor([[1000.0, 0.0]]), torch.tensor([1]))
assert math.isclose(huge.item(), 1000.0), "the loss must take logits, not probabilities"

# %%
data = d2l.FashionMNIST(batch_size=256)
model = SoftmaxRegression(num_outputs=10, lr=0.1)
trainer = d2l.Trainer(max_epochs=10)
trainer.fit(model, data)

# %%
history = trainer.history
assert len(history["val_acc"]) == 10
assert history["train_loss"][-1] < history["train_loss"][0]
assert history["val_acc"][-1] > 0.5, history["val_acc"]

# %% d2l ships the same model as d2l.SoftmaxRegression: under one seed it trains alike
d2l.set_seed(1)
ours = SoftmaxRegression(num_outputs=10, lr=0.1)
d2l.Trainer(max_epochs=2).fit(ours, data)
d2l.set_seed(1)
packaged = d2l.SoftmaxRegression(num_outputs=10, lr=0.1)
d2l.Trainer(max_epochs=2).fit(packaged, data)
assert torch.allclose(ours.net[1].weight, packaged.net[1].weight)
packaged.layer_summary((1, 1, 28, 28))
