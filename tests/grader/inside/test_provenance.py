"""Whose code runs: code the student's code made while the notebook ran is theirs.

Each test runs a script in a fresh interpreter: noting made code adds an audit hook,
which no process can remove.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# What the runner sets up before the notebook's first cell, then cells 0 (the course's)
# and 1 and 2 (the student's) as the runner would compile them.
_SETUP = """
import io, json, os, sys
import torch
from d2lgrade.inside.monitor import CallMonitor
from d2lgrade.inside.provenance import cell_file
from d2lgrade.inside.runner import Runner
from d2lgrade.protocol import CODE_FROM_STRING, LOOP_RAN, RECORD_OFF, RECURSION

runner = Runner(io.BytesIO(), 1000, [1, 2], [LOOP_RAN])
student_code = runner.student_code
notebook = {"torch": torch}

def cell(index, source):
    exec(compile(source, cell_file(index), "exec"), notebook)

def probe(source):
    namespace = {"torch": torch}
    exec(compile(source, "<hidden check probe>", "exec"), namespace)
    return namespace["probe"]

def recorded(answer, *args, watch=(LOOP_RAN, RECURSION, RECORD_OFF, CODE_FROM_STRING)):
    call = probe("def probe(answer, *args):\\n    return answer(*args)")
    with CallMonitor(student_code, watch=list(watch)) as monitor:
        call(notebook[answer], *args)
    return sorted(n for n in monitor.record()["calls"] if not n.startswith("torch."))
"""


def _run(script: str, tmp_path: Path) -> dict:
    # From a file: code given with -c is named <string>, like code made from a string.
    (tmp_path / "script.py").write_text(_SETUP + script)
    ran = subprocess.run(
        [sys.executable, "script.py"], capture_output=True, text=True, cwd=tmp_path
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    return json.loads(ran.stdout.splitlines()[-1])


def test_file_names_the_student_gives_new_code_are_theirs_and_others_are_not(tmp_path):
    """A name picked to pass for the grader's, a course cell's or a library's counts as
    the student's; code a library makes for them is theirs object by object (so the
    other code that shares ``<string>`` stays a library's); the course's own, and what
    a module makes as the student imports it, are not."""
    found = _run(
        """
import marshal
# bytes made outside the notebook, as a submission could carry them
notebook["DATA"] = marshal.dumps(compile("z = 3", "<notebook cell 4>", "exec"))
cell(0, "course_made = compile('x = 1', 'course.py', 'exec')")
cell(1, "import collections, marshal, timeit\\n"
        "import torch.nn.functional as F\\n"
        "def helper(X):\\n    return X\\n"
        "compile('y = 2', '<hidden check softmax>', 'exec')\\n"
        "helper.__code__ = helper.__code__.replace(co_filename=F.__file__)\\n"
        "made = timeit.Timer('x = 1').inner\\n"
        "Pair = collections.namedtuple('Pair', 'a b')\\n"
        "marshal.loads(DATA)\\n"
        "import pstats  # its dataclasses make code as it is imported: pstats' own")
import torch.nn.functional as F
print(json.dumps({
    "grader's name": "<hidden check softmax>" in student_code.files,
    "library file": F.__file__ in student_code.files,
    "course cell's name, unmarshalled": "<notebook cell 4>" in student_code.files,
    "course's own": "course.py" in student_code.files,
    "made by a library's exec": student_code.runs(notebook["made"].__code__),
    "compiled for them": "<timeit-src>" in student_code.compiled_for_them,
    "namedtuple's new": student_code.runs(notebook["Pair"].__new__.__code__),
    "<string> as a whole": "<string>" in student_code.files,
    "made by a module as it was imported": student_code.runs(
        notebook["pstats"].FunctionProfile.__init__.__code__),
}))
""",
        tmp_path,
    )
    assert found == {
        "grader's name": True,
        "library file": True,
        "course cell's name, unmarshalled": True,
        "course's own": False,
        "made by a library's exec": True,
        "compiled for them": True,
        "namedtuple's new": True,
        "<string> as a whole": False,
        "made by a module as it was imported": False,
    }, found


def test_loops_run_in_code_the_source_check_may_not_have_read_are_recorded(tmp_path):
    """A helper reached by a name built at run time, code made from a string by any
    route (compile, codeop, a module the notebook wrote) and run later, and the answer's
    own loop (which the source check reports first): the loop shows in the bytecode that
    runs. Loop-free code made the same ways is not flagged."""
    found = _run(
        """
