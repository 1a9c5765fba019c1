"""Does a ``d2l.ProgressBoard`` draw get slower as the plot fills up?

A board that renders on every draw, the way a notebook shows it, is fed two
alternating curves (``train_loss`` and ``val_loss``, one point per draw). The
cost of single draws around the 50th (draws 41-60) is compared with the cost
around the 500th (draws 491-510); a board whose cost grows with the number of
points it holds shows a ratio well above 1. Goal: median(draws 491-510) at most
1.5x median(draws 41-60) for ``d2l.ProgressBoard`` with ``refresh_interval=0``
and ``display_fn=d2lutils.board.figure_png`` (every draw renders a PNG).

For context, measured the same way in alternation with it:

* a naive board that clears the axes and replots every point on every draw, in
  the manner of d2l 1.0.3 (written here; d2l 1.0.3 itself did not even clear the
  axes, it stacked a new line per curve on every draw, which grows faster still);
* the default throttled board (``refresh_interval=0.5``, same ``display_fn``):
  average cost per draw over 510 draws with ``--step-ms`` of simulated training
  work (a sleep, not counted) between draws, plus the final ``show()`` that
  ``Trainer.fit`` makes at the end.

The early and late windows of one board are tens of seconds apart, and a change
in machine load between them would bias the ratio. So each trial feeds, in
lockstep, a long board (draws 1-510) and a short board of the same kind that
starts 450 draws later: the short board's draws 41-60 are timed in alternation
with the long board's draws 491-510, at the same moments. The goal ratio is
median(long board, draws 491-510) / median(short board, draws 41-60), with the
samples of all trials pooled; the long board's own draws 41-60 give the
same-board ratio, printed for context with the per-trial ratios.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from _common import fmt_seconds, goal_line, median, print_load, print_machine_info

GOAL = 1.5
EARLY = range(41, 61)  # 1-based draw numbers around the 50th
LATE = range(491, 511)  # ... and around the 500th
N_DRAWS = LATE.stop - 1
LABELS = ("train_loss", "val_loss")


class Board(Protocol):
    def draw(self, x: float, y: float, label: str, every_n: int = 1) -> None: ...


class NaiveBoard:
    """Clears the axes and replots all points of every curve on each draw."""

    def __init__(
        self,
        display_fn: Callable[[Any], Any],
        figsize: tuple[float, float] = (3.5, 2.5),
        ls: Sequence[str] = ("-", "--", "-.", ":"),
        colors: Sequence[str] = ("C0", "C1", "C2", "C3"),
    ) -> None:
        from matplotlib.figure import Figure

        self.display_fn = display_fn
        self.fig = Figure(figsize=figsize)
        self.axes = self.fig.add_subplot()
        self.ls, self.colors = ls, colors
        self.raw: dict[str, list[tuple[float, float]]] = {}
        self.points: dict[str, list[tuple[float, float]]] = {}

    def draw(self, x: float, y: float, label: str, every_n: int = 1) -> None:
        raw = self.raw.setdefault(label, [])
        raw.append((x, y))
        if len(raw) < every_n:
            return
        self.points.setdefault(label, []).append(
            (sum(p[0] for p in raw) / len(raw), sum(p[1] for p in raw) / len(raw))
        )
        raw.clear()
        ax = self.axes
        ax.cla()
        for (name, points), ls, color in zip(self.points.items(), self.ls, self.colors):
            ax.plot(
                [p[0] for p in points],
                [p[1] for p in points],
                linestyle=ls,
                color=color,
                label=name,
            )
        ax.set_xlabel("epoch")
        ax.legend()
        ax.grid(True)
        self.display_fn(self.fig)


def point(k: int) -> tuple[float, float, str]:
    """The k-th (1-based) draw: x in epochs, a decaying noisy loss, alternating curves."""
    x = k / 100
    y = 1.0 / (1 + 0.05 * k) + 0.02 * ((k * 7919) % 13) / 13
    return x, y, LABELS[k % 2]


OFFSET = LATE.start - EARLY.start  # the short board starts this many draws later


def lockstep_trial(
    long_boards: dict[str, Board], short_boards: dict[str, Board]
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Seconds of every draw of each long board (1..N_DRAWS) and short board (1..EARLY.stop-1).

    At step k every long board gets draw k and, from step OFFSET + 1 on, every short
    board gets draw k - OFFSET; the order within a step alternates.
    """
    long_times: dict[str, list[float]] = {name: [] for name in long_boards}
    short_times: dict[str, list[float]] = {name: [] for name in short_boards}
    for k in range(1, N_DRAWS + 1):
        jobs = [(long_boards[name], k, long_times[name]) for name in long_boards]
        if OFFSET < k < OFFSET + EARLY.stop:
            jobs += [(short_boards[name], k - OFFSET, short_times[name]) for name in short_boards]
        for board, draw_number, times in jobs if k % 2 else jobs[::-1]:
            x, y, label = point(draw_number)
            started = time.perf_counter()
            board.draw(x, y, label)
            times.append(time.perf_counter() - started)
    return long_times, short_times


