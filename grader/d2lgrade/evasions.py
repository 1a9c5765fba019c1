"""The standard ways round a forbidden name, generated as rule examples.

A student who knows that ``torch.softmax`` is forbidden may bind it to another name in
another cell, import it under another name, wrap it in a helper defined elsewhere or
build its name at run time. Every task rule must catch all of these, so every task's
``RULE_EXAMPLES`` would list them, differing only in the name and the answer around it.
:func:`evasions` writes them from one template::

    from d2lgrade import evasions

    RULE_EXAMPLES = {
        "softmax": {
            "breaks": {
                **evasions("torch.softmax", "def softmax(X):\\n    return {name}(X, dim=1)"),
                "row sums by the builtin sum": "...",
            },
        },
    }
"""

from __future__ import annotations

from .errors import AssignmentError

# An example answer: the answer cell's source, or (a new cell before it, the answer).
Example = str | tuple[str, str]

PLACEHOLDER = "{name}"
# The routes, as ``skip=`` and ``only=`` name them (and labels end).
DIRECT = ""
BOUND = "bound to another name in another cell"
IMPORTED = "imported under another name in another cell"
HELPER = "in a helper in another cell"
BUILT = "by a name built at run time"
BUILT_ELSEWHERE = "bound by a name built at run time in another cell"


def _is_module_path(path: str) -> bool:
    """Whether ``path`` names a module (``torch.nn.functional``) rather than a class
    (``torch.Tensor``): only a module can be the source of ``from ... import``."""
    return all(part[:1].islower() or part[:1] == "_" for part in path.split("."))


