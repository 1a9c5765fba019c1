# %%
import torch
from d2l import torch as d2l
from split import FashionMNISTSplit
from torch import nn

data = FashionMNISTSplit(batch_size=256)


# %%
class MLPScratch(d2l.Classifier):
    def __init__(self, num_inputs, num_outputs, num_hiddens, lr, sigma=0.01):
        super().__init__()
        self.save_hyperparameters()
        self.W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens) * sigma)
        self.b1 = nn.Parameter(torch.zeros(num_hiddens))
        self.W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs) * sigma)
        self.b2 = nn.Parameter(torch.zeros(num_outputs))

    def forward(self, X):
        H = torch.relu(X.reshape(-1, self.num_inputs) @ self.W1 + self.b1)
        return H @ self.W2 + self.b2


budget_epochs = -(-600 // len(data.train_dataloader()))
torch.manual_seed(0)
model = MLPScratch(num_inputs=784, num_outputs=10, num_hiddens=256, lr=0.1)
trainer = d2l.Trainer(max_epochs=budget_epochs)
trainer.fit(model, data)


# %%
class MLP(d2l.Classifier):
    def __init__(self, num_outputs, num_hiddens, lr):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(
            nn.Flatten(), nn.LazyLinear(num_hiddens), nn.ReLU(), nn.LazyLinear(num_outputs)
        )


class SoftmaxRegression(d2l.Classifier):
    def __init__(self, num_outputs, lr):
        super().__init__()
        self.save_hyperparameters()
        self.net = nn.Sequential(nn.Flatten(), nn.LazyLinear(num_outputs))


runs = {}
torch.manual_seed(0)
model = MLP(num_outputs=10, num_hiddens=256, lr=0.1)
d2l.Trainer(max_epochs=budget_epochs).fit(model, data)
runs["MLP", 0.1] = model

# %%
makers = {
    "softmax regression": lambda lr: SoftmaxRegression(num_outputs=10, lr=lr),
    "MLP": lambda lr: MLP(num_outputs=10, num_hiddens=256, lr=lr),
}
for name, make_model in makers.items():
    for lr in [0.03, 0.1, 0.3, 1.0]:
        if (name, lr) in runs:
            continue
        torch.manual_seed(0)
        model = make_model(lr)
        model.board.display = False
        d2l.Trainer(max_epochs=budget_epochs).fit(model, data)
        runs[name, lr] = model


def score(model):
    """Mean validation accuracy over the last three epochs, from the board's points."""
    return sum(point.y for point in model.board.data["val_acc"][-3:]) / 3


scores = {key: float(score(model)) for key, model in runs.items()}
print(scores)

# %%
chosen = runs[max(scores, key=scores.get)]
correct = 0.0
with torch.no_grad():
    for X, y in data.test_dataloader():
        correct += chosen.accuracy(chosen(X), y, averaged=False).sum().item()
print("test accuracy", correct / len(data.test))
