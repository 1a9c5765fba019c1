# %%
import torch
from d2l import torch as d2l
from split import FashionMNISTSplit


# %%
def softmax(X):
    X = X - X.max(dim=1, keepdim=True).values
    X_exp = torch.exp(X)
    return X_exp / X_exp.sum(1, keepdim=True)


def cross_entropy(y_hat, y):
    return -torch.log(y_hat[list(range(len(y_hat))), y]).mean()


class SoftmaxRegressionScratch(d2l.Classifier):
    def __init__(self, num_inputs, num_outputs, lr, sigma=0.01):
        super().__init__()
        self.save_hyperparameters()
        self.W = torch.normal(0, sigma, size=(num_inputs, num_outputs), requires_grad=True)
        self.b = torch.zeros(num_outputs, requires_grad=True)

    def parameters(self):
        return [self.W, self.b]

    def configure_optimizers(self):
        return d2l.SGD([self.W, self.b], self.lr)

    def forward(self, X):
        return softmax(X.reshape(-1, self.W.shape[0]) @ self.W + self.b)

    def loss(self, y_hat, y):
        return cross_entropy(y_hat, y)


# %%
data = FashionMNISTSplit(batch_size=256)
torch.manual_seed(0)
model = SoftmaxRegressionScratch(num_inputs=784, num_outputs=10, lr=0.1)
trainer = d2l.Trainer(max_epochs=10)
trainer.fit(model, data)

# %%
X, y = next(iter(data.val_dataloader()))
with torch.no_grad():
    preds = model(X).argmax(dim=1)
wrong = preds != y
titles = [a + "\n" + b for a, b in zip(data.text_labels(y[wrong]), data.text_labels(preds[wrong]))]
data.visualize([X[wrong], y[wrong]], labels=titles)
d2l.plt.show()
