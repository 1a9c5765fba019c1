"""Time per section of the book's training-heavy chapters on the full-size data, and d2l's.

Executes the book's notebooks for sections 3.4, 4.2, 4.4 and 5.2, each in a fresh
Jupyter kernel as the site build does, on a full-size (60,000 / 10,000) Fashion-MNIST
stand-in (``D2L_DATA_DIR``), and prints the wall-clock time of each from kernel start to
the end of its last cell, and their total. Goal: at most 90 s for the four.

With ``--d2l-venv PATH`` (a virtual environment with ``d2l==1.0.3`` and ``ipykernel``)
it also runs ``d2l_sections/ch*.py``, the same sections written against d2l 1.0.3's
API, in a kernel of that environment on the same data, and prints the ratio d2l / ours
per section and in total. A prelude cell on both sides records every ``Trainer.fit``
(epochs, updates, optimized parameters, batches) and every ``FashionMNIST`` load
(images, image shape); if the records of a section differ between the sides, the
script prints the difference and exits with status 2 without printing a ratio.

Both sides' kernels get ``OMP_NUM_THREADS`` from ``--threads`` (default 1). Pass
``--threads 1,2`` to time our side once per thread count, alternating, ``--repeats``
times each: the evidence for the one-thread setting of ``scripts/common.sh``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat
from _common import REPO, fashion_mnist_standin, print_load, print_machine_info
from nbclient import NotebookClient

GOAL_SECONDS = 90.0
SECTIONS = {
    "3.4": "ch3_4_linear_regression_scratch.ipynb",
    "4.2": "ch4_2_image_classification_dataset.ipynb",
    "4.4": "ch4_4_softmax_regression_scratch.ipynb",
    "5.2": "ch5_2_mlp_implementation.ipynb",
}
D2L_SECTIONS = Path(__file__).resolve().parent / "d2l_sections"
D2L_KERNEL = "d2l-1.0.3-bench"
WORK_MARKER = "WORK-RECORD:"

# Runs first in every kernel: wraps Trainer.fit and FashionMNIST.__init__ of the library
# the section imports (d2lutils or d2l) so that each side reports the work it did.
PRELUDE = """
import json as _bench_json
_bench_work = {"fits": [], "loads": []}

def _bench_record_work(library):
    fit, init = library.Trainer.fit, library.FashionMNIST.__init__

    def recording_fit(self, model, data):
        result = fit(self, model, data)
        optim = self.optim
        params = ([p for group in optim.param_groups for p in group["params"]]
                  if hasattr(optim, "param_groups") else list(optim.params))
        _bench_work["fits"].append({
            "epochs": self.max_epochs, "updates": self.train_batch_idx,
            "parameters": sum(p.numel() for p in params),
            "train_batches": self.num_train_batches, "val_batches": self.num_val_batches})
        return result

    def recording_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        splits = [self.train, self.val, getattr(self, "test", None)]
        _bench_work["loads"].append({
            "images": sum(len(s) for s in splits if s is not None),
            "shape": list(self.train[0][0].shape)})

    library.Trainer.fit, library.FashionMNIST.__init__ = recording_fit, recording_init
"""
PRELUDE_OURS = PRELUDE + "import d2lutils\n_bench_record_work(d2lutils)\n"
PRELUDE_D2L = (
    PRELUDE
    + f"import sys\nsys.path.insert(0, {str(D2L_SECTIONS)!r})\n"
    + "from d2l import torch as _bench_d2l\n_bench_record_work(_bench_d2l)\n"
)
# CPU seconds of the kernel and the processes it waited for (d2l's loader workers): with
# one thread, about the wall time the section would take on an otherwise idle machine.
EPILOGUE = (
    "import resource as _bench_resource\n"
    "_bench_cpu = sum(u.ru_utime + u.ru_stime for u in ("
    "_bench_resource.getrusage(_bench_resource.RUSAGE_SELF), "
    "_bench_resource.getrusage(_bench_resource.RUSAGE_CHILDREN)))\n"
    f"print({WORK_MARKER!r} + _bench_json.dumps(dict(_bench_work, cpu_seconds=_bench_cpu)))"
)


def cells_of_script(path: Path) -> list[str]:
    """The cells of a ``# %%``-separated script."""
    chunks = path.read_text().split("# %%\n")
    return [chunk.strip() for chunk in chunks if chunk.strip()]


