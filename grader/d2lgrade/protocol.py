"""What crosses the sandbox wall, in both directions, and how it is read.

The grader sends a :class:`Job` (cell sources, probes, limits) as one JSON document;
the runner inside the sandbox answers with one JSON object per line: a ``start``
event, one ``cell`` event per cell in order, one ``probe`` event per probe in order,
and an ``end`` event. Both sides import this module, so the records, the size cap and
the line decoder exist once. It imports nothing but the standard library: it is
loaded inside the sandbox before any student code runs.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field, replace
from typing import Any

# Everything one run may send back, events and values together. Past it the reader
# keeps draining (so the writer never blocks) but drops what comes.
MAX_STREAM_BYTES = 16 * 1024**2
# The key that marks an encoded array in plain data (see inside/plain.py).
ARRAY_KEY = "__array__"
# The keys that mark what hidden checks return through ``inside/probekit.py``: a call that
# raised, a multiple-choice answer, the data of one plotted line.
RAISED = "__raised__"
MULTIPLE_CHOICE = "__multiple_choice__"
CURVE = "__curve__"
# What the call record shows when a thread or child process that the notebook started is
# alive as a probe starts or ends: work that may run where the record cannot see it.
THREAD_LEFT_RUNNING = "<a thread left running>"
PROCESS_LEFT_RUNNING = "<a child process left running>"
# What it shows when the student's Python code ran again and again within one call: a
# function that called itself (directly or through others), or one place in the code
# that ran a function of the student's repeatedly (a builtin such as sorted, max, iter
# or re.sub calling it back item by item, or a loop).
RECURSION = "<a function that called itself>"
REPEATED_CALLBACK = "<a function run again and again from one place>"
# What it shows when code of the student's ran a for or while loop or a comprehension
# while it was checked (seen in the bytecode that ran), whatever called it and however
# it was reached: also code the source check may not have read, a function bound to the
# answer's name by a name built at run time (``globals()["ro" + "ws"]``), or code the
# notebook made from a string or under another file name.
LOOP_RAN = "<a loop that ran in the student's code>"
# What it shows when the student's code handed a function to a library's Python code
# (pandas' map or apply, json's parse hooks, re.sub's replacement): the library calls it
# item by item, and when it is written in C (``list.count``) no call of the student's
# code shows it. torch and d2lutils, which take functions on their own terms (hooks,
# a loss given to a trainer), are not counted.
HANDED_A_FUNCTION = "<a function handed to a library to call item by item>"
# What it shows when the student's own code called one of torch's private functions
# (a name with a part that starts with _: ``torch._prelu_kernel``, ``torch._C._nn.linear``):
# kernels and entry points under the public ones, which no rule can list one by one.
# Torch calling them on the student's behalf does not count.
PRIVATE_TORCH = "<a private torch function called by name>"
# What it shows when a builtin that steps through its items (sum, max, min, sorted,
# math.prod), called from the student's code, ran tensor operations one item at a time:
# ``sum(X.split(1))`` adds the rows one by one, as a loop would.
STEPPED_THROUGH_TENSORS = "<tensors stepped through one by one by a builtin>"
# Functions and classes that call a function once per item or step (``map``,
# ``functools.reduce``, ``itertools.starmap``, ``collections.Counter`` counting items):
# a loop in disguise when the student's own code calls them, even with a function
# written in C (``map(values.count, classes)``) that no profile hook sees called back.
# The record notes them only when a cell of the student's calls them directly, since
# libraries use them on their own account (torch chains iterators of parameters).
LOOPING_CALLS = (
    "builtins.map",
    "builtins.filter",
    "functools.reduce",
    "itertools.*",
    "collections.Counter",
    "collections._count_elements",  # the C helper behind Counter, callable on its own
    "numpy.vectorize",
    "numpy.frompyfunc",
    "numpy.apply_along_axis",
    "numpy.apply_over_axes",
    "torch.Tensor.apply_",
    "torch.Tensor.map_",
    "torch.Tensor.map2_",
)
# What it shows when the student's code ran while its torch function or operator
# recorder was off: never entered (torch's mode classes patched in a cell), popped, or
# disabled for a while (torch._C's guards).
RECORD_OFF = "<the record switched off>"
# What it shows when the student's code ran code made from a string (exec, eval, compile,
# by any name): code the source check never read, loops included.
CODE_FROM_STRING = "<code run from a string>"
# The libraries a task with rules may use besides Python's standard library
# (``sys.stdlib_module_names``) and the notebook's own code (``__main__``): any other
# installed one (sympy, mpmath...) could do the task for the student. The record notes a
# call from student code into another library as ``<another library: NAME>``, when its
# rules watch ``OTHER_LIBRARY``.
COURSE_LIBRARIES = frozenset(
    {"torch", "torchvision", "numpy", "d2lutils", "d2l", "matplotlib", "pandas", "PIL", "IPython"}
)
OTHER_LIBRARY = "<another library>"


def allowed_module(module: str) -> bool:
    """Whether code of ``module`` (a dotted name) is the course's to use in a ruled task.
    The grader's own package counts: its recorders and probe helpers run on the
    student's behalf (a ruled answer may not name it: ``rules.TAMPERING``)."""
    top = module.split(".")[0]
    return (
        top in COURSE_LIBRARIES
        or top in sys.stdlib_module_names
        or top in ("__main__", __name__.split(".")[0])
    )


