"""The ready-made linear regression models of d2lutils.models."""

import pytest
import torch
from torch import nn

import d2lutils as d2l


def test_scratch_model_has_the_documented_shapes_and_halved_loss():
    d2l.set_seed(0)
    model = d2l.LinearRegressionScratch(num_inputs=4, lr=0.1, sigma=0.5)
    assert model.w.shape == (4, 1) and model.w.requires_grad and model.w.is_leaf
    assert torch.equal(model.b, torch.zeros(1))
    assert 0.1 < model.w.std().item() < 1.5  # drawn with sigma=0.5, not 0.01
    y_hat = torch.tensor([[1.0], [3.0]])
    # Targets of shape (n,) are reshaped, not broadcast into an (n, n) matrix.
    assert model.loss(y_hat, torch.tensor([0.0, 1.0])).item() == pytest.approx((1 + 4) / 2 / 2)
    assert isinstance(model.configure_optimizers(), d2l.SGD)


def test_scratch_model_recovers_w_and_b():
    d2l.set_seed(0)
    data = d2l.SyntheticRegressionData(w=[2, -3.4], b=4.2)
    model = d2l.LinearRegressionScratch(2, lr=0.03)
    # The halved loss takes steps half as long as mse_loss's: more epochs to converge.
    d2l.Trainer(max_epochs=8).fit(model, data)
    w, b = model.get_w_b()
    assert not w.requires_grad
    assert torch.allclose(w.reshape(-1), torch.tensor([2, -3.4]), atol=0.05)
    assert b.item() == pytest.approx(4.2, abs=0.05)


@pytest.mark.parametrize("num_inputs", [None, 3])
def test_concise_model_starts_from_the_normal_initialization(num_inputs):
    d2l.set_seed(0)
    model = d2l.LinearRegression(lr=0.03, num_inputs=num_inputs, sigma=0.01)
    model(torch.randn(5, 3))
    w, b = model.get_w_b()
    assert w.shape == (1, 3) and b.shape == (1,)
    # PyTorch's default would give |w| up to 1/sqrt(3) and a non-zero bias.
    assert w.abs().max().item() < 0.05
    assert b.item() == 0.0


def test_lazy_concise_model_initializes_only_once():
    d2l.set_seed(0)
    model = d2l.LinearRegression(lr=0.03)
    model(torch.randn(5, 2))
    with torch.no_grad():
        model.net.weight.fill_(1.0)
    model(torch.randn(5, 2))
    assert torch.equal(model.get_w_b()[0], torch.ones(1, 2))


def test_concise_model_trains_with_torch_sgd_and_recovers_w_and_b():
    d2l.set_seed(0)
    data = d2l.SyntheticRegressionData(w=[2, -3.4], b=4.2)
    model = d2l.LinearRegression(lr=0.03)
    assert model.configure_optimizers().__class__ is torch.optim.SGD
    d2l.Trainer(max_epochs=3).fit(model, data)
    w, b = model.get_w_b()
    assert isinstance(model.net, nn.Linear)
    assert torch.allclose(w.reshape(-1), torch.tensor([2, -3.4]), atol=0.05)
    assert b.item() == pytest.approx(4.2, abs=0.05)


def test_lazy_model_refuses_to_report_weights_before_they_exist():
    with pytest.raises(RuntimeError, match="run one batch"):
        d2l.LinearRegression(lr=0.1).get_w_b()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: d2l.LinearRegressionScratch(0, lr=0.1), "num_inputs"),
        (lambda: d2l.LinearRegressionScratch(2.5, lr=0.1), "num_inputs"),
        (lambda: d2l.LinearRegressionScratch(2, lr=0), "lr"),
        (lambda: d2l.LinearRegressionScratch(2, lr=0.1, sigma=-1), "sigma"),
        (lambda: d2l.LinearRegression(lr=-0.1), "lr"),
        (lambda: d2l.LinearRegression(lr=0.1, num_inputs=True), "num_inputs"),
    ],
)
def test_bad_hyperparameters_are_named(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_data_module_without_super_init_still_loads():
    class Bare(d2l.DataModule):
        def __init__(self):
            self.batch_size = 4
            self.X, self.y = torch.arange(10.0).reshape(5, 2), torch.arange(5.0)

        def get_dataloader(self, train):
            return self.get_tensorloader([self.X, self.y], train)

    assert [len(b[0]) for b in Bare().val_dataloader()] == [4, 1]


def test_mse_at_lr_takes_the_steps_of_the_halved_loss_at_twice_lr():
    d2l.set_seed(0)
    data = d2l.SyntheticRegressionData(w=[1.0, -2.0, 0.5], b=0.3)
    concise = d2l.LinearRegression(lr=0.02, num_inputs=3)
    scratch = d2l.LinearRegressionScratch(3, lr=0.04)
    with torch.no_grad():
        scratch.w.copy_(concise.net.weight.T)
    paths = []
    for model in (concise, scratch):
        d2l.set_seed(1)  # the same minibatches for both
        optimizer = model.configure_optimizers()
        for X, y in data.train_dataloader():
            loss = model.loss(model(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        w, b = model.get_w_b()
        paths.append(torch.cat([w.reshape(-1), b]))
    assert torch.allclose(paths[0], paths[1], atol=1e-5)
    assert not torch.allclose(paths[1], torch.zeros(4), atol=0.1)  # it did move