def throttled_average(
    display_fn: Callable[[Any], Any], n: int, step_seconds: float
) -> tuple[float, float, int]:
    """Default board: (average draw cost, average incl. the final show(), renders made)."""
    import d2lutils as d2l

    renders = 0

    def counting_display(fig: Any) -> None:
        nonlocal renders
        renders += 1
        display_fn(fig)

    board = d2l.ProgressBoard()  # refresh_interval=0.5, the default
    board.display_fn = counting_display
    spent = 0.0
    for k in range(1, n + 1):
        if step_seconds:
            time.sleep(step_seconds)
        x, y, label = point(k)
        started = time.perf_counter()
        board.draw(x, y, label)
        spent += time.perf_counter() - started
    started = time.perf_counter()
    board.show()
    final = time.perf_counter() - started
    return spent / n, (spent + final) / n, renders


def window(times: list[float], draws: range) -> list[float]:
    return [times[k - 1] for k in draws]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--trials",
        type=int,
        default=3,
        help=f"rounds of fresh boards (per kind one fed {N_DRAWS} draws and one "
        f"fed {EARLY.stop - 1}); default 3",
    )
    parser.add_argument(
        "--step-ms",
        type=float,
        default=10.0,
        help="simulated training time between draws of the throttled board",
    )
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import d2lutils as d2l
    from d2lutils.board import figure_png

    print_machine_info("ProgressBoard: cost of the 500th draw vs the 50th")
    print(
        f"matplotlib {matplotlib.__version__}; two curves, one point per draw, every draw "
        f"rendered to PNG (figure_png); {args.trials} trial(s), long and short boards of "
        f"both kinds fed in lockstep"
    )

    def ours() -> Board:
        board = d2l.ProgressBoard(refresh_interval=0)
        board.display_fn = figure_png
        return board

    def naive() -> Board:
        return NaiveBoard(figure_png)

    kinds: dict[str, Callable[[], Board]] = {"d2l.ProgressBoard": ours, "naive clear+replot": naive}
    # Warm up matplotlib (fonts, text layout caches) so that the first trial is not special.
    for make in kinds.values():
        for k in range(1, 6):
            make().draw(*point(k))
    late: dict[str, list[float]] = {name: [] for name in kinds}  # long board, 491-510
    early: dict[str, list[float]] = {name: [] for name in kinds}  # short board, 41-60
    same_early: dict[str, list[float]] = {name: [] for name in kinds}  # long board, 41-60
    totals: dict[str, list[float]] = {name: [] for name in kinds}
    trial_ratios: dict[str, list[float]] = {name: [] for name in kinds}
    order = list(kinds)
    for trial in range(args.trials):
        names = order if trial % 2 == 0 else order[::-1]
        long_times, short_times = lockstep_trial(
            {name: kinds[name]() for name in names}, {name: kinds[name]() for name in names}
        )
        for name in names:
            last, first = window(long_times[name], LATE), window(short_times[name], EARLY)
            late[name] += last
            early[name] += first
            same_early[name] += window(long_times[name], EARLY)
            totals[name].append(sum(long_times[name]))
            trial_ratios[name].append(median(last) / median(first))
    average, average_with_show, renders = throttled_average(
        figure_png, N_DRAWS, args.step_ms / 1000
    )

    ratios = {name: median(late[name]) / median(early[name]) for name in kinds}
    for name in kinds:
        print(
            f"{name}: draws {EARLY.start}-{EARLY.stop - 1} (short board) median "
            f"{fmt_seconds(median(early[name]))}, draws {LATE.start}-{LATE.stop - 1} (long board, "
            f"same moments) median {fmt_seconds(median(late[name]))}, ratio {ratios[name]:.2f}x "
            f"(per trial: {', '.join(f'{r:.2f}' for r in trial_ratios[name])})"
        )
        print(
            f"    same board, draws {EARLY.start}-{EARLY.stop - 1} median "
            f"{fmt_seconds(median(same_early[name]))} -> ratio "
            f"{median(late[name]) / median(same_early[name]):.2f}x; {N_DRAWS} draws took median "
            f"{fmt_seconds(median(totals[name]))}"
        )
    print(
        f"default throttled d2l.ProgressBoard (refresh_interval=0.5, {args.step_ms:g} ms of "
        f"simulated work between draws): average {fmt_seconds(average)} per draw, "
        f"{fmt_seconds(average_with_show)} including the final show(); "
        f"{renders} render(s) for {N_DRAWS} draws"
    )
    ours_name, naive_name = order
    print(
        goal_line(
            "d2l.ProgressBoard, 500th-draw cost / 50th-draw cost (refresh_interval=0)",
            ratios[ours_name],
            GOAL,
            at_least=False,
        )
    )
    print(
        f"context: naive board 500th/50th {ratios[naive_name]:.2f}x; at draw ~500 the naive "
        f"board costs {median(late[naive_name]) / median(late[ours_name]):.2f}x d2l.ProgressBoard"
    )
    print_load()


if __name__ == "__main__":
    main()
