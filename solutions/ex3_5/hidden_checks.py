"""Hidden checks for exercises 3.5 (instructor only; never shipped to students)."""

from d2lgrade import concept, evasions, experiment, probe, rules
from d2lgrade.evasions import HELPER, IMPORTED
from d2lgrade.rules import Forbid

# d2lutils ships the finished model of Section 3.5 (and its module, the one of 3.4).
READY_MADE = ("d2lutils.LinearRegression", "d2lutils.LinearRegression.*", "d2lutils.models.*")
rules("concise_model", Forbid(*READY_MADE, why="build the model yourself, not d2lutils' own"))


@probe("concise_model", rtol=1e-4, atol=1e-6)
def concise_model_cases(ConciseRegression):
    def built():
        model = ConciseRegression(5, lr=0.2, sigma=0.3)
        return {
            "a d2l.Module": isinstance(model, d2l.Module),
            "layer": type(model.net).__name__,
            "hyperparameters": [model.num_inputs, float(model.lr), float(model.sigma)],
            "parameter shapes": [list(p.shape) for p in model.parameters()],
            "bias": model.net.bias.detach(),
        }

    def weight_statistics():
        d2l.set_seed(61)
        wide = ConciseRegression(4000, lr=0.1, sigma=0.5).net.weight.detach()
        default = ConciseRegression(4000, lr=0.1).net.weight.detach()
        return {
            "std (rounded)": round(float(wide.std()), 1),
            "mean near 0": bool(abs(float(wide.mean())) < 0.05),
            "default sigma (rounded)": round(float(default.std()), 3),
        }

    def same_start():
        d2l.set_seed(62)
        return ConciseRegression(3, lr=0.1, sigma=1.0).net.weight.detach()

    def with_weights():
        model = ConciseRegression(3, lr=0.1)
        gen = torch.Generator().manual_seed(63)
        with torch.no_grad():
            model.net.weight.copy_(torch.randn(1, 3, generator=gen))
            model.net.bias.copy_(torch.randn(1, generator=gen))
        return model

    gen = torch.Generator().manual_seed(64)
    X = torch.randn(7, 3, generator=gen)
    y_flat = torch.randn(7, generator=gen)

    def forward(X):
        return with_weights()(X).detach()

    def loss(y):
        model = with_weights()
        return model.loss(model(X), y)

    def loss_gradient():
        model = with_weights()
        model.loss(model(X), y_flat).backward()
        return [model.net.weight.grad, model.net.bias.grad]

    def optimizer():
        model = with_weights()
        opt = model.configure_optimizers()
        group = opt.param_groups[0]
        return {
            "class": type(opt).__name__,
            "settings": [group["lr"], group["momentum"], group["weight_decay"], group["nesterov"]],
            "all parameters": [p is q for p, q in zip(group["params"], model.parameters())]
            + [len(group["params"])],
        }

    def trained():
        d2l.set_seed(65)
        data = d2l.SyntheticRegressionData(w=torch.tensor([1.0, -1.5, 0.5]), b=-2.0, batch_size=50)
        model = ConciseRegression(3, lr=0.02)
        model.board.display = False
        history = d2l.Trainer(max_epochs=2).fit(model, data)
        return {"history": dict(history), "weight": model.net.weight.detach()}

    return {
        "structure and hyperparameters": attempt(built),
        "initial weights": attempt(weight_statistics),
        "initial weights under a seed": attempt(same_start),
        "forward pass": attempt(forward, X),
        "empty batch": attempt(lambda: list(forward(X[:0]).shape)),
        "loss, labels of shape (n,)": attempt(loss, y_flat),
        "loss, labels of shape (n, 1)": attempt(loss, y_flat.reshape(-1, 1)),
        "gradients of the loss": attempt(loss_gradient),
        "the optimizer": attempt(optimizer),
        "two epochs with d2l.Trainer": attempt(trained),
        "input not modified": keeps_inputs(forward, X),
    }


@probe("learned_w_b")
def learned_w_b_cases(learned_w_b):
    class Holder(torch.nn.Module):
        def __init__(self, d, seed):
            super().__init__()
            gen = torch.Generator().manual_seed(seed)
            self.net = torch.nn.Linear(d, 1)
            with torch.no_grad():
                self.net.weight.copy_(torch.randn(1, d, generator=gen))
                self.net.bias.copy_(torch.randn(1, generator=gen))

    def read(d, seed):
        model = Holder(d, seed)
        before = [p.detach().clone() for p in model.parameters()]
        w, b = learned_w_b(model)
        unchanged = all(torch.equal(p, q) for p, q in zip(model.parameters(), before))
        return {
            "w": w,
            "w requires grad": w.requires_grad,
            "b": b,
            "b type": type(b).__name__,
            "model unchanged": unchanged,
        }

    def independent_copy():
        model = Holder(3, 71)
        w, b = learned_w_b(model)
        kept = w.clone()
        with torch.no_grad():
            model.net.weight.mul_(-2.0)
            model.net.bias.add_(1.0)
        return [bool(torch.equal(w, kept)), b]

    return {
        "five inputs": attempt(read, 5, 72),
        "one input": attempt(read, 1, 73),
        "a copy, not a view": attempt(independent_copy),
    }


