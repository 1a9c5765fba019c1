"""Hidden checks for exercises 4.4 (instructor only; never shipped to students)."""

from d2lgrade import concept, evasions, out_of_sight, probe, rules
from d2lgrade.evasions import BOUND, BUILT, DIRECT, IMPORTED
from d2lgrade.rules import CROSS_ENTROPY, LOGSUMEXP, SOFTMAX, Forbid, NoLoops
from d2lgrade.variants import per_student, student_draw

rules("softmax", Forbid(*SOFTMAX, why="build the softmax from exp, max and sum"), NoLoops())
rules(
    "cross_entropy",
    Forbid(*CROSS_ENTROPY, why="pick the probabilities of the true classes yourself"),
    NoLoops(),
)
rules(
    "ce_logits",
    Forbid(*LOGSUMEXP, *SOFTMAX, *CROSS_ENTROPY, why="build the log-sum-exp yourself"),
    NoLoops(),
)
rules("scratch_model", Forbid(*SOFTMAX, *CROSS_ENTROPY, why="use your softmax and cross_entropy"))


@probe("softmax")
def softmax_cases(softmax):
    gen = torch.Generator().manual_seed(4401)
    X = torch.randn(8, 10, generator=gen) * 5
    return {
        "random logits": attempt(softmax, X),
        "float64": attempt(softmax, torch.randn(3, 6, generator=gen, dtype=torch.float64) * 20),
        "large logits": attempt(softmax, torch.randn(6, 5, generator=gen) * 1000),
        "all logits large": attempt(softmax, torch.randn(3, 4, generator=gen) + 500.0),
        "one class": attempt(softmax, torch.randn(4, 1, generator=gen)),
        "one row with a tie": attempt(softmax, torch.tensor([[-3.0, 0.5, 2.0, 2.0]])),
        "empty input": attempt(lambda: list(softmax(torch.zeros(0, 7)).shape)),
        "input not modified": keeps_inputs(softmax, X),
    }


@probe("cross_entropy")
def cross_entropy_cases(cross_entropy):
    gen = torch.Generator().manual_seed(4402)
    logits = torch.randn(12, 5, generator=gen)
    Y_hat = torch.exp(logits) / torch.exp(logits).sum(dim=1, keepdim=True)
    y = torch.randint(0, 5, (12,), generator=gen)
    P64 = torch.softmax(torch.randn(4, 3, generator=gen, dtype=torch.float64), dim=1)

    def gradient():
        leaf = Y_hat.clone().requires_grad_(True)
        cross_entropy(leaf, y).backward()
        return leaf.grad

    return {
        "random probabilities": attempt(lambda: cross_entropy(Y_hat, y).detach()),
        "gradient": attempt(gradient),
        "one row": attempt(cross_entropy, torch.tensor([[0.2, 0.7, 0.1]]), torch.tensor([2])),
        "float64": attempt(cross_entropy, P64, torch.tensor([0, 2, 1, 2])),
        "confident and right": attempt(
            cross_entropy, torch.tensor([[1.0, 0.0], [0.0, 1.0]]), torch.tensor([0, 1])
        ),
        "input not modified": keeps_inputs(cross_entropy, Y_hat, y),
    }


@probe("ce_logits")
def ce_logits_cases(cross_entropy_from_logits):
    gen = torch.Generator().manual_seed(4403)
    O, y = torch.randn(10, 6, generator=gen) * 3, torch.randint(0, 6, (10,), generator=gen)
    huge = torch.randn(8, 5, generator=gen, dtype=torch.float64) * 1000
    y_huge = torch.randint(0, 5, (8,), generator=gen)

    def gradient():
        leaf = O.clone().requires_grad_(True)
        cross_entropy_from_logits(leaf, y).backward()
        return leaf.grad

    return {
        "mean loss": attempt(cross_entropy_from_logits, O, y),
        "per-example losses": attempt(cross_entropy_from_logits, O, y, averaged=False),
        "gradient": attempt(gradient),
        "one row": attempt(
            cross_entropy_from_logits,
            torch.tensor([[0.5, -1.0]]),
            torch.tensor([1]),
            averaged=False,
        ),
        "huge logits, float64": attempt(cross_entropy_from_logits, huge, y_huge, averaged=False),
        "huge logits, float32, mean": attempt(cross_entropy_from_logits, huge.float(), y_huge),
        "input not modified": keeps_inputs(cross_entropy_from_logits, O, y),
    }


