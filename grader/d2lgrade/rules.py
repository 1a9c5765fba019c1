"""The rules a task's statement states, declared as data next to its probes.

In ``solutions/<id>/hidden_checks.py``::

    from d2lgrade import rules
    from d2lgrade.rules import Forbid, NoLoops, SOFTMAX

    rules("softmax", Forbid(*SOFTMAX, why="build softmax from exp, max and sum"), NoLoops())

Each rule is checked twice, and a break found either way costs the task:

- statically, in the grader's own process, on the submitted source of the task's
  answer cells and of every function of the notebook they call
  (``static_check.py``), with imports, aliases and attribute chains resolved;
- at run time, inside the sandbox, from the record of the torch calls, the ATen
  operators (``aten::mm``: what the dispatcher runs, whatever Python route reached it)
  and the autograd runs that student code made while the task's probes ran
  (``inside/monitor.py``).

The named sets below (``SOFTMAX``, ``MATRIX_PRODUCT``...) list Python names; each also
has the ATen operators its functions run (``ATEN_OPS``), and a ``Forbid`` that lists
every name of a set forbids that set's operators too, so ``Forbid(*MATRIX_PRODUCT)``
catches ``torch.ops.aten.mm`` and any library function that multiplies matrices.

A rule's ``name`` is what the student's feedback says; it names the rule, never a
hidden input.
"""

from __future__ import annotations

import fnmatch
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

from .protocol import (
    CODE_FROM_STRING,
    HANDED_A_FUNCTION,
    LOOP_RAN,
    LOOPING_CALLS,
    OTHER_LIBRARY,
    PRIVATE_TORCH,
    PROCESS_LEFT_RUNNING,
    RECORD_OFF,
    RECURSION,
    REPEATED_CALLBACK,
    STEPPED_THROUGH_TENSORS,
    THREAD_LEFT_RUNNING,
    allowed_module,
)
from .static_check import LOOPING_BUILTINS

# Names that switch off or fool the run-time record, and ways to reach code by a name
# the static check cannot read. Every task with rules also forbids these in its answer.
TAMPERING = (
    "torch._C",
    "torch._C.*",
    "torch.overrides",
    "torch.overrides.*",
    "torch.utils._python_dispatch",
    "torch.utils._python_dispatch.*",
    "torch.autograd.graph",
    "torch.autograd.graph.*",
    # Operators called by name, and ways to run code the recorders do not see op by op.
    "torch.ops",
    "torch.ops.*",
    "torch._ops",
    "torch._ops.*",
    "torch.library",
    "torch.library.*",
    "torch.jit",
    "torch.jit.*",
    "torch.compile",
    "torch._dynamo",
    "torch._dynamo.*",
    # Modules that run code in another thread or process, out of the run-time record's
    # sight (it also watches them at run time, by route-proof signs: ELSEWHERE).
    "_thread",
    "_thread.*",
    "threading",
    "threading.*",
    "concurrent.futures",
    "concurrent.futures.*",
    "multiprocessing",
    "multiprocessing.*",
    "subprocess",
    "subprocess.*",
    "_posixsubprocess",
    "_posixsubprocess.*",
    "os.fork*",
    "os.exec*",
    "os.spawn*",
    "os.posix_spawn*",
    "os.system",
    "os.popen",
    # The grader's own modules, importable inside the sandbox, where its record runs.
    "d2lgrade",
    "d2lgrade.*",
    "sys._getframe",
    "sys.modules",
    "sys.settrace",
    "sys.setprofile",
    "gc",
    "gc.*",
    "ctypes",
    "ctypes.*",
    "inspect",
    "inspect.*",
    "importlib",
    "importlib.*",
    "builtins",
    "builtins.*",
    "__import__",
    "eval",
    "exec",
    "compile",
    "?.__subclasses__",
    # a class's bases lead back past the observable looping classes to C's originals
    "?.__base__",
    "?.__bases__",
    "?.__mro__",
    "?.mro",
    "?.__globals__",
    "?.__code__",
    "?.__builtins__",
    "?.__torch_function__",
)

