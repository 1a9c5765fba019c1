"""Hidden checks for exercises 2.3 (instructor only; never shipped to students)."""

from d2lgrade import concept, evasions, out_of_sight, probe, rules
from d2lgrade.evasions import BOUND, HELPER
from d2lgrade.rules import ANY_PRODUCT, Forbid, NoLoops, StayInTorch

# Names the run-time record gives some products (torch.einsum is torch.functional.einsum
# there); patterns ending in "*" stay out of the rule's description in the feedback.
RECORDED_PRODUCTS = (
    "torch.functional.einsum*",
    "torch.functional.tensordot*",
    "torch.functional.chain_matmul*",
)
NORMS = (
    "torch.norm",
    "torch.linalg.norm",
    "torch.linalg.vector_norm",
    "torch.linalg.matrix_norm",
    "torch.Tensor.norm",
    "torch.functional.norm*",
    "torch.frobenius_norm*",
    "torch.nuclear_norm*",
    "torch.linalg.svd*",
    "torch.linalg.eig*",
    "torch.dist*",
    "torch.cdist*",
    "torch.Tensor.dist*",
    "torch.nn.functional.normalize*",
    "torch.nn.functional.pairwise_distance*",
    "numpy.linalg.*",
    # under other names: a column's norm, Python's and NumPy's
    "torch.norm_except_dim",
    "math.hypot",
    "math.dist",
    "numpy.hypot",
)

rules(
    "matvec",
    Forbid(
        *ANY_PRODUCT,
        *RECORDED_PRODUCTS,
        why="build the product from elementwise products and sums; torch.mv, torch.matmul, "
        "torch.einsum and convolutions count too",
    ),
    NoLoops(),
    StayInTorch(),
)
rules(
    "normalize_rows",
    Forbid(
        "torch.nn.functional.normalize",
        "torch.renorm",
        "torch.Tensor.renorm",
        "torch.Tensor.renorm_",
        why="divide by the row sums yourself",
    ),
    NoLoops(),
)
rules(
    "frobenius",
    Forbid(*NORMS, why="compute it from squares, a sum and a square root"),
    StayInTorch(),
)


@probe("matvec")
def matvec_cases(matvec):
    gen = torch.Generator().manual_seed(2301)
    A, x = torch.randn(5, 7, generator=gen), torch.randn(7, generator=gen)
    return {
        "random matrix": attempt(matvec, A, x),
        "float64, one row": attempt(
            matvec,
            torch.randn(1, 4, generator=gen, dtype=torch.float64),
            torch.randn(4, generator=gen, dtype=torch.float64),
        ),
        "one column": attempt(
            matvec, torch.randn(6, 1, generator=gen), torch.randn(1, generator=gen)
        ),
        "no rows": attempt(matvec, torch.zeros(0, 3), torch.ones(3)),
        "no columns": attempt(matvec, torch.randn(4, 0, generator=gen), torch.zeros(0)),
        "large entries": attempt(
            matvec, 1e3 * torch.randn(8, 3, generator=gen), torch.randn(3, generator=gen)
        ),
        "mismatched shapes": attempt(
            matvec, torch.randn(3, 4, generator=gen), torch.randn(3, generator=gen)
        ),
        "inputs not modified": keeps_inputs(matvec, A, x),
    }


concept("matmul_cost", "answer_matmul_cost", case="multiplications", rtol=0.01, atol=0.0)


@probe("normalize_rows")
def normalize_rows_cases(normalize_rows):
    gen = torch.Generator().manual_seed(2302)
    A = torch.rand(6, 4, generator=gen)
    A[2] = 0.0
    return {
        "a zero row among others": attempt(normalize_rows, A),
        "float64, one row": attempt(
            normalize_rows, torch.rand(1, 5, generator=gen, dtype=torch.float64)
        ),
        "one column": attempt(normalize_rows, torch.rand(3, 1, generator=gen) + 0.1),
        "all zeros": attempt(normalize_rows, torch.zeros(2, 3)),
        "large entries": attempt(normalize_rows, 1e6 * torch.rand(4, 3, generator=gen)),
        "input not modified": keeps_inputs(normalize_rows, A),
    }


concept("reduced_shape", "answer_reduced_shape", as_="shape", case="shape")


@probe("frobenius")
def frobenius_norm_cases(frobenius_norm):
    def relative(X):
        # the result relative to the true size, so that tiny and huge norms both count
        out = frobenius_norm(X)
        scale = X.double().abs().max().item() if X.numel() else 0.0
        true = scale * torch.sqrt(((X.double() / scale) ** 2).sum()).item() if scale else 0.0
        return [dtype_and_shape(out), round(out.item() / true, 4) if true > 0 else out.item()]

    gen = torch.Generator().manual_seed(2303)
    tensors = {
        "matrix": torch.randn(5, 6, generator=gen),
        "float64 vector": torch.randn(7, generator=gen, dtype=torch.float64),
        "three axes": torch.randn(2, 3, 4, generator=gen),
        "no axes": torch.tensor(-2.5),
        "all zeros": torch.zeros(3, 3),
        "empty": torch.zeros(2, 0, 4, dtype=torch.float64),
        "squares overflow": 1e30 * torch.randn(4, 4, generator=gen),
        "squares underflow": 1e-30 * torch.randn(10, generator=gen),
        # The statement's edge holds in float64 too: casting to float64 only moves it.
        "float64, squares overflow": 1e200 * torch.randn(4, 4, generator=gen, dtype=torch.float64),
        "float64, squares underflow": 1e-200 * torch.randn(9, generator=gen, dtype=torch.float64),
    }
    return {case: attempt(relative, X) for case, X in tensors.items()}