def run_notebook(
    nb: nbformat.NotebookNode, kernel: str, prelude: str, cwd: Path, env: dict[str, str]
) -> tuple[float, float, Any]:
    """Execute ``prelude``, ``nb`` and the epilogue in a fresh kernel; return the seconds
    from kernel start to the end, the kernel's CPU seconds and the work it recorded."""
    nb.cells.insert(0, nbformat.v4.new_code_cell(prelude))
    nb.cells.append(nbformat.v4.new_code_cell(EPILOGUE))
    client = NotebookClient(
        nb, timeout=3600, kernel_name=kernel, resources={"metadata": {"path": str(cwd)}}
    )
    start = time.perf_counter()
    client.execute(env=env)
    seconds = time.perf_counter() - start
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("name") == "stdout")
    record = json.loads(text.split(WORK_MARKER, 1)[1])
    return seconds, record.pop("cpu_seconds"), record


def run_ours(section: str, data_root: Path, threads: int) -> tuple[float, float, Any]:
    nb = nbformat.read(REPO / "book" / SECTIONS[section], as_version=4)
    env = {**os.environ, "D2L_DATA_DIR": str(data_root), "OMP_NUM_THREADS": str(threads)}
    return run_notebook(nb, "python3", PRELUDE_OURS, REPO / "book", env)


def run_d2l(section: str, workdir: Path, threads: int) -> tuple[float, float, Any]:
    script = D2L_SECTIONS / f"ch{section.replace('.', '_')}.py"
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(c) for c in cells_of_script(script)]
    )
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    env.pop("D2L_DATA_DIR", None)
    return run_notebook(nb, D2L_KERNEL, PRELUDE_D2L, workdir / "run", env)