# Ways to take work out of the run-time record's sight, which watches the probe's own
# thread: another thread or process, a profiler or tracer in place of the record's, or
# the record switched off (RECORD_OFF: its recorders patched, popped or disabled), or code
# made from a string that the source check never read (CODE_FROM_STRING: exec, eval), or
# one of torch's private functions called by name (PRIVATE_TORCH: the kernels under the
# public ones, which no rule lists). The record sees these whatever route reaches them
# (the interpreter's audit events and the code of thread starts), and notes a thread or
# child process the notebook left running when a probe starts or ends. Every task with
# rules forbids them too.
ELSEWHERE = (
    "threading.Thread.start",
    "_thread.start_new_thread",
    "_thread.start_joinable_thread",  # where Python 3.12 and later start threads
    "_posixsubprocess.fork_exec",
    "os.fork",
    "os.forkpty",
    "os.posix_spawn",
    "os.posix_spawnp",
    "os.spawn",
    "os.exec",
    "os.system",
    "subprocess.Popen",
    "sys.setprofile",
    "sys.settrace",
    THREAD_LEFT_RUNNING,
    PROCESS_LEFT_RUNNING,
    RECORD_OFF,
    CODE_FROM_STRING,
    PRIVATE_TORCH,
)

# Where a tensor's entries leave torch for NumPy or plain Python (np.asarray, .numpy(),
# .tolist(), DLPack, raw storage, pickling). NumPy's kernels (a ufunc such as np.matmul,
# an array's methods, operators on arrays) raise no event that the record sees, under
# whatever name they are reached, so a task that forbids a computation closes this door
# to them (``StayInTorch``).
TO_NUMPY = (
    "torch.Tensor.numpy",
    "torch.Tensor.__array__",
    "torch.Tensor.tolist",
    "torch.Tensor.__dlpack__",
    "torch.Tensor.untyped_storage",
    "torch.Tensor.storage",
    "torch.Tensor.data_ptr",
    "torch.Tensor.__reduce_ex__",
)

# Calls that run a Python function once per element or per step: loops in disguise.
LOOPING_HELPERS = (
    *LOOPING_BUILTINS,
    *LOOPING_CALLS,
    "torch.Tensor.apply_",
    "torch.Tensor.map_",
    "torch.Tensor.map2_",
    # Iterating over a tensor (what sum(), max(), sorted(), list() or unpacking do to
    # it) steps through its rows in Python, through Tensor.__iter__ and unbind.
    "torch.Tensor.__iter__",
    "torch.Tensor.unbind",
    "torch.unbind",
)
# What the run-time record shows when Python iterates over a tensor: Tensor.__iter__
# calls unbind, whichever builtin asked for the rows.
TENSOR_ITERATION = (
    "torch.Tensor.__iter__",
    "torch.Tensor.unbind",
    "torch.unbind",
    "aten::unbind",
    STEPPED_THROUGH_TENSORS,
)

