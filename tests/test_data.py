import pytest
import torch

import d2lutils as d2l
from d2lutils.data import DATA_DIR_VARIABLE, data_root, split_rows


def test_synthetic_regression_data_shapes_and_noise():
    d2l.set_seed(0)
    data = d2l.SyntheticRegressionData(
        w=[2, -3.4], b=4.2, noise=0.0, num_train=100, num_val=50, batch_size=32
    )
    assert data.X.shape == (150, 2) and data.y.shape == (150, 1)
    expected = data.X @ torch.tensor([[2.0], [-3.4]]) + 4.2
    torch.testing.assert_close(data.y, expected)
    train = list(data.train_dataloader())
    assert [len(b[0]) for b in train] == [32, 32, 32, 4]
    val = list(data.val_dataloader())
    assert sum(len(b[0]) for b in val) == 50
    torch.testing.assert_close(val[0][0], data.X[100:132])  # validation keeps its order


def test_tensor_loader_covers_every_row_once_per_epoch():
    X = torch.arange(10).reshape(10, 1)
    loader = d2l.tensor_loader((X, X.squeeze(1)), batch_size=4, shuffle=True)
    rows = torch.cat([batch[0] for batch in loader]).squeeze(1)
    assert sorted(rows.tolist()) == list(range(10))
    assert len(loader) == 3
    with pytest.raises(ValueError, match="batch_size"):
        d2l.tensor_loader((X,), batch_size=0, shuffle=False)


def test_datamodule_default_loaders_and_clear_error():
    class Numbers(d2l.DataModule):
        def __init__(self):
            super().__init__()
            self.batch_size = 2
            self.train = torch.utils.data.TensorDataset(torch.arange(4.0))
            self.val = torch.utils.data.TensorDataset(torch.arange(2.0))

    assert len(Numbers().train_dataloader()) == 2
    with pytest.raises(AttributeError, match="has no 'train' dataset or 'batch_size'"):
        d2l.DataModule().train_dataloader()


def test_data_root_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path / "env"))
    assert data_root(tmp_path / "arg") == tmp_path / "arg"
    assert data_root() == tmp_path / "env"
    monkeypatch.delenv(DATA_DIR_VARIABLE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert data_root() == tmp_path / "cache" / "d2lutils" / "data"


def test_tensor_loader_matches_a_shuffled_dataloader_batch_for_batch():
    X = torch.arange(50.0).reshape(25, 2)
    y = torch.arange(25)
    reference = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(X, y), batch_size=4, shuffle=True
    )
    ours = d2l.tensor_loader((X, y), batch_size=4, shuffle=True)
    val_reference = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=4)
    val_ours = d2l.tensor_loader((X, y), batch_size=4, shuffle=False)
    torch.manual_seed(3)
    expected = [b for _ in range(2) for loader in (reference, val_reference) for b in loader]
    after_reference = torch.rand(1)
    torch.manual_seed(3)
    got = [b for _ in range(2) for loader in (ours, val_ours) for b in loader]
    assert len(got) == len(expected) == 4 * len(ours)
    for (gx, gy), (ex, ey) in zip(got, expected):
        torch.testing.assert_close(gx, ex)
        torch.testing.assert_close(gy, ey)
    torch.testing.assert_close(
        torch.rand(1), after_reference
    )  # same draws from the global generator


def test_split_rows_partitions_all_rows_with_the_requested_share():
    train, val = split_rows(10, 0.3, split_seed=0)
    assert len(val) == 3 and len(train) == 7
    assert sorted(torch.cat([train, val]).tolist()) == list(range(10))
    assert train.tolist() == sorted(train.tolist()) and val.tolist() == sorted(val.tolist())
    assert torch.equal(split_rows(10, 0.3, split_seed=0)[1], val)


def test_split_rows_refuses_a_split_with_an_empty_side():
    with pytest.raises(ValueError, match="leaves 0 for validation and 3 for training"):
        split_rows(3, 0.1, split_seed=0)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        split_rows(3, 0, split_seed=0)


def test_datamodule_test_loader_serves_a_test_dataset_in_order():
    class WithTest(d2l.DataModule):
        def __init__(self):
            super().__init__()
            self.batch_size = 3
            self.test = torch.utils.data.TensorDataset(torch.arange(7.0))

    batches = [b[0].tolist() for b in WithTest().test_dataloader()]
    assert batches == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0]]
