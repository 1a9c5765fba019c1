"""Hidden checks for exercises 3.4 (instructor only; never shipped to students)."""

from d2lgrade import concept, evasions, experiment, probe, rules
from d2lgrade.evasions import BOUND, HELPER, IMPORTED
from d2lgrade.rules import REGRESSION_LOSSES, Forbid

# d2lutils ships the finished model of Section 3.4; only the source can tell its
# tensor arithmetic from the student's own.
READY_MADE = Forbid(
    "d2lutils.LinearRegressionScratch",
    "d2lutils.LinearRegressionScratch.*",
    "d2lutils.models.*",
    why="write it yourself instead of reusing d2lutils' linear regression (its model, linreg, "
    "squared_loss)",
)
# nn.Linear is also seen at run time through the initializer it calls.
rules(
    "linreg_model",
    READY_MADE,
    Forbid(
        "torch.nn.Parameter",
        "torch.nn.parameter.Parameter",
        "torch.nn.Linear",
        "torch.nn.ParameterList",
        "torch.nn.init.kaiming_uniform_",
        why="keep w and b as plain tensors, without nn layers or parameters",
    ),
)
rules(
    "linreg_loss",
    READY_MADE,
    Forbid(*REGRESSION_LOSSES, why="build the loss from tensor operations"),
)


@probe("my_sgd")
def my_sgd_cases(MySGD):
    gen = torch.Generator().manual_seed(341)
    W0, b0 = torch.randn(3, 2, generator=gen), torch.randn(2, generator=gen)
    gW, gb = torch.randn(3, 2, generator=gen), torch.randn(2, generator=gen)

    def parameters():
        W, b = W0.clone().requires_grad_(True), b0.clone().requires_grad_(True)
        W.grad, b.grad = gW.clone(), gb.clone()
        return W, b

    def steps(count, lr=0.03):
        W, b = parameters()
        frozen = torch.ones(4, requires_grad=True)  # its grad stays None
        opt = MySGD([W, frozen, b], lr=lr)
        returned = [opt.step() for _ in range(count)]
        return {"W": W.detach(), "b": b.detach(), "frozen": frozen.detach(), "returned": returned}

    def bookkeeping():
        W, b = parameters()
        MySGD([W, b], lr=0.1).step()
        return {
            "grads unchanged": bool(torch.equal(W.grad, gW) and torch.equal(b.grad, gb)),
            "still leaves that require grad": [
                W.is_leaf,
                W.requires_grad,
                b.is_leaf,
                b.requires_grad,
            ],
        }

    def same_objects():
        W, b = parameters()
        params = [W, b]
        opt = MySGD(params, lr=0.1)
        opt.step()
        return [opt.params[0] is W, opt.params[1] is b, not torch.equal(W.detach(), W0)]

    def large_values():
        big = torch.tensor([1.0e4, -2.0e4]).requires_grad_(True)
        big.grad = torch.tensor([3.0e4, 1.0])
        MySGD([big], lr=0.5).step()
        return big.detach()

    return {
        "one step": attempt(steps, 1),
        "two steps": attempt(steps, 2),
        "learning rate 1": attempt(steps, 1, 1.0),
        "large values": attempt(large_values),
        "gradients and leaves kept": attempt(bookkeeping),
        "updated in place": attempt(same_objects),
    }


@probe("linreg_model")
def linreg_model_cases(LinearRegressionScratch):
    def built():
        d2l.set_seed(342)
        big = LinearRegressionScratch(4000, lr=0.3, sigma=0.5)
        return {
            "hyperparameters": [big.num_inputs, float(big.lr), float(big.sigma)],
            "shapes": [list(big.w.shape), list(big.b.shape)],
            "dtypes": [str(big.w.dtype), str(big.b.dtype)],
            "requires grad": [big.w.requires_grad, big.b.requires_grad],
            "b": big.b.detach(),
        }

    def weight_statistics():
        d2l.set_seed(343)
        w = LinearRegressionScratch(4000, lr=0.3, sigma=0.5).w.detach()
        return {
            "std (rounded)": round(float(w.std()), 1),
            "mean near 0": bool(abs(float(w.mean())) < 0.05),
            "default sigma (rounded)": round(
                float(LinearRegressionScratch(4000, lr=0.1).w.detach().std()), 3
            ),
        }

    def plain_tensors():
        model = LinearRegressionScratch(3, lr=0.1)
        return {
            "registered parameters": len(list(model.parameters())),
            "types": [type(model.w).__name__, type(model.b).__name__],
        }

    def with_weights(X):
        model = LinearRegressionScratch(3, lr=0.01)
        gen = torch.Generator().manual_seed(344)
        with torch.no_grad():
            model.w.copy_(torch.randn(3, 1, generator=gen))
            model.b.copy_(torch.randn(1, generator=gen))
        out = model(X)
        return [out.detach(), out.requires_grad]

    X = torch.randn(6, 3, generator=torch.Generator().manual_seed(345))
    return {
        "hyperparameters, shapes and dtypes": attempt(built),
        "initial weights": attempt(weight_statistics),
        "plain tensors, not registered": attempt(plain_tensors),
        "forward pass": attempt(with_weights, X),
        "empty batch": attempt(lambda: list(with_weights(torch.zeros(0, 3))[0].shape)),
        "input not modified": keeps_inputs(lambda X: LinearRegressionScratch(3, lr=0.1)(X), X),
    }


