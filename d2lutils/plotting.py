"""Plotting helpers for notebooks: line plots and image grids."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

if TYPE_CHECKING:  # matplotlib loads on first plot: scripts that never plot start faster
    from matplotlib.axes import Axes


def in_notebook() -> bool:
    """True inside a Jupyter kernel, where figures can be displayed inline."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return bool(shell is not None and type(shell).__name__ == "ZMQInteractiveShell")


def use_svg_display() -> None:
    """Render inline figures as SVG (sharp at any zoom) instead of PNG."""
    if in_notebook():
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("svg")


def set_figsize(figsize: tuple[float, float] = (3.5, 2.5)) -> None:
    """Set the default size, in inches, of figures made afterwards."""
    import matplotlib.pyplot as plt

    plt.rcParams["figure.figsize"] = figsize


def _as_numpy(values: Any) -> np.ndarray:
    if isinstance(values, torch.Tensor):
        return values.detach().cpu().numpy()
    return np.asarray(values)


def _has_one_axis(values: Any) -> bool:
    """True for a flat sequence of numbers (one curve), false for a list of curves."""
    if hasattr(values, "ndim"):
        return bool(values.ndim == 1)
    return isinstance(values, (list, tuple)) and not hasattr(values[0], "__len__")


def set_axes(
    axes: Axes,
    xlabel: str | None,
    ylabel: str | None,
    xlim: Sequence[float] | None,
    ylim: Sequence[float] | None,
    xscale: str,
    yscale: str,
    legend: Sequence[Any] | None,
) -> None:
    """Apply labels, limits, scales, a legend and a grid to ``axes``."""
    axes.set_xlabel(xlabel or "")
    axes.set_ylabel(ylabel or "")
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    if xlim is not None:
        left, right = xlim
        axes.set_xlim(left, right)
    if ylim is not None:
        bottom, top = ylim
        axes.set_ylim(bottom, top)
    if legend:
        axes.legend(legend)
    axes.grid(True)


def plot(
    X: Any,
    Y: Any = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    legend: Sequence[Any] | None = None,
    xlim: Sequence[float] | None = None,
    ylim: Sequence[float] | None = None,
    xscale: str = "linear",
    yscale: str = "linear",
    fmts: Sequence[str] = ("-", "m--", "g-.", "r:"),
    figsize: tuple[float, float] = (3.5, 2.5),
    axes: Axes | None = None,
) -> None:
    """Plot one or several curves on ``axes`` (by default the current axes).

    ``X`` and ``Y`` are each a 1-D sequence (one curve) or a list of them (several
    curves). With ``Y`` omitted, ``X`` holds the y values and x runs 0, 1, 2, ...
    A single ``X`` is shared by every curve in ``Y``. Limits are pairs (tuples or
    lists), legend entries are shown with ``str``, and ``fmts`` repeat when there are
    more curves than formats. Returns nothing, as in d2l, so that a cell ending with
    this call shows only the figure; to draw more on the same plot, pass ``axes`` or
    use ``plt.gca()`` afterwards.

    Raises
    ------
    ValueError
        If there is nothing to plot, or if ``X`` holds several curves but not one per
        curve of ``Y``.
    """
    if len(X if Y is None else Y) == 0:
        raise ValueError("plot got no y values: pass a non-empty curve or list of curves")
    if Y is None:
        X, Y = [[]] * (1 if _has_one_axis(X) else len(X)), X
    if _has_one_axis(X):
        X = [X]
    if _has_one_axis(Y):
        Y = [Y]
    if len(X) == 1:
        X = list(X) * len(Y)
    elif len(X) != len(Y):
        raise ValueError(
            f"plot got {len(X)} x sequences for {len(Y)} curves: pass one x shared by "
            "every curve or one x per curve"
        )
    if axes is None:
        import matplotlib.pyplot as plt

        set_figsize(figsize)
        axes = plt.gca()
    axes.cla()
    for x, y, fmt in zip(X, Y, list(fmts) * len(Y)):
        x_values, y_values = _as_numpy(x), _as_numpy(y)
        if len(x_values):
            axes.plot(x_values, y_values, fmt)
        else:
            axes.plot(y_values, fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)


class ImageAxes(np.ndarray):
    """The axes of an image grid, row by row: a flat NumPy array of matplotlib ``Axes``, as
    d2l's ``show_images`` returns it. A notebook shows nothing for it, so that a cell
    ending with ``show_images(...)`` shows the figure alone."""

    def _ipython_display_(self) -> None:
        """Nothing to show: the figure is the output."""


def show_images(
    imgs: Any,
    num_rows: int,
    num_cols: int,
    titles: Sequence[str] | None = None,
    scale: float = 1.5,
) -> ImageAxes:
    """Show up to ``num_rows * num_cols`` images in a grid, one new figure.

    ``imgs`` is a sequence (or a tensor whose first axis indexes images) of 2-D
    grayscale or HxWxC colour images, as tensors, arrays or PIL images. Returns the
    axes row by row, as d2l does, to draw more on them (``axes[0].set_title(...)``);
    a notebook cell ending with this call still shows only the figure.
    """
    if num_rows < 1 or num_cols < 1:
        raise ValueError(f"num_rows and num_cols must be >= 1, got {num_rows} and {num_cols}")
    import matplotlib.pyplot as plt

    figsize = (num_cols * scale, num_rows * scale)
    _, axes = plt.subplots(num_rows, num_cols, figsize=figsize, squeeze=False)
    flat_axes = axes.flatten()
    for i, (ax, img) in enumerate(zip(flat_axes, imgs)):
        ax.imshow(_as_numpy(img), cmap="gray" if _as_numpy(img).ndim == 2 else None)
        ax.axes.get_xaxis().set_visible(False)
        ax.axes.get_yaxis().set_visible(False)
        if titles is not None and i < len(titles):
            ax.set_title(titles[i])
    for ax in flat_axes[len(imgs) :]:
        ax.set_visible(False)
    return flat_axes.view(ImageAxes)
