"""Hidden checks for exercises 2.1 (instructor only; never shipped to students)."""

from d2lgrade import concept, evasions, out_of_sight, probe, rules
from d2lgrade.evasions import BOUND, HELPER
from d2lgrade.rules import Forbid, MustCall, NoLoops

# Patterns ending in "*" stay out of the rule's description in the feedback, which
# lists the first few exact names; the "why" names what the patterns add.
BROADCAST_HELPERS = (
    "torch.broadcast_shapes",
    "torch.broadcast_tensors",
    "torch.broadcast_to",
    "torch.Tensor.broadcast_to",
    "torch.Tensor.expand",
    "torch.Tensor.expand_as",
    "torch.functional.broadcast_*",
    "torch._refs.*",
    "torch._prims_common.*",
    "numpy.broadcast*",
    "numpy.lib.stride_tricks.*",
)
TENSOR_MAKERS = (
    "torch.tensor",
    "torch.zeros",
    "torch.zeros_*",
    "torch.ones",
    "torch.ones_*",
    "torch.empty",
    "torch.empty_*",
    "torch.full*",
    "torch.as_*",
    "torch.asarray*",
    "torch.from_*",
    "torch.arange*",
    "torch.rand*",
    "torch.Tensor.new_*",
    "numpy.array*",
    "numpy.asarray*",
    "numpy.empty*",
    "numpy.zeros*",
    "numpy.ones*",
    "numpy.full*",
    "numpy.arange*",
    "numpy.ndarray*",
)

rules(
    "broadcast",
    Forbid(
        *BROADCAST_HELPERS,
        why="implement the broadcasting rule yourself (NumPy's helpers count too)",
    ),
    Forbid(
        *TENSOR_MAKERS, why="work only with the numbers of the shapes: create no tensors or arrays"
    ),
)
rules(
    "totals",
    MustCall(
        "torch.cat", "torch.concat", "torch.concatenate", what="join the pieces with torch.cat"
    ),
    NoLoops(),
)


@probe("comparisons")
def compare_cases(compare):
    gen = torch.Generator().manual_seed(2101)
    X = torch.randn(4, 5, generator=gen)
    Y = torch.randn(4, 5, generator=gen)
    Y[0, :2] = X[0, :2]  # some ties
    A = torch.randint(-3, 4, (2, 3, 4), generator=gen)  # many ties
    B = torch.randint(-3, 4, (2, 3, 4), generator=gen)
    return {
        "random floats with ties": attempt(compare, X, Y),
        "equal tensors": attempt(compare, X, X.clone()),
        "int64 with three axes": attempt(compare, A, B),
        "float64": attempt(compare, X.double(), Y.double()),
        "empty tensors": attempt(compare, torch.zeros(0), torch.zeros(0)),
        "tensors with no axes": attempt(compare, torch.tensor(2.5), torch.tensor(-1.0)),
        "inputs not modified": keeps_inputs(compare, X, Y) and keeps_inputs(compare, A, B),
    }


@probe("broadcast")
def broadcast_shape_cases(broadcast_shape):
    def described(a, b):
        got = broadcast_shape(a, b)
        return [type(got).__name__, [type(n).__name__ for n in got], [int(n) for n in got]]

    def outcome(a, b):  # [type, element types, lengths], or the type of the exception
        return attempt(described, a, b)

    # While the cases run, torch.broadcast_shapes and numpy.broadcast_shapes pass through
    # a tripwire that calls torch.broadcast_tensors on a tensor made here. The tripwire is
    # compiled under a file name of its own, so the run-time record counts that call as
    # the student's: every way of reaching the helpers (an alias bound in an earlier
    # cell, a name built at run time) then shows up in the record that the rules read.
    # A compliant answer never reaches the tripwire.
    import numpy
    import torch._refs

    saved = (torch._refs._broadcast_shapes, numpy.broadcast_shapes)
    tripwire_source = (
        "def torch_tripwire(*shapes):\n"
        "    torch.broadcast_tensors(marker)\n"
        "    return torch_helper(*shapes)\n"
        "def numpy_tripwire(*shapes):\n"
        "    torch.broadcast_tensors(marker)\n"
        "    return numpy_helper(*shapes)\n"
    )
    tripwire = {
        "torch": torch,
        "marker": torch.zeros(()),
        "torch_helper": saved[0],
        "numpy_helper": saved[1],
    }
    exec(compile(tripwire_source, "<course tripwire>", "exec"), tripwire)
    torch._refs._broadcast_shapes = tripwire["torch_tripwire"]
    numpy.broadcast_shapes = tripwire["numpy_tripwire"]
    try:
        return {
            "equal shapes": outcome((3,), (3,)),
            "no axes": [outcome((), ()), outcome((5,), ())],
            "length 1 meets 0": [outcome((1,), (0,)), outcome((0,), (1, 1))],
            "different numbers of axes": [
                outcome((2, 1, 4, 1), (3, 1, 5)),
                outcome((6, 1, 1), (1, 2, 1, 7)),
            ],
            "both stretched": outcome((1, 9), (6, 1)),
            "torch.Size inputs": outcome(torch.Size([4, 1]), torch.Size([1, 3])),
            "shapes too large to allocate": outcome((12, 1, 10**9), (10**9, 1)),
            "incompatible shapes": [
                outcome((2, 3), (3, 2)),
                outcome((4,), (5,)),
                outcome((0,), (2,)),
                outcome((1, 2, 3), (4, 2, 1, 2)),
                outcome((7, 1, 3), (2, 3)),
            ],
        }
    finally:
        torch._refs._broadcast_shapes, numpy.broadcast_shapes = saved


