"""The first-edition helpers and framework-neutral names that d2l 1.0.3 ships, as
d2lutils provides them: what they compute, and the errors bad input gets."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import d2lutils as d2l
from d2lutils import aliases, devices


def test_synthetic_data_follows_the_linear_model_with_small_noise():
    torch.manual_seed(0)
    w, b = torch.tensor([2.0, -3.4]), 4.2
    X, y = d2l.synthetic_data(w, b, 2000)
    assert X.shape == (2000, 2) and y.shape == (2000, 1)
    residual = y - (X @ w.reshape(-1, 1) + b)
    assert 0.008 < float(residual.std()) < 0.012  # the noise's standard deviation is 0.01
    assert abs(float(X.mean())) < 0.1 and abs(float(X.std()) - 1.0) < 0.05
    torch.manual_seed(0)
    X_again, y_again = d2l.synthetic_data([2.0, -3.4], b, 2000)  # a list works as well
    assert torch.equal(X, X_again) and torch.equal(y, y_again)


@pytest.mark.parametrize(
    ("w", "n", "message"),
    [
        (torch.ones(2, 2), 5, r"one weight per feature"),
        (torch.ones(2), -1, r"num_examples must be a non-negative int"),
        (torch.ones(2), 2.5, r"num_examples must be a non-negative int"),
    ],
)
def test_synthetic_data_names_bad_arguments(w, n, message):
    with pytest.raises(ValueError, match=message):
        d2l.synthetic_data(w, 0.0, n)


def test_load_array_gives_the_batches_of_a_dataloader():
    X, y = torch.arange(23.0).reshape(-1, 1), torch.arange(23)
    torch.manual_seed(3)
    ours = [[t.clone() for t in batch] for batch in d2l.load_array((X, y), 5)]
    torch.manual_seed(3)
    theirs = list(DataLoader(TensorDataset(X, y), 5, shuffle=True))
    assert len(ours) == len(theirs) == 5
    for mine, reference in zip(ours, theirs):
        assert all(torch.equal(a, b) for a, b in zip(mine, reference))
    in_order = torch.cat([batch[1] for batch in d2l.load_array((X, y), 5, is_train=False)])
    assert torch.equal(in_order, y)


def test_load_array_names_bad_arrays():
    with pytest.raises(ValueError, match=r"same length.*\[4, 3\]"):
        d2l.load_array((torch.ones(4, 2), torch.ones(3)), 2)
    with pytest.raises(TypeError, match="tuple of tensors"):
        d2l.load_array(([1, 2], [3, 4]), 2)


def test_linreg_and_the_unaveraged_squared_loss():
    X, w, b = torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[1.0], [-1.0]]), 0.5
    y_hat = d2l.linreg(X, w, b)
    assert torch.equal(y_hat, torch.tensor([[-0.5], [-0.5]]))
    loss = d2l.squared_loss(y_hat, torch.tensor([0.5, -2.5]))  # labels of shape (n,)
    assert torch.equal(loss, torch.tensor([[0.5], [2.0]]))


def test_sgd_steps_with_the_summed_gradient_and_zeroes_it():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    (3.0 * w).sum().backward()
    d2l.sgd([w], lr=0.5, batch_size=3)
    assert torch.allclose(w.detach(), torch.tensor([0.5, 1.5]))
    assert torch.equal(w.grad, torch.zeros(2))
    with pytest.raises(ValueError, match=r"parameter 0 \(shape \(2,\)\) has no gradient"):
        d2l.sgd([torch.ones(2, requires_grad=True)], 0.1, 1)


def test_accumulator_sums_and_refuses_extra_values():
    acc = d2l.Accumulator(2)
    acc.add(1, torch.tensor(2.5))
    acc.add(3)
    assert (acc[0], acc[1], len(acc)) == (4.0, 2.5, 2)
    acc.reset()
    assert acc.data == [0.0, 0.0]
    with pytest.raises(ValueError, match="keeps 2 sums but add"):
        acc.add(1, 2, 3)


def test_accuracy_counts_correct_predictions():
    scores = torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert d2l.accuracy(scores, torch.tensor([1, 1, 1])) == 2.0
    assert d2l.accuracy(torch.tensor([2, 0]), torch.tensor([2, 1])) == 1.0
    with pytest.raises(ValueError, match="3 predictions for 2 labels"):
        d2l.accuracy(scores, torch.tensor([1, 1]))


def test_evaluate_loss_is_the_mean_over_every_example():
    X, y = torch.arange(10.0).reshape(-1, 1), torch.zeros(10)
    loss = d2l.evaluate_loss(lambda X: X, d2l.load_array((X, y), 3, False), d2l.squared_loss)
    assert loss == pytest.approx(float((X**2 / 2).mean()))
    with pytest.raises(ValueError, match="no batches"):
        d2l.evaluate_loss(lambda X: X, [], d2l.squared_loss)


def test_evaluate_accuracy_gpu_evaluates_in_eval_mode_and_restores_the_mode():
    class Recording(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = nn.Linear(1, 2)
            self.modes = []

        def forward(self, X):
            self.modes.append(self.training)
            return torch.cat([X, -X], dim=1)

    net = Recording()
    X, y = torch.tensor([[1.0], [-1.0], [2.0], [3.0]]), torch.tensor([0, 1, 1, 0])
    assert d2l.evaluate_accuracy_gpu(net, d2l.load_array((X, y), 3, False)) == 0.75
    assert net.modes == [False, False] and net.training


def test_fashion_mnist_loaders_and_labels(sample_root):
    train_iter, test_iter = d2l.load_data_fashion_mnist(100, resize=32, root=sample_root)
    X, y = next(iter(train_iter))
    assert X.shape == (100, 1, 32, 32) and X.dtype == torch.float32 and y.dtype == torch.int64
    assert (len(train_iter), len(test_iter)) == (8, 2)
    _, square = d2l.load_data_fashion_mnist(50, resize=(20, 24), root=sample_root)
    assert next(iter(square))[0].shape == (50, 1, 20, 24)
    assert d2l.get_fashion_mnist_labels(torch.tensor([0, 9])) == ["t-shirt", "ankle boot"]
    with pytest.raises(ValueError, match="class index -1"):
        d2l.get_fashion_mnist_labels([-1])


def test_animator_records_each_curve_and_skips_none(capsys):
    animator = d2l.Animator(xlabel="epoch", legend=["loss", "acc"], xlim=[1, 3])
    animator.add(1, (0.9, None))
    animator.add(2, (torch.tensor(0.5), 0.7))
    assert animator.X == [[1.0, 2.0], [2.0]] and animator.Y == [[0.9, 0.5], [0.7]]
    ax = animator.axes[0]
    assert ax.get_xlabel() == "epoch" and ax.get_xlim() == (1.0, 3.0)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["loss", "acc"]
    assert capsys.readouterr().out == ""  # outside a notebook nothing is printed
    with pytest.raises(ValueError, match="draws 2 curve"):
        animator.add(3, 0.1)
    single = d2l.Animator()
    single.add(torch.tensor(1.0), torch.tensor(2.0))
    assert single.Y == [[2.0]]


def test_try_all_gpus_falls_back_to_the_cpu(monkeypatch):
    monkeypatch.setattr(devices, "num_gpus", lambda: 0)
    assert d2l.try_all_gpus() == [torch.device("cpu")]
    monkeypatch.setattr(devices, "num_gpus", lambda: 2)
    assert d2l.try_all_gpus() == [torch.device("cuda:0"), torch.device("cuda:1")]
    assert 1 <= d2l.get_dataloader_workers() <= 4


def test_tensor_names_mean_what_they_mean_in_d2l():
    x = torch.arange(6.0).reshape(2, 3)
    assert d2l.float32 is torch.float32 and d2l.concat is torch.cat and d2l.nn_Module is nn.Module
    assert torch.equal(d2l.reshape(x, (3, 2)), x.reshape(3, 2))
    assert d2l.size(x) == 6 and (d2l.numpy(x.requires_grad_()) == x.detach().numpy()).all()
    assert torch.equal(d2l.reduce_sum(x, axis=1), x.sum(dim=1))
    assert torch.equal(d2l.reduce_mean(x), x.mean())
    assert torch.equal(d2l.argmax(x, axis=1), torch.tensor([2, 2]))
    assert d2l.astype(x, torch.int64).dtype == torch.int64
    assert torch.equal(d2l.transpose(x), x.t())
    assert d2l.expand_dims(x, 0).shape == (1, 2, 3) and d2l.swapaxes(x, 0, 1).shape == (3, 2)
    assert d2l.repeat(x, 2, 1).shape == (4, 3) and d2l.to(x, torch.float64).dtype == torch.float64
    for name in aliases.NAMES:
        assert getattr(d2l, name) is getattr(aliases, name)
        assert name in dir(d2l) and name not in d2l.__all__


def test_module_names_are_imported_on_first_use():
    import collections
    import math

    import pandas
    import torch.nn.functional

    assert d2l.torch is torch and d2l.F is torch.nn.functional and d2l.math is math
    assert d2l.pd is pandas and d2l.defaultdict is collections.defaultdict
    assert {"plt", "np", "transforms", "display"} <= set(dir(d2l))


def test_d2l_data_is_torch_utils_data_with_the_course_helpers():
    import tarfile
    import zipfile

    import torch.utils.data as tud

    assert d2l.data.Dataset is tud.Dataset and d2l.data.random_split is tud.random_split
    assert d2l.data.DataLoader is tud.DataLoader and d2l.data.load_array is d2l.load_array
    assert {"Subset", "TensorLoader"} <= set(dir(d2l.data))
    with pytest.raises(AttributeError, match=r"neither d2lutils.data nor torch.utils.data.*'nope'"):
        d2l.data.nope  # noqa: B018
    assert d2l.tarfile is tarfile and d2l.zipfile is zipfile


def test_importing_d2l_says_to_import_d2lutils(tmp_path):
    import subprocess
    import sys

    paste = "import d2lutils\nfrom d2l import torch as d2l\n"
    done = subprocess.run(
        [sys.executable, "-c", paste], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "ModuleNotFoundError: No module named 'd2l'" in done.stderr
    assert "`import d2lutils as d2l`" in done.stderr
    # where d2l is installed, d2lutils leaves it alone
    (tmp_path / "d2l").mkdir()
    (tmp_path / "d2l" / "torch.py").write_text("WHO = 'the real d2l'\n")
    done = subprocess.run(
        [sys.executable, "-c", paste + "print(d2l.WHO)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.stdout == "the real d2l\n", done.stderr
    # other failed imports keep their usual message
    done = subprocess.run(
        [sys.executable, "-c", "import d2lutils\nimport d2l_not_here"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.stderr.strip().endswith("No module named 'd2l_not_here'")


def test_a_module_that_is_not_installed_is_an_attribute_error(monkeypatch):
    monkeypatch.setitem(d2l.MODULES, "display", "no_such_module_for_d2l")
    with pytest.raises(AttributeError, match=r"d2l.display is the module no_such_module_for_d2l"):
        d2l.display  # noqa: B018
    assert not hasattr(d2l, "display")


def test_missing_names_get_a_message_that_helps():
    with pytest.raises(AttributeError, match=r"d2l.train_ch3 is from D2L's first edition.*Trainer"):
        d2l.train_ch3  # noqa: B018
    with pytest.raises(AttributeError, match=r"no attribute 'LeNet'.*chapters 2-5"):
        d2l.LeNet  # noqa: B018
    assert not hasattr(d2l, "no_such_name")


def test_softmax_regression_of_d2l_learns_separable_classes(capsys):
    torch.manual_seed(0)
    centers = torch.tensor([[3.0, 3.0], [-3.0, 3.0], [0.0, -3.0]])
    y = torch.arange(3).repeat(40)
    X = (centers[y] + 0.3 * torch.randn(120, 2)).reshape(120, 1, 2)  # flattened by the model
    model = d2l.SoftmaxRegression(num_outputs=3, lr=0.5)
    model(X)  # the lazy layer learns its input size
    optimizer = model.configure_optimizers()
    for _ in range(50):
        loss = model.loss(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert float(model.accuracy(model(X), y)) == 1.0
    model.layer_summary((4, 1, 2))
    assert capsys.readouterr().out.splitlines() == [
        "Flatten output shape:\t(4, 2)",
        "Linear output shape:\t(4, 3)",
    ]
    with pytest.raises(ValueError, match="num_outputs must be a positive int"):
        d2l.SoftmaxRegression(num_outputs=0, lr=0.1)