SOFTMAX = (
    "torch.softmax",
    "torch.log_softmax",
    "torch.special.softmax",
    "torch.special.log_softmax",
    "torch.nn.functional.softmax",
    "torch.nn.functional.log_softmax",
    "torch.nn.functional.softmin",
    "torch.Tensor.softmax",
    "torch.Tensor.log_softmax",
    "torch._softmax",
    "torch._log_softmax",
    "torch.sparse.softmax",
    "torch.sparse.log_softmax",
    "torch.nn.Softmax",
    "torch.nn.LogSoftmax",
    "torch.nn.Softmin",
)
LOGSUMEXP = (
    "torch.logsumexp",
    "torch.special.logsumexp",
    "torch.Tensor.logsumexp",
    # Its last entry along the axis is the log-sum-exp.
    "torch.logcumsumexp",
    "torch.Tensor.logcumsumexp",
)
CROSS_ENTROPY = (
    "torch.nn.functional.cross_entropy",
    "torch.nn.functional.nll_loss",
    "torch.nn.CrossEntropyLoss",
    "torch.nn.NLLLoss",
    "torch.nn.functional.binary_cross_entropy",
    "torch.nn.functional.binary_cross_entropy_with_logits",
)
MATRIX_PRODUCT = (
    "@",
    "torch.matmul",
    "torch.mm",
    "torch.mv",
    "torch.bmm",
    "torch.dot",
    "torch.vdot",
    "torch.inner",
    "torch.einsum",
    "torch.tensordot",
    "torch.addmm",
    "torch.addmv",
    "torch.baddbmm",
    "torch.linalg.multi_dot",
    "torch.linalg.matmul",
    "torch.linalg.vecdot",
    "torch.chain_matmul",
    "torch.nn.functional.linear",
    "torch.nn.functional.bilinear",
    "torch.Tensor.matmul",
    "torch.Tensor.mm",
    "torch.Tensor.mv",
    "torch.Tensor.bmm",
    "torch.Tensor.dot",
    "torch.Tensor.inner",
    "torch.Tensor.__matmul__",
    "torch.Tensor.__rmatmul__",
    "torch.nn.Linear",
    "numpy.matmul",
    "numpy.dot",
    "numpy.einsum",
    "numpy.inner",
    "numpy.tensordot",
)
# Products computed as convolutions: forbid them too where a task says "no product of
# any kind" (``ANY_PRODUCT``).
CONVOLUTION = (
    "torch.conv1d",
    "torch.conv2d",
    "torch.conv3d",
    "torch.convolution",
    "torch.conv_transpose1d",
    "torch.conv_transpose2d",
    "torch.conv_transpose3d",
    "torch.nn.functional.conv1d",
    "torch.nn.functional.conv2d",
    "torch.nn.functional.conv3d",
    "torch.nn.functional.conv_transpose1d",
    "torch.nn.functional.conv_transpose2d",
    "torch.nn.functional.conv_transpose3d",
    "torch.nn.Conv1d",
    "torch.nn.Conv2d",
    "torch.nn.Conv3d",
    "numpy.convolve",
    "numpy.correlate",
    "scipy.signal.*",
)
# Products in disguise: a bag of embeddings summed with weights is a matrix-vector
# product, and the exponential of a nilpotent block matrix holds one.
PRODUCTS_IN_DISGUISE = (
    "torch.nn.functional.embedding_bag",
    "torch.embedding_bag",
    "torch.nn.EmbeddingBag",
    "torch.linalg.matrix_exp",
    "torch.matrix_exp",
    "torch.Tensor.matrix_exp",
)
ANY_PRODUCT = (*MATRIX_PRODUCT, *CONVOLUTION, *PRODUCTS_IN_DISGUISE)
# Ways to form a matrix's inverse (a power of -1 is one).
MATRIX_INVERSE = (
    "torch.inverse",
    "torch.linalg.inv",
    "torch.linalg.inv_ex",
    "torch.linalg.pinv",
    "torch.pinverse",
    "torch.Tensor.inverse",
    "torch.Tensor.pinverse",
    "torch.cholesky_inverse",
    "torch.linalg.tensorinv",
    "torch.linalg.matrix_power",
    "torch.matrix_power",
    "torch.Tensor.matrix_power",
    "numpy.linalg.inv",
    "numpy.linalg.pinv",
    "numpy.linalg.matrix_power",
    "scipy.linalg.inv",
    "scipy.linalg.pinv",
)
INVERSE = (
    *MATRIX_INVERSE,
    "torch.linalg.lstsq",
    "numpy.linalg.lstsq",
    "torch.linalg.solve",
    "torch.linalg.solve_ex",
    "torch.cholesky_solve",
    "torch.linalg.cholesky",
)
AUTOGRAD = (
    "torch.Tensor.backward",
    "torch.autograd",
    "torch.autograd.*",
    "torch.func",
    "torch.func.*",
    "torch.enable_grad",
    "torch.set_grad_enabled",
    "torch.Tensor.retain_grad",
    # Forward mode: dual numbers carry the derivative and no backward pass runs; the
    # torch function mode records the dual's making and unpacking however it was named.
    "torch.autograd.forward_ad.*",
    "torch._make_dual",
    "torch._unpack_dual",
    "torch._VariableFunctionsClass._make_dual",
    "torch._VariableFunctionsClass._unpack_dual",
)
RELU = (
    "torch.relu",
    "torch.nn.functional.relu",
    "torch.nn.functional.relu_",
    "torch.Tensor.relu",
    "torch.Tensor.relu_",
    "torch.relu_",
    "torch.nn.ReLU",
    "torch.clamp_min",
    "torch.Tensor.clamp_min",
)
RANDOM_ORDER = (
    "torch.randperm",
    "torch.Tensor.random_",
    "torch.multinomial",
    "torch.rand",
    "torch.randint",
    "torch.Tensor.uniform_",
    "torch.argsort",
    "torch.Tensor.argsort",
)
# Every draw of random numbers from torch's generator: a MustCall of "shuffle" or
# "sample" accepts any of them.
RANDOM_DRAWS = (
    "torch.randperm",
    "torch.rand",
    "torch.randn",
    "torch.randint",
    "torch.multinomial",
    "torch.Tensor.random_",
    "torch.Tensor.uniform_",
    "torch.Tensor.normal_",
)
# Ready-made regression losses (squared, absolute, Huber, Gaussian likelihood).
REGRESSION_LOSSES = (
    "torch.nn.functional.mse_loss",
    "torch.nn.MSELoss",
    "torch.nn.functional.l1_loss",
    "torch.nn.functional.huber_loss",
    "torch.nn.functional.smooth_l1_loss",
    "torch.nn.functional.gaussian_nll_loss",
)
# The kernels autograd itself calls for a derivative (torch.ops.aten.sigmoid_backward,
# mm_backward...): at run time they are recorded as aten.<name> when called by name,
# and at the dispatcher as aten::<name> whatever the route.
# The ATen operators of autograd's backward pass (aten::nll_loss_backward...).
BACKWARD_OPERATORS = ("aten::*_backward*",)
BACKWARD_KERNELS = ("torch.ops", "torch.ops.*", "aten.*", *BACKWARD_OPERATORS)