concept("summed_broadcast_shape", "answer_summed_broadcast_shape", as_="shape", case="shape")


@probe("border")
def set_border_cases(set_border):
    gen = torch.Generator().manual_seed(2103)
    X = torch.randn(5, 6, generator=gen)
    return {
        "float32": attempt(set_border, X, 0.25),
        "int64": attempt(set_border, torch.randint(0, 100, (3, 3), generator=gen), 7),
        "float64, one column": attempt(
            set_border, torch.randn(4, 1, generator=gen, dtype=torch.float64), -2.0
        ),
        "one entry": attempt(set_border, torch.randint(0, 10, (1, 1), generator=gen), 3),
        "2 x 2": attempt(set_border, torch.randn(2, 2, generator=gen), 1.0),
        "non-contiguous view": attempt(set_border, torch.randn(3, 7, generator=gen)[:, ::2], 5.0),
        "input not modified": keeps_inputs(set_border, X, 0.25),
    }


concept("view_or_copy", "answer_view_or_copy", as_="choice", question="view_or_copy")


@probe("totals")
def add_totals_cases(add_totals):
    gen = torch.Generator().manual_seed(2104)
    X = torch.randn(4, 6, generator=gen)
    tables = {
        "float32": X,
        "int64": torch.randint(-50, 50, (3, 2), generator=gen),
        "float64, one row": torch.randn(1, 5, generator=gen, dtype=torch.float64),
        "one column": torch.randn(3, 1, generator=gen),
        "no columns": torch.zeros((2, 0)),
        "no rows and no columns": torch.zeros((0, 0), dtype=torch.float64),
    }
    return {case: attempt(add_totals, table) for case, table in tables.items()} | {
        "input not modified": keeps_inputs(add_totals, X)
    }


@probe("fill_column")
def fill_column_cases(fill_column):
    gen = torch.Generator().manual_seed(2107)
    M = torch.randn(4, 5, generator=gen)
    batch = torch.randint(0, 9, (3, 2, 4), generator=gen)
    return {
        "a matrix": attempt(fill_column, M, 1, 0.5),
        "a batch of matrices": attempt(fill_column, batch, 3, -1),
        "two batch axes": attempt(fill_column, torch.randn(2, 3, 4, 2, generator=gen), 0, 9.0),
        "negative column": attempt(fill_column, M, -2, 4.0),
        "one column, float64": attempt(
            fill_column, torch.randn(3, 1, generator=gen, dtype=torch.float64), 0, 2.0
        ),
        "square batch": attempt(fill_column, torch.zeros(2, 3, 3, dtype=torch.int64), 1, 5),
        "input not modified": keeps_inputs(fill_column, batch, 3, -1)
        and keeps_inputs(fill_column, M, 1, 0.5),
    }


_TORCH_ROUNDTRIP = (
    "def broadcast_shape(a, b):\n"
    "    try:\n"
    "        return tuple({name}(a, b))\n"
    "    except RuntimeError as err:\n"
    "        raise ValueError(str(err))"
)
_NUMPY_ROUNDTRIP = (
    "def broadcast_shape(a, b):\n    return tuple(int(n) for n in {name}(tuple(a), tuple(b)))"
)
# Binding and wrapping in another cell are tried on torch.broadcast_shapes already.
_FROM_ANOTHER_CELL = (BOUND, HELPER)
_CAT_BY_HAND = (
    "def add_totals(X):\n"
    "    m, n = X.shape\n"
    "    out = torch.zeros((m + 1, n + 1), dtype=X.dtype)\n"
    "    out[:m, :n] = X\n"
    "    out[:m, n] = X.sum(dim=1)\n"
    "    out[m, :n] = X.sum(dim=0)\n"
    "    out[m, n] = X.sum()\n"
    "    return out"
)

