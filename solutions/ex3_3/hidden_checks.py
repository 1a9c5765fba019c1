"""Hidden checks for exercises 3.3 (instructor only; never shipped to students)."""

from d2lgrade import concept, evasions, experiment, probe, rules
from d2lgrade.rules import Forbid, MustCall

READY_LOADERS = Forbid(
    "torch.utils.data.*",
    "d2lutils.tensor_loader",
    "d2lutils.TensorLoader",
    "d2lutils.data.*",
    "d2lutils.DataModule*",
    "d2lutils.SyntheticRegressionData*",
    why="write the minibatches yourself, without DataLoader, TensorDataset or d2lutils' loaders",
)
SHUFFLE = MustCall("torch.randperm", what="shuffle the rows with torch.randperm")

rules(
    "make_linear_data",
    Forbid(
        "d2lutils.SyntheticRegressionData*",
        "d2lutils.data.*",
        why="generate the data yourself from the generator you are given",
    ),
)
rules("shuffled_batches", READY_LOADERS, SHUFFLE)
rules("reusable_batches", READY_LOADERS, SHUFFLE)


@probe("make_linear_data")
def make_linear_data_cases(make_linear_data):
    def drawn(w, b, noise, n, seed):
        X, y = make_linear_data(w, b, noise, n, torch.Generator().manual_seed(seed))
        return {"X": X, "y": y}

    def generator_only():
        torch.manual_seed(0)
        first = make_linear_data([1.0, 2.0], 0.5, 0.1, 6, torch.Generator().manual_seed(31))
        torch.manual_seed(1)
        second = make_linear_data([1.0, 2.0], 0.5, 0.1, 6, torch.Generator().manual_seed(31))
        return [bool(torch.equal(a, b)) for a, b in zip(first, second)]

    def bad_noise_draws_nothing():
        gen = torch.Generator().manual_seed(32)
        state = gen.get_state()
        try:
            make_linear_data([1.0], 0.0, -1.0, 5, gen)
        except ValueError as err:
            return ["ValueError", "noise" in str(err), bool(torch.equal(gen.get_state(), state))]
        return "no error"

    w = torch.tensor([0.5, -1.0, 2.0])
    return {
        "three features, seed 33": attempt(drawn, w, 1.5, 0.1, 40, 33),
        "weights as a list": attempt(drawn, [3.0, -0.5], -2.0, 0.05, 7, 34),
        "one feature, large noise": attempt(drawn, [1.0], 0.0, 10.0, 25, 35),
        "no noise": attempt(drawn, [1.0, 1.0], 0.0, 0.0, 5, 36),
        "empty: no examples (n = 0)": attempt(drawn, [1.0, 2.0], 0.5, 0.1, 0, 37),
        "no examples": attempt(drawn, [1.0, 2.0], 1.0, 0.1, 0, 37),
        "only the given generator": attempt(generator_only),
        "negative noise": attempt(bad_noise_draws_nothing),
        "w not modified": keeps_inputs(
            lambda w: make_linear_data(w, 1.0, 0.1, 3, torch.Generator().manual_seed(38)), w
        ),
    }


@probe("shuffled_batches")
def shuffled_batches_cases(shuffled_batches):
    gen = torch.Generator().manual_seed(41)
    X = torch.randn(23, 3, generator=gen)
    y = torch.randn(23, 1, generator=gen)

    def epoch(X, y, batch_size, drop_last=False, seed=42):
        generator = torch.Generator().manual_seed(seed)
        return [list(batch) for batch in shuffled_batches(X, y, batch_size, drop_last, generator)]

    def global_generator():
        torch.manual_seed(43)
        return [list(batch) for batch in shuffled_batches(X, y, 10)]

    def error(*args):
        try:
            list(shuffled_batches(*args))
        except ValueError:
            return "ValueError"
        return "no error"

    images = torch.arange(2 * 1 * 2 * 2, dtype=torch.float64).reshape(2, 1, 2, 2)
    return {
        "batch size 5 of 23": attempt(epoch, X, y, 5),
        "drop_last=True": attempt(epoch, X, y, 5, True),
        "batch size divides n, drop_last=True": attempt(epoch, X[:20], y[:20], 5, True),
        "one batch larger than the data": attempt(epoch, X, y, 64),
        "drop_last with fewer rows than a batch": attempt(epoch, X, y, 64, True),
        "batch size 1": attempt(epoch, X[:4], y[:4], 1),
        "labels of shape (n,), int64": attempt(epoch, X, torch.arange(23), 6),
        "images, float64": attempt(epoch, images, torch.tensor([0, 1]), 1),
        "empty data": attempt(epoch, X[:0], y[:0], 4),
        "global generator": attempt(global_generator),
        "batch size 0": attempt(error, X, y, 0),
        "rows do not match": attempt(error, X, y[:22], 4),
        "inputs not modified": keeps_inputs(lambda X, y: epoch(X, y, 4), X, y),
    }