def _routes(owner: str, attr: str, template: str) -> dict[str, Example]:
    """Every route to ``owner.attr``, by its route constant."""
    name = f"{owner}.{attr}"
    package = name.split(".")[0]
    imported = "" if package == "torch" else f"import {package}\n"

    def answer(expression: str, by_package: bool = False) -> str:
        return (imported if by_package else "") + template.replace(PLACEHOLDER, expression)

    half = max(1, len(attr) // 2)
    built = f'"{attr[:half]}" + "{attr[half:]}"'
    return {
        DIRECT: answer(name, by_package=True),
        BOUND: (f"{imported}my_{attr} = {name}", answer(f"my_{attr}")),
        IMPORTED: (
            f"from {owner} import {attr} as imported_{attr}",
            answer(f"imported_{attr}"),
        ),
        HELPER: (
            f"{imported}def call_{attr}(*args, **kwargs):\n    return {name}(*args, **kwargs)",
            answer(f"call_{attr}"),
        ),
        BUILT: answer(f"getattr({owner}, {built})", by_package=True),
        BUILT_ELSEWHERE: (
            f"{imported}found_{attr} = getattr({owner}, {built})",
            answer(f"found_{attr}"),
        ),
    }


def _dotted(name: str, template: str, generator: str) -> tuple[str, str]:
    """``name`` split at its last dot, once it and ``template`` are known to be usable."""
    if PLACEHOLDER not in template:
        raise AssignmentError(f"{generator}({name!r}): the template has no {PLACEHOLDER}")
    owner, _, attr = name.rpartition(".")
    if not owner or not attr.isidentifier():
        raise AssignmentError(f"{generator}({name!r}): give a dotted name such as torch.softmax")
    return owner, attr


def evasions(
    name: str, template: str, *, skip: tuple[str, ...] = (), only: tuple[str, ...] = ()
) -> dict[str, Example]:
    """Breaking examples that reach the callable ``name`` (``"torch.linalg.inv"``) by
    every standard route, from ``template``: the answer cell with ``{name}`` where
    the answer calls it.

    The labels, each starting with ``name``, and their routes:

    - ``name``: called as written;
    - ``"... bound to another name in another cell"``: ``my_inv = torch.linalg.inv``;
    - ``"... imported under another name in another cell"``: ``from torch.linalg import inv
      as imported_inv`` (where the part before the last dot is a module);
    - ``"... in a helper in another cell"``: a function that calls it for the answer;
    - ``"... by a name built at run time"``: ``getattr(torch.linalg, "i" + "nv")``;
    - ``"... bound by a name built at run time in another cell"``: the same, bound to a
      name when the notebook runs, before the grader's probes call the answer.

    A cell that names the callable by its package imports the package first (every
    notebook's setup imports torch), so it runs whatever the notebook imported.
    ``skip`` leaves out routes (``HELPER``, or the words after the name) where a task
    lists its own version of one; ``only`` keeps just the routes it names (``DIRECT``
    is the call as written).
    """
    owner, attr = _dotted(name, template, "evasions")
    routes = _routes(owner, attr, template)
    unknown = (set(skip) | set(only)) - set(routes)
    if unknown:
        raise AssignmentError(
            f"evasions({name!r}): no route {sorted(unknown)}; routes: {sorted(routes)}"
        )
    if not _is_module_path(owner):
        del routes[IMPORTED]
    wanted = set(only or routes) - set(skip)
    return {f"{name} {route}".strip(): ex for route, ex in routes.items() if route in wanted}


# The routes that take the call out of the run-time record's sight, as ``out_of_sight``
# names them: work done in another thread or process, which the grader's own rule for
# every task with rules catches (``rules.WorkInSight``).
IN_A_THREAD = "in a thread"
IN_A_PROCESS = "in a forked process"
BY_A_WORKER = "by a worker thread started in another cell"
# ...and code of the student's that claims not to be: its file name that of a hidden
# check, or made from a string under a course cell's name (``inside.provenance``).
UNDER_THE_GRADERS_NAME = "in a helper whose code claims a hidden check's file name"
FROM_A_STRING = "in a helper made from a string under a course cell's name"


def _out_of_sight_routes(owner: str, attr: str, template: str) -> dict[str, Example]:
    """Every route that runs ``owner.attr`` away from the probe's thread, or from code
    that claims another's file name, by its constant.

    Each helper reaches the callable and the modules that start threads and processes by
    names built at run time, so only what the record sees while the probe runs (or
    finds still running) can catch it, not the source. Errors travel back to the answer.
    """
    package = owner.split(".")[0]
    imports = "import os, pickle, queue\n" + ("" if package == "torch" else f"import {package}\n")
    half = max(1, len(attr) // 2)
    target = f'getattr({owner}, "{attr[:half]}" + "{attr[half:]}")'
    threads = 'getattr(queue, "thread" + "ing")'
    run = (
        "    try:\n"
        f"        return True, {target}(*args, **kwargs)\n"
        "    except Exception as error:\n"
        "        return False, error\n"
    )
    settle = "    ok, value = {outcome}\n    if not ok:\n        raise value\n    return value\n"
    in_a_thread = (
        f"{imports}def run_{attr}(args, kwargs):\n{run}"
        f"def threaded_{attr}(*args, **kwargs):\n"
        "    box = []\n"
        f"    thread = {threads}.Thread(target=lambda: box.append(run_{attr}(args, kwargs)))\n"
        "    thread.start()\n"
        "    thread.join()\n" + settle.format(outcome="box[0]")
    )
    in_a_process = (
        f"{imports}def run_{attr}(args, kwargs):\n{run}"
        f"def forked_{attr}(*args, **kwargs):\n"
        "    read_end, write_end = os.pipe()\n"
        '    child = getattr(os, "fo" + "rk")()\n'
        "    if child == 0:\n"
        "        try:\n"
        f"            os.write(write_end, pickle.dumps(run_{attr}(args, kwargs)))\n"
        "        finally:\n"
        "            os._exit(0)\n"
        "    os.close(write_end)\n"
        '    with os.fdopen(read_end, "rb") as pipe:\n'
        "        outcome = pickle.load(pipe)\n"
        "    os.waitpid(child, 0)\n" + settle.format(outcome="outcome")
    )
    by_a_worker = (
        f"{imports}def run_{attr}(args, kwargs):\n{run}"
        f"jobs_{attr}, answers_{attr} = queue.Queue(), queue.Queue()\n"
        f"def serve_{attr}():\n"
        "    while True:\n"
        f"        answers_{attr}.put(run_{attr}(*jobs_{attr}.get()))\n"
        f"{threads}.Thread(target=serve_{attr}, daemon=True).start()\n"
        f"def by_worker_{attr}(*args, **kwargs):\n"
        f"    jobs_{attr}.put((args, kwargs))\n" + settle.format(outcome=f"answers_{attr}.get()")
    )
    return {
        IN_A_THREAD: (in_a_thread, template.replace(PLACEHOLDER, f"threaded_{attr}")),
        IN_A_PROCESS: (in_a_process, template.replace(PLACEHOLDER, f"forked_{attr}")),
        BY_A_WORKER: (by_a_worker, template.replace(PLACEHOLDER, f"by_worker_{attr}")),
        **_disguised_routes(attr, template, imports, target),
    }


def _disguised_routes(attr: str, template: str, imports: str, target: str) -> dict[str, Example]:
    """The routes that call ``target`` (the callable reached by a built name) from code
    that claims a file name not the student's, by their constants."""
    under_the_graders_name = (
        f"{imports}def claimed_{attr}(*args, **kwargs):\n"
        f"    return {target}(*args, **kwargs)\n"
        f"claimed_{attr}.__code__ = claimed_{attr}.__code__.replace(\n"
        f'    co_filename="<hidden check " + "{attr}>")\n'
    )
    helper_source = f"def made(*args, **kwargs):\n    return {target}(*args, **kwargs)\n"
    from_a_string = (
        f"{imports}import types\n"
        f"made_{attr} = types.FunctionType(\n"
        f"    compile({helper_source!r}, '<notebook cell 0>', 'exec').co_consts[0], globals()\n"
        ")\n"
    )
    return {
        UNDER_THE_GRADERS_NAME: (
            under_the_graders_name,
            template.replace(PLACEHOLDER, f"claimed_{attr}"),
        ),
        FROM_A_STRING: (from_a_string, template.replace(PLACEHOLDER, f"made_{attr}")),
    }


def out_of_sight(name: str, template: str) -> dict[str, Example]:
    """Breaking examples that call ``name`` where the run-time record does not look,
    or from code that claims not to be the student's, from the same ``template`` as
    :func:`evasions` (``{name}`` where the answer calls it): in a thread the answer
    starts, in a process it forks, by a worker thread that another cell started before
    the probes, fed through queues by the answer, in a helper whose code was renamed
    after a hidden check, and in one compiled from a string under a course cell's name.

    Labels start with ``name``, then one of ``"in a thread"``, ``"in a forked
    process"``, ``"by a worker thread started in another cell"``,
    ``UNDER_THE_GRADERS_NAME`` and ``FROM_A_STRING``.
    """
    owner, attr = _dotted(name, template, "out_of_sight")
    routes = _out_of_sight_routes(owner, attr, template)
    return {f"{name} {route}": example for route, example in routes.items()}