# The ATen operators (as the dispatcher names them) that each named set's functions
# run, whatever route reaches them; patterns allowed. Operators that several sets'
# functions run on the way (exp, sum) are never listed.
ATEN_OPS: dict[tuple[str, ...], tuple[str, ...]] = {
    SOFTMAX: (
        "aten::_softmax",
        "aten::_log_softmax",
        "aten::_safe_softmax",
        "aten::_masked_softmax",
        "aten::_sparse_softmax",
        "aten::_sparse_log_softmax",
        # Attention kernels compute a softmax inside.
        "aten::_scaled_dot_product*",
        "aten::_*_attention*",
        "aten::_native_multi_head_attention",
    ),
    LOGSUMEXP: ("aten::logsumexp", "aten::logcumsumexp", "aten::_logcumsumexp"),
    CROSS_ENTROPY: (
        "aten::nll_loss*",
        "aten::cross_entropy_loss",
        "aten::binary_cross_entropy",
        "aten::binary_cross_entropy_with_logits",
    ),
    MATRIX_PRODUCT: (
        "aten::*mm",
        "aten::*mm_",
        "aten::*mm_v2",
        "aten::_addmm_activation",
        "aten::_weight_int*pack_mm*",
        "aten::*mv",
        "aten::*mv_",
        "aten::dot",
        "aten::vdot",
        "aten::matmul",
        "aten::linear",
        "aten::_trilinear",
        "aten::_scaled_dot_product*",
        "aten::_*_attention*",
        "aten::_native_multi_head_attention",
    ),
    CONVOLUTION: (
        "aten::convolution",
        "aten::_convolution",
        "aten::conv[123]d",
        "aten::conv_transpose*",
        "aten::conv_tbc",
        "aten::*_convolution*",
        "aten::*slow_conv*",
        "aten::thnn_conv*",
    ),
    INVERSE: (
        "aten::linalg_inv_ex",
        "aten::inverse",
        "aten::linalg_pinv",
        "aten::linalg_lstsq",
        "aten::*solve*",
        "aten::linalg_cholesky_ex",
        "aten::cholesky_inverse",
        "aten::linalg_lu_factor_ex",
    ),
    RELU: ("aten::relu", "aten::relu_", "aten::clamp_min", "aten::clamp_min_", "aten::threshold*"),
}


def aten_ops_of(names: tuple[str, ...]) -> tuple[str, ...]:
    """The ATen operators of every named set that ``names`` lists in full, in order."""
    listed = set(names)
    found = [op for named, ops in ATEN_OPS.items() if listed.issuperset(named) for op in ops]
    return tuple(dict.fromkeys(found))


def is_operator(name: str) -> bool:
    """Whether ``name`` is an ATen operator as the run-time record names it (``aten::mm``)."""
    return "::" in name


def matches(name: str, patterns: tuple[str, ...]) -> str | None:
    """The first pattern ``name`` matches, or None.

    ``name`` is a qualified name (``torch.nn.functional.softmax``); a method called on
    an object of unknown type is ``?.softmax`` and matches any ``torch.Tensor.softmax``
    style pattern with the same method name, since the analysis cannot tell a
    tensor from anything else.
    """
    for pattern in patterns:
        if fnmatch.fnmatchcase(name, pattern):
            return pattern
        if (
            name.startswith("?.")
            and pattern.rsplit(".", 1)[-1] == name[2:]
            and "." in pattern
            and pattern.split(".")[-2] in ("Tensor", "?")
        ):
            return pattern
    return None