concept("epoch_counts", "answer_epoch_counts", as_="shape")


concept(
    "shuffle_purpose", "answer_shuffle_purpose", as_="choice", question="shuffle_purpose_question"
)


@probe("reusable_batches")
def reusable_batches_cases(ReusableBatches):
    gen = torch.Generator().manual_seed(51)
    X = torch.randn(30, 2, generator=gen)
    y = torch.randn(30, generator=gen)

    def epochs(batch_size, drop_last=False, count=3):
        loader = ReusableBatches(X, y, batch_size, drop_last, torch.Generator().manual_seed(52))
        return {
            "len": len(loader),
            "epochs": [[list(batch) for batch in loader] for _ in range(count)],
            "len afterwards": len(loader),
        }

    def lengths():
        return [
            len(ReusableBatches(X[:n], y[:n], b, drop))
            for n, b, drop in [
                (0, 4, False),
                (0, 4, True),
                (3, 4, True),
                (3, 4, False),
                (8, 4, True),
            ]
        ]

    def error(*args):
        try:
            ReusableBatches(*args)
        except ValueError:
            return "ValueError"
        return "no error"

    def interleaved():
        loader = ReusableBatches(X, y, 8, False, torch.Generator().manual_seed(53))
        outer = iter(loader)
        first = next(outer)
        inner_count = sum(1 for _ in loader)
        return [list(first), inner_count, sum(1 for _ in outer)]

    return {
        "three epochs, batch size 7": attempt(epochs, 7),
        "three epochs, drop_last=True": attempt(epochs, 7, True),
        "lengths of edge cases": attempt(lengths),
        "a new pass per loop": attempt(interleaved),
        "batch size 0": attempt(error, X, y, 0),
        "rows do not match": attempt(error, X, y[:29], 4),
        "inputs not modified": keeps_inputs(
            lambda X, y: [list(b) for b in ReusableBatches(X, y, 9)], X, y
        ),
    }


# Same seeds, same data, same initial weights: a correct run reproduces the reference's
# losses up to rounding; another order, learning rate or batch size lands far outside 5%.
experiment(
    "sorted_order",
    "order_results",
    {f"{run}: validation loss per update": run for run in ("sorted", "shuffled")},
    figure="order_figure",
    log_y=True,
    rtol=0.05,
    atol=1e-6,
)


_BATCHES = (
    "def shuffled_batches(X, y, batch_size, drop_last=False, generator=None):\n"
    "    if batch_size < 1:\n"
    "        raise ValueError('batch_size')\n"
    "    if len(X) != len(y):\n"
    "        raise ValueError('rows')\n"
    "{body}"
)
_BY_HAND = (
    "    n = len(X)\n"
    "    order = {order}\n"
    "    stop = n - n % batch_size if drop_last else n\n"
    "    for start in range(0, stop, batch_size):\n"
    "        rows = order[start:start + batch_size]\n"
    "        yield X[rows], y[rows]\n"
)
_LOADER = (
    "    loader = {make}\n"
    "    batches = list(loader)\n"
    "    yield from (tuple(batch) for batch in batches)\n"
)
_REUSABLE = (
    "class ReusableBatches:\n"
    "    def __init__(self, X, y, batch_size, drop_last=False, generator=None):\n"
    "        if batch_size < 1 or len(X) != len(y):\n"
    "            raise ValueError('batch_size or rows')\n"
    "        self.X, self.y, self.b, self.drop, self.gen = X, y, batch_size, drop_last, generator\n"
    "    def __len__(self):\n"
    "        return len(self.X) // self.b if self.drop else -(-len(self.X) // self.b)\n"
    "    def __iter__(self):\n"
    "{body}"
)

