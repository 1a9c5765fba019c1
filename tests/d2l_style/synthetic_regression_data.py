"""D2L 1.0.3 "Synthetic Regression Data" style: our own code, with d2lutils as d2l."""

# %%
import random

import torch

import d2lutils as d2l

# %%
d2l.set_seed(1)


class NoisyLine(d2l.DataModule):
    """Points near y = X w + b, generated as the section generates them."""

    def __init__(self, w, b, noise=0.01, num_train=600, num_val=400, batch_size=25):
        super().__init__()
        self.save_hyperparameters()
        total = num_train + num_val
        self.X = torch.randn(total, len(w))
        self.y = torch.matmul(self.X, w.reshape(-1, 1)) + b + noise * torch.randn(total, 1)


data = NoisyLine(w=torch.tensor([1.5, -2.0]), b=0.7)
assert data.X.shape == (1000, 2) and data.y.shape == (1000, 1)
assert data.batch_size == 25 and data.num_workers == 0


# %%
@d2l.add_to_class(NoisyLine)
def get_dataloader(self, train):
    if train:
        rows = list(range(0, self.num_train))
        random.shuffle(rows)
    else:
        rows = list(range(self.num_train, self.num_train + self.num_val))
    for start in range(0, len(rows), self.batch_size):
        picked = torch.tensor(rows[start : start + self.batch_size])
        yield self.X[picked], self.y[picked]


X, y = next(iter(data.train_dataloader()))
assert X.shape == (25, 2) and y.shape == (25, 1)
assert sum(1 for _ in data.val_dataloader()) == 400 // 25


# %%
@d2l.add_to_class(d2l.DataModule)
def get_tensorloader(self, tensors, train, indices=slice(0, None)):
    tensors = tuple(a[indices] for a in tensors)
    dataset = torch.utils.data.TensorDataset(*tensors)
    return torch.utils.data.DataLoader(dataset, self.batch_size, shuffle=train)


@d2l.add_to_class(NoisyLine)
def get_dataloader(self, train):  # noqa: F811 (the section redefines it, as D2L's does)
    i = slice(0, self.num_train) if train else slice(self.num_train, None)
    return self.get_tensorloader((self.X, self.y), train, i)


X, y = next(iter(data.train_dataloader()))
assert X.shape == (25, 2) and y.shape == (25, 1)
assert len(data.train_dataloader()) == 600 // 25
assert len(data.val_dataloader()) == 400 // 25

# %%
built_in = d2l.SyntheticRegressionData(w=torch.tensor([2.0, -3.4]), b=4.2, batch_size=32)
assert built_in.X.shape == (2000, 2)
assert len(built_in.train_dataloader()) == -(-1000 // 32)
residual = built_in.y - (built_in.X @ torch.tensor([[2.0], [-3.4]]) + 4.2)
assert residual.std() < 0.02