@dataclass(frozen=True)
class Rule(ABC):
    """One rule of one task; subclasses say what it forbids or requires."""

    @abstractmethod
    def describe(self) -> str:
        """The rule in a few words, as the student's feedback names it."""

    def static_violation(self, references: dict[str, int], loops: int) -> str | None:
        """A break found in the answer's source, given the qualified names it refers to
        (with how often) and the number of Python loops in it; None when it keeps the rule."""
        return None

    def runtime_violation(self, calls: dict[str, int], autograd_runs: int) -> str | None:
        """A break found in the record of the probes' run; None when it keeps the rule."""
        return None

    def watched(self) -> tuple[str, ...]:
        """What the run-time record must watch for this rule: qualified names (with
        patterns in the last part) and the record's marks (``protocol.RECORD_MARKS``)."""
        return ()


@dataclass(frozen=True, init=False)
class NamesRule(Rule, ABC):
    """A rule about a list of qualified names, with a sentence for the student."""

    names: tuple[str, ...]
    note: str

    def __init__(self, names: tuple[str, ...], note: str) -> None:
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "note", note)


@dataclass(frozen=True, init=False)
class Forbid(NamesRule):
    """The answer must not use these functions, classes or operators (``"@"``, or ATen
    operators such as ``"aten::mm"``); ``why`` says why, in the student's terms. The
    ATen operators of every named set listed in full are added (``aten_ops_of``)."""

    def __init__(self, *names: str, why: str = "") -> None:
        super().__init__(tuple(dict.fromkeys(names + aten_ops_of(names))), why)

    @property
    def why(self) -> str:
        return self.note

    def watched(self) -> tuple[str, ...]:
        return self.names

    def describe(self) -> str:
        named = [
            n.replace("torch.nn.functional.", "F.")
            for n in self.names
            if not n.endswith("*") and not n.startswith("?") and not is_operator(n)
        ]
        if not named:  # only patterns: name what they cover (torch.optim.* -> torch.optim)
            named = [n.rstrip("*").rstrip(".") for n in self.names if n.endswith("*")]
        shown = list(dict.fromkeys(named))[:6]  # in the order the rule lists them
        text = "do not use " + ", ".join(shown) + (" (and the like)" if len(named) > 6 else "")
        return text + (f": {self.why}" if self.why else "")

    def _found(self, names: dict[str, int]) -> str | None:
        # A Python name tells the student more than the operator it ran: name it first.
        for name in sorted(names, key=lambda n: (is_operator(n), n)):
            if matches(name, self.names):
                return name.replace("?.", "a method .")
        return None

    def static_violation(self, references: dict[str, int], loops: int) -> str | None:
        found = self._found(references)
        return None if found is None else f"your answer uses {found}"

    def runtime_violation(self, calls: dict[str, int], autograd_runs: int) -> str | None:
        found = self._found(calls)
        if found is None:
            return None
        if is_operator(found):
            return f"your code ran the operator {found} while it was checked, by whatever route"
        return f"your code called {found} while it was checked"


@dataclass(frozen=True)
class ExplainedRule(Rule):
    """A rule named by a fixed label and a reason: "<label> (<why>)"."""

    label: ClassVar[str] = ""
    why: str = ""

    def describe(self) -> str:
        return f"{self.label} ({self.why})" if self.why else self.label


_AUTOGRAD_NAMES = Forbid(*AUTOGRAD, "?.backward")


@dataclass(frozen=True)
class NoAutograd(ExplainedRule):
    """The gradient is derived by hand: no backward(), torch.autograd or torch.func."""

    label: ClassVar[str] = "no autograd"
    why: str = "derive the gradient by hand"

    def static_violation(self, references: dict[str, int], loops: int) -> str | None:
        return _AUTOGRAD_NAMES.static_violation(references, loops)

    def runtime_violation(self, calls: dict[str, int], autograd_runs: int) -> str | None:
        if autograd_runs:
            return f"your code ran autograd {autograd_runs} time(s) while it was checked"
        # Backward kernels run only in a backward pass, however it was started (the
        # engine called directly, a grad_fn called by hand): autograd by its effect.
        kernel = next((n for n in sorted(calls) if matches(n, BACKWARD_OPERATORS)), None)
        if kernel is not None:
            return f"your code ran {kernel}, a backward-pass kernel, while it was checked"
        return _AUTOGRAD_NAMES.runtime_violation(calls, autograd_runs)


