"""The adversarial corpus: hostile and broken submissions graded in one batch.

Each case is built from the toy assignment's notebooks (tests/toy_course.py) and has
an exact expected outcome. The batch also holds innocent submissions, which must keep
their full marks. The corpus needs the bubblewrap sandbox; CI installs it.
"""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import nbformat
import pytest
import toy_course as toy

from d2lgrade.batch import Submission, grade_class
from d2lgrade.config import GradingConfig, Limits
from d2lgrade.sandbox import sandbox_description, warm_sandboxes_available

# Generous time limits: on a loaded 2-core machine a fresh sandbox's torch import alone
# can take seconds; only the runaway cases may run into them.
LIMITS = Limits(
    cell_seconds=20, notebook_seconds=120, memory_bytes=2 * 1024**3, output_chars=1_000_000
)
MODES = {"warm": True, "fresh": False}


def config_for(mode: str, limits: Limits = LIMITS) -> GradingConfig:
    """Two grading slots in the given sandbox mode; skip warm mode where it cannot run."""
    config = GradingConfig(limits=limits, jobs=2, warm_sandboxes=MODES[mode])
    if mode == "warm" and not warm_sandboxes_available(config):
        pytest.skip("warm sandboxes need root")
    return config


def with_answer(task: str, source: str, base=None):
    notebook = toy.clone(base or toy.reference_notebook())
    toy.answer_cell(notebook, task).source = source
    return notebook


def with_cell(source: str, position: int = 2, base=None):
    notebook = toy.clone(base or toy.reference_notebook())
    notebook.cells.insert(position, nbformat.v4.new_code_cell(source))
    return notebook


def without_points(*tasks: str) -> dict[str, int]:
    return {t: (0 if t in tasks else p) for t, p in toy.POINTS.items()}