concept("lr_conversion", "answer_lr_conversion", as_="floats", rtol=1e-3, atol=0.0)


concept("lazy_init", "answer_lazy_init", as_="choice", question="lazy_init_question")


@probe("paired_mse", rtol=1e-5, atol=1e-7)
def paired_mse_cases(paired_mse):
    gen = torch.Generator().manual_seed(81)
    column = torch.randn(9, 1, generator=gen)
    flat = torch.randn(9, generator=gen)

    def gradient(y_hat, y):
        leaf = y_hat.clone().requires_grad_(True)
        paired_mse(leaf, y).backward()
        return leaf.grad

    def error(y_hat, y):
        try:
            paired_mse(y_hat, y)
        except ValueError as err:
            return [
                "ValueError",
                str(tuple(y_hat.shape)) in str(err) or str(list(y_hat.shape)) in str(err),
            ]
        return "no error"

    return {
        "column against flat": attempt(paired_mse, column, flat),
        "flat against column": attempt(paired_mse, flat, column),
        "both columns": attempt(paired_mse, column, flat.reshape(-1, 1)),
        "both flat": attempt(paired_mse, column.reshape(-1), flat),
        "one example": attempt(paired_mse, torch.tensor([[3.0]]), torch.tensor([1.0])),
        "float64": attempt(paired_mse, column.double(), flat.double()),
        "gradient, column against flat": attempt(gradient, column, flat),
        "gradient, flat against column": attempt(gradient, flat, column),
        "different sizes": attempt(error, column, flat[:8]),
        "inputs not modified": keeps_inputs(paired_mse, column, flat),
    }


# Same seeds, data and zero start: a correct run reproduces the reference's distances up to
# rounding; another learning rate, loss factor or number of updates lands far outside 5%.
experiment(
    "loss_trajectories",
    "trajectory_results",
    {
        f"{run}: distance per update": run
        for run in ("halved, lr=0.02", "MSE, lr=0.02", "halved, lr=0.04")
    },
    figure="trajectory_figure",
    log_y=True,
    rtol=0.05,
    atol=1e-6,
)


_CONCISE = (
    "class ConciseRegression({base}):\n"
    "    def __init__(self, num_inputs, lr, sigma=0.01):\n"
    "{init}"
    "    def loss(self, y_hat, y):\n"
    "        return nn.MSELoss()(y_hat, y.reshape(y_hat.shape))\n"
    "    def configure_optimizers(self):\n"
    "        return torch.optim.SGD(self.parameters(), lr=self.lr)\n"
)
# the ready-made model's own initialization, for the answers that subclass it
_READY_INIT = (
    "        super().__init__(lr, num_inputs, sigma)\n        self.save_hyperparameters()\n"
)
_OWN_INIT = (
    "        super().__init__()\n"
    "        self.save_hyperparameters()\n"
    "        self.net = nn.Linear(num_inputs, 1)\n"
    "        nn.init.normal_(self.net.weight, 0, sigma)\n"
    "        nn.init.zeros_(self.net.bias)\n"
    "    def forward(self, X):\n"
    "        return self.net(X)\n"
)

RULE_EXAMPLES = {
    "concise_model": {
        "breaks": {
            **evasions(
                "d2lutils.LinearRegression",
                _CONCISE.format(base="{name}", init=_READY_INIT),
                # a function cannot be a base class; the import route is the hand-written
                # one below, from d2lutils.models
                skip=(HELPER, IMPORTED),
            ),
            "alias in another cell": (
                "from d2lutils.models import LinearRegression as Ready",
                _CONCISE.format(base="Ready", init=_READY_INIT),
            ),
        },
        "keeps": {
            "its own layer, a comment naming d2l.LinearRegression": _CONCISE.format(
                base="d2l.Module", init="        # not d2l.LinearRegression\n" + _OWN_INIT
            ),
            "normal_ on the weight's data": _CONCISE.format(
                base="d2l.Module",
                init=_OWN_INIT.replace(
                    "nn.init.normal_(self.net.weight, 0, sigma)",
                    "self.net.weight.data.normal_(0, sigma)",
                ),
            ),
        },
    },
}