@probe("symmetric")
def is_symmetric_cases(is_symmetric):
    def described(A, tol):
        got = is_symmetric(A, tol=tol)
        return [type(got).__name__, bool(got)]

    gen = torch.Generator().manual_seed(2304)
    R = torch.randn(5, 5, generator=gen)
    S = R + R.T
    almost = S.clone()
    almost[1, 3] += 1e-3
    ints = torch.randint(-9, 10, (4, 4), generator=gen)
    uneven = torch.tensor([[1, 3], [5, 1]])
    return {
        "symmetric": attempt(described, S, 0.0),
        "not symmetric": attempt(described, R, 0.0),
        "almost symmetric": [
            attempt(described, almost, 0.0),
            attempt(described, almost, 1e-2),
            attempt(described, almost, 1e-4),
        ],
        "int64": [attempt(described, ints + ints.T, 0.0), attempt(described, ints, 0.0)],
        "tolerance at the boundary": [
            attempt(described, uneven, 2.0),
            attempt(described, uneven, 1.5),
        ],
        "not square": attempt(described, torch.randn(3, 5, generator=gen), 10.0),
        "1 x 1": attempt(described, torch.randn(1, 1, generator=gen), 0.0),
        "0 x 0": attempt(described, torch.zeros(0, 0), 0.0),
    }


_MATVEC_HEAD = "def matvec(A, x):\n    if A.shape[1] != x.shape[0]:\n        raise ValueError('A and x do not fit')"


def _matvec(*body: str) -> str:
    """A matvec answer: the shape check, then the lines of ``body``."""
    return _MATVEC_HEAD + "".join(f"\n    {line}" for line in body)


def _frobenius(norm_of_rescaled: str, *before: str) -> str:
    """A Frobenius norm that rescales by the largest entry ``s``, as the statement asks,
    runs the lines ``before``, then returns ``s`` times ``norm_of_rescaled``."""
    return (
        "def frobenius_norm(X):\n"
        "    if X.numel() == 0 or X.abs().max() == 0:\n"
        "        return torch.zeros((), dtype=X.dtype)\n"
        "    s = X.abs().max()\n"
        + "".join(f"    {line}\n" for line in before)
        + f"    return s * {norm_of_rescaled}"
    )


# The task's own alias (torch.matmul) and helper (torch.tensordot) examples stand for
# those routes of torch.mv.
_MV_ROUTES_LISTED = (BOUND, HELPER)

