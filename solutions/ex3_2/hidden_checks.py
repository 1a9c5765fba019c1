"""Hidden checks for exercises 3.2 (instructor only; never shipped to students)."""

from d2lgrade import concept, evasions, probe, rules
from d2lgrade.evasions import BOUND, HELPER, IMPORTED
from d2lgrade.rules import RANDOM_DRAWS, Forbid, MustCall
from d2lgrade.variants import per_student, student_draw

rules(
    "point_board",
    Forbid(
        "d2lutils.ProgressBoard",
        "d2lutils.ProgressBoard.*",
        "d2lutils.board",
        "d2lutils.board.*",
        why="write the board yourself",
    ),
)
rules(
    "split_data",
    MustCall(*RANDOM_DRAWS, what="shuffle the rows with a random permutation (torch.randperm)"),
)


@probe("standardizer")
def standardizer_cases(Standardizer):
    gen = torch.Generator().manual_seed(321)
    data = 5.0 + 3.0 * torch.randn(12, 4, generator=gen)
    data[:, 2] = -1.0  # a constant column
    X = torch.randn(6, 4, generator=gen) * 10.0

    def recorded(**kwargs):
        s = Standardizer(data, **kwargs)
        return {
            "hparams": s.hparams,
            "eps": s.eps,
            "clip": s.clip,
            "no data attribute": not hasattr(s, "data"),
        }

    def statistics(rows):
        s = Standardizer(data[:rows])
        return [s.mean, s.std]

    def transformed(X, **kwargs):
        return Standardizer(data, **kwargs)(X)

    return {
        "hyperparameters recorded": attempt(recorded, eps=1e-3),
        "hyperparameters with clip": attempt(recorded, clip=1.25),
        "column statistics": attempt(statistics, 12),
        "statistics of two rows": attempt(statistics, 2),
        "transform": attempt(transformed, X, eps=1e-3),
        "transform with clipping": attempt(transformed, X, clip=1.25),
        "constant column stays finite": attempt(
            lambda: bool(torch.isfinite(transformed(data)).all())
        ),
        "no rows to transform": attempt(transformed, torch.zeros(0, 4)),
        "inputs not modified": keeps_inputs(lambda d, x: Standardizer(d)(x), data, X),
    }


@probe("inverse", rtol=1e-4, atol=1e-4)
def inverse_cases(inverse):
    import types

    gen = torch.Generator().manual_seed(322)
    # an object with just the statistics, so the result depends only on inverse
    stats = types.SimpleNamespace(
        mean=torch.randn(3, generator=gen) * 5.0,
        std=torch.rand(3, generator=gen) * torch.tensor([1.0, 10.0, 0.0]),
        eps=0.5,
        clip=None,
    )
    Z = torch.randn(5, 3, generator=gen)
    return {
        "random statistics, one constant column": attempt(inverse, stats, Z),
        "a single row": attempt(inverse, stats, torch.zeros(1, 3)),
        "no rows": attempt(inverse, stats, torch.zeros(0, 3)),
        "input not modified": keeps_inputs(inverse, stats, Z),
    }


concept("hparams_timing", "answer_hparams_timing", as_="choice", question="hparams_timing_question")