RULE_EXAMPLES = {
    "broadcast": {
        "breaks": {
            # the task's own helper example (a tensor method) stands for that route
            **evasions("torch.broadcast_shapes", _TORCH_ROUNDTRIP, skip=(HELPER,)),
            **evasions("numpy.broadcast_shapes", _NUMPY_ROUNDTRIP, skip=_FROM_ANOTHER_CELL),
            **out_of_sight("numpy.broadcast_shapes", _NUMPY_ROUNDTRIP),
            "helper in another cell, tensor method": (
                "def stretched(shape):\n    return torch.zeros(()).expand(shape)",
                "def broadcast_shape(a, b):\n    try:\n"
                "        return tuple(torch.broadcast_tensors(stretched(a), stretched(b))[0].shape)\n"
                "    except RuntimeError as err:\n        raise ValueError(str(err))",
            ),
            "meta tensors": (
                "def broadcast_shape(a, b):\n    try:\n"
                "        return tuple((torch.empty(a, device='meta') + torch.empty(b, device='meta')).shape)\n"
                "    except RuntimeError as err:\n        raise ValueError(str(err))"
            ),
        },
        "keeps": {
            "from the right, with zip_longest": (
                "from itertools import zip_longest",
                "def broadcast_shape(a, b):\n"
                "    # no torch.broadcast_shapes here: the rule, applied from the right\n"
                "    out = []\n"
                "    for x, y in zip_longest(reversed(tuple(a)), reversed(tuple(b)), fillvalue=1):\n"
                "        if x != y and 1 not in (x, y):\n"
                "            raise ValueError(f'{tuple(a)} and {tuple(b)}: {x} meets {y}')\n"
                "        out.append(int(y if x == 1 else x))\n"
                "    return tuple(reversed(out))",
            ),
            "a helper in another cell": (
                "def axis_length(x, y):\n    if x == y or y == 1:\n        return int(x)\n"
                "    if x == 1:\n        return int(y)\n    raise ValueError(f'length {x} meets length {y}')",
                "def broadcast_shape(a, b):\n    a, b = tuple(a), tuple(b)\n    n = max(len(a), len(b))\n"
                "    a = (1,) * (n - len(a)) + a\n    b = (1,) * (n - len(b)) + b\n"
                "    return tuple(axis_length(x, y) for x, y in zip(a, b))",
            ),
        },
    },
    "totals": {
        "breaks": {
            "rows added one by one by the builtin sum, over the rows split apart": (
                "def add_totals(X):\n"
                "    wide = torch.cat((X, X.sum(dim=1, keepdim=True)), dim=1)\n"
                "    padded = torch.cat((torch.zeros(1, wide.shape[1], dtype=X.dtype), wide))\n"
                "    return torch.cat((wide, sum(padded.split(1))), dim=0)"
            ),
            "filled in without torch.cat": _CAT_BY_HAND,
            "a loop over rows": (
                "def add_totals(X):\n"
                "    rows = [torch.cat((row, row.sum().reshape(1))) for row in X]\n"
                "    body = torch.stack(rows) if rows else torch.zeros((0, X.shape[1] + 1), dtype=X.dtype)\n"
                "    return torch.cat((body, body.sum(dim=0, keepdim=True)), dim=0)"
            ),
            "column totals by the builtin sum": (
                "def add_totals(X):\n"
                "    wide = torch.cat((X, X.sum(dim=1, keepdim=True)), dim=1)\n"
                "    bottom = sum(wide) + torch.zeros(wide.shape[1], dtype=X.dtype)\n"
                "    return torch.cat((wide, bottom.reshape(1, -1)), dim=0)"
            ),
        },
        "keeps": {
            "torch.concat and keepdim": (
                "def add_totals(X):\n"
                "    wide = torch.concat([X, X.sum(dim=1, keepdim=True)], dim=1)  # not a loop\n"
                "    return torch.concat([wide, wide.sum(dim=0, keepdim=True)], dim=0)"
            ),
            "torch.cat under another name, reached by getattr": (
                "from torch import cat as join",
                "def add_totals(X):\n"
                "    wide = join((X, X.sum(dim=1).reshape(-1, 1)), dim=1)\n"
                "    stack = getattr(torch, 'c' + 'at')\n"
                "    return stack((wide, wide.sum(dim=0).reshape(1, -1)), dim=0)",
            ),
        },
    },
}