RULE_EXAMPLES = {
    "matvec": {
        "breaks": {
            "the @ operator": _matvec("return A @ x"),
            **evasions("torch.mv", _matvec("return {name}(A, x)"), skip=_MV_ROUTES_LISTED),
            **out_of_sight("torch.mv", _matvec("return {name}(A, x)")),
            "F.linear": ("import torch.nn.functional as F", _matvec("return F.linear(x, A)")),
            "a tensor method": _matvec("return A.matmul(x)"),
            "alias bound in another cell": (
                "product = torch.matmul",
                _matvec("return product(A, x)"),
            ),
            "helper in another cell": (
                "def contract(A, x):\n    return torch.tensordot(A, x, dims=1)",
                _matvec("return contract(A, x)"),
            ),
            "einsum by a name built at run time": _matvec(
                "return getattr(torch, 'ein' + 'sum')('ij,j->i', A, x)"
            ),
            "a loop over rows": _matvec("return torch.stack([(row * x).sum() for row in A])"),
            "a loop over rows through map": _matvec(
                "return torch.stack(list(map(lambda row: (row * x).sum(), A)))"
            ),
            "the operator called by name": _matvec("return torch.ops.aten.mv(A, x)"),
            "the operator reached through names built at run time": _matvec(
                "operators = getattr(getattr(torch, 'o' + 'ps'), 'at' + 'en')",
                "return getattr(operators, 'm' + 'v')(A, x)",
            ),
            "a 1-D convolution": (
                "import torch.nn.functional as F",
                _matvec("return F.conv1d(A[:, None, :], x[None, None, :]).reshape(A.shape[0])"),
            ),
            "a convolution by a name built at run time": _matvec(
                "slide = getattr(torch, 'conv' + '1d')",
                "return slide(A[:, None, :], x[None, None, :]).reshape(A.shape[0])",
            ),
            "a batched product of a library function written in Python": _matvec(
                "f = getattr(torch.nn.functional, 'bi' + 'linear')",
                "ones = torch.ones(A.shape[0], 1, dtype=A.dtype)",
                "return f(ones, x.expand(A.shape[0], -1), A[:, None, :]).sum(1)",
            ),
            # numpy's own, reached through a module that hands it on
            "numpy.dot through d2l.np": _matvec(
                "return torch.from_numpy(d2l.np.dot(A.numpy(), x.numpy()))"
            ),
            "numpy.inner through plt.np, by a name built at run time": (
                "import matplotlib.pyplot as plt",
                _matvec(
                    "numeric = getattr(plt, 'n' + 'p')",
                    "return torch.from_numpy(getattr(numeric, 'in' + 'ner')(A.numpy(), x.numpy()))",
                ),
            ),
            # NumPy's kernels raise no event the record sees: the entries stay on tensors
            "NumPy's matmul (a ufunc) by a name built at run time": (
                "import numpy as np",
                _matvec("return torch.from_numpy(vars(np)['mat' + 'mul'](A.numpy(), x.numpy()))"),
            ),
            "operator.matmul on NumPy arrays": (
                "import operator",
                _matvec("return torch.from_numpy(operator.matmul(A.numpy(), x.numpy()))"),
            ),
            "the builtin sum over the columns": _matvec(
                "return sum(A.T * x[:, None]) + torch.zeros(A.shape[0], dtype=A.dtype)"
            ),
            "a loop over rows through recursion": _matvec(
                "head = (A[:1] * x).sum(dim=1)",
                "return head if len(A) == 1 else torch.cat([head, matvec(A[1:], x)])",
            ),
        },
        "keeps": {
            "broadcast and sum, a comment naming torch.mv": _matvec(
                "# the same numbers as torch.mv(A, x) or A @ x, from a product and a sum",
                "return torch.sum(A * x[None, :], dim=-1)",
            ),
            "a helper in another cell": (
                "def row_sums(M):\n    return M.sum(dim=1)",
                _matvec("return row_sums(A * x)"),
            ),
            "the shape unpacked, columns weighted then summed with torch.sum": (
                "def matvec(A, x):\n"
                "    m, n = A.shape  # unpacking a shape is no loop over a tensor\n"
                "    if n != len(x):\n"
                "        raise ValueError(f'{n} columns, {len(x)} entries')\n"
                "    return torch.sum(A * x.reshape(1, n), dim=1)"
            ),
        },
    },
    "normalize_rows": {
        "breaks": {
            **evasions(
                "torch.nn.functional.normalize",
                "def normalize_rows(A):\n    return {name}(A, p=1, dim=1)",
            ),
            "a loop over rows": (
                "def normalize_rows(A):\n"
                "    rows = [r / r.sum() if r.sum() > 0 else r.clone() for r in A]\n"
                "    return torch.stack(rows)"
            ),
        },
        "keeps": {
            "nan_to_num after the division": (
                "def normalize_rows(A):\n"
                "    # no F.normalize: divide and turn 0 / 0 into 0\n"
                "    return torch.nan_to_num(A / A.sum(dim=1, keepdim=True), nan=0.0)"
            ),
            "clamped sums": (
                "def normalize_rows(A):\n"
                "    sums = A.sum(1, keepdim=True)\n"
                "    return A / sums.clamp(min=torch.finfo(A.dtype).tiny)"
            ),
        },
    },
    "frobenius": {
        "breaks": {
            "Python's hypot over the entries": (
                "import math\n"
                "def frobenius_norm(X):\n"
                "    entries = [float(v) for v in X.reshape(-1)]\n"
                "    return torch.tensor(math.hypot(*entries), dtype=X.dtype)"
            ),
            "torch.linalg.norm on the rescaled tensor": _frobenius("torch.linalg.norm(X / s)"),
            "the method X.norm()": _frobenius("(X / s).norm()"),
            "alias bound in another cell": ("size_of = torch.norm", _frobenius("size_of(X / s)")),
            "vector_norm by a name built at run time": _frobenius(
                "getattr(torch.linalg, 'vector_' + 'norm')(X / s)"
            ),
            "helper in another cell": (
                "def length(v):\n    return torch.dist(v, torch.zeros_like(v))",
                _frobenius("length(X / s)"),
            ),
            "NumPy's hypot folded over the entries": _frobenius(
                "torch.tensor(np.hypot.reduce((X / s).reshape(-1).numpy()), dtype=X.dtype)",
                "import numpy as np",
            ),
        },
        "keeps": {
            "a dot product of the flattened, rescaled tensor": _frobenius(
                "torch.sqrt(torch.dot(v, v))  # not torch.norm", "v = (X / s).reshape(-1)"
            ),
            "rescaled by a power of two": (
                "def frobenius_norm(X):\n"
                "    if X.numel() == 0 or X.abs().max() == 0:\n"
                "        return torch.zeros((), dtype=X.dtype)\n"
                "    c = torch.exp2(-torch.floor(torch.log2(X.abs().max())))\n"
                "    return torch.sqrt(((X * c) ** 2).sum()) / c"
            ),
        },
    },
}
