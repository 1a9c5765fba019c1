import gzip
import shutil

import matplotlib.pyplot as plt
import pytest
import torch

import d2lutils as d2l
from d2lutils import fashion_mnist


def test_loads_sample_into_memory(sample_root):
    data = d2l.FashionMNIST(batch_size=64, root=sample_root)
    assert len(data.train) == 800 and len(data.val) == 200
    X, y = next(iter(data.train_dataloader()))
    assert X.shape == (64, 1, 28, 28) and X.dtype == torch.float32
    assert y.shape == (64,) and y.dtype == torch.int64
    assert 0.0 <= X.min() and X.max() <= 1.0
    assert "800 training and 200 validation images" in data.data_description
    assert "a subset, not the full 60,000 / 10,000" in data.data_description
    assert len(data.val_dataloader()) == 4


def test_resize_is_applied_once_to_the_whole_set(sample_root):
    data = d2l.FashionMNIST(resize=(32, 32), root=sample_root)
    assert data.train.tensors[0].shape == (800, 1, 32, 32)
    with pytest.raises(ValueError, match="resize must be"):
        d2l.FashionMNIST(resize=(32,), root=sample_root)


def test_text_labels_and_visualize(sample_root):
    data = d2l.FashionMNIST(root=sample_root)
    assert data.text_labels([0, 9, torch.tensor(5)]) == ["t-shirt", "ankle boot", "sandal"]
    batch = next(iter(data.val_dataloader()))
    axes = data.visualize(batch, nrows=2, ncols=4)
    assert [ax.get_title() for ax in axes] == data.text_labels(batch[1][:8])
    plt.close("all")


def test_env_variable_gives_the_root(sample_root, monkeypatch):
    monkeypatch.setenv("D2L_DATA_DIR", str(sample_root))
    assert len(d2l.FashionMNIST().train) == 800


def test_missing_files_offline_raise_one_clear_error(tmp_path, monkeypatch):
    def offline(root):
        raise OSError("network is unreachable")

    monkeypatch.setattr(fashion_mnist, "download", offline)
    with pytest.raises(d2l.DatasetNotFoundError) as err:
        d2l.FashionMNIST(root=tmp_path)
    message = str(err.value)
    assert "train-images-idx3-ubyte" in message and "t10k-labels-idx1-ubyte" in message
    assert "D2L_DATA_DIR" in message and str(tmp_path) in message
    assert err.value.__cause__ is None  # no download traceback attached


def _copy_sample(sample_root, tmp_path):
    shutil.copytree(sample_root / "FashionMNIST", tmp_path / "FashionMNIST")
    return tmp_path / "FashionMNIST" / "raw"


def test_truncated_file_is_named(sample_root, tmp_path):
    raw = _copy_sample(sample_root, tmp_path)
    path = raw / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ValueError, match="train-images-idx3-ubyte is truncated or corrupt"):
        d2l.FashionMNIST(root=tmp_path)


def test_wrong_header_is_named(sample_root, tmp_path):
    raw = _copy_sample(sample_root, tmp_path)
    (raw / "t10k-labels-idx1-ubyte").write_bytes(b"garbage!garbage!")
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte is not a Fashion-MNIST IDX file"):
        d2l.FashionMNIST(root=tmp_path)


def test_gzip_files_are_read(sample_root, tmp_path):
    raw = _copy_sample(sample_root, tmp_path)
    for path in list(raw.iterdir()):
        (raw / (path.name + ".gz")).write_bytes(gzip.compress(path.read_bytes()))
        path.unlink()
    assert len(d2l.FashionMNIST(root=tmp_path).val) == 200
