import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import d2lutils as d2l


def test_plot_draws_each_curve_with_labels_and_returns_nothing():
    x = torch.arange(5.0)
    assert (
        d2l.plot(x, [x, x**2], "x", "y", legend=["x", "x^2"]) is None
    )  # a cell ending with it prints nothing
    ax = plt.gca()
    assert len(ax.get_lines()) == 2
    assert ax.get_xlabel() == "x" and ax.get_ylabel() == "y"
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), (x**2).numpy())
    plt.close("all")


def test_plot_with_only_y_values_uses_indices_on_the_given_axes():
    _, (left, right) = plt.subplots(1, 2)
    d2l.plot([3.0, 1.0, 2.0], axes=right)
    np.testing.assert_allclose(right.get_lines()[0].get_xdata(), [0, 1, 2])
    assert not left.get_lines()
    plt.close("all")


def test_show_images_makes_grid_with_titles_and_hides_unused_axes():
    returned = d2l.show_images(torch.rand(3, 4, 4), 2, 2, titles=["a", "b", "c"])
    axes = plt.gcf().axes
    assert len(axes) == 4 and list(returned) == axes  # row by row, as d2l returns them
    # A notebook cell ending with the call shows the figure, not the array of axes.
    from IPython.core.formatters import DisplayFormatter

    assert DisplayFormatter().format(returned) == ({}, {})
    assert DisplayFormatter().format(returned[:2]) == ({}, {})
    assert [ax.get_title() for ax in axes[:3]] == ["a", "b", "c"]
    assert not axes[3].get_visible()
    plt.close("all")
    with pytest.raises(ValueError, match="num_rows and num_cols"):
        d2l.show_images(torch.rand(1, 4, 4), 0, 1)


def test_board_averages_every_n_points():
    board = d2l.ProgressBoard()
    for i in range(10):
        board.draw(i, i * 2, "loss", every_n=5)
    xs, ys = board.points["loss"]
    assert xs == [2.0, 7.0] and ys == [4.0, 14.0]
    with pytest.raises(ValueError, match="every_n"):
        board.draw(0, 0, "loss", every_n=0)


def test_board_outside_notebook_makes_no_figure():
    board = d2l.ProgressBoard()
    for i in range(20):
        board.draw(i, i, "a")
    board.show()
    assert board.fig is None


def test_board_display_fn_gets_updated_figure_with_all_curves():
    shown = []
    board = d2l.ProgressBoard(refresh_interval=0)
    board.display_fn = shown.append
    for i in range(4):
        board.draw(i, i, "train")
        board.draw(i, -i, "val")
    assert len(shown) == 8 and shown[-1] is board.fig
    lines = {line.get_label(): line for line in board.axes.get_lines()}
    assert set(lines) == {"train", "val"}
    np.testing.assert_allclose(lines["val"].get_ydata(), [0, -1, -2, -3])


def test_board_throttles_redraws():
    shown = []
    board = d2l.ProgressBoard(refresh_interval=3600)
    board.display_fn = shown.append
    for i in range(50):
        board.draw(i, i, "loss")
    assert len(shown) == 1  # the first draw shows, the rest wait for the interval
    board.show()
    assert len(shown) == 2
    assert len(board.axes.get_lines()[0].get_xdata()) == 50


def test_board_weights_the_mean_when_asked():
    board = d2l.ProgressBoard()
    board.draw(0, 1.0, "acc", every_n=2, weight=3)
    board.draw(1, 0.0, "acc", every_n=2, weight=1)
    assert board.points["acc"] == ([0.5], [0.75])
    with pytest.raises(ValueError, match="weight must be positive"):
        board.draw(0, 0, "acc", weight=0)
