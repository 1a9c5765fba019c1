"""Live training plots: the board of the chapters, and d2l's first-edition ``Animator``."""

from __future__ import annotations

import io
import time
import weakref
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .hparams import HyperParameters
from .plotting import in_notebook, set_axes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Boards with points not yet shown; flushed when a notebook cell finishes so the
# executed notebook always keeps the final curve.
_unshown_boards: weakref.WeakSet[ProgressBoard] = weakref.WeakSet()
_hook_registered = False


def _flush_unshown_boards(*_: Any) -> None:
    for board in list(_unshown_boards):
        board.show()


def _register_cell_hook() -> None:
    global _hook_registered
    if _hook_registered:
        return
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.events.register("post_run_cell", _flush_unshown_boards)
        _hook_registered = True


class ProgressBoard(HyperParameters):
    """Plot metrics as they arrive, e.g. a loss per minibatch during training.

    ``draw(x, y, label, every_n)`` averages every ``every_n`` raw points of a curve
    into one plotted point. In a notebook the figure is shown once and then updated
    in place, at most every ``refresh_interval`` seconds and once more when the cell
    ends; each update only moves existing lines' data, so a draw costs the same
    after 500 points as after 50. Outside a notebook (terminal, CI, grading) the
    board records points but never makes a figure.
    """

    # Set from the constructor's arguments by save_hyperparameters.
    xlabel: str | None
    ylabel: str | None
    xlim: Sequence[float] | None
    ylim: Sequence[float] | None
    xscale: str
    yscale: str
    ls: Sequence[str]
    colors: Sequence[str]
    fig: Figure | None
    axes: Any
    figsize: tuple[float, float]
    display: bool
    refresh_interval: float

    def __init__(
        self,
        xlabel: str | None = None,
        ylabel: str | None = None,
        xlim: Sequence[float] | None = None,
        ylim: Sequence[float] | None = None,
        xscale: str = "linear",
        yscale: str = "linear",
        ls: Sequence[str] = ("-", "--", "-.", ":"),
        colors: Sequence[str] = ("C0", "C1", "C2", "C3"),
        fig: Figure | None = None,
        axes: Any = None,
        figsize: tuple[float, float] = (3.5, 2.5),
        display: bool = True,
        refresh_interval: float = 0.5,
    ) -> None:
        self.save_hyperparameters()
        self.points: dict[str, tuple[list[float], list[float]]] = {}
        self._raw: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
        self._lines: dict[str, Any] = {}
        self._handle: Any = None
        self._last_render = float("-inf")
        self.display_fn: Callable[[Figure], Any] | None = None

    def draw(self, x: float, y: float, label: str, every_n: int = 1, weight: float = 1.0) -> None:
        """Add the point (x, y) to the curve ``label``; plot the mean of every ``every_n``.

        ``weight`` (an extension of d2l's signature) weights the mean, e.g. by the size
        of the minibatch that ``y`` was measured on, so that a short last batch counts
        for the examples it holds.
        """
        if every_n < 1:
            raise ValueError(f"every_n must be >= 1, got {every_n}")
        if weight <= 0:
            raise ValueError(f"weight must be positive, got {weight}")
        raw = self._raw[label]
        raw.append((float(x), float(y), float(weight)))
        if len(raw) < every_n:
            return
        total = sum(w for _, _, w in raw)
        xs, ys = self.points.setdefault(label, ([], []))
        xs.append(sum(px for px, _, _ in raw) / len(raw))
        ys.append(sum(py * w for _, py, w in raw) / total)
        raw.clear()
        if not (self.display and (in_notebook() or self.display_fn is not None)):
            return
        _unshown_boards.add(self)
        if self.display_fn is None:
            _register_cell_hook()
        if time.perf_counter() - self._last_render >= self.refresh_interval:
            self.show()

    def _ensure_figure(self) -> Figure:
        fig = self.fig
        if self.axes is None:
            if fig is None:
                from matplotlib.figure import Figure

                fig = Figure(figsize=self.figsize)
            self.axes = fig.add_subplot()
        elif fig is None:
            fig = self.axes.figure
        self.fig = fig
        return fig

    def render(self) -> Figure:
        """Bring the figure up to date with the recorded points and return it."""
        fig = self._ensure_figure()
        ax = self.axes
        for i, (label, (xs, ys)) in enumerate(self.points.items()):
            line = self._lines.get(label)
            if line is None:
                (line,) = ax.plot(
                    [],
                    [],
                    linestyle=self.ls[i % len(self.ls)],
                    color=self.colors[i % len(self.colors)],
                    label=label,
                )
                self._lines[label] = line
                ax.legend()
            line.set_data(xs, ys)
        ax.set_xlabel(self.xlabel or "")
        ax.set_ylabel(self.ylabel or "")
        ax.set_xscale(self.xscale)
        ax.set_yscale(self.yscale)
        ax.relim()
        ax.autoscale_view()
        if self.xlim is not None:
            ax.set_xlim(self.xlim)
        if self.ylim is not None:
            ax.set_ylim(self.ylim)
        ax.grid(True)
        return fig

    def show(self) -> None:
        """Display the current figure now (in a notebook, or through ``display_fn``)."""
        _unshown_boards.discard(self)
        if not self.points or not self.display or (self.display_fn is None and not in_notebook()):
            return
        fig = self.render()
        self._last_render = time.perf_counter()
        if self.display_fn is not None:
            self.display_fn(fig)
        elif in_notebook():
            self._handle = show_in_place(fig, self._handle)


