"""``make mutants``: break the code on purpose, one mutation at a time, and see which test notices.

Each mutation replaces one snippet of the grader or of d2lutils with a plausible bug
(a sandbox that binds too much, a comparison that always agrees, a resize that returns
black images, ...) in a copy of the course, then runs the tests that are meant to catch
it. Every mutation must be caught: a test run that still passes is a gap in the suite.
The table says which test failed first for each. Not part of CI (it takes minutes).

To add a mutation, append a ``Mutation`` below: the file, a snippet that occurs in it
exactly once, its replacement, and the tests that should fail. A snippet that no longer
occurs (the code moved on) is reported as stale, which also fails the run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutation:
    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


MUTATIONS = [
    Mutation(
        "sandbox binds the course root (the parent of d2lutils/) instead of d2lutils/",
        "grader/d2lgrade/sandbox/bwrap.py",
        'return [package_folder("d2lutils"), Path(__file__).resolve().parents[1]]',
        'return [package_folder("d2lutils").parent, Path(__file__).resolve().parents[1]]',
        ("tests/grader/sandbox/test_exposure.py",),
    ),
    Mutation(
        "sandbox binds the interpreter and the packages read-write",
        "grader/d2lgrade/sandbox/bwrap.py",
        'args += ["--ro-bind", str(path), str(path)]',
        'args += ["--bind", str(path), str(path)]',
        ("tests/grader/sandbox/test_exposure.py",),
    ),
    Mutation(
        "sandbox keeps the network",
        "grader/d2lgrade/sandbox/bwrap.py",
        '        "--unshare-net",\n        "--unshare-uts",',
        '        "--unshare-uts",',
        ("tests/grader/sandbox/test_corpus.py::test_nothing_escaped_the_sandbox",),
    ),
    Mutation(
        "comparison always agrees",
        "grader/d2lgrade/scoring.py",
        "    raised, expected_raise = _raised(student), _raised(reference)",
        "    return None\n    raised, expected_raise = _raised(student), _raised(reference)",
        ("tests/grader/test_scoring.py",),
    ),
    Mutation(
        "hidden cases ignored: only the visible check counts",
        "grader/d2lgrade/scoring.py",
        "    failed = [o for o in outcomes if o.kind is not None]",
        "    failed = []",
        (
            "tests/grader/test_cli.py::test_an_answer_that_passes_the_visible_check_but_not_the_hidden_cases",
        ),
    ),
    Mutation(
        "edited test cells run as the student left them",
        "grader/d2lgrade/planning.py",
        "            plan.sources.append(task.source)",
        "            plan.sources.append(source)",
        ("tests/grader/test_notebook.py",),
    ),
    Mutation(
        "the result channel's event order is not checked",
        "grader/d2lgrade/protocol.py",
        "            if not record._accept(event, n_cells, n_probes):",
        "            if not record._accept(event, n_cells, n_probes) and False:",
        ("tests/grader/test_protocol.py",),
    ),
    Mutation(
        "to_plain sends a constant",
        "grader/d2lgrade/inside/plain.py",
        "    if depth > 20:",
        "    return 0\n    if depth > 20:",
        ("tests/grader/inside/test_plain.py",),
    ),
    Mutation(
        "a student cell too deep for the grader to read counts as defining nothing",
        "grader/d2lgrade/scoring.py",
        "scan.loops) or scan.unread",
        "scan.loops)",
        ("tests/grader/test_static_check.py",),
    ),
    Mutation(
        "a library's callable bound to the answer's name is handed to the probe bare",
        "grader/d2lgrade/inside/runner.py",
        "        or student_code.wrote(answer)\n    ):",
        "        or True\n    ):",
        ("tests/grader/inside/test_answers.py",),
    ),
    Mutation(
        "loops in the student's code count only when their own code called it",
        "grader/d2lgrade/inside/monitor.py",
        "reported already.\n        if self.watches_loops and _has_loop(frame.f_code):",
        "reported already.\n        if self.watches_loops and _has_loop(frame.f_code)"
        " and self._student_caller(frame):",
        ("tests/grader/inside/test_monitor.py",),
    ),
    Mutation(
        "recursion through torch's Module.__call__ goes unseen",
        "grader/d2lgrade/inside/monitor.py",
        "        if outer.f_code is frame.f_code:\n            return True",
        "        if outer.f_code is frame.f_code and False:\n            return True",
        ("tests/grader/inside/test_monitor.py",),
    ),
    Mutation(
        "a function handed to a library's Python code is not noted",
        "grader/d2lgrade/inside/monitor.py",
        "    return not (\n        not callable(value)",
        "    return False and not (\n        not callable(value)",
        ("tests/grader/inside/test_monitor.py",),
    ),
    Mutation(
        "the source check reads cells without IPython's transformations",
        "grader/d2lgrade/static_check.py",
        "    tree = ast.parse(python)",
        "    tree = ast.parse(source if '%%' not in source else python)",
        ("tests/grader/test_static_check.py",),
    ),
    Mutation(
        "task rules not checked on the source",
        "grader/d2lgrade/grade.py",
        "        if assignment.rules.get(task_id)",
        "        if False",
        ("tests/grader/course_tools/test_rule_examples.py",),
    ),
    Mutation(
        "the run-time record attributes nothing to the student",
        "grader/d2lgrade/inside/provenance.py",
        "in made:\n                return True",
        "in made:\n                return False",
        ("tests/grader/inside/test_monitor.py",),
    ),
    Mutation(
        "selfcheck reports success whatever it found",
        "grader/d2lgrade/cli.py",
        "    return 1 if failed else 0",
        "    return 0",
        ("tests/grader/test_cli.py",),
    ),
    Mutation(
        "student copy keeps the solutions",
        "grader/d2lgrade/course_tools/student_copy.py",
        'PRIVATE_PREFIXES = ("solutions/", "tests/instructor/")',
        'PRIVATE_PREFIXES = ("tests/instructor/",)',
        ("tests/grader/course_tools/test_course_cli.py",),
    ),
    Mutation(
        "a grading error shows a traceback",
        "grader/d2lgrade/cli.py",
        "    except GradingError as err:",
        "    except ZeroDivisionError as err:",
        ("tests/grader/test_cli.py", "tests/grader/course_tools/test_course_cli.py"),
    ),
    Mutation(
        "resize returns black images of the right shape",
        "d2lutils/fashion_mnist.py",
        "    floats = images.unsqueeze(1).float().div_(255)",
        "    floats = images.unsqueeze(1).float().mul_(0)",
        ("tests/test_measured_values.py",),
    ),
    Mutation(
        "the Timer records 0.0",
        "d2lutils/timing.py",
        "self.times.append(time.perf_counter() - self._started)",
        "self.times.append(0.0)",
        ("tests/test_measured_values.py",),
    ),
    Mutation(
        "quiz choices in the same order for every student",
        "d2lutils/quiz.py",
        'seed = hashlib.sha256(f"{question_id}\\0{student}".encode()).digest()',
        'seed = hashlib.sha256(f"{question_id}".encode()).digest()',
        ("tests/test_quiz.py",),
    ),
    Mutation(
        "training batches are never shuffled",
        "d2lutils/data.py",
        "        order = self._order()",
        "        order = torch.arange(n)",
        ("tests/test_data.py",),
    ),
    Mutation(
        "epoch means not weighted by batch size",
        "d2lutils/trainer.py",
        "                mean = sum(value * weight for value, weight in values) / total",
        "                mean = sum(value for value, _ in values) / len(values)",
        ("tests/test_training.py::test_history_weights_batches_by_size",),
    ),
    Mutation(
        "backward and step outside no_grad (a d2l-style optimizer breaks)",
        "d2lutils/trainer.py",
        "            with torch.no_grad():\n                loss.backward()",
        "            if True:\n                loss.backward()",
        (
            "tests/test_training.py"
            "::test_trainer_runs_a_d2l_style_optimizer_without_no_grad_of_its_own",
        ),
    ),
    Mutation(
        "set-up failures are ignored",
        "scripts/common.sh",
        "if ! bash scripts/ensure_env.sh; then",
        "if ! bash scripts/ensure_env.sh && false; then",
        ("tests/test_setup_scripts.py",),
    ),
    Mutation(
        "the grading benchmark prints a ratio without a sandbox",
        "benchmarks/bench_grading.py",
        '    if sandbox != "bubblewrap":',
        "    if False:",
        ("tests/test_benchmark_refusals.py",),
    ),
    Mutation(
        "NoLoops lets map, functools.reduce and other looping helpers pass",
        "grader/d2lgrade/rules.py",
        "helpers = sorted({p for name in references if (p := matches(name, LOOPING_HELPERS))})",
        "helpers: list[str] = []",
        ("tests/grader/test_static_check.py",),
    ),
    Mutation(
        "the runner leaves map, filter and itertools' classes unobservable",
        "grader/d2lgrade/inside/runner.py",
        "        make_looping_classes_observable()\n",
        "",
        (
            "tests/grader/inside/test_monitor.py::test_looping_helpers_called_by_student_code_are_recorded_by_any_route",
        ),
    ),
    Mutation(
        "NoLoops ignores the looping helpers the record saw called",
        "grader/d2lgrade/rules.py",
        "            STEPPED_THROUGH_TENSORS,\n            *LOOPING_CALLS,\n",
        "            STEPPED_THROUGH_TENSORS,\n",
        ("tests/grader/test_rules.py",),
    ),
    Mutation(
        "the run-time record holds no ATen operators (torch.ops, convolutions pass)",
        "grader/d2lgrade/inside/monitor.py",
        "        if self.operators:",
        "        if False:",
        (
            "tests/grader/inside/test_monitor.py::test_operators_are_recorded_whatever_route_reached_them",
        ),
    ),
    Mutation(
        "a Forbid of a named set forgets the set's ATen operators",
        "grader/d2lgrade/rules.py",
        "super().__init__(tuple(dict.fromkeys(names + aten_ops_of(names))), why)",
        "super().__init__(names, why)",
        ("tests/grader/test_rules.py",),
    ),
    Mutation(
        "quiz letters are read in the reference's order, not the submitter's",
        "grader/d2lgrade/quiz.py",
        '    answer = chosen(answered.get("letter"), question, choices, student)',
        '    answer = chosen(answered.get("letter"), question, choices, reference_student)',
        ("tests/grader/test_quiz_letters.py",),
    ),
    Mutation(
        "the Dask engine waits forever on a cluster with no workers",
        "grader/d2lgrade/scaleout.py",
        "            if time.monotonic() - idle_since >= self.worker_wait:",
        "            if False:",
        (
            "tests/grader/test_scaleout.py::test_a_cluster_left_without_workers_reports_the_waiting_notebooks",
        ),
    ),
    Mutation(
        "the runner sends no exception type, so a stub reads as a failed visible check",
        "grader/d2lgrade/inside/runner.py",
        '"error_type": None if error is None else type(error).__name__,',
        '"error_type": None,',
        ("tests/grader/test_cli.py::test_grade_nbgrader_layout_writes_reports_and_caches",),
    ),
    Mutation(
        "the term gradebook judges the lateness of a notebook never handed in",
        "grader/d2lgrade/term/gradebook.py",
        "    if result.code is FailureCode.NOT_SUBMITTED:",
        "    if False:",
        ("tests/grader/term/test_term_grading.py",),
    ),
    Mutation(
        "a lazy LinearRegression keeps PyTorch's default initialization",
        "d2lutils/models.py",
        (
            "    def _initialize_once(self, module: nn.Module, inputs: Any) -> None:\n"
            "        self._initialize()"
        ),
        "    def _initialize_once(self, module: nn.Module, inputs: Any) -> None:\n        pass",
        ("tests/test_models.py",),
    ),
    Mutation(
        "LinearRegressionScratch's loss without the factor 1/2",
        "d2lutils/models.py",
        "        return ((y_hat - y.reshape(y_hat.shape)) ** 2 / 2).mean()",
        "        return ((y_hat - y.reshape(y_hat.shape)) ** 2).mean()",
        ("tests/test_models.py",),
    ),
    Mutation(
        "the call record watches no function or class written in Python",
        "grader/d2lgrade/inside/monitor.py",
        "        _setprofile(hook)\n",
        "        del hook\n",
        ("tests/grader/inside/test_monitor.py",),
    ),
    Mutation(
        "the call record hears no audit event (processes, profilers)",
        "grader/d2lgrade/inside/monitor.py",
        "    _audit_listener = monitor\n",
        "    _audit_listener = None\n",
        ("tests/grader/inside/test_monitor.py",),
    ),
    Mutation(
        "work left running by the notebook goes unrecorded",
        "grader/d2lgrade/inside/monitor.py",
        "        self._note_work_left_running()\n        _listen_to_audit_events(self)",
        "        _listen_to_audit_events(self)",
        ("tests/grader/inside/test_monitor.py",),
    ),
    Mutation(
        "a builtin calling the student's function back item by item is no loop",
        "grader/d2lgrade/inside/monitor.py",
        "        if sites[site] == 2:\n",
        "        if sites[site] == 0:\n",
        ("tests/grader/inside/test_monitor.py",),
    ),
    Mutation(
        "torch and d2lutils calling back a plain function of the student's is no loop",
        "grader/d2lgrade/inside/monitor.py",
        "part, asked = _part_running(frame), True",
        "part, asked = frame, True",
        ("tests/grader/inside/test_monitor.py",),
    ),
    Mutation(
        "a trainer calling a model's and an optimizer's methods per batch is a loop",
        "grader/d2lgrade/inside/monitor.py",
        "part, asked = _part_running(frame), True",
        "part, asked = None, True",
        ("tests/grader/inside/test_monitor.py",),
    ),
    Mutation(
        "a NumPy function written in C (numpy.dot) is seen only by the names it is called by",
        "grader/d2lgrade/inside/monitor.py",
        "            dispatcher = _numpy_dispatcher_code(entry)\n",
        "            dispatcher = None\n",
        ("tests/grader/inside/test_monitor.py",),
    ),
    Mutation(
        "a module handed on under another name (d2l.np, plt.np) hides what is called in it",
        "grader/d2lgrade/static_check.py",
        "    return REEXPORTED_MODULES.get(name) or REEXPORTED_EVERYWHERE.get(attr) or name\n",
        "    return name\n",
        ("tests/grader/test_static_check.py",),
    ),
    Mutation(
        "recursion through another function is no loop at run time",
        "grader/d2lgrade/inside/monitor.py",
        "                self.count(RECURSION)\n",
        "                pass\n",
        ("tests/grader/inside/test_monitor.py",),
    ),
    Mutation(
        "torch._C's guards may switch the recorders off inside the answer",
        "grader/d2lgrade/inside/monitor.py",
        "    if not C._is_torch_function_mode_enabled():\n        return True\n",
        "    if False:\n        return True\n",
        ("tests/grader/inside/test_monitor.py",),
    ),
    Mutation(
        "a loop in student code the source check did not read is no loop",
        "grader/d2lgrade/inside/monitor.py",
        "reported already.\n        if self.watches_loops and _has_loop(frame.f_code):",
        "reported already.\n        if self.watches_loops and False:",
        ("tests/grader/inside/test_provenance.py",),
    ),
    Mutation(
        "the runner takes no code made while the notebook ran as the student's",
        "grader/d2lgrade/inside/runner.py",
        "        note_code_made_by(self.student_code)\n",
        "",
        ("tests/grader/inside/test_provenance.py",),
    ),
    Mutation(
        "a file name the student's code gives new code (a hidden check's) is not theirs",
        "grader/d2lgrade/inside/provenance.py",
        "            self.files.add(_file_name(args[1]))\n",
        "            pass\n",
        ("tests/grader/inside/test_provenance.py",),
    ),
    Mutation(
        "what a module makes as the student imports it is the student's",
        "grader/d2lgrade/inside/provenance.py",
        "            if _imports(frame) or frame.f_code.co_filename.startswith(",
        "            if frame.f_code.co_filename.startswith(",
        ("tests/grader/inside/test_provenance.py",),
    ),
    Mutation(
        "the runner never asks the seal whether a cell changed the grader",
        "grader/d2lgrade/inside/runner.py",
        "        changed = changed or changed_at(sealed)\n",
        "",
        ("tests/grader/inside/test_seal.py",),
    ),
    Mutation(
        "a tracer or signal handler a cell set runs around the probes",
        "grader/d2lgrade/inside/runner.py",
        "        quiet()\n",
        "",
        ("tests/grader/inside/test_seal.py",),
    ),
    Mutation(
        "a cell may add an audit hook, which hears each probe's source",
        "grader/d2lgrade/inside/runner.py",
        "        refuse_new_audit_hooks()\n",
        "",
        ("tests/grader/inside/test_seal.py",),
    ),
    Mutation(
        "the job keeps its probes, which a cell finds among the collector's objects",
        "grader/d2lgrade/inside/runner.py",
        "    job.probes.clear()\n",
        "",
        ("tests/grader/inside/test_seal.py",),
    ),
    Mutation(
        "the probes' sources stay in the runner's variables, where a probe's code finds them",
        "grader/d2lgrade/inside/runner.py",
        "    piped = sum(map(len, sources)) <= _pipe_capacity(write_end)\n",
        "    piped = False\n",
        ("tests/grader/inside/test_seal.py",),
    ),
    Mutation(
        "a cell may reopen the process's file descriptors through /proc",
        "grader/d2lgrade/inside/monitor.py",
        "        if event in PATH_EVENTS and args and _into_the_process(args[0]):\n",
        "        if False:\n",
        ("tests/grader/inside/test_seal.py",),
    ),
    Mutation(
        "backward kernels run by a student's own call of the engine are no autograd",
        "grader/d2lgrade/rules.py",
        '        if kernel is not None:\n            return f"your code ran {kernel}',
        '        if False:\n            return f"your code ran {kernel}',
        ("tests/grader/test_rules.py",),
    ),
    Mutation(
        "a ruled answer may call into any installed library (sympy inverts matrices)",
        "grader/d2lgrade/inside/monitor.py",
        "        if isinstance(module, str) and not allowed_module(module):\n",
        "        if False:\n",
        ("tests/grader/inside/test_monitor.py",),
    ),
    Mutation(
        "tasks with rules may start threads and processes",
        "grader/d2lgrade/rules.py",
        "GRADER_RULES: tuple[Rule, ...] = (NoTampering, WorkInSight(), CourseLibrariesOnly())",
        "GRADER_RULES: tuple[Rule, ...] = (NoTampering, CourseLibrariesOnly())",
        ("tests/grader/test_rules.py",),
    ),
    Mutation(
        "a probe may read a global of its hidden-checks file (missing in the sandbox)",
        "grader/d2lgrade/hidden.py",
        "    unknown -= PROBE_GLOBALS | set(dir(builtins))",
        "    unknown.clear()",
        ("tests/grader/test_hidden_declarations.py",),
    ),
    Mutation(
        "a count asked as an int accepts any number",
        "grader/d2lgrade/inside/probekit.py",
        'return answer if type(answer) is int else "not an int"',
        'return answer if isinstance(answer, (int, float)) else "not an int"',
        ("tests/grader/test_hidden_declarations.py",),
    ),
    Mutation(
        "the run-time route of evasions() spells the forbidden name whole",
        "grader/d2lgrade/evasions.py",
        """built = f'"{attr[:half]}" + "{attr[half:]}"'""",
        """built = f'"{attr}"'""",
        ("tests/grader/test_hidden_declarations.py",),
    ),
]


def course_copy(root: Path) -> Path:
    """The course's files (as git lists them) under ``root/course``, with ../shared beside it."""
    listing = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        capture_output=True,
        check=True,
    )
    course = root / "course"
    for name in filter(None, listing.stdout.decode().split("\0")):
        source = REPO / name
        if source.is_file():
            (course / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, course / name)
    if (REPO.parent / "shared").exists():
        (root / "shared").symlink_to(REPO.parent / "shared")
    return course


