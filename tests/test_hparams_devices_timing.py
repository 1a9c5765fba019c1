import random

import numpy as np
import pytest
import torch

import d2lutils as d2l


def test_add_to_class_attaches_method():
    class Greeter:
        pass

    @d2l.add_to_class(Greeter)
    def hello(self, name):
        return f"hello {name}"

    assert Greeter().hello("ada") == "hello ada"


def test_save_hyperparameters_sets_attributes_and_hparams():
    class Model(d2l.HyperParameters):
        def __init__(self, a, b=2, verbose=False, *extra, **options):
            self.save_hyperparameters(ignore=["verbose"])

    m = Model(1, 3, True, 9, lr=0.1)
    assert (m.a, m.b) == (1, 3)
    assert not hasattr(m, "verbose")
    assert m.hparams == {"a": 1, "b": 3, "extra": (9,), "options": {"lr": 0.1}}


def test_save_hyperparameters_works_on_nn_module_before_init():
    class Net(d2l.Module):
        def __init__(self, width, lr):
            super().__init__()
            self.save_hyperparameters()

    net = Net(4, 0.5)
    assert net.width == 4 and net.hparams == {"width": 4, "lr": 0.5}


def test_devices_without_gpu():
    assert d2l.cpu() == torch.device("cpu")
    assert d2l.num_gpus() == torch.cuda.device_count()
    if d2l.num_gpus() == 0:
        assert d2l.try_gpu() == torch.device("cpu")
        with pytest.raises(RuntimeError, match="GPU 0 was requested but PyTorch sees 0"):
            d2l.gpu(0)
    else:
        assert d2l.try_gpu() == torch.device("cuda:0")


def test_timer_records_intervals():
    timer = d2l.Timer()
    first = timer.stop()
    timer.start()
    second = timer.stop()
    assert timer.times == [first, second]
    assert timer.sum() == pytest.approx(first + second)
    assert timer.avg() == pytest.approx((first + second) / 2)
    assert timer.cumsum() == pytest.approx([first, first + second])


def test_set_seed_makes_all_generators_repeat():
    def draw():
        return random.random(), np.random.rand(), torch.rand(1).item()

    d2l.set_seed(7)
    a = draw()
    d2l.set_seed(7)
    assert draw() == a
    with pytest.raises(ValueError, match="non-negative int"):
        d2l.set_seed(-1)