@probe("scratch_model")
def scratch_model_cases(SoftmaxRegressionScratch):
    gen = torch.Generator().manual_seed(4406)
    W, b = torch.randn(6, 4, generator=gen), torch.randn(4, generator=gen)
    X, y = torch.randn(7, 1, 2, 3, generator=gen), torch.randint(0, 4, (7,), generator=gen)

    def fresh():
        torch.manual_seed(4405)
        model = SoftmaxRegressionScratch(num_inputs=6, num_outputs=4, lr=0.1)
        with torch.no_grad():
            model.W.copy_(W)
            model.b.copy_(b)
        return model

    def gradients():
        model = fresh()
        model.loss(model(X), y).backward()
        return [model.W.grad, model.b.grad]

    def three_sgd_steps():
        model = fresh()
        optimizer = d2l.SGD([model.W, model.b], 0.5)

        def loss_before_step():
            loss = model.loss(model(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss.item()

        return [loss_before_step() for _ in range(3)]

    return {
        "probabilities": attempt(lambda: fresh()(X)),
        "loss": attempt(lambda: fresh().loss(fresh()(X), y)),
        "predictions": attempt(lambda: fresh().predict(X)),
        "prediction of one example": attempt(
            lambda: fresh().predict(torch.randn(1, 6, generator=gen))
        ),
        "gradients": attempt(gradients),
        "three SGD steps": attempt(three_sgd_steps),
    }


concept("stable_shift", "answer_stable_shift", as_="choice", question="stable_shift")
concept("num_parameters", "answer_num_parameters", rtol=0.0, atol=0.0)


def scratch_class_source(
    forward="softmax(X.reshape(-1, self.W.shape[0]) @ self.W + self.b)",
    loss="cross_entropy(y_hat, y)",
    predict="self.forward(X).argmax(dim=1)",
):
    """The scratch model's answer cell with the given bodies of forward, loss and predict."""
    return (
        "class SoftmaxRegressionScratch(d2l.Classifier):\n"
        "    def __init__(self, num_inputs, num_outputs, lr, sigma=0.01):\n"
        "        super().__init__()\n"
        "        self.save_hyperparameters()\n"
        "        self.W = torch.normal(0, sigma, size=(num_inputs, num_outputs), requires_grad=True)\n"
        "        self.b = torch.zeros(num_outputs, requires_grad=True)\n"
        "    def parameters(self, recurse=True):\n"
        "        return [self.W, self.b]\n"
        "    def configure_optimizers(self):\n"
        "        return d2l.SGD([self.W, self.b], self.lr)\n"
        f"    def forward(self, X):\n        return {forward}\n"
        f"    def loss(self, y_hat, y):\n        return {loss}\n"
        f"    def predict(self, X):\n        return {predict}"
    )


SOFTMAX_ANSWER = "def softmax(X):\n    return {name}(X, dim=1)"
CE_ANSWER = "def cross_entropy(Y_hat, y):\n    return {name}(torch.log(Y_hat), y)"
# One row's softmax, for the loops that no for, while or comprehension spells out.
_ROW = (
    "def row_softmax(x):\n    e = torch.exp(x - x.max())\n    return e / e.sum()\n"
    "def softmax(X):\n    out = torch.empty_like(X)\n"
)


def _ce_logits_example(body: str) -> str:
    """An answer to cross_entropy_from_logits: ``body`` computes the per-example losses."""
    return (
        "def cross_entropy_from_logits(O, y, averaged=True):\n"
        f"{body}\n    return losses.mean() if averaged else losses"
    )


RULE_EXAMPLES = {
    "softmax": {
        "breaks": {
            **evasions("torch.softmax", SOFTMAX_ANSWER, only=(DIRECT, BUILT)),
            **evasions("torch.nn.functional.softmax", SOFTMAX_ANSWER, only=(BOUND, IMPORTED)),
            "tensor method": "def softmax(X):\n    return X.softmax(1)",
            "log_softmax in a helper in another cell": (
                "def log_probabilities(X):\n    return torch.log_softmax(X, dim=1)",
                "def softmax(X):\n    return torch.exp(log_probabilities(X))",
            ),
            "sparse softmax with every entry stored, by names built at run time": (
                "def softmax(X):\n"
                "    rows, cols = X.shape\n"
                "    grid = torch.meshgrid(torch.arange(rows), torch.arange(cols), indexing='ij')\n"
                "    packed = torch.sparse_coo_tensor(torch.stack(grid).reshape(2, -1), X.reshape(-1), X.shape)\n"
                "    sparse = getattr(torch, 'spa' + 'rse')\n"
                "    return getattr(sparse, 'soft' + 'max')(packed, 1).to_dense()"
            ),
            "a loop over rows in code run from a string, by names built at run time": (
                "import numpy as np\n"
                "def softmax(X):\n"
                "    run = vars(np)['__buil' + 'tins__']['ex' + 'ec']\n"
                "    space = {'X': X, 'out': torch.empty_like(X)}\n"
                "    run('for i in range(len(X)):\\n    e = (X[i] - X[i].max()).exp()\\n'\n"
                "        '    out[i] = e / e.sum()', space)\n"
                "    return space['out']"
            ),
            "the softmax kernel by names built at run time": (
                "def softmax(X):\n    kernels = getattr(getattr(torch, 'o' + 'ps'), 'at' + 'en')\n"
                "    return getattr(kernels, '_soft' + 'max')(X, 1, False)"
            ),
            "row sums by the builtin sum": (
                "def softmax(X):\n    E = torch.exp(X - X.amax(dim=1, keepdim=True))\n"
                "    return E / (sum(E.T) + torch.zeros(len(X), dtype=X.dtype))[:, None]"
            ),
            "loop over rows": (
                "def softmax(X):\n"
                "    rows = [torch.exp(r - r.max()) / torch.exp(r - r.max()).sum() for r in X]\n"
                "    return torch.stack(rows) if rows else X.clone()"
            ),
            **out_of_sight("torch.softmax", SOFTMAX_ANSWER),
            "the record switched off by torch._C's guards": (
                "def softmax(X):\n    C = getattr(torch, '_' + 'C')\n"
                "    with getattr(C, 'DisableTorch' + 'Function')():\n"
                "        return getattr(torch, 'soft' + 'max')(X, 1)"
            ),
            "torch's mode classes swapped in another cell": (
                "import torch.overrides as o, torch.utils._python_dispatch as d\n"
                "class Inert:\n    def __init__(self, *args, **kwargs): pass\n"
                "    def __enter__(self): return self\n"
                "    def __exit__(self, *exc): return False\n"
                "setattr(o, 'TorchFunction' + 'Mode', Inert)\n"
                "setattr(d, 'TorchDispatch' + 'Mode', Inert)",
                "def softmax(X):\n    return getattr(torch, 'soft' + 'max')(X, 1)",
            ),
            "rows by two functions calling each other": (
                _ROW + "    return even(X, 0, out)\n"
                "def even(X, i, out):\n    if i < len(X):\n        out[i] = row_softmax(X[i])\n"
                "        odd(X, i + 1, out)\n    return out\n"
                "def odd(X, i, out):\n    return even(X, i, out)"
            ),
            "rows through the key of sorted": (
                _ROW
                + "    sorted(range(len(X)), key=lambda i: out.__setitem__(i, row_softmax(X[i])) or 0)\n"
                "    return out"
            ),
            "rows through pandas' apply": (
                "import pandas\n"
                + _ROW
                + "    put = lambda i: out.__setitem__(i, row_softmax(X[i]))\n"
                "    pandas.Series(range(len(X)), dtype=object).apply(put)\n    return out"
            ),
            "rows through re.sub's callback": (
                "import re\n"
                + _ROW
                + "    put = lambda m: out.__setitem__(m.start(), row_softmax(X[m.start()]))\n"
                "    re.sub('.', lambda m: put(m) or '', 'x' * len(X))\n    return out"
            ),
            "the call record's count switched off in another cell": (
                "import importlib\n"
                "record = importlib.import_module('d2lgrade.inside.' + 'monitor').CallMonitor\n"
                "record.count = lambda self, name: None",
                "def softmax(X):\n    return getattr(torch, 'soft' + 'max')(X, 1)",
            ),
            "rows in a helper in another cell, reached by a name built at run time": (
                "def each_row(X, out):\n    for i in range(len(X)):\n"
                "        e = torch.exp(X[i] - X[i].max())\n        out[i] = e / e.sum()\n"
                "    return out",
                "def softmax(X):\n    return globals()['each' + '_row'](X, torch.empty_like(X))",
            ),
            "rows in an answer cell that compiles only with the recursion limit raised": (
                "import sys\nsys.setrecursionlimit(20000)",
                "def softmax(X):\n    out = X.clone()\n    for i in range(len(X)):\n"
                "        out[i] = (X[i] - X[i].max()).exp() / (X[i] - X[i].max()).exp().sum()\n"
                "    return out\n_ = 0" + " + 1" * 4000,
            ),
            "a library's callable bound to the answer's name, by names built at run time": (
                "import operator\nsoftmax = operator.methodcaller('soft' + 'max', 1)"
            ),
            "rows in a helper bound to the answer's name by a name built at run time": (
                "def each_row(X):\n    out = torch.empty_like(X)\n    for i in range(len(X)):\n"
                "        out[i] = (X[i] - X[i].max()).exp() / (X[i] - X[i].max()).exp().sum()\n"
                "    return out",
                "softmax = globals()['each' + '_row']",
            ),
            "rows by a layer calling itself through torch": (
                "class Rows(torch.nn.Module):\n    def forward(self, X, i=0):\n"
                "        if i == len(X):\n            return X[:0]\n"
                "        e = torch.exp(X[i] - X[i].max())\n"
                "        return torch.cat([(e / e.sum())[None], self(X, i + 1)])\n"
                "def softmax(X):\n    return Rows()(X)"
            ),
            "rows in a cell with IPython syntax that ast alone cannot read": (
                "_ = %who_ls\n"
                "def softmax(X):\n    out = X.clone()\n    for i in range(len(X)):\n"
                "        out[i] = (X[i] - X[i].max()).exp() / (X[i] - X[i].max()).exp().sum()\n"
                "    return out",
                "# softmax is defined in the cell above",
            ),
            "rows in a function compiled from a string, bound in another cell": (
                "import codeop, types\n"
                "rows = types.FunctionType(codeop.compile_command(\n"
                "    'def rows(X, out):\\n    for i in range(len(X)):\\n'\n"
                "    '        out[i] = (X[i] - X[i].max()).exp() / (X[i] - X[i].max()).exp().sum()\\n'\n"
                "    '    return out\\n', 'rows', 'exec').co_consts[0], globals())",
                "def softmax(X):\n    return rows(X, torch.empty_like(X))",
            ),
        },
        "keeps": {
            "amax shift": (
                "def softmax(X):\n"
                "    E = torch.exp(X - X.amax(dim=1, keepdim=True))\n"
                "    return E / E.sum(dim=1, keepdim=True)  # same as torch.softmax, by hand"
            ),
            "helper in another cell": (
                "def shifted_exp(X):\n    return torch.exp(X - X.max(dim=1, keepdim=True).values)",
                "def softmax(X):\n    E = shifted_exp(X)\n    return E / E.sum(dim=1, keepdim=True)",
            ),
        },
    },
    "cross_entropy": {
        "breaks": {
            **evasions("torch.nn.functional.nll_loss", CE_ANSWER, skip=(BOUND, IMPORTED)),
            "F.nll_loss through an import alias": (
                "import torch.nn.functional as F\n"
                "def cross_entropy(Y_hat, y):\n"
                "    return F.nll_loss(Y_hat.log(), y)"
            ),
            "nn.NLLLoss made in another cell": (
                "criterion = torch.nn.NLLLoss()",
                "def cross_entropy(Y_hat, y):\n    return criterion(torch.log(Y_hat), y)",
            ),
            "loop over rows": (
                "def cross_entropy(Y_hat, y):\n"
                "    return -torch.stack([torch.log(Y_hat[i, y[i]]) for i in range(len(y))]).mean()"
            ),
        },
        "keeps": {
            "gather": (
                "def cross_entropy(Y_hat, y):\n"
                "    # gather instead of F.nll_loss\n"
                "    return -torch.log(Y_hat.gather(1, y.unsqueeze(1))).mean()"
            ),
            "range indexing": (
                "def cross_entropy(Y_hat, y):\n    return -Y_hat[range(len(Y_hat)), y].log().mean()"
            ),
        },
    },
    "ce_logits": {
        "breaks": {
            **evasions(
                "torch.logsumexp",
                _ce_logits_example("    losses = {name}(O, dim=1) - O[torch.arange(len(y)), y]"),
                skip=(BOUND, IMPORTED),
            ),
            "the last entry of a cumulative log-sum-exp": _ce_logits_example(
                "    lse = getattr(torch, 'logcum' + 'sumexp')(O, dim=1)[:, -1]\n"
                "    losses = lse - O[torch.arange(len(y)), y]"
            ),
            "log_softmax as a tensor method": _ce_logits_example(
                "    losses = -O.log_softmax(dim=1)[torch.arange(len(y)), y]"
            ),
            "F.cross_entropy": (
                "def cross_entropy_from_logits(O, y, averaged=True):\n"
                "    return torch.nn.functional.cross_entropy(O, y, reduction='mean' if averaged else 'none')"
            ),
            **evasions(
                "torch.special.logsumexp",
                _ce_logits_example("    losses = {name}(O, dim=1) - O[torch.arange(len(y)), y]"),
                only=(IMPORTED,),
            ),
            "loop over rows": _ce_logits_example(
                "    losses = []\n"
                "    for row, label in zip(O, y):\n"
                "        m = row.max()\n"
                "        losses.append(m + torch.log(torch.exp(row - m).sum()) - row[label])\n"
                "    losses = torch.stack(losses)"
            ),
        },
        "keeps": {
            "amax shift": _ce_logits_example(
                "    # the log-sum-exp by hand, as torch.logsumexp would do it\n"
                "    shift = O.amax(dim=1, keepdim=True)\n"
                "    lse = (shift + torch.exp(O - shift).sum(dim=1, keepdim=True).log()).squeeze(1)\n"
                "    losses = lse - O.gather(1, y.unsqueeze(1)).squeeze(1)"
            ),
            "shifted logits": _ce_logits_example(
                "    Z = O - O.max(dim=1, keepdim=True).values\n"
                "    losses = torch.log(torch.exp(Z).sum(dim=1)) - Z[torch.arange(len(y)), y]"
            ),
        },
    },
    "scratch_model": {
        "breaks": {
            **evasions(
                "torch.softmax",
                scratch_class_source(
                    forward="{name}(X.reshape(-1, self.W.shape[0]) @ self.W + self.b, dim=1)"
                ),
                only=(DIRECT, BUILT),
            ),
            **evasions(
                "torch.nn.functional.nll_loss",
                scratch_class_source(loss="{name}(torch.log(y_hat), y)"),
                only=(IMPORTED,),
            ),
        },
        "keeps": {
            "flatten and matmul": scratch_class_source(
                forward="softmax(torch.matmul(X.flatten(1), self.W) + self.b)  # ours, not torch.softmax",
                loss="cross_entropy(y_hat, y)  # not F.cross_entropy: y_hat holds probabilities",
                predict="torch.argmax(self(X), dim=1)",
            ),
        },
    },
}


@per_student("num_parameters")
def num_parameters_for(student):
    side = student_draw("ex4_4.num_parameters.side", [20, 24, 28, 32, 40, 48, 56, 64], student)
    return {"answer": side * side * 10 + 10}