@dataclass(frozen=True)
class UseAutograd(Rule):
    """The answer must get its gradients from autograd (backward or torch.autograd.grad)."""

    def describe(self) -> str:
        return "use autograd for the gradient"

    def runtime_violation(self, calls: dict[str, int], autograd_runs: int) -> str | None:
        return None if autograd_runs else "your code never ran autograd while it was checked"


@dataclass(frozen=True)
class NoLoops(ExplainedRule):
    """Whole-tensor code: no ``for``/``while`` loops, comprehensions, recursion or helpers
    that loop for you (``map``, ``functools.reduce``...) in the answer."""

    label: ClassVar[str] = "no Python loops"
    why: str = "work on whole tensors"

    def static_violation(self, references: dict[str, int], loops: int) -> str | None:
        if loops:
            return (
                f"your answer has {loops} Python loop(s), comprehension(s) or function(s) "
                "that call themselves"
            )
        helpers = sorted({p for name in references if (p := matches(name, LOOPING_HELPERS))})
        if helpers:
            return "your answer loops in Python through " + ", ".join(helpers)
        return None

    def watched(self) -> tuple[str, ...]:
        return (
            RECURSION,
            REPEATED_CALLBACK,
            LOOP_RAN,
            HANDED_A_FUNCTION,
            STEPPED_THROUGH_TENSORS,
            *LOOPING_CALLS,
        )

    def runtime_violation(self, calls: dict[str, int], autograd_runs: int) -> str | None:
        helpers = sorted(name for name in calls if matches(name, LOOPING_CALLS))
        if helpers:
            return (
                "your code looped through "
                + ", ".join(name.removeprefix("builtins.") for name in helpers)
                + " while it was checked (it calls a function once per item, whatever "
                "name reached it)"
            )
        if any(matches(name, TENSOR_ITERATION) for name in calls):
            return (
                "your code iterated over a tensor in Python while it was checked (sum(), "
                "max(), sorted(), list(), zip() or unpacking applied to a tensor, or to its "
                "rows split apart, step through them one by one)"
            )
        if calls.get(LOOP_RAN):
            return (
                "code of yours ran a Python loop or comprehension while it was checked (a "
                "function reached by a name built at run time, or code made from a string, "
                "loops too)"
            )
        if calls.get(RECURSION):
            return "a function of yours called itself while it was checked (recursion loops)"
        if calls.get(HANDED_A_FUNCTION):
            return (
                "your code handed a function to a library that calls it item by item while "
                "it was checked (pandas' map or apply, re.sub, json's parse hooks loop for you)"
            )
        if calls.get(REPEATED_CALLBACK):
            return (
                "one place in your code ran a function of yours again and again while it "
                "was checked (a builtin or library function such as sorted, iter, re.sub or "
                "pandas' apply calling it back item by item is a loop)"
            )
        return None


@dataclass(frozen=True, init=False)
class MustCall(NamesRule):
    """The answer must call at least one of these while checked (e.g. shuffle with randperm);
    ``what`` says what that means for the task."""

    def __init__(self, *names: str, what: str = "") -> None:
        super().__init__(names, what)

    def describe(self) -> str:
        return self.note or "call one of " + ", ".join(self.names)

    def runtime_violation(self, calls: dict[str, int], autograd_runs: int) -> str | None:
        if any(matches(name, self.names) for name in calls):
            return None
        return "your code never did this while it was checked"


@dataclass(frozen=True, init=False)
class ForbidInSource(Forbid):
    """Like ``Forbid``, but checked on the source only: the names it lists are also used
    inside torch on the student's behalf (``torch.no_grad()`` calls ``torch._C``), so the
    run-time record cannot tell the student's use from the library's."""

    def runtime_violation(self, calls: dict[str, int], autograd_runs: int) -> str | None:
        return None

    def watched(self) -> tuple[str, ...]:
        return ()


NoTampering = ForbidInSource(
    *TAMPERING, why="these names can switch off or fool the grader's checks"
)