@probe("point_board")
def point_board_cases(PointBoard):
    import d2lutils.board as board_module

    def curves(board):
        return {label: [list(xs), list(ys)] for label, (xs, ys) in board.points.items()}

    def drawn(points, every_n):
        board = PointBoard()
        for x, y in points:
            board.draw(x, y, "loss", every_n=every_n)
        return curves(board)

    def two_labels():
        board = PointBoard(ylabel="loss")
        for step in range(9):
            board.draw(step, 10.0 - step, "train", every_n=4)
            if step % 3 == 2:
                board.draw(step, step * 0.5, "val", every_n=1)
        return curves(board)

    def recorded():
        board = PointBoard(xlabel="step", ylabel="loss")
        return {
            "hparams": board.hparams,
            "attributes": [board.xlabel, board.ylabel],
            "points": board.points,
        }

    def rejected():
        board = PointBoard()
        board.draw(1.0, 1.0, "loss", every_n=0)

    def returned():
        board = PointBoard()
        return [board.draw(0.0, 1.0, "loss"), board.draw(1.0, 2.0, "loss", every_n=2)]

    def independent():
        # The board must work on its own: subclassing or wrapping d2l.ProgressBoard does not count.
        if issubclass(PointBoard, d2l.ProgressBoard):
            return False
        original = board_module.ProgressBoard.draw

        def refuse(*args, **kwargs):
            raise RuntimeError("d2l.ProgressBoard.draw is off during this check")

        board_module.ProgressBoard.draw = refuse
        try:
            board = PointBoard()
            for step in range(4):
                board.draw(step, step, "loss", every_n=2)
            inside = [v for v in vars(board).values() if isinstance(v, d2l.ProgressBoard)]
            return not inside and len(board.points["loss"][0]) == 2
        except Exception:
            return False
        finally:
            board_module.ProgressBoard.draw = original

    line = [(0.1 * k, (k - 3.0) ** 2) for k in range(7)]
    return {
        "hyperparameters recorded": attempt(recorded),
        "every point plotted (every_n=1)": attempt(drawn, line, 1),
        "groups of three averaged": attempt(drawn, line, 3),
        "group not yet full": attempt(drawn, line[:2], 3),
        "two labels kept apart": attempt(two_labels),
        "0-dim tensor inputs": attempt(
            drawn,
            [(torch.tensor(0.5), torch.tensor(2.0)), (torch.tensor(1.5), torch.tensor(4.0))],
            2,
        ),
        "every_n=0 rejected": attempt(rejected),
        "draw returns nothing": attempt(returned),
        "independent of d2l.ProgressBoard": attempt(independent),
    }


@probe("split_data")
def split_data_cases(SplitData):
    def made(seed, n=37, num_train=30, batch_size=7, features=(2,)):
        torch.manual_seed(seed)
        X = torch.arange(n, dtype=torch.float32).reshape(-1, *[1] * len(features)) * torch.ones(
            n, *features
        )
        return SplitData(X, torch.arange(n), num_train=num_train, batch_size=batch_size)

    def labels(data, train):
        return torch.cat([batch[1] for batch in data.get_dataloader(train)])

    def partition():
        data = made(1)
        train, val = labels(data, True), labels(data, False)
        every = torch.cat([train, val]).sort().values
        return {
            "sizes": [len(train), len(val)],
            "all rows once": bool(torch.equal(every, torch.arange(37))),
        }

    def recorded():
        data = made(2)
        return {
            "hparams": data.hparams,
            "attributes": [data.num_train, data.batch_size],
            "index dtypes": [str(data.train_idx.dtype), str(data.val_idx.dtype)],
            "index shapes": [list(data.train_idx.shape), list(data.val_idx.shape)],
        }

    def indices_served():
        data = made(3)
        return [
            bool(torch.equal(labels(data, True).sort().values, data.train_idx.sort().values)),
            bool(torch.equal(labels(data, False).sort().values, data.val_idx.sort().values)),
        ]

    def split_set(seed):
        return set(labels(made(seed), False).tolist())

    def paired():
        data = made(4, features=(3, 2))
        return all(
            bool((b[0] == b[1].reshape(-1, 1, 1).float()).all())
            for train in (True, False)
            for b in data.get_dataloader(train)
        )

    def batch_shapes():
        data = made(5, features=(3, 2))
        return [
            [[list(b[0].shape), list(b[1].shape)] for b in data.get_dataloader(train)]
            for train in (True, False)
        ]

    def fixed_for_life():
        data = made(6)
        first_val, second_val = labels(data, False), labels(data, False)
        first_train, second_train = labels(data, True), labels(data, True)
        return {
            "validation order repeats": bool(torch.equal(first_val, second_val)),
            "same training rows each epoch": set(first_train.tolist())
            == set(second_train.tolist()),
            "training order reshuffled": not bool(torch.equal(first_train, second_train)),
        }

    def one_training_row():
        torch.manual_seed(7)
        data = SplitData(torch.ones(3, 1), torch.tensor([1.0, 2.0, 3.0]), num_train=1, batch_size=5)
        return [[list(b[1].shape) for b in data.get_dataloader(train)] for train in (True, False)]

    return {
        "hyperparameters and indices": attempt(recorded),
        "a partition of the rows": attempt(partition),
        "loaders serve train_idx and val_idx": attempt(indices_served),
        "split differs between seeds": attempt(lambda: split_set(11) != split_set(12)),
        "same seed, same split": attempt(lambda: split_set(13) == split_set(13)),
        "not the last rows": attempt(lambda: split_set(14) != set(range(30, 37))),
        "rows stay paired": attempt(paired),
        "batch shapes": attempt(batch_shapes),
        "split fixed for the object's life": attempt(fixed_for_life),
        "one training row": attempt(one_training_row),
    }