def other_library_mark(module: str) -> str:
    """The record's name for a call into ``module``, of a library outside the course."""
    return f"{OTHER_LIBRARY[:-1]}: {module.split('.')[0]}>"


# Every mark above: names the record uses that are no callable's.
RECORD_MARKS = (
    THREAD_LEFT_RUNNING,
    PROCESS_LEFT_RUNNING,
    RECURSION,
    REPEATED_CALLBACK,
    LOOP_RAN,
    HANDED_A_FUNCTION,
    STEPPED_THROUGH_TENSORS,
    PRIVATE_TORCH,
    RECORD_OFF,
    CODE_FROM_STRING,
    OTHER_LIBRARY,
)
# The event the runner sends, instead of a probe's, when the notebook changed the
# grader's own code in its process (``inside/seal.py``): nothing it reports then counts.
GRADER_CHANGED = "grader changed"
# The id the reference notebook runs under (notebooks may read it, e.g. to order quiz choices).
REFERENCE_STUDENT = "reference"


@dataclass(frozen=True)
class Limits:
    """Resource limits for one notebook run: the one place that names them.

    The grader's configuration holds them, a :class:`Job` carries them into the
    sandbox, and the runner applies them to itself (:meth:`resource_limits`).
    """

    cell_seconds: float = 60.0
    notebook_seconds: float = 240.0
    memory_bytes: int = 4 * 1024**3
    processes: int = 64
    output_chars: int = 1_000_000
    file_bytes: int = 64 * 1024**2
    scratch_bytes: int = 256 * 1024**2
    core_bytes: int = 0

    def with_process_base(self, process_base: int) -> Limits:
        """These limits for a runner whose user id already runs ``process_base`` tasks.

        ``RLIMIT_NPROC`` counts every task of the user id, so a sandbox that shares its
        user id with processes already running adds their count to ``processes``.
        """
        return replace(self, processes=process_base + self.processes)

    def resource_limits(self) -> dict[str, int]:
        """The ``resource`` module's limits the runner sets, by name, with their values."""
        # RLIMIT_DATA rather than RLIMIT_AS: a CUDA build of torch maps over 3 GB of address
        # space for its libraries alone, while the data limit counts what code allocates.
        return {
            "RLIMIT_DATA": self.memory_bytes,
            "RLIMIT_FSIZE": self.file_bytes,
            "RLIMIT_NPROC": self.processes,
            "RLIMIT_CORE": self.core_bytes,
        }


@dataclass(frozen=True)
class ProbeJob:
    """One hidden check as the runner calls it: its source and the names it takes."""

    task: str
    name: str
    params: list[str]
    source: str
    timeout: float
    # Whether to record the ATen operators student code runs (tasks with rules only:
    # the record costs time on every operator).
    operators: bool = False


@dataclass(frozen=True)
class Job:
    """One notebook run: the cells to execute, then the probes to call, under limits."""

    cells: list[str]
    probes: list[ProbeJob]
    limits: Limits
    # Whose notebook it is (notebooks may read it, e.g. to order quiz choices), and
    # which cells hold the student's own code (the call record attributes to them).
    student: str = ""
    student_cells: list[int] = field(default_factory=list)
    # Module-level functions the task rules name, for the call record to watch.
    watch: list[str] = field(default_factory=list)
    # Set by a warm sandbox: which job this is, and the user id its child runs as.
    job_id: str = ""
    uid: int = -1

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | bytes) -> Job:
        data = json.loads(text)
        data["probes"] = [ProbeJob(**p) for p in data["probes"]]
        data["limits"] = Limits(**data["limits"])
        return cls(**data)