def first_failure(output: str) -> str:
    match = re.search(r"^(?:FAILED|ERROR) (\S+)", output, re.MULTILINE)
    return match.group(1) if match else "(failed, see the log)"


def run(mutation: Mutation, course: Path) -> tuple[str, str, float]:
    """("caught" | "MISSED" | "STALE", which test, seconds) for one mutation."""
    target = course / mutation.path
    original = target.read_text()
    if original.count(mutation.old) != 1:
        return (
            "STALE",
            f"the snippet occurs {original.count(mutation.old)} times in {mutation.path}",
            0.0,
        )
    target.write_text(original.replace(mutation.old, mutation.new))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(course), str(course / "grader")]),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *mutation.tests],
            cwd=course,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
    finally:
        target.write_text(original)
    seconds = time.perf_counter() - started
    if done.returncode == 0:
        return "MISSED", "every test passed", seconds
    return "caught", first_failure(done.stdout), seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", dest="only", help="run the mutations whose name contains this text")
    args = parser.parse_args()
    chosen = [m for m in MUTATIONS if not args.only or args.only in m.name]
    if not chosen:
        parser.error(f"no mutation's name contains {args.only!r}")
    with tempfile.TemporaryDirectory(prefix="d2l-mutants-") as tmp:
        course = course_copy(Path(tmp))
        rows = []
        for number, mutation in enumerate(chosen, start=1):
            verdict, where, seconds = run(mutation, course)
            rows.append((mutation.name, verdict, where, seconds))
            print(
                f"[{number}/{len(chosen)}] {verdict:6} {mutation.name} ({seconds:.0f} s): {where}",
                flush=True,
            )
    width = max(len(name) for name, *_ in rows)
    print(f"\n| {'mutation':{width}} | result | first failing test |")
    print(f"| {'-' * width} | ------ | ------------------ |")
    for name, verdict, where, _ in rows:
        print(f"| {name:{width}} | {verdict:6} | {where} |")
    caught = sum(verdict == "caught" for _, verdict, _, _ in rows)
    print(f"\n{caught} of {len(rows)} mutations caught")
    return 0 if caught == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
