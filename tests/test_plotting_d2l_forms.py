"""``d2l.plot``, ``d2l.plt`` and ``d2l.set_figsize`` accept the calls D2L 1.0.3 makes."""

import subprocess
import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

import d2lutils as d2l


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_plt_is_pyplot_and_importing_d2lutils_does_not_load_it():
    assert d2l.plt is plt
    assert "plt" in dir(d2l)
    code = (
        "import sys, d2lutils as d2l\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
        "assert d2l.plt.__name__ == 'matplotlib.pyplot'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_unknown_attribute_error_names_it():
    with pytest.raises(AttributeError, match="no_such_helper"):
        _ = d2l.no_such_helper


def test_set_figsize_then_plt_draws_like_probability_section():
    d2l.set_figsize((4.5, 3.5))
    assert tuple(d2l.plt.rcParams["figure.figsize"]) == (4.5, 3.5)
    estimates = np.cumsum(np.ones((10, 2)), axis=0) / np.arange(1, 11)[:, None] / 2
    d2l.plt.plot(estimates[:, 0], label="P(coin=heads)")
    d2l.plt.plot(estimates[:, 1], label="P(coin=tails)")
    d2l.plt.axhline(y=0.5, color="black", linestyle="dashed")
    d2l.plt.gca().set_xlabel("Samples")
    d2l.plt.legend()
    assert len(d2l.plt.gca().get_lines()) == 3
    assert tuple(d2l.plt.gcf().get_size_inches()) == (4.5, 3.5)


x_grid = torch.arange(0.0, 3.0, 0.5)


# (call, number of lines drawn, x data of the last line): forms from D2L 1.0.3's chapters.
D2L_CALLS = {
    "tangent line (calculus)": (
        lambda: d2l.plot(
            x_grid.numpy(),
            [x_grid.numpy() ** 2, 2 * x_grid.numpy() - 1],
            "x",
            "f(x)",
            legend=["f(x)", "Tangent line (x=1)"],
        ),
        2,
        x_grid.numpy(),
    ),
    "one curve in a list": (lambda: d2l.plot(x_grid, [x_grid**3], "x", "f(x)"), 1, x_grid),
    "tensors and figsize (mlp)": (
        lambda: d2l.plot(x_grid, torch.relu(x_grid), "x", "relu(x)", figsize=(5, 2.5)),
        1,
        x_grid,
    ),
    "ylim as a list": (
        lambda: d2l.plot(x_grid, [x_grid, -x_grid], "x", "f(x)", ylim=[-1.5, 1.5]),
        2,
        x_grid,
    ),
    "rows of a 2-D tensor as curves (attention)": (
        lambda: d2l.plot(
            torch.arange(4),
            torch.rand(4, 3).T,
            xlabel="Row (position)",
            figsize=(6, 2.5),
            legend=[f"Col {d}" for d in range(3)],
        ),
        3,
        np.arange(4),
    ),
    "one x per curve with fmts (optimization)": (
        lambda: d2l.plot([[0, 1, 2], [0.5, 1.5]], [[0, 1, 4], [0.25, 2.25]], fmts=["-", "-o"]),
        2,
        np.array([0.5, 1.5]),
    ),
    "y values only, log scales (rnn)": (
        lambda: d2l.plot([[9, 4, 1], [5, 2, 1]], xscale="log", yscale="log", legend=["a", "b"]),
        2,
        np.arange(3),
    ),
    "xlim as a list and numbers as legend (gan, optimization)": (
        lambda: d2l.plot(
            [1.0, 2.0], [[1.0, 2.0], [2.0, 1.0]], "x", "y", [0.05, 0.2], xlim=[1e-2, 10]
        ),
        2,
        np.array([1.0, 2.0]),
    ),
    "more curves than formats": (
        lambda: d2l.plot(x_grid, [x_grid + k for k in range(6)]),
        6,
        x_grid,
    ),
}


@pytest.mark.parametrize("form", D2L_CALLS)
def test_plot_accepts_d2l_calling_forms(form):
    call, lines_drawn, last_x = D2L_CALLS[form]
    assert call() is None
    lines = plt.gca().get_lines()
    assert len(lines) == lines_drawn
    np.testing.assert_allclose(lines[-1].get_xdata(), np.asarray(last_x))


def test_plot_on_given_axes_with_limits_scales_and_legend():
    _, ax = plt.subplots()
    d2l.plot(
        [[1, 10, 100]],
        [[1, 2, 3]],
        "n",
        "loss",
        legend=["run"],
        xlim=(1, 100),
        ylim=[0, 4],
        xscale="log",
        axes=ax,
    )
    assert ax.get_xscale() == "log" and ax.get_yscale() == "linear"
    assert ax.get_xlim() == (1.0, 100.0) and ax.get_ylim() == (0.0, 4.0)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["run"]
    assert ax.get_lines()[0].get_linestyle() == "-"


def test_plot_uses_distinct_styles_for_its_curves():
    d2l.plot(x_grid, [x_grid, 2 * x_grid, 3 * x_grid])
    styles = [(line.get_linestyle(), line.get_color()) for line in plt.gca().get_lines()]
    assert len(set(styles)) == 3


@pytest.mark.parametrize("empty", [[], torch.zeros(0), np.zeros((0, 3))])
def test_plot_without_values_says_so(empty):
    with pytest.raises(ValueError, match="no y values"):
        d2l.plot(empty)


def test_plot_with_mismatched_x_and_curves_says_what_to_pass():
    with pytest.raises(ValueError, match="2 x sequences for 3 curves"):
        d2l.plot([[0, 1], [0, 1]], [[1, 2], [2, 3], [3, 4]])