@probe("constant_model")
def constant_model_cases(ConstantModel):
    def built():
        model = ConstantModel(lr=0.05, init=-2.0)
        params = list(model.parameters())
        return {
            "lr and init": [float(model.lr), float(model.init)],
            "parameters": len(params),
            "shapes": [list(p.shape) for p in params],
        }

    def forward_and_gradient():
        model = ConstantModel(lr=0.05, init=-2.0)
        out = model(torch.randn(3, 5))
        out.sum().backward()
        return [out.detach(), model.c.grad]

    def trained():
        d2l.set_seed(324)
        data = d2l.SyntheticRegressionData(
            w=[0.0, 0.0], b=-1.5, noise=0.2, num_train=200, num_val=40, batch_size=20
        )
        model = ConstantModel(lr=0.1, init=1.0)
        model.board.display = False
        d2l.Trainer(max_epochs=3).fit(model, data)
        c = float(model.c.detach().reshape(-1)[0])
        return {
            "close to the label mean": abs(c - (-1.5)) < 0.15,
            "moved from init": abs(c - 1.0) > 2.0,
        }

    return {
        "hyperparameters and parameter": attempt(built),
        "forward pass and gradient": attempt(forward_and_gradient),
        "empty batch": attempt(lambda: list(ConstantModel(lr=0.1)(torch.zeros(0, 5)).shape)),
        "training moves c to the mean": attempt(trained),
    }


concept("optimizer_steps", "answer_optimizer_steps", as_=int, rtol=0.0, atol=1e-9)


_BOARD = (
    "    def draw(self, x, y, label, every_n=1):\n"
    "        if every_n < 1:\n"
    "            raise ValueError(f'every_n must be >= 1, got {every_n}')\n"
    "        raw = self.raw.setdefault(label, [])\n"
    "        raw.append((float(x), float(y)))\n"
    "        if len(raw) == every_n:\n"
    "            xs, ys = self.points.setdefault(label, ([], []))\n"
    "            xs.append(sum(p[0] for p in raw) / every_n)\n"
    "            ys.append(sum(p[1] for p in raw) / every_n)\n"
    "            raw.clear()\n"
)
_OWN_INIT = (
    "    def __init__(self, xlabel=None, ylabel=None):\n"
    "        self.save_hyperparameters()\n"
    "        self.points, self.raw = {}, {}\n"
)
# {name} is where the board class goes (see evasions)
_WRAPPED = (
    "class PointBoard(d2l.HyperParameters):\n"
    "    def __init__(self, xlabel=None, ylabel=None):\n"
    "        self.save_hyperparameters()\n"
    "        self.inner = {name}(display=False)\n"
    "        self.points = self.inner.points\n"
    "    def draw(self, x, y, label, every_n=1):\n"
    "        if every_n < 1:\n"
    "            raise ValueError(f'every_n must be >= 1, got {every_n}')\n"
    "        self.inner.draw(x, y, label, every_n)\n"
)
_SUBCLASS = (
    "class PointBoard({name}):\n"
    "    def __init__(self, xlabel=None, ylabel=None):\n"
    "        super().__init__(xlabel=xlabel, ylabel=ylabel, display=False)\n"
    "        self.hparams = {'xlabel': xlabel, 'ylabel': ylabel}\n"
)
_SPLIT = (
    "class SplitData(d2l.DataModule):\n"
    "    def __init__(self, X, y, num_train, batch_size=16):\n"
    "        super().__init__()\n"
    "        self.save_hyperparameters(ignore=['X', 'y'])\n"
    "        self.X, self.y = X, y\n"
    "        order = {order}\n"
    "        self.train_idx, self.val_idx = order[:num_train], order[num_train:]\n"
    "    def get_dataloader(self, train):\n"
    "        rows = self.train_idx if train else self.val_idx\n"
    "        return self.get_tensorloader((self.X, self.y), train, rows)\n"
)