def build_corpus(
    course: Path, host_file: Path, port: int
) -> dict[str, tuple[bytes, dict[str, int], str]]:
    """name -> (file bytes, expected points per task, text the notes must contain)."""
    reference = toy.reference_notebook()
    ref_path = course / "solutions" / "toy" / "toy.ipynb"
    hidden_path = course / "solutions" / "toy" / "hidden_checks.py"
    full = dict(toy.POINTS)
    zero = dict.fromkeys(toy.POINTS, 0)
    nb = toy.to_bytes
    cases: dict[str, tuple[bytes, dict[str, int], str]] = {}

    def add(name, notebook_or_bytes, expected, note=""):
        data = notebook_or_bytes if isinstance(notebook_or_bytes, bytes) else nb(notebook_or_bytes)
        cases[name] = (data, expected, note)

    add("innocent_reference", reference, full)
    add("innocent_with_extra_cells", with_cell("notes = 'my scratch work'\nprint(notes)", 4), full)
    add("untouched", toy.student_notebook(), zero)
    add("partial_double_and_norm", toy.solved("double", "norm"), without_points("softmax"))
    # Runaway code.
    add(
        "infinite_loop",
        with_answer("softmax", "while True:\n    pass\n" + toy.SOLUTIONS["softmax"]),
        without_points("softmax"),
    )
    add(
        "long_sleep",
        with_answer("norm", "import time\ntime.sleep(10_000)\n" + toy.SOLUTIONS["norm"]),
        without_points("norm"),
    )
    add(
        "sys_exit",
        with_answer("double", "import sys\nsys.exit(0)\n" + toy.SOLUTIONS["double"]),
        without_points("double"),
    )
    add("os_exit", with_cell("import os\nos._exit(0)"), zero, "stopped before finishing")
    add("segfault", with_cell("import ctypes\nctypes.string_at(0)"), zero, "signal 11")
    add(
        "memory_bomb",
        with_answer(
            "softmax",
            "def bomb():\n    blocks = []\n    while True:\n"
            "        blocks.append(bytearray(256 * 1024**2))\nbomb()\n" + toy.SOLUTIONS["softmax"],
        ),
        without_points("softmax"),
    )
    add(
        "fork_bomb",
        with_cell(
            "import os, time\nforks = 0\nwhile forks < 100_000:\n"
            "    try:\n        pid = os.fork()\n    except OSError:\n        break\n"
            "    if pid == 0:\n        time.sleep(600)\n        os._exit(0)\n"
            "    forks += 1\n"
            "assert forks < 1000, f'{forks} processes were created'"
        ),
        # Tasks with rules: their answers could be computed by the processes left running.
        without_points("norm", "softmax"),
    )
    add(
        "huge_print",
        with_answer("double", 'print("x" * 100_000_000)\n' + toy.SOLUTIONS["double"]),
        without_points("double"),
    )
    add(
        "huge_raw_output",
        with_cell('import os\nfor _ in range(10):\n    os.write(1, b"y" * 10_000_000)'),
        full,
    )
    # Escapes: network, files outside the sandbox, the reference and hidden checks.
    add(
        "network_access",
        with_answer(
            "double",
            textwrap_join(
                "import socket",
                "try:",
                f"    socket.create_connection(('127.0.0.1', {port}), timeout=3).sendall(b'leak')",
                "    online = True",
                "except OSError:",
                "    online = False",
                "def double(x):",
                "    return 2 * x if online else 0",
            ),
        ),
        without_points("double"),
    )
    steal = textwrap_join(
        "def steal(task):",
        "    try:",
        f"        cells = __import__('json').load(open({str(ref_path)!r}))['cells']",
        "    except OSError:",
        "        return ''",
        "    return next(''.join(c['source']) for c in cells",
        "                if c['metadata'].get('nbgrader', {}).get('grade_id') == task + '_answer')",
    )
    thief = with_cell(steal, 2, base=toy.student_notebook())
    for task in toy.POINTS:
        toy.answer_cell(thief, task).source = f"exec(steal({task!r}))"
    add("read_reference_solution", thief, zero)
    add(
        "read_hidden_checks",
        with_answer(
            "double",
            textwrap_join(
                "try:",
                f"    secret = open({str(hidden_path)!r}).read()",
                "except OSError:",
                "    secret = ''",
                "def double(x):",
                "    return 2 * x if secret else x",
            ),
        ),
        without_points("double"),
    )
    add(
        "import_reference",
        with_answer(
            "norm",
            textwrap_join(
                "import sys",
                f"sys.path.insert(0, {str(hidden_path.parent)!r})",
                "try:",
                "    import hidden_checks",
                "    found = True",
                "except ImportError:",
                "    found = False",
                "def norm(v):",
                "    return torch.sqrt((v * v).sum()) if found else v.abs().sum()",
            ),
        ),
        without_points("norm"),
    )
    add(
        "write_outside",
        with_cell(
            textwrap_join(
                "for target in " + repr([str(host_file), str(ref_path)]) + ":",
                "    try:",
                "        open(target, 'w').write('pwned')",
                "    except OSError:",
                "        pass",
            )
        ),
        full,
    )
    # Forbidden work reached by routes that no name list mentions: the run-time record
    # sees the operators the dispatcher runs, and iteration over a tensor.
    add(
        "softmax_through_torch_ops",
        with_answer("softmax", "def softmax(X):\n    return torch.ops.aten._softmax(X, 1, False)"),
        without_points("softmax"),
    )
    add(
        "softmax_operator_by_names_built_at_run_time",
        with_answer(
            "softmax",
            textwrap_join(
                "kernels = getattr(getattr(torch, 'o' + 'ps'), 'at' + 'en')",
                "def softmax(X):",
                "    return getattr(kernels, '_soft' + 'max')(X, 1, False)",
            ),
        ),
        without_points("softmax"),
    )
    add(
        "softmax_inside_attention",
        with_answer(
            "softmax",
            textwrap_join(
                "def softmax(X):",
                "    n, m = X.shape",
                "    keys, values = X[:, :, None], torch.eye(m, dtype=X.dtype).expand(n, m, m)",
                "    attend = getattr(torch.nn.functional, 'scaled_dot_product_' + 'attention')",
                "    return attend(torch.ones(n, 1, 1, dtype=X.dtype), keys, values)[:, 0, :]",
            ),
        ),
        without_points("softmax"),
    )
    add(
        "softmax_row_sums_by_the_builtin_sum",
        with_answer(
            "softmax",
            textwrap_join(
                "def softmax(X):",
                "    E = torch.exp(X - X.amax(dim=1, keepdim=True))",
                "    return E / sum(E.T)[:, None]",
            ),
        ),
        without_points("softmax"),
    )
    add(
        "innocent_softmax_with_the_shape_unpacked",
        with_answer(
            "softmax",
            textwrap_join(
                "def softmax(X):",
                "    rows, columns = X.shape  # unpacking a shape iterates over no tensor",
                "    E = torch.exp(X - X.max(dim=1, keepdim=True).values)",
                "    return E / E.sum(dim=1).reshape(rows, 1)",
            ),
        ),
        full,
    )
    add(
        "innocent_ipython_syntax_in_the_answer",
        with_answer(
            "softmax",
            textwrap_join(
                "%matplotlib inline",
                "%config InlineBackend.figure_format = 'svg'",
                "%time _ = 1",
                "def softmax(X):",
                "    E = torch.exp(X - X.max(dim=1, keepdim=True).values)",
                "    return E / E.sum(dim=1, keepdim=True)",
                "softmax?",
            ),
        ),
        full,
    )
    # Tampering with the checks.
    add(
        "monkeypatch_torch",
        with_answer(
            "softmax",
            textwrap_join(
                "torch.allclose = lambda *a, **k: True",
                "torch.testing.assert_close = lambda *a, **k: None",
                "def softmax(X):",
                "    return torch.ones_like(X)",
            ),
        ),
        without_points("softmax"),
    )
    add(
        "monkeypatch_numpy",
        with_answer(
            "softmax",
            textwrap_join(
                "import numpy as np",
                "np.isclose = lambda a, b, **k: np.ones(np.shape(a), dtype=bool)",
                "np.all = lambda *a, **k: True",
                "def softmax(X):",
                "    return X * 0",
            ),
        ),
        without_points("softmax"),
    )
    # Rebinding what the grader's code in the notebook's process builds on (the builtins,
    # the call record) breaks its seal: nothing the run reports counts.
    add(
        "monkeypatch_builtins",
        with_answer(
            "norm",
            textwrap_join(
                "import builtins",
                "builtins.abs = lambda x: 0",
                "builtins.all = lambda *a: True",
                "def norm(v):",
                "    return (v * v).sum()",
            ),
        ),
        zero,
        "changed the grader's own code in its process (builtins.abs)",
    )
    add(
        "monkeypatch_call_record",
        with_cell(
            "import importlib\n"
            "record = importlib.import_module('d2lgrade.inside.' + 'monitor').CallMonitor\n"
            "record.count.__code__ = (lambda self, name: None).__code__"
        ),
        zero,
        "CallMonitor.count",
    )
    add(
        "forged_eq_and_float",
        with_answer(
            "norm",
            textwrap_join(
                "class Liar:",
                "    def __eq__(self, other): return True",
                "    def __float__(self): return 5.0",
                "def norm(v):",
                "    return Liar()",
            ),
        ),
        without_points("norm"),
    )
    add(
        "forged_float_subclass",
        with_answer(
            "norm",
            textwrap_join(
                "class Sly(float):",
                "    def __eq__(self, other): return True",
                "def norm(v):",
                "    return Sly(5.0)",
            ),
        ),
        without_points("norm"),
    )
    add(
        "forged_tensor_subclass",
        with_answer(
            "softmax",
            textwrap_join(
                "class Fake(torch.Tensor):",
                "    def __eq__(self, other): return torch.ones_like(other, dtype=torch.bool)",
                "def softmax(X):",
                "    out = torch.full_like(X, 1.0 / X.shape[1])",
                "    return out.as_subclass(Fake)",
            ),
        ),
        without_points("softmax"),
    )
    add(
        "fake_passed_output",
        with_answer("double", 'print("double passed")\ndef double(x):\n    return x'),
        without_points("double"),
    )
    forged_events = textwrap_join(
        "import json, os",
        "for fd in range(3, 40):",
        "    for i in range(12):",
        "        for line in ({'event': 'cell', 'index': i, 'ok': True, 'error': None},",
        "                     {'event': 'probe', 'index': i, 'ok': True, 'value': 0}):",
        "            try:",
        "                os.write(fd, (json.dumps(line) + '\\n').encode())",
        "            except OSError:",
        "                pass",
        "def double(x):",
        "    return x",
    )
    # Writing into the result channel breaks the event order the runner follows: the whole
    # run is void, whatever else the notebook did.
    add("forged_result_events", with_answer("double", forged_events), zero, "result channel")
    add(
        "forged_complete_run_then_exit",
        with_answer(
            "double",
            textwrap_join(
                "import json, os",
                "for fd in range(3, 40):",
                "    lines = [{'event': 'cell', 'index': i, 'ok': True, 'error': None,"
                " 'seconds': 0.0} for i in range(2, 12)]",
                "    lines += [{'event': 'probe', 'index': i, 'ok': True, 'value': 0}"
                " for i in range(3)]",
                "    try:",
                "        os.write(fd, ''.join(json.dumps(line) + '\\n'"
                " for line in lines + [{'event': 'end'}]).encode())",
                "    except OSError:",
                "        pass",
                "os._exit(0)",
            ),
        ),
        zero,
        "result channel",
    )
    edited = toy.clone(reference)
    toy.test_cell(edited, "double").source = 'print("double passed")'
    add("edited_test_cell", edited, without_points("double"), "test cell was edited")
    deleted = toy.clone(reference)
    deleted.cells.remove(toy.test_cell(deleted, "norm"))
    add("deleted_test_cell", deleted, without_points("norm"), "test cell is missing")
    points = toy.clone(reference)
    toy.test_cell(points, "double").metadata["nbgrader"]["points"] = 100
    add("changed_points", points, without_points("double"), "metadata")
    renamed = toy.clone(reference)
    toy.test_cell(renamed, "softmax").metadata["nbgrader"]["grade_id"] = "softmax_renamed"
    add("changed_grade_id", renamed, without_points("softmax"), "test cell is missing")
    unlocked = toy.clone(reference)
    toy.test_cell(unlocked, "norm").metadata["nbgrader"]["locked"] = False
    add("unlocked_test_cell", unlocked, without_points("norm"), "metadata")
    # Broken files.
    add("invalid_json", b'{"cells": [', zero, "not valid notebook JSON")
    add("empty_file", b"", zero, "the file is empty")
    old = json.loads(nb(reference))
    old["nbformat"] = 3
    add("wrong_nbformat", json.dumps(old).encode(), zero, "nbformat version 3")
    add("non_utf8", b"\xff\xfe\x00{cells}", zero, "not UTF-8")
    big = toy.clone(reference)
    toy.test_cell(big, "norm").outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="z" * 50_000_000)
    ]
    add("fifty_megabytes", big, full)
    wrong = toy.clone(reference)
    wrong.metadata["d2lcourse"]["assignment"] = "ex9_9"
    add("wrong_assignment", wrong, zero, "assignment 'ex9_9'")
    add("raises_in_first_cell", with_cell("raise RuntimeError('oops')", 0), full)
    return cases