@probe("linreg_loss")
def linreg_loss_cases(loss, configure_optimizers):
    import types

    gen = torch.Generator().manual_seed(346)
    # a stand-in model: the loss and the hook only read w, b and lr
    model = types.SimpleNamespace(
        lr=0.07, w=torch.zeros(5, 1, requires_grad=True), b=torch.zeros(1, requires_grad=True)
    )
    y_hat = torch.randn(9, 1, generator=gen)
    y = torch.randn(9, generator=gen)

    def gradient():
        leaf = y_hat.clone().requires_grad_(True)
        loss(model, leaf, y).backward()
        return leaf.grad

    def optimizer():
        opt = configure_optimizers(model)
        return {
            "class": type(opt).__name__,
            "lr": float(opt.lr),
            "parameters": [len(opt.params), opt.params[0] is model.w, opt.params[-1] is model.b],
        }

    return {
        "labels flat": attempt(loss, model, y_hat, y),
        "labels as a column": attempt(loss, model, y_hat, y.reshape(-1, 1)),
        "batch of one": attempt(loss, model, torch.tensor([[2.0]]), torch.tensor([-1.0])),
        "float64": attempt(loss, model, y_hat.double(), y.double()),
        "gradient reaches y_hat": attempt(gradient),
        "inputs not modified": keeps_inputs(lambda a, b: loss(model, a, b), y_hat, y),
        "the optimizer": attempt(optimizer),
    }


concept(
    "registered_params",
    "answer_registered_params",
    as_="choice",
    question="registered_params_question",
)


@probe("train_run", rtol=1e-3, atol=1e-6)
def train_run_cases(train_scratch):
    def run(true_w, true_b, **kwargs):
        w_error, b_error, history = train_scratch(torch.tensor(true_w), true_b, **kwargs)
        return {"w_error": w_error, "b_error": b_error, "history": dict(history)}

    def kinds():
        w_error, b_error, history = train_scratch(
            torch.tensor([1.0, 2.0]), 0.5, max_epochs=1, seed=1
        )
        return [
            type(w_error).__name__,
            w_error.requires_grad,
            type(b_error).__name__,
            isinstance(history, dict),
            sorted(history),
        ]

    return {
        "three features, seed 7": attempt(
            run, [1.0, -2.0, 0.5], -1.0, lr=0.1, max_epochs=2, seed=7
        ),
        "small learning rate, 3 epochs": attempt(
            run, [0.5, 1.5], 2.0, lr=0.01, max_epochs=3, seed=3
        ),
        "one feature, 1 epoch": attempt(run, [-3.0], 0.0, lr=0.05, max_epochs=1, seed=11),
        "no training (max_epochs=0)": attempt(run, [1.0, -1.0], 2.0, max_epochs=0, seed=5),
        "types returned": attempt(kinds),
    }


concept("steps_to_one_percent", "answer_steps_to_one_percent", rtol=0.02, atol=0.0)


# Same seed, same data and initial weights: a correct run reproduces the reference's losses
# up to rounding; a run with other epochs, seeds or losses lands far outside 5%.
experiment(
    "lr_sweep",
    "lr_sweep_results",
    {f"final validation loss, lr={lr:g}": lr for lr in (0.01, 0.03, 0.1, 0.3, 1.0, 2.1)},
    figure="lr_sweep_figure",
    log_y=True,
    rtol=0.05,
    atol=0.0,
)


@probe("minibatch_update", rtol=1e-5, atol=1e-6)
def minibatch_update_cases(minibatch_update):
    class Line(torch.nn.Module):
        """Registered parameters, trained with torch.optim.SGD."""

        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.tensor([[0.5], [-1.0], [2.0]]))
            self.bias = torch.nn.Parameter(torch.tensor([0.25]))

        def forward(self, X):
            return X @ self.weight + self.bias

        def loss(self, y_hat, y):
            return ((y_hat - y.reshape(y_hat.shape)) ** 2).mean() / 2

    class Scratch:
        """Plain tensors, trained with d2l.SGD, as in Section 3.4."""

        def __init__(self):
            self.w = torch.tensor([[1.0], [0.0], [-1.0]], requires_grad=True)
            self.b = torch.zeros(1, requires_grad=True)

        def __call__(self, X):
            return X @ self.w + self.b

        def loss(self, y_hat, y):
            return (y_hat - y.reshape(y_hat.shape)).abs().mean()

    gen = torch.Generator().manual_seed(347)
    X, y = torch.randn(8, 3, generator=gen), torch.randn(8, generator=gen)

    def steps(count, stale=False):
        model = Line()
        if stale:
            for p in model.parameters():
                p.grad = torch.full_like(p, 100.0)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        losses = [minibatch_update(model, optimizer, X, y) for _ in range(count)]
        return {"losses": losses, "weight": model.weight.detach(), "bias": model.bias.detach()}

    def scratch_steps():
        model = Scratch()
        optimizer = d2l.SGD([model.w, model.b], lr=0.05)
        losses = [minibatch_update(model, optimizer, X, y) for _ in range(2)]
        return {"losses": losses, "w": model.w.detach(), "b": model.b.detach()}

    def fresh_step(X, y):
        model = Line()
        return minibatch_update(model, torch.optim.SGD(model.parameters(), lr=0.1), X, y)

    return {
        "one step": attempt(steps, 1),
        "three steps on one batch": attempt(steps, 3),
        "stale gradients from before": attempt(steps, 1, True),
        "plain tensors and d2l.SGD": attempt(scratch_steps),
        "returns a float": attempt(lambda: type(fresh_step(X, y)).__name__),
        "inputs not modified": keeps_inputs(fresh_step, X, y),
    }


