import pytest
import torch
from torch import nn

import d2lutils as d2l


class LinearRegressionScratch(d2l.Module):
    def __init__(self, num_inputs, lr, sigma=0.01):
        super().__init__()
        self.save_hyperparameters()
        self.w = torch.normal(0, sigma, (num_inputs, 1), requires_grad=True)
        self.b = torch.zeros(1, requires_grad=True)

    def forward(self, X):
        return X @ self.w + self.b

    def configure_optimizers(self):
        return d2l.SGD([self.w, self.b], self.lr)


def test_linear_regression_recovers_w_and_b():
    d2l.set_seed(0)
    data = d2l.SyntheticRegressionData(w=[2, -3.4], b=4.2)
    model = LinearRegressionScratch(2, lr=0.03)
    history = d2l.Trainer(max_epochs=3).fit(model, data)
    assert torch.allclose(model.w.detach().reshape(-1), torch.tensor([2, -3.4]), atol=0.05)
    assert abs(model.b.item() - 4.2) < 0.05
    assert set(history) == {"train_loss", "val_loss"}
    assert len(history["train_loss"]) == 3
    assert history["val_loss"][-1] < history["val_loss"][0]


def test_softmax_regression_on_the_sample_beats_55_percent(sample_root):
    d2l.set_seed(0)
    data = d2l.FashionMNIST(batch_size=256, root=sample_root)

    class SoftmaxRegression(d2l.Classifier):
        def __init__(self, lr):
            super().__init__()
            self.save_hyperparameters()
            self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))

    model = SoftmaxRegression(lr=0.1)
    history = d2l.Trainer(max_epochs=10).fit(model, data)
    assert set(history) == {"train_loss", "val_loss", "val_acc"}
    assert history["val_acc"][-1] >= 0.55, history["val_acc"]


