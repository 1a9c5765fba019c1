# %%
import torch
from d2l import torch as d2l


# %%
class LinearRegressionScratch(d2l.Module):
    def __init__(self, num_inputs, lr, sigma=0.01):
        super().__init__()
        self.save_hyperparameters()
        self.w = torch.normal(0, sigma, (num_inputs, 1), requires_grad=True)
        self.b = torch.zeros(1, requires_grad=True)

    def forward(self, X):
        return X @ self.w + self.b

    def loss(self, y_hat, y):
        return ((y_hat - y.reshape(y_hat.shape)) ** 2 / 2).mean()

    def configure_optimizers(self):
        return d2l.SGD([self.w, self.b], self.lr)


model = LinearRegressionScratch(num_inputs=2, lr=0.03)
print(model(torch.ones(4, 2)).shape, model.loss(torch.ones(3, 1), torch.zeros(3)))

# %%
w = torch.tensor([1.0, -2.0], requires_grad=True)
optimizer = d2l.SGD([w], lr=0.1)
optimizer.zero_grad()
(w**2).sum().backward()
with torch.no_grad():
    optimizer.step()
print(w)

# %%
torch.manual_seed(0)
data = d2l.SyntheticRegressionData(w=torch.tensor([2, -3.4]), b=4.2)
model = LinearRegressionScratch(num_inputs=2, lr=0.03)
model.board.yscale = "log"
trainer = d2l.Trainer(max_epochs=3)
trainer.fit(model, data)

# %%
with torch.no_grad():
    print("error in estimating w:", data.w - model.w.reshape(data.w.shape))
    print("error in estimating b:", data.b - model.b)
