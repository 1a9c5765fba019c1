"""D2L 1.0.3 "Weight Decay" style: our own code, with d2lutils as d2l."""

# %%
import torch

import d2lutils as d2l

# %%
d2l.set_seed(3)


class ManyFeatures(d2l.DataModule):
    """Few examples, many features, small true weights; no super().__init__() call."""

    def __init__(self, num_train, num_val, num_inputs, batch_size):
        self.save_hyperparameters()
        total = num_train + num_val
        self.X = torch.randn(total, num_inputs)
        w, b = torch.full((num_inputs, 1), 0.02), 0.1
        self.y = torch.matmul(self.X, w) + b + 0.01 * torch.randn(total, 1)

    def get_dataloader(self, train):
        rows = slice(0, self.num_train) if train else slice(self.num_train, None)
        return self.get_tensorloader([self.X, self.y], train, rows)


def squared_norm_half(w):
    return (w**2).sum() / 2


# %%
class PenalizedScratch(d2l.LinearRegressionScratch):
    def __init__(self, num_inputs, lambd, lr, sigma=0.01):
        super().__init__(num_inputs, lr, sigma)
        self.save_hyperparameters()

    def loss(self, y_hat, y):
        return super().loss(y_hat, y) + self.lambd * squared_norm_half(self.w)


data = ManyFeatures(num_train=20, num_val=100, num_inputs=150, batch_size=5)
trainer = d2l.Trainer(max_epochs=10)


def fit_scratch(lambd):
    model = PenalizedScratch(num_inputs=150, lambd=lambd, lr=0.01)
    model.board.yscale = "log"
    trainer.fit(model, data)
    return float(squared_norm_half(model.w))


norm_free, norm_penalized = fit_scratch(0), fit_scratch(3)
assert norm_penalized < norm_free


# %%
class DecayedConcise(d2l.LinearRegression):
    def __init__(self, wd, lr):
        super().__init__(lr)
        self.save_hyperparameters()
        self.wd = wd

    def configure_optimizers(self):
        return torch.optim.SGD(
            [{"params": self.net.weight, "weight_decay": self.wd}, {"params": self.net.bias}],
            lr=self.lr,
        )


model = DecayedConcise(wd=3, lr=0.01)
model.board.yscale = "log"
trainer.fit(model, data)
w, b = model.get_w_b()
assert w.shape == (1, 150)
assert float(squared_norm_half(w)) < norm_free