def textwrap_join(*lines: str) -> str:
    return "\n".join(lines)


class Listener:
    """A localhost TCP server that records whether anybody connected."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.5)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
                self.connections += 1
                conn.close()
            except OSError:
                continue

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.server.close()


@pytest.fixture(scope="module", params=list(MODES))
def graded_corpus(request, tmp_path_factory):
    """The corpus graded twice: in forked children of a warm sandbox (as root) and
    with one new sandbox per notebook (as everyone else does)."""
    assert sandbox_description() == "bubblewrap", (
        "the corpus must run in the sandbox (install bubblewrap)"
    )
    return _grade_corpus(tmp_path_factory, config_for(request.param))


def _grade_corpus(tmp_path_factory, config: GradingConfig):
    course = toy.write_course(tmp_path_factory.mktemp("course"))
    host_file = tmp_path_factory.mktemp("host") / "pwned.txt"
    listener = Listener()
    try:
        cases = build_corpus(course, host_file, listener.port)
        folder = tmp_path_factory.mktemp("submissions")
        for name, (data, _, _) in cases.items():
            (folder / f"{name}.ipynb").write_bytes(data)
        submissions = [Submission(p.stem, "toy", p) for p in sorted(folder.iterdir())]
        results, _ = grade_class(
            submissions, course / "solutions", config, progress=lambda line: None
        )
    finally:
        listener.close()
    reference_bytes = (course / "solutions" / "toy" / "toy.ipynb").read_bytes()
    return cases, {r.student: r for r in results}, host_file, listener, reference_bytes


def test_corpus_is_large_enough(graded_corpus):
    cases = graded_corpus[0]
    assert len(cases) >= 25
    assert sum(1 for name in cases if not name.startswith("innocent")) >= 25


@pytest.mark.parametrize(
    "name", list(build_corpus(Path("/nonexistent"), Path("/nonexistent/x"), 1))
)
def test_each_case_gets_its_expected_grade(graded_corpus, name):
    cases, results, *_ = graded_corpus
    _, expected, note = cases[name]
    result = results[name]
    earned = {task: int(r.points) for task, r in result.tasks.items()}
    assert earned == expected, (result.notes, {t: r.message for t, r in result.tasks.items()})
    assert result.max_total == toy.FULL  # tampered points never change the maximum
    if note:
        assert any(note in n for n in result.notes), result.notes


def test_nothing_escaped_the_sandbox(graded_corpus):
    _, _, host_file, listener, reference_bytes = graded_corpus
    assert not host_file.exists()
    assert listener.connections == 0
    assert b"pwned" not in reference_bytes


@pytest.mark.parametrize("mode", list(MODES))
def test_a_notebook_that_blocks_the_cell_alarm_is_stopped_at_the_notebook_limit(mode, tmp_path):
    # Generous limits: on a loaded machine the innocent notebook's torch import alone can
    # take several seconds, and only the stubborn one may run into the notebook limit.
    config = config_for(mode, Limits(cell_seconds=20, notebook_seconds=40))
    course = toy.write_course(tmp_path / "course")
    stubborn = with_cell(
        "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass"
    )
    paths = {}
    for name, notebook in (("stubborn", stubborn), ("innocent", toy.reference_notebook())):
        paths[name] = tmp_path / f"{name}.ipynb"
        paths[name].write_bytes(toy.to_bytes(notebook))
    results, _ = grade_class(
        [Submission(n, "toy", p) for n, p in paths.items()],
        course / "solutions",
        config,
        progress=lambda line: None,
    )
    by_name = {r.student: r for r in results}
    assert by_name["stubborn"].total == 0
    assert any("40 s time limit" in note for note in by_name["stubborn"].notes), by_name[
        "stubborn"
    ].notes
    assert by_name["innocent"].total == toy.FULL
