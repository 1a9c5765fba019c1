"""Grading time per notebook with and without the run-time rule record's new parts.

Three sides grade the same submissions (copies of an assignment's reference notebook
under different student ids, no cache, ``--jobs`` slots) in alternating rounds, each in
a fresh process:

- ``before``: the grader of another checkout (``--before``, e.g. the main branch), its
  own hidden checks;
- ``after``: this checkout's grader, which also records the ATen operators of ruled
  tasks (a ``TorchDispatchMode``);
- ``after, no operators``: this checkout's grader with that recording switched off, so
  the difference to ``after`` is what the dispatch-level record costs.

It prints the median seconds per notebook of each side, the ratios, the load average,
and refuses a ratio when the sides give any student different points.
Run: ``.venv/bin/python benchmarks/bench_rule_record.py --before ../main [--assignment ex4_4]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import REPO, fmt_seconds, median, print_load, print_machine_info

CHILD = """
import json, sys, time
from pathlib import Path
sys.path[:0] = [sys.argv[1] + "/grader", sys.argv[1]]
from d2lgrade.batch import Submission, grade_class
from d2lgrade.config import GradingConfig
import d2lgrade.execution as execution
if sys.argv[5] == "off":
    execution.replace = lambda job, operators: job  # the job as it was, without operators
folder, assignment = Path(sys.argv[2]), sys.argv[3]
config = GradingConfig(jobs=int(sys.argv[4]), data_dir=Path(sys.argv[6]))
submissions = [Submission(p.stem, assignment, p) for p in sorted(folder.glob("*.ipynb"))]
started = time.perf_counter()
solutions = Path(sys.argv[1]) / "solutions"
results, _ = grade_class(submissions, solutions, config, progress=lambda _: None)
print(json.dumps({"seconds": time.perf_counter() - started,
                  "points": {r.student: r.total for r in results}}))
"""


def run_side(root: Path, folder: Path, args: argparse.Namespace, operators: str) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=f"{root}/grader:{root}")
    command = [sys.executable, "-c", CHILD, str(root), str(folder), args.assignment]
    command += [str(args.jobs), operators, str(args.data_dir)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"grading with {root} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="checkout of the old grader")
    parser.add_argument("--assignment", default="ex4_4")
    parser.add_argument("--n", type=int, default=6, help="notebooks per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--data-dir", type=Path, default=REPO.parent / "shared" / "data" / "fashion-mnist-sample"
    )
    args = parser.parse_args()
    print_machine_info(f"grading {args.n} notebooks of {args.assignment}: before vs after")
    reference = REPO / "solutions" / args.assignment / f"{args.assignment}.ipynb"
    sides = {
        "before": (args.before.resolve(), "on"),
        "after": (REPO, "on"),
        "after, no operators": (REPO, "off"),
    }
    seconds: dict[str, list[float]] = {name: [] for name in sides}
    points: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-rule-record-") as tmp:
        folder = Path(tmp)
        for i in range(args.n):
            (folder / f"student{i:03d}.ipynb").write_bytes(reference.read_bytes())
        for round_ in range(args.rounds):
            for name, (root, operators) in sides.items():
                outcome = run_side(root, folder, args, operators)
                # The reference run is part of every side's time; it is one notebook more.
                per_notebook = outcome["seconds"] / (args.n + 1)
                seconds[name].append(per_notebook)
                points[name] = outcome["points"]
                print(f"round {round_ + 1}, {name}: {fmt_seconds(per_notebook)} per notebook")
                print_load("now")
    if len({json.dumps(p, sort_keys=True) for p in points.values()}) != 1:
        sys.exit(f"the sides disagree on points, no ratio: {points}")
    before, after = median(seconds["before"]), median(seconds["after"])
    no_operators = median(seconds["after, no operators"])
    print(
        f"median per notebook: before {fmt_seconds(before)}, after {fmt_seconds(after)} "
        f"({after / before:.2f}x), after without the operator record "
        f"{fmt_seconds(no_operators)}: the record costs {after / no_operators:.2f}x"
    )
    print_load()


if __name__ == "__main__":
    main()