_DATA = (
    "def make_linear_data(w, b, noise, n, generator):\n"
    "    if noise < 0:\n"
    "        raise ValueError('noise must be >= 0')\n"
    "    w = torch.as_tensor(w, dtype=torch.float32).reshape(-1, 1)\n"
    "{body}"
)

RULE_EXAMPLES = {
    "make_linear_data": {
        "breaks": {
            "d2l.SyntheticRegressionData": _DATA.format(
                body=(
                    "    torch.manual_seed(int(torch.randint(0, 2**31, (1,), generator=generator)))\n"
                    "    data = d2l.SyntheticRegressionData(w.reshape(-1), b, noise, n, 0)\n"
                    "    return data.X, data.y\n"
                )
            ),
            "d2l.synthetic_data": _DATA.format(
                body=(
                    "    torch.manual_seed(int(torch.randint(0, 2**31, (1,), generator=generator)))\n"
                    "    return d2l.synthetic_data(w, b, n)\n"
                )
            ),
        },
        "keeps": {
            "addmm, a comment naming SyntheticRegressionData": _DATA.format(
                body=(
                    "    # not d2l.SyntheticRegressionData: it ignores the generator\n"
                    "    X = torch.randn((n, len(w)), generator=generator)\n"
                    "    epsilon = torch.randn((n, 1), generator=generator)\n"
                    "    return X, torch.addmm(b + noise * epsilon, X, w)\n"
                )
            ),
        },
    },
    "shuffled_batches": {
        "breaks": {
            # over a list of pairs, not a TensorDataset, so that only DataLoader breaks the rule
            **evasions(
                "torch.utils.data.DataLoader",
                _BATCHES.format(
                    body=_LOADER.format(
                        make="{name}(list(zip(X, y)), batch_size, shuffle=True, "
                        "drop_last=drop_last, generator=generator)"
                    )
                ),
            ),
            "d2l.tensor_loader": _BATCHES.format(
                body=_LOADER.format(make="d2l.tensor_loader((X, y), batch_size, shuffle=True)")
            ),
            "d2l.load_array": _BATCHES.format(
                body=_LOADER.format(make="d2l.load_array((X, y), batch_size)")
            ),
            "no shuffling": _BATCHES.format(body=_BY_HAND.format(order="torch.arange(n)")),
            "argsort of random numbers": _BATCHES.format(
                body=_BY_HAND.format(order="torch.rand(n, generator=generator).argsort()")
            ),
        },
        "keeps": {
            "a comment naming DataLoader": _BATCHES.format(
                body="    # by hand, no DataLoader\n"
                + _BY_HAND.format(order="torch.randperm(n, generator=generator)")
            ),
            "index_select and a while loop": _BATCHES.format(
                body=(
                    "    order = torch.randperm(len(X), generator=generator)\n"
                    "    start = 0\n"
                    "    while start < len(X) and not (drop_last and start + batch_size > len(X)):\n"
                    "        rows = order[start:start + batch_size]\n"
                    "        yield X.index_select(0, rows), y.index_select(0, rows)\n"
                    "        start += batch_size\n"
                )
            ),
        },
    },
    "reusable_batches": {
        "breaks": {
            "DataLoader": _REUSABLE.format(
                body="        return iter(torch.utils.data.DataLoader("
                "torch.utils.data.TensorDataset(self.X, self.y), self.b, shuffle=True, "
                "drop_last=self.drop, generator=self.gen))\n"
            ),
            "d2lutils.TensorLoader": _REUSABLE.format(
                body="        return iter(d2l.TensorLoader((self.X, self.y), self.b, True))\n"
            ),
            "no shuffling": _REUSABLE.format(
                body=(
                    "        stop = len(self.X) - len(self.X) % self.b if self.drop else len(self.X)\n"
                    "        for s in range(0, stop, self.b):\n"
                    "            yield self.X[s:s + self.b], self.y[s:s + self.b]\n"
                )
            ),
        },
        "keeps": {
            "through shuffled_batches": _REUSABLE.format(
                body="        return shuffled_batches(self.X, self.y, self.b, self.drop, self.gen)\n"
            ),
            "its own randperm": _REUSABLE.format(
                body=(
                    "        order = torch.randperm(len(self.X), generator=self.gen)\n"
                    "        for i in range(len(self)):\n"
                    "            rows = order[i * self.b:(i + 1) * self.b]\n"
                    "            yield self.X[rows], self.y[rows]\n"
                )
            ),
        },
    },
}
