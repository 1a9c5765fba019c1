"""Grading throughput on a Dask LocalCluster against local threads, on one machine.

Both sides grade the same generated submissions of one exercise (solved / partial /
untouched, from bench_grading.py) with the sandbox on and no cache:

* local: ``grade_class`` with ``jobs`` threads over a local sandbox pool;
* Dask: ``grade_class`` with ``GradingConfig(scheduler=address)`` on a
  ``distributed.LocalCluster`` of ``jobs`` worker processes, one thread and one
  sandbox each.

The cluster is started before timing (a real course starts it once); each side's
sandboxes start inside the timed run on both sides. Rounds alternate the order.
Goal: the cluster's throughput at least 0.85x the local one, so the engine adds
little. The ratio is printed only when both sides gave every student the same points.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from _common import fmt_seconds, goal_line, median, print_load, print_machine_info
from bench_grading import DATA_DIR, load_exercise, make_submissions

GOAL = 0.85


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="ex2_1")
    parser.add_argument("--n", type=int, default=60, help="submissions per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="local threads, and Dask workers (one sandbox each)",
    )
    args = parser.parse_args()

    import dask
    import distributed

    from d2lgrade.batch import Submission, grade_class
    from d2lgrade.config import GradingConfig
    from d2lgrade.sandbox import sandbox_description

    print_machine_info("grading: Dask LocalCluster vs local threads")
    if sandbox_description() != "bubblewrap":
        sys.exit(
            "error: the goal is for grading with the sandbox on, and this machine has none "
            "(install bubblewrap); no ratio is printed"
        )
    print(
        f"distributed {distributed.__version__}; {args.jobs} local threads vs {args.jobs} "
        f"workers x 1 thread; {args.n} submissions of {args.assignment} per round"
    )

    with (
        tempfile.TemporaryDirectory(prefix="d2l-bench-scaleout-") as tmp,
        dask.config.set({"distributed.scheduler.worker-saturation": 1.0}),
        distributed.LocalCluster(
            n_workers=args.jobs,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=40,
        ) as cluster,
    ):
        work = Path(tmp)
        assignment, solutions, reference, student = load_exercise(args.assignment, work)
        submissions = []
        for name, _, notebook in make_submissions(student, reference, args.n):
            path = work / "submitted" / f"{name}.ipynb"
            path.parent.mkdir(exist_ok=True)
            path.write_text(json.dumps(notebook))
            submissions.append(Submission(name, assignment, path))
        local_config = GradingConfig(jobs=args.jobs, data_dir=DATA_DIR)
        worker_config = GradingConfig(
            jobs=1, data_dir=DATA_DIR, scheduler=cluster.scheduler_address
        )
        times: dict[str, list[float]] = {"local": [], "dask": []}
        points: dict[str, dict[str, float]] = {}
        for r in range(args.rounds):
            for side in ("local", "dask") if r % 2 == 0 else ("dask", "local"):
                started = time.perf_counter()
                if side == "local":
                    results, _ = grade_class(
                        submissions, solutions, local_config, progress=lambda _: None
                    )
                else:
                    results, _ = grade_class(
                        submissions,
                        solutions,
                        worker_config,
                        progress=lambda _: None,
                    )
                times[side].append(time.perf_counter() - started)
                points.setdefault(side, {}).update({res.student: res.total for res in results})
            print(
                f"round {r + 1}/{args.rounds}: local {fmt_seconds(times['local'][-1])}, "
                f"dask {fmt_seconds(times['dask'][-1])} for {args.n} notebooks"
            )

    if points["local"] != points["dask"]:
        differ = sorted(s for s in points["local"] if points["local"][s] != points["dask"].get(s))
        sys.exit(
            f"error: the two engines gave different points to {differ[:10]}; they did not do "
            "the same work, so no ratio is printed"
        )
    local, on_dask = median(times["local"]), median(times["dask"])
    print(
        f"local: median {fmt_seconds(local)} ({fmt_seconds(local / args.n)}/notebook); "
        f"dask: median {fmt_seconds(on_dask)} ({fmt_seconds(on_dask / args.n)}/notebook); "
        f"points agree for all {args.n} students"
    )
    print(
        goal_line(
            "throughput of the Dask cluster / local threads (local s / dask s)",
            local / on_dask,
            GOAL,
            at_least=True,
        )
    )
    print_load()


if __name__ == "__main__":
    main()