def test_classifier_accuracy_and_loss():
    clf = d2l.Classifier()
    Y_hat = torch.tensor([[0.1, 2.0, 0.3], [3.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    Y = torch.tensor([1, 2, 2])
    assert clf.accuracy(Y_hat, Y).item() == pytest.approx(2 / 3)
    assert clf.accuracy(Y_hat, Y, averaged=False).tolist() == [1.0, 0.0, 1.0]
    torch.testing.assert_close(clf.loss(Y_hat, Y), nn.functional.cross_entropy(Y_hat, Y))


def test_module_errors_name_the_missing_piece():
    with pytest.raises(AttributeError, match=r"set self\.net in __init__ or override forward"):
        d2l.Module()(torch.zeros(1))
    with pytest.raises(AttributeError, match="has no 'lr'"):
        d2l.Module().configure_optimizers()
    with pytest.raises(RuntimeError, match=r"call it during Trainer\.fit"):
        d2l.Module().plot("loss", 1.0, train=True)


def test_apply_init_materializes_lazy_layers():
    model = d2l.Module()
    model.net = nn.Sequential(nn.LazyLinear(3))
    model.apply_init(
        [torch.zeros(2, 5)],
        init=lambda m: nn.init.ones_(m.weight) if isinstance(m, nn.Linear) else None,
    )
    assert model.net[0].weight.shape == (3, 5) and model.net[0].weight.sum().item() == 15


def test_trainer_asking_for_absent_gpu_warns_and_trains_on_the_cpu():
    if d2l.num_gpus() > 0:
        pytest.skip("a GPU is present")
    with pytest.warns(UserWarning, match=r"num_gpus=1\) but PyTorch sees 0 GPU.*the CPU"):
        trainer = d2l.Trainer(max_epochs=1, num_gpus=1)
    assert trainer.gpus == []
    model = d2l.LinearRegression(lr=0.03)
    trainer.fit(model, d2l.SyntheticRegressionData(w=[1.0], b=0.0, num_train=64, num_val=32))
    assert model.get_w_b()[0].device.type == "cpu"


def test_clip_gradients_caps_the_joint_norm():
    model = nn.Linear(2, 1)
    for p in model.parameters():
        p.grad = torch.full_like(p, 10.0)
    before = d2l.Trainer(1).clip_gradients(1.0, model)
    assert before == pytest.approx(10.0 * 3**0.5)
    after = torch.sqrt(sum((p.grad**2).sum() for p in model.parameters()))
    assert after.item() == pytest.approx(1.0, rel=1e-5)


def test_scratch_sgd_step_and_zero_grad():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    (w**2).sum().backward()
    opt = d2l.SGD([w], lr=0.1)
    opt.step()
    torch.testing.assert_close(w.detach(), torch.tensor([0.8, 1.6]))
    opt.zero_grad()
    assert w.grad.abs().sum() == 0
    with pytest.raises(ValueError, match="lr must be positive"):
        d2l.SGD([w], lr=0)


def test_history_weights_batches_by_size():
    class Constant(d2l.Module):
        """Predicts 0 for every row; the loss per batch is the batch's mean target."""

        def __init__(self):
            super().__init__()
            self.lr = 0.1
            self.bias = nn.Parameter(torch.zeros(1))

        def forward(self, X):
            return self.bias.expand(len(X)) * 0

        def loss(self, y_hat, y):
            return (y - y_hat).mean() + self.bias.sum() * 0

    class Uneven(d2l.DataModule):
        def __init__(self):
            super().__init__()
            self.batch_size = 3
            y = torch.tensor([0.0, 0.0, 0.0, 4.0])  # batches [0, 0, 0] and [4]
            self.train = self.val = torch.utils.data.TensorDataset(torch.zeros(4, 1), y)

        def get_dataloader(self, train):
            return self.get_tensorloader(self.val.tensors, train=False)

    model = Constant()
    history = d2l.Trainer(max_epochs=1).fit(model, Uneven())
    assert history["val_loss"] == [pytest.approx(1.0)]  # (0 * 3 + 4 * 1) / 4, not (0 + 4) / 2
    assert model.board.points["val_loss"][1] == [pytest.approx(1.0)]  # the board agrees


class HandWrittenSGD:
    """An optimizer in d2l's style: updates in place and relies on the trainer's no_grad."""

    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def step(self):
        for param in self.params:
            param -= self.lr * param.grad

    def zero_grad(self):
        for param in self.params:
            if param.grad is not None:
                param.grad.zero_()


def test_trainer_runs_a_d2l_style_optimizer_without_no_grad_of_its_own():
    w = torch.ones(2, requires_grad=True)
    (w**2).sum().backward()
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        HandWrittenSGD([w], lr=0.1).step()  # what the trainer must protect it from

    class Model(LinearRegressionScratch):
        def configure_optimizers(self):
            return HandWrittenSGD([self.w, self.b], self.lr)

    d2l.set_seed(0)
    data = d2l.SyntheticRegressionData(w=[2, -3.4], b=4.2)
    model = Model(2, lr=0.03)
    d2l.Trainer(max_epochs=3).fit(model, data)
    assert torch.allclose(model.w.detach().reshape(-1), torch.tensor([2, -3.4]), atol=0.05)
    assert model.w.is_leaf and model.w.requires_grad  # still a trainable leaf after the updates


def test_fit_returns_the_history_as_a_dict_that_prints_one_line():
    d2l.set_seed(0)
    data = d2l.SyntheticRegressionData(w=[2, -3.4], b=4.2, num_train=64, num_val=64)
    trainer = d2l.Trainer(max_epochs=2)
    history = trainer.fit(LinearRegressionScratch(2, lr=0.03), data)
    assert history is trainer.history and isinstance(history, dict)
    assert [len(v) for v in history.values()] == [2, 2]
    text = repr(history)
    assert "\n" not in text and len(text) < 100 and str(history) == text
    assert (
        text.startswith("History(2 epochs; last: train_loss ")
        and f"val_loss {history['val_loss'][-1]:.4g})" in text
    )
    assert repr(d2l.Trainer(max_epochs=0).history) == "History(0 epochs)"