@dataclass(frozen=True, init=False)
class WorkInSight(Forbid):
    """The answer's work happens where the run-time record sees it: in the thread that
    runs the probe, with the record's own profiler in place (``ELSEWHERE``)."""

    def __init__(self) -> None:
        super().__init__(*ELSEWHERE)

    def describe(self) -> str:
        return (
            "work only where the grader checks it: start no thread or process, set no "
            "profiler or tracer, run no code made from a string, call no private torch "
            "function (torch._...), and leave its record on"
        )

    def runtime_violation(self, calls: dict[str, int], autograd_runs: int) -> str | None:
        found = self._found(calls)
        if found == RECORD_OFF:
            return "your code switched off the grader's record of its calls while it was checked"
        if found == CODE_FROM_STRING:
            return (
                "your code ran code made from a string (exec, eval or compile) while it was "
                "checked, which the grader cannot read"
            )
        if found == PRIVATE_TORCH:
            return (
                "your code called one of torch's private functions (a name with a part "
                "that starts with _, such as torch._prelu_kernel) while it was checked: use "
                "torch's public functions"
            )
        if found in (THREAD_LEFT_RUNNING, PROCESS_LEFT_RUNNING):
            kind = "thread" if found == THREAD_LEFT_RUNNING else "process"
            return f"a {kind} that your notebook started was running while your answer was checked"
        return super().runtime_violation(calls, autograd_runs)


@dataclass(frozen=True, init=False)
class StayInTorch(Forbid):
    """The answer computes on torch tensors: it hands no tensor's entries to NumPy or to
    Python lists (``TO_NUMPY``), where a forbidden product or solver of NumPy's would run
    out of the record's sight."""

    def __init__(self) -> None:
        super().__init__(*TO_NUMPY)

    def describe(self) -> str:
        return (
            "keep the work on torch tensors: no NumPy arrays or Python lists of their "
            "entries (np.asarray, .numpy(), .tolist()), since NumPy's functions count as "
            "the library's too, under any name"
        )


@dataclass(frozen=True)
class CourseLibrariesOnly(Rule):
    """The answer uses torch, NumPy, d2lutils and Python's standard library (and the
    few others of ``protocol.COURSE_LIBRARIES``): another installed library (sympy,
    mpmath...) could do what the task asks, under names no task lists."""

    def describe(self) -> str:
        return "use only torch, NumPy, d2lutils and Python's standard library here"

    def watched(self) -> tuple[str, ...]:
        return (OTHER_LIBRARY,)

    def static_violation(self, references: dict[str, int], loops: int) -> str | None:
        outside = sorted(
            name
            for name in references
            if "." in name and name[0] not in "?<" and not allowed_module(name)
        )
        return f"your answer uses {outside[0]}" if outside else None

    def runtime_violation(self, calls: dict[str, int], autograd_runs: int) -> str | None:
        found = sorted(name for name in calls if name.startswith(OTHER_LIBRARY[:-1]))
        if not found:
            return None
        library = found[0][len(OTHER_LIBRARY) : -1].strip(": ")
        return f"your code called the library {library} while it was checked"


# The grader's own rules, which every task with rules gets besides its own.
GRADER_RULES: tuple[Rule, ...] = (NoTampering, WorkInSight(), CourseLibrariesOnly())


@dataclass
class TaskRules:
    """The rules of one task, plus the grader's own rules when there are any."""

    task: str
    rules: list[Rule] = field(default_factory=list)

    def all(self) -> list[Rule]:
        return [*self.rules, *GRADER_RULES] if self.rules else []


_registry: dict[str, TaskRules] | None = None


def rules(task: str, *task_rules: Rule) -> None:
    """Declare the rules of ``task`` (call it in hidden_checks.py, next to its probes)."""
    if _registry is None:
        return  # imported outside load_probes: nothing to collect
    if not all(isinstance(rule, Rule) for rule in task_rules):
        raise TypeError(f"rules({task!r}, ...) takes Rule objects (Forbid, NoLoops, ...)")
    _registry.setdefault(task, TaskRules(task)).rules.extend(task_rules)


def collecting() -> dict[str, TaskRules]:
    """Start collecting rule declarations (``hidden.load_probes`` calls it)."""
    global _registry
    _registry = {}
    return _registry


def stop_collecting() -> None:
    global _registry
    _registry = None