def encode(message: dict[str, Any]) -> bytes:
    """One message as a JSON line (NaN and infinities allowed, as probe values may hold them)."""
    return (json.dumps(message, allow_nan=True) + "\n").encode()


class LineDecoder:
    """Split a byte stream into JSON objects, one per line, up to ``limit`` bytes in all.

    Lines that are not JSON objects are dropped: a student who writes garbage into a
    channel gains nothing, and the reader never raises on what it receives.
    """

    def __init__(self, limit: int | None = MAX_STREAM_BYTES) -> None:
        self.limit = limit
        self.received = 0
        self.overflowed = False
        self._pending = b""

    def feed(self, chunk: bytes) -> list[dict[str, Any]]:
        """Messages completed by ``chunk``."""
        self.received += len(chunk)
        if self.limit is not None and self.received > self.limit:
            self.overflowed = True
            self._pending = b""
            return []
        *lines, self._pending = (self._pending + chunk).split(b"\n")
        return [m for m in map(_decode_line, lines) if m is not None]

    def finish(self) -> list[dict[str, Any]]:
        """A last message not ended by a newline, if any."""
        rest, self._pending = self._pending, b""
        message = None if self.overflowed else _decode_line(rest)
        return [] if message is None else [message]


def _decode_line(line: bytes) -> dict[str, Any] | None:
    if not line.strip():
        return None
    try:
        message = json.loads(line)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


@dataclass(frozen=True)
class CellEvent:
    """How one cell ran: ``error`` is ``"ExceptionType: message"`` or None, and
    ``error_type`` that exception's type name alone."""

    index: int
    ok: bool
    error: str | None
    seconds: float
    error_type: str | None = None


@dataclass(frozen=True)
class ProbeEvent:
    """What one probe returned (plain data), or the type of exception it raised.

    ``calls`` counts the torch functions the student's code called while the probe
    ran, by qualified name, and ``autograd`` its backward passes (``inside/monitor.py``).
    """

    index: int
    ok: bool
    value: Any = None
    error: str | None = None
    calls: dict[str, int] = field(default_factory=dict)
    autograd: int = 0


@dataclass
class RunRecord:
    """The events of one run, checked against the order the runner must follow.

    ``interfered`` is set when the stream breaks that order (an event repeated, out
    of order, malformed or after ``end``): only code that writes into the result
    channel itself can cause that, and such a run earns nothing.
    """

    cells: dict[int, CellEvent] = field(default_factory=dict)
    probes: dict[int, ProbeEvent] = field(default_factory=dict)
    started: bool = False
    ended: bool = False
    interfered: bool = False
    # What the runner found changed in the grader's own code (``GRADER_CHANGED``).
    grader_changed: str | None = None

    @classmethod
    def from_events(cls, events: list[dict[str, Any]], n_cells: int, n_probes: int) -> RunRecord:
        record = cls()
        for event in events:
            if not record._accept(event, n_cells, n_probes):
                changed = event.get("what") if event.get("event") == GRADER_CHANGED else None
                return cls(
                    started=record.started,
                    interfered=True,
                    grader_changed=changed if type(changed) is str else None,
                )
        return record

    def _accept(self, event: dict[str, Any], n_cells: int, n_probes: int) -> bool:
        kind = event.get("event")
        if self.ended:
            return False
        if not self.started:
            self.started = kind == "start" and set(event) == {"event"}
            return self.started
        if kind == "end":
            self.ended = len(self.cells) == n_cells and len(self.probes) == n_probes
            return self.ended
        index = event.get("index")
        if type(index) is not int or type(event.get("ok")) is not bool:
            return False
        if kind == "cell" and not self.probes and index == len(self.cells) < n_cells:
            error, seconds = event.get("error"), event.get("seconds")
            error_type = event.get("error_type")
            if not all(text is None or type(text) is str for text in (error, error_type)) or type(
                seconds
            ) not in (int, float):
                return False
            assert isinstance(seconds, (int, float))  # as just checked, for the type checker
            self.cells[index] = CellEvent(index, event["ok"], error, float(seconds), error_type)
            return True
        if kind == "probe" and len(self.cells) == n_cells and index == len(self.probes) < n_probes:
            error, calls, autograd = (
                event.get("error"),
                event.get("calls", {}),
                event.get("autograd", 0),
            )
            if (
                not (error is None or type(error) is str)
                or type(autograd) is not int
                or type(calls) is not dict
                or not all(type(k) is str and type(v) is int for k, v in calls.items())
            ):
                return False
            self.probes[index] = ProbeEvent(
                index, event["ok"], event.get("value"), error, calls, autograd
            )
            return True
        return False
