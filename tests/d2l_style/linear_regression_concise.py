"""D2L 1.0.3 "Concise Implementation of Linear Regression" style: our own code, with d2lutils."""

# %%
import torch
from torch import nn

import d2lutils as d2l

# %%
d2l.set_seed(2)


class ConciseRegression(d2l.Module):
    """A lazy linear layer, mean squared error and torch's SGD."""

    def __init__(self, lr):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.LazyLinear(1)


@d2l.add_to_class(ConciseRegression)
def forward(self, X):
    return self.net(X)


@d2l.add_to_class(ConciseRegression)
def loss(self, y_hat, y):
    return nn.MSELoss()(y_hat, y)


@d2l.add_to_class(ConciseRegression)
def configure_optimizers(self):
    return torch.optim.SGD(self.parameters(), self.lr)


# %%
true_w, true_b = torch.tensor([1.0, -2.5, 0.5]), 3.0
data = d2l.SyntheticRegressionData(w=true_w, b=true_b)
model = ConciseRegression(lr=0.03)
trainer = d2l.Trainer(max_epochs=3)
history = trainer.fit(model, data)
assert history["train_loss"][-1] < history["train_loss"][0]


# %%
@d2l.add_to_class(ConciseRegression)
def get_w_b(self):
    return (self.net.weight.data, self.net.bias.data)


w, b = model.get_w_b()
assert (data.w - w.reshape(data.w.shape)).abs().max() < 0.05
assert abs(data.b - b.item()) < 0.05

# %%
library_model = d2l.LinearRegression(lr=0.03)
d2l.Trainer(max_epochs=3).fit(library_model, data)
w, b = library_model.get_w_b()
assert w.shape == (1, 3) and b.shape == (1,)
assert (data.w - w.reshape(data.w.shape)).abs().max() < 0.05
