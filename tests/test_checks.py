import pytest
import torch

from d2lutils.checks import (
    CheckFailed,
    check_close,
    check_equal,
    check_shape,
    check_true,
    check_type,
)


def test_check_close_names_value_expected_and_hint():
    with pytest.raises(CheckFailed) as err:
        check_close(
            torch.tensor([1.0, 2.5]),
            torch.tensor([1.0, 2.0]),
            "softmax(X)[0]",
            hint="divide by the row sum",
        )
    message = str(err.value)
    assert "softmax(X)[0]: expected 2 at index (1,), got 2.5" in message
    assert "Hint: divide by the row sum" in message
    check_close(torch.tensor([1.0, 2.0]), [1.0, 2.0 + 1e-8], "x")


def test_check_close_rejects_wrong_shape_and_non_numbers():
    with pytest.raises(CheckFailed, match=r"expected shape \(2,\), got shape \(3,\)"):
        check_close(torch.zeros(3), torch.zeros(2), "v")
    with pytest.raises(CheckFailed, match="expected numbers"):
        check_close("abc", 1.0, "v")


def test_check_equal_shape_type_true():
    with pytest.raises(
        CheckFailed,
        match=r"mask: expected False at index \(0,\), got True \(1 of 2 entries differ\)",
    ):
        check_equal(torch.tensor([True, True]), torch.tensor([False, True]), "mask")
    with pytest.raises(CheckFailed, match="expected 3, got '3'"):
        check_equal("3", 3, "n")
    with pytest.raises(CheckFailed, match=r"expected shape \(2, 3\), got shape \(3, 2\)"):
        check_shape(torch.zeros(3, 2), (2, 3), "W")
    with pytest.raises(CheckFailed, match="expected a Tensor, got a list"):
        check_type([1], torch.Tensor, "out")
    with pytest.raises(CheckFailed, match=r"row 0 sums to 1\.37\. Hint: h"):
        check_true(False, "rows must sum to 1; row 0 sums to 1.37.", hint="h")


def test_check_equal_takes_a_dict_subclass_for_a_dict_but_keeps_other_types_exact():
    from d2lutils.trainer import History

    check_equal(History(train_loss=[1.0]), {"train_loss": [1.0]}, "history")
    check_equal(History(), {}, "an empty history")
    with pytest.raises(CheckFailed):
        check_equal(True, 1, "a flag")