_MODEL = (
    "class LinearRegressionScratch(d2l.Module):\n"
    "    def __init__(self, num_inputs, lr, sigma=0.01):\n"
    "        super().__init__()\n"
    "        self.save_hyperparameters()\n"
    "{init}"
    "    def forward(self, X):\n"
    "        return {forward}\n"
)
_PARAMETER = (
    "        self.w = {make}(torch.normal(0, sigma, (num_inputs, 1)))\n"
    "        self.b = {make}(torch.zeros(1))\n"
)
_LINEAR = (
    "        self.net = {make}(num_inputs, 1)\n"
    "        nn.init.normal_(self.net.weight, 0, sigma)\n"
    "        nn.init.zeros_(self.net.bias)\n"
    "        self.w, self.b = self.net.weight.T, self.net.bias\n"
)
_LOSS = (
    "@d2l.add_to_class(LinearRegressionScratch)\n"
    "def loss(self, y_hat, y):\n"
    "    return {body}\n"
    "@d2l.add_to_class(LinearRegressionScratch)\n"
    "def configure_optimizers(self):\n"
    "    return MySGD([self.w, self.b], self.lr)\n"
)

_PLAIN_FORWARD = "X @ self.w + self.b"
_NORMAL_INIT = (
    "        self.w = torch.empty(num_inputs, 1).normal_(0, sigma).requires_grad_(True)\n"
    "        self.b = torch.zeros(1, requires_grad=True)\n"
)

RULE_EXAMPLES = {
    "linreg_model": {
        "breaks": {
            **evasions(
                "torch.nn.Parameter",
                _MODEL.format(init=_PARAMETER.format(make="{name}"), forward=_PLAIN_FORWARD),
            ),
            **evasions(
                "torch.nn.Linear",
                _MODEL.format(init=_LINEAR.format(make="{name}"), forward="self.net(X)"),
                skip=(BOUND, IMPORTED, HELPER),
            ),
            "d2lutils' finished model": "LinearRegressionScratch = d2l.LinearRegressionScratch",
            "subclass of d2lutils' model": (
                "class LinearRegressionScratch(d2l.LinearRegressionScratch):\n    pass"
            ),
            "d2l.linreg": _MODEL.format(init=_NORMAL_INIT, forward="d2l.linreg(X, self.w, self.b)"),
        },
        "keeps": {
            "randn times sigma, a comment naming nn.Parameter": _MODEL.format(
                init=(
                    "        # plain tensors, not nn.Parameter\n"
                    "        self.w = (torch.randn(num_inputs, 1) * sigma).requires_grad_()\n"
                    "        self.b = torch.zeros(1).requires_grad_()\n"
                ),
                forward="torch.matmul(X, self.w) + self.b",
            ),
            "normal_ in place": _MODEL.format(init=_NORMAL_INIT, forward=_PLAIN_FORWARD),
        },
    },
    "linreg_loss": {
        "breaks": {
            **evasions(
                "torch.nn.functional.mse_loss",
                _LOSS.format(body="{name}(y_hat, y.reshape(y_hat.shape)) / 2"),
            ),
            "nn.MSELoss": _LOSS.format(body="nn.MSELoss()(y_hat, y.reshape(y_hat.shape)) / 2"),
            "the default loss of d2l.Module": _LOSS.format(
                body="d2l.Module.loss(self, y_hat, y) / 2"
            ),
            "the loss of d2lutils' finished model": _LOSS.format(
                body="d2l.LinearRegressionScratch.loss(self, y_hat, y)"
            ),
            "d2l.squared_loss": _LOSS.format(body="d2l.squared_loss(y_hat, y).mean()"),
        },
        "keeps": {
            "sum over n, a comment naming F.mse_loss": _LOSS.format(
                body="((y_hat - y.reshape(y_hat.shape)) ** 2).sum() / (2 * len(y_hat))  # not F.mse_loss"
            ),
            "squares by multiplication": _LOSS.format(
                body="0.5 * ((y_hat - y.reshape(y_hat.shape)) * (y_hat - y.reshape(y_hat.shape))).mean()"
            ),
        },
    },
}
