"""Function-style training loops, as code written against D2L's first-edition helpers is.

Our own code, calling the helpers that d2l 1.0.3 still ships from the first edition and
that course notebooks, forum answers and older tutorials use: ``synthetic_data``,
``load_array``, ``linreg``, ``squared_loss`` and ``sgd`` for linear regression;
``load_data_fashion_mnist``, ``Accumulator``, ``accuracy``, ``evaluate_accuracy_gpu``,
``evaluate_loss``, ``Animator`` and ``get_fashion_mnist_labels`` for softmax regression;
and the framework-neutral tensor names (``d2l.reshape``, ``d2l.float32``...).
"""

# %%
import torch
from torch import nn

import d2lutils as d2l

torch.manual_seed(7)

# %% Linear regression from scratch, function style
true_w, true_b = d2l.tensor([2.0, -3.4]), 4.2
features, labels = d2l.synthetic_data(true_w, true_b, 1000)
assert d2l.size(features) == 2000 and labels.shape == (1000, 1)

batch_size = 10
w = d2l.normal(0, 0.01, size=(2, 1), requires_grad=True)
b = d2l.zeros(1, requires_grad=True)
net, loss = d2l.linreg, d2l.squared_loss
for epoch in range(3):
    for X, y in d2l.load_array((features, labels), batch_size):
        l = loss(net(X, w, b), y)
        l.sum().backward()
        d2l.sgd([w, b], 0.03, batch_size)
    with torch.no_grad():
        train_l = loss(net(features, w, b), labels)
        print(f"epoch {epoch + 1}, loss {float(d2l.reduce_mean(train_l)):f}")
w_error = true_w - d2l.reshape(w.detach(), true_w.shape)
print("error in estimating w:", d2l.numpy(w_error))
assert float(d2l.reduce_sum(abs(w_error))) < 0.01 and abs(true_b - float(b.detach())) < 0.01

# %% The same model through nn and a loader in evaluation order
dense = nn.Sequential(nn.Linear(2, 1))
trainer = torch.optim.SGD(dense.parameters(), lr=0.03)
mse = nn.MSELoss(reduction="none")
for _ in range(3):
    for X, y in d2l.load_array((features, labels), batch_size):
        trainer.zero_grad()
        mse(dense(X), y).mean().backward()
        trainer.step()
eval_iter = d2l.load_array((features, labels), 100, is_train=False)
assert d2l.evaluate_loss(dense, eval_iter, mse) < 1e-3

# %% Softmax regression from scratch, function style
train_iter, test_iter = d2l.load_data_fashion_mnist(64)
X, y = next(iter(train_iter))
print(X.shape, X.dtype, y.shape, y.dtype)
print(d2l.get_fashion_mnist_labels(y[:6]))
num_inputs, num_outputs = 784, 10
W = d2l.normal(0, 0.01, size=(num_inputs, num_outputs), requires_grad=True)
b = d2l.zeros(num_outputs, requires_grad=True)


def softmax(X):
    X_exp = d2l.exp(X - X.max(dim=1, keepdim=True).values)
    return X_exp / d2l.reduce_sum(X_exp, 1, keepdims=True)


def model(X):
    return softmax(d2l.matmul(d2l.reshape(X, (-1, W.shape[0])), W) + b)


def cross_entropy(y_hat, y):
    return -d2l.log(y_hat[range(len(y_hat)), y])


def evaluate_accuracy(net, data_iter):
    metric = d2l.Accumulator(2)
    with torch.no_grad():
        for X, y in data_iter:
            metric.add(d2l.accuracy(net(X), y), d2l.size(y))
    return metric[0] / metric[1]


animator = d2l.Animator(
    xlabel="epoch", xlim=[1, 3], ylim=[0.0, 1.0], legend=["train loss", "train acc", "test acc"]
)
for epoch in range(3):
    metric = d2l.Accumulator(3)
    for X, y in train_iter:
        y_hat = model(X)
        l = cross_entropy(y_hat, y)
        l.sum().backward()
        d2l.sgd([W, b], 0.1, X.shape[0])
        metric.add(float(l.sum()), d2l.accuracy(y_hat, y), y.numel())
    test_acc = evaluate_accuracy(model, test_iter)
    animator.add(epoch + 1, (metric[0] / metric[2], metric[1] / metric[2], test_acc))
print("test accuracy", test_acc)
assert 0.6 < test_acc <= 1.0
assert [len(curve) for curve in animator.Y] == [3, 3, 3]

# %% A module measured on any device
net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
with torch.no_grad():
    net[1].weight.copy_(d2l.transpose(W))
    net[1].bias.copy_(b)
device = d2l.try_all_gpus()[0]
assert abs(d2l.evaluate_accuracy_gpu(net.to(device), test_iter) - test_acc) < 1e-6
timer = d2l.Timer()
d2l.plt.plot(d2l.numpy(d2l.linspace(0, 1, 5)), d2l.numpy(d2l.sin(d2l.linspace(0, 1, 5))))
print(f"{timer.stop():.2f} s; workers a DataLoader may use: {d2l.get_dataloader_workers()}")