def prepare_d2l(venv: Path, data_root: Path, scratch: Path) -> None:
    """A kernelspec for the d2l venv, and d2l's data layout: ``../data`` from the kernel's
    folder."""
    python = venv / "bin" / "python"
    if not python.exists():
        raise SystemExit(
            f"--d2l-venv {venv}: {python} does not exist; pass the folder of a "
            "virtual environment (python -m venv) with d2l==1.0.3 installed"
        )
    check = os.system(
        f"'{python}' -c 'import d2l, ipykernel; assert d2l.__version__ == \"1.0.3\"' 2>/dev/null"
    )
    if check != 0:
        raise SystemExit(
            f"--d2l-venv {venv}: it must have d2l==1.0.3 and ipykernel "
            f"('{python} -m pip install d2l==1.0.3 ipykernel')"
        )
    spec = scratch / "kernels" / D2L_KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "d2l 1.0.3 (benchmark)",
                "language": "python",
            }
        )
    )
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        filter(None, [str(scratch), os.environ.get("JUPYTER_PATH")])
    )
    (scratch / "run").mkdir()
    (scratch / "data").symlink_to(data_root.resolve(), target_is_directory=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="folder for the full-size stand-in (written there if missing; default: a temp dir)",
    )
    parser.add_argument(
        "--sections", default=",".join(SECTIONS), help="comma-separated, of " + ", ".join(SECTIONS)
    )
    parser.add_argument(
        "--threads",
        default="1",
        help="OMP_NUM_THREADS for the kernels; a comma list times ours per value",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="runs of our side per thread count (medians are printed)",
    )
    parser.add_argument(
        "--d2l-venv", type=Path, default=None, help="virtual environment with d2l==1.0.3"
    )
    args = parser.parse_args()
    sections = args.sections.split(",")
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        raise SystemExit(f"unknown section(s) {unknown}; choose from {list(SECTIONS)}")
    threads = [int(t) for t in args.threads.split(",")]

    print_machine_info(
        "book sections on the full-size stand-in: d2lutils"
        + (" vs d2l 1.0.3" if args.d2l_venv else "")
    )
    with (
        fashion_mnist_standin(args.root) as root,
        tempfile.TemporaryDirectory(prefix="d2l-bench-") as tmp,
    ):
        ours: dict[int, dict[str, list[float]]] = {t: {s: [] for s in sections} for t in threads}
        our_cpu: dict[int, dict[str, list[float]]] = {t: {s: [] for s in sections} for t in threads}
        our_work: dict[str, Any] = {}
        for repeat in range(args.repeats):
            for t in threads:
                for section in sections:
                    seconds, cpu, our_work[section] = run_ours(section, root, t)
                    ours[t][section].append(seconds)
                    our_cpu[t][section].append(cpu)
                    print(
                        f"  ours, {t} thread(s), run {repeat + 1}: {section} {seconds:6.1f} s "
                        f"(CPU {cpu:.1f} s)",
                        flush=True,
                    )
        theirs: dict[str, float] = {}
        their_cpu: dict[str, float] = {}
        their_work: dict[str, Any] = {}
        if args.d2l_venv is not None:
            prepare_d2l(args.d2l_venv, root, Path(tmp))
            for section in sections:
                theirs[section], their_cpu[section], their_work[section] = run_d2l(
                    section, Path(tmp), threads[0]
                )
                print(
                    f"  d2l 1.0.3, {threads[0]} thread(s): {section} {theirs[section]:6.1f} s "
                    f"(CPU {their_cpu[section]:.1f} s)",
                    flush=True,
                )

    print()
    for t in threads:
        medians = {s: statistics.median(ours[t][s]) for s in sections}
        cpu = {s: statistics.median(our_cpu[t][s]) for s in sections}
        per_section = ", ".join(f"{s} {medians[s]:.1f} s" for s in sections)
        print(
            f"ours with {t} thread(s) (median of {args.repeats}): {per_section}; "
            f"total {sum(medians.values()):.1f} s (CPU {sum(cpu.values()):.1f} s)"
        )
    main_medians = {s: statistics.median(ours[threads[0]][s]) for s in sections}
    total = sum(main_medians.values())
    if len(sections) == len(SECTIONS):
        verdict = (
            "MET" if total <= GOAL_SECONDS else f"NOT MET; over by {total - GOAL_SECONDS:.1f} s"
        )
        print(
            f"four sections with {threads[0]} thread(s): {total:.1f} s "
            f"(goal <= {GOAL_SECONDS:g} s) -> {verdict}"
        )
    print_load()
    if not theirs:
        return
    differing = [s for s in sections if our_work[s] != their_work[s]]
    for section in differing:
        print(
            f"section {section}: the two sides did different work; no ratio.\n"
            f"  ours:      {json.dumps(our_work[section])}\n"
            f"  d2l 1.0.3: {json.dumps(their_work[section])}"
        )
    if differing:
        sys.exit(2)
    for section in sections:
        fits = our_work[section]["fits"]
        print(
            f"{section}: d2l 1.0.3 {theirs[section]:.1f} s vs ours {main_medians[section]:.1f} s: "
            f"{theirs[section] / main_medians[section]:.1f}x ({len(fits)} training runs, "
            f"{sum(f['updates'] for f in fits)} updates, "
            f"{len(our_work[section]['loads'])} data loads on each side)"
        )
    their_total = sum(theirs.values())
    our_total_cpu = sum(statistics.median(our_cpu[threads[0]][s]) for s in sections)
    print(
        f"total: d2l 1.0.3 {their_total:.1f} s vs ours {total:.1f} s: {their_total / total:.1f}x "
        f"(CPU seconds: {sum(their_cpu.values()):.1f} vs {our_total_cpu:.1f})"
    )


if __name__ == "__main__":
    main()
