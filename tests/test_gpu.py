"""Training on a GPU: skipped where PyTorch sees none (CI), run on a lent GPU machine."""

import pytest
import torch
from test_training import LinearRegressionScratch
from torch import nn

import d2lutils as d2l

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def test_device_helpers_see_the_gpu():
    assert d2l.num_gpus() >= 1
    assert d2l.try_gpu() == torch.device("cuda:0") == d2l.gpu(0)
    with pytest.raises(RuntimeError, match="was requested"):
        d2l.gpu(d2l.num_gpus())


def test_classifier_trains_on_the_gpu(sample_root):
    d2l.set_seed(0)
    data = d2l.FashionMNIST(batch_size=256, root=sample_root)
    model = d2l.Classifier()
    model.lr = 0.1
    model.net = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    trainer = d2l.Trainer(max_epochs=10, num_gpus=1)
    history = trainer.fit(model, data)
    assert all(p.device.type == "cuda" for p in model.parameters())
    assert all(
        t.device.type == "cuda" for t in trainer.prepare_batch(next(iter(data.val_dataloader())))
    )
    assert history["val_acc"][-1] > 0.55


def test_scratch_model_with_plain_tensor_weights_moves_too():
    d2l.set_seed(0)
    data = d2l.SyntheticRegressionData(w=[2, -3.4], b=4.2)
    model = LinearRegressionScratch(2, lr=0.03)
    d2l.Trainer(max_epochs=3, num_gpus=1).fit(model, data)
    assert model.w.device.type == "cuda"
    assert torch.allclose(model.w.detach().cpu().reshape(-1), torch.tensor([2, -3.4]), atol=0.05)