RULE_EXAMPLES = {
    "point_board": {
        "breaks": {
            **evasions(
                "d2lutils.ProgressBoard",
                _SUBCLASS,
                skip=(HELPER,),  # a function cannot be a base class
            ),
            **evasions(
                "d2lutils.board.ProgressBoard",
                _WRAPPED,
                skip=(BOUND, IMPORTED),
            ),
            "d2l.Animator as its figure": (
                "class PointBoard(d2l.HyperParameters):\n"
                + _OWN_INIT
                + "        self.figure = d2l.Animator(xlabel=xlabel, ylabel=ylabel)\n"
                + _BOARD
            ),
            "its draw borrowed": (
                "import collections\n"
                "class PointBoard(d2l.HyperParameters):\n"
                "    draw = d2l.ProgressBoard.draw\n"
                "    def __init__(self, xlabel=None, ylabel=None):\n"
                "        self.save_hyperparameters()\n"
                "        self.points, self.display = {}, False\n"
                "        self._raw = collections.defaultdict(list)\n"
            ),
        },
        "keeps": {
            "own board, a docstring naming d2l.ProgressBoard": (
                "class PointBoard(d2l.HyperParameters):\n"
                "    '''Like d2l.ProgressBoard.draw, without the figure.'''\n" + _OWN_INIT + _BOARD
            ),
            "groups counted with a counter": (
                "class PointBoard(d2l.HyperParameters):\n"
                "    def __init__(self, xlabel=None, ylabel=None):\n"
                "        self.save_hyperparameters()\n"
                "        self.points, self.sums = {}, {}\n"
                "    def draw(self, x, y, label, every_n=1):\n"
                "        if every_n < 1:\n"
                "            raise ValueError('every_n must be positive')\n"
                "        n, sx, sy = self.sums.get(label, (0, 0.0, 0.0))\n"
                "        n, sx, sy = n + 1, sx + float(x), sy + float(y)\n"
                "        if n == every_n:\n"
                "            xs, ys = self.points.setdefault(label, ([], []))\n"
                "            xs.append(sx / n)\n"
                "            ys.append(sy / n)\n"
                "            n, sx, sy = 0, 0.0, 0.0\n"
                "        self.sums[label] = (n, sx, sy)\n"
            ),
        },
    },
    "split_data": {
        "breaks": {
            "reversed order": _SPLIT.format(order="torch.arange(len(X) - 1, -1, -1)"),
            "a fixed scramble": _SPLIT.format(order="torch.arange(len(X)) * 7 % len(X)"),
            "rows rotated": _SPLIT.format(order="torch.roll(torch.arange(len(X)), 5)"),
        },
        "keeps": {
            "randperm, a comment naming arange": "# not torch.arange: that would split by position\n"
            + _SPLIT.format(order="torch.randperm(len(X))"),
            "argsort of random keys": _SPLIT.format(order="torch.rand(len(X)).argsort()"),
            "shuffled in a helper in another cell": (
                "def shuffled_rows(n):\n    return torch.randperm(n)",
                _SPLIT.format(order="shuffled_rows(len(X))"),
            ),
        },
    },
}


@per_student("optimizer_steps")
def optimizer_steps_for(student):
    train_examples = student_draw("ex3_2.optimizer_steps.train", [500, 600, 750, 1000], student)
    minibatch = student_draw("ex3_2.optimizer_steps.batch", [32, 64, 100, 128], student)
    epochs = student_draw("ex3_2.optimizer_steps.epochs", [2, 3, 4, 5], student)
    return {"answer": epochs * -(-train_examples // minibatch)}