def _values(v: Any) -> list[Any]:
    """A point's coordinates as a list: one for a number or a 0-dim tensor."""
    if getattr(v, "ndim", None) == 0 or not hasattr(v, "__len__"):
        return [v]
    return list(v)


class Animator:
    """Curves that grow one point at a time, redrawn after each: d2l's first-edition plot
    for training loops written by hand.

    ``add(x, y)`` appends one point to each curve: ``y`` holds one value per curve
    (a number for a single curve), ``x`` one value per curve or one shared by all; a
    ``None`` leaves its curve without a point this time. In a notebook the figure is
    shown once and updated in place; elsewhere the points are recorded (``X``, ``Y``)
    and nothing is drawn on screen. ``fig`` and ``axes`` (a list) are matplotlib's.
    """

    def __init__(
        self,
        xlabel: str | None = None,
        ylabel: str | None = None,
        legend: Sequence[str] | None = None,
        xlim: Sequence[float] | None = None,
        ylim: Sequence[float] | None = None,
        xscale: str = "linear",
        yscale: str = "linear",
        fmts: Sequence[str] = ("-", "m--", "g-.", "r:"),
        nrows: int = 1,
        ncols: int = 1,
        figsize: tuple[float, float] = (3.5, 2.5),
    ) -> None:
        from matplotlib.figure import Figure

        self.fig = Figure(figsize=figsize)
        self.axes = list(self.fig.subplots(nrows, ncols, squeeze=False).flat)
        self._axes_settings = (xlabel, ylabel, xlim, ylim, xscale, yscale, list(legend or []))
        self.fmts = fmts
        self.X: list[list[float]] = []
        self.Y: list[list[float]] = []
        self._handle: Any = None

    def add(self, x: Any, y: Any) -> None:
        """Append the point(s) ``(x, y)`` and redraw."""
        ys = _values(y)
        xs = _values(x)
        if len(xs) == 1:
            xs = xs * len(ys)
        if not self.Y:
            self.X = [[] for _ in ys]
            self.Y = [[] for _ in ys]
        if len(ys) != len(self.Y) or len(xs) != len(ys):
            raise ValueError(
                f"this Animator draws {len(self.Y)} curve(s); add() got {len(ys)} y value(s) "
                f"and {len(xs)} x value(s). Pass one y per curve and one x (or one per curve)."
            )
        for curve, (a, b) in enumerate(zip(xs, ys)):
            if a is not None and b is not None:
                self.X[curve].append(float(a))
                self.Y[curve].append(float(b))
        ax = self.axes[0]
        ax.cla()
        for xs_curve, ys_curve, fmt in zip(self.X, self.Y, list(self.fmts) * len(self.Y)):
            ax.plot(xs_curve, ys_curve, fmt)
        set_axes(ax, *self._axes_settings)
        if in_notebook():
            self._handle = show_in_place(self.fig, self._handle)


def figure_png(fig: Figure) -> bytes:
    """The figure rendered to PNG bytes, as a notebook would show it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def show_in_place(fig: Figure, handle: Any) -> Any:
    """Show ``fig`` in the notebook as a new output (``handle`` None) or by replacing the
    output ``handle`` refers to; returns the handle for the next update."""
    from IPython.display import Image, display

    # A PNG made here does not depend on the inline backend having been loaded, which
    # happens only after the first pyplot call.
    image = Image(data=figure_png(fig))
    if handle is None:
        return display(image, display_id=True)
    handle.update(image)
    return handle
