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
    assert X.min() >= 0.0 and X.max() <= 1.0
    assert "800 training and 200 validation images" in data.data_description
    assert "a subset, not the full 60,000 / 10,000" in data.data_description
    assert len(data.val_dataloader()) == 4
    # torchvision's names, which code written for d2l reads
    assert torch.equal(data.train.targets, data.train.tensors[1])
    assert data.val.classes[9] == "ankle boot" and len(data.val.classes) == 10


def test_resize_is_applied_once_to_the_whole_set(sample_root):
    data = d2l.FashionMNIST(resize=(32, 32), root=sample_root)
    assert data.train.tensors[0].shape == (800, 1, 32, 32)
    with pytest.raises(ValueError, match="resize must be"):
        d2l.FashionMNIST(resize=(32,), root=sample_root)


def test_text_labels_and_visualize(sample_root):
    data = d2l.FashionMNIST(root=sample_root)
    assert data.text_labels([0, 9, torch.tensor(5)]) == ["t-shirt", "ankle boot", "sandal"]
    batch = next(iter(data.val_dataloader()))
    assert data.visualize(batch, nrows=2, ncols=4) is None  # as in d2l: the figure, no printed axes
    assert [ax.get_title() for ax in plt.gcf().axes] == data.text_labels(batch[1][:8])
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


def test_val_fraction_carves_validation_from_training_images(sample_root):
    whole = d2l.FashionMNIST(root=sample_root)
    data = d2l.FashionMNIST(batch_size=64, root=sample_root, val_fraction=0.25, split_seed=7)
    assert (len(data.train), len(data.val), len(data.test)) == (600, 200, 200)
    # the validation images are training images, none of them also in the new training set
    train_rows = {tuple(x.flatten().tolist()) for x in data.train.tensors[0]}
    val_rows = [tuple(x.flatten().tolist()) for x in data.val.tensors[0]]
    assert not train_rows & set(val_rows)
    assert len(train_rows | set(val_rows)) == len(
        {tuple(x.flatten().tolist()) for x in whole.train.tensors[0]}
    )
    # the official test images are the test set, served in order
    torch.testing.assert_close(data.test.tensors[0], whole.val.tensors[0])
    _, y = next(iter(data.test_dataloader()))
    torch.testing.assert_close(y, whole.val.tensors[1][:64])
    assert len(data.test_dataloader()) == 4
    assert "600 training, 200 validation and 200 test images" in data.data_description
    assert "validation = 25% of the training images, split seed 7" in data.data_description


def test_split_is_deterministic_for_a_seed_and_changes_with_it(sample_root):
    d2l.set_seed(0)
    first = d2l.FashionMNIST(root=sample_root, val_fraction=0.2, split_seed=1)
    d2l.set_seed(123)  # the global generator does not move the split
    again = d2l.FashionMNIST(root=sample_root, val_fraction=0.2, split_seed=1)
    other = d2l.FashionMNIST(root=sample_root, val_fraction=0.2, split_seed=2)
    torch.testing.assert_close(first.val.tensors[1], again.val.tensors[1])
    torch.testing.assert_close(first.val.tensors[0], again.val.tensors[0])
    assert not torch.equal(first.val.tensors[0], other.val.tensors[0])


def test_without_val_fraction_there_is_no_test_set(sample_root):
    data = d2l.FashionMNIST(root=sample_root)
    assert data.test is None
    with pytest.raises(AttributeError, match=r"no separate test set.*pass val_fraction"):
        data.test_dataloader()


@pytest.mark.parametrize("fraction", [1.0, -0.1, 1.5, "0.2", True, None])
def test_bad_val_fraction_is_a_clear_error_before_loading(fraction, tmp_path):
    # tmp_path holds no data: the check must come before any attempt to read or download
    with pytest.raises(ValueError, match="val_fraction must be a number strictly between 0 and 1"):
        d2l.FashionMNIST(root=tmp_path, val_fraction=fraction)


def test_split_seed_must_be_an_int(tmp_path):
    with pytest.raises(ValueError, match="split_seed must be an int"):
        d2l.FashionMNIST(root=tmp_path, val_fraction=0.2, split_seed=0.5)


def test_text_labels_refuses_indices_outside_the_ten_classes(sample_root):
    data = d2l.FashionMNIST(root=sample_root)
    assert data.text_labels(torch.tensor([0, 9])) == ["t-shirt", "ankle boot"]
    for bad in (-1, 10):
        with pytest.raises(ValueError, match="not one of 0-9"):
            data.text_labels([bad])