LOOP = ("def {name}(X):\\n    out = torch.empty_like(X)\\n    for i in range(len(X)):\\n"
        "        out[i] = X[i] * 2\\n    return out\\n")
cell(1, LOOP.format(name="rows")
     + "def by_built_name(X):\\n    return globals()['ro' + 'ws'](X)\\n"
     + "import codeop, os, sys, types\\n"
     + f"by_string = types.FunctionType(compile({LOOP.format(name='f')!r}, 'f', 'exec')"
     + ".co_consts[0], globals())\\n"
     + f"by_codeop = types.FunctionType(codeop.compile_command({LOOP.format(name='g')!r}, 'g',"
     + " 'exec').co_consts[0], globals())\\n"
     + f"with open('written.py', 'w') as file:\\n"
     + f"    file.write({'import torch' + chr(10) + LOOP.format(name='h')!r})\\n"
     + "sys.path.insert(0, os.getcwd())\\nimport written\\n"
     + "def by_written_module(X):\\n    return written.h(X)\\n"
     + "straight = types.FunctionType(compile('def s(X):\\\\n    return X * 2', 's', 'exec')"
     + ".co_consts[0], globals())\\n"
     + "def by_recursion(X, n=2):\\n    return X if n == 0 else by_recursion(X, n - 1)\\n")
X = torch.ones(3, 2)
print(json.dumps({name: recorded(name, X) for name in (
    "rows", "by_built_name", "by_string", "by_codeop", "by_written_module", "straight",
    "by_recursion")}))
""",
        tmp_path,
    )
    loop = ["<a loop that ran in the student's code>"]
    assert found == {
        "rows": loop,
        "by_built_name": loop,
        "by_string": loop,
        "by_codeop": loop,
        "by_written_module": loop,
        "straight": [],
        "by_recursion": ["<a function that called itself>"],
    }, found


def test_calls_from_code_under_the_graders_names_count_as_the_students(tmp_path):
    """A helper whose code is renamed after a probe or a course cell, or compiled under
    such a name, calls torch.softmax for the student; the course's own cell does not."""
    found = _run(
        """
cell(0, "def provided(X):\\n    return torch.softmax(X, 1)")
cell(2, "def as_probe(X):\\n    return getattr(torch, 'soft' + 'max')(X, 1)\\n"
        "as_probe.__code__ = as_probe.__code__.replace(co_filename='<hidden check probe>')\\n"
        "exec(compile('def as_course(X):\\\\n    return getattr(torch, \\\\'soft\\\\' + "
        "\\\\'max\\\\')(X, 1)', '<notebook cell 3>', 'exec'))\\n"
        "def first(X):\\n    return as_probe(X)\\n"
        "def second(X):\\n    return as_course(X)")
X = torch.ones(2, 3)
counts = {}
for answer in ("first", "second", "provided"):
    call = probe("def probe(answer, X):\\n    return answer(X)")
    with CallMonitor(student_code) as monitor:
        call(notebook[answer], X)
    counts[answer] = monitor.record()["calls"].get("torch.softmax", 0)
print(json.dumps(counts))
""",
        tmp_path,
    )
    assert found == {"first": 1, "second": 1, "provided": 0}, found


def test_modules_imported_on_the_students_first_use_make_no_code_of_theirs(tmp_path):
    """torch imports a module the first time it prints a tensor, and an answer may import
    a module inside its function: what those modules make as they are imported (their
    dataclasses) is theirs, not code the student made from a string."""
    found = _run(
        """
cell(1, "def shows(X):\\n    print('debug:', X)\\n    return X\\n"
        "def imports(X):\\n    import statistics, fractions\\n    return X")
X = torch.ones(2)
print(json.dumps({name: recorded(name, X) for name in ("shows", "imports")}))
""",
        tmp_path,
    )
    assert found == {"shows": [], "imports": []}, found
