"""Hidden checks for exercises 3.7 (instructor only; never shipped to students)."""

from d2lgrade import concept, evasions, experiment, probe, rules
from d2lgrade.evasions import HELPER
from d2lgrade.rules import Forbid, NoAutograd, NoLoops

rules(
    "ridge_gradient",
    NoAutograd(),
    NoLoops(
        why="the formula works on whole tensors; finite differences would loop over the weights"
    ),
)
rules(
    "decayed_step",
    NoAutograd(why="compute the step from your own gradient"),
    Forbid(
        "torch.optim.*",
        "torch.distributed.optim.*",  # functional SGD, handed on from torch.optim
        "d2lutils.optim.*",
        why="write the update yourself instead of asking an optimizer (torch.optim's or d2l's)",
    ),
)


@probe("ridge_loss")
def ridge_loss_cases(ridge_loss):
    gen = torch.Generator().manual_seed(3701)
    X, y, w = (torch.randn(*s, generator=gen) for s in ((12, 5), (12,), (5,)))
    b = torch.tensor(0.7)
    return {
        "random batch": attempt(ridge_loss, X, y, w, b, 0.3),
        "lambda = 0": attempt(ridge_loss, X, y, w, b, 0.0),
        "large lambda": attempt(ridge_loss, X, y, w, b, 50.0),
        "batch of one": attempt(ridge_loss, X[:1], y[:1], w, b, 0.3),
        "zero weights": attempt(ridge_loss, X, y, torch.zeros(5), b, 2.0),
        "float64": attempt(
            lambda: dtype_and_shape(ridge_loss(X.double(), y.double(), w.double(), b.double(), 0.1))
        ),
        "negative lambda": attempt(ridge_loss, X, y, w, b, -0.5),
        "inputs not modified": keeps_inputs(ridge_loss, X, y, w, b, 0.3),
    }


@probe("ridge_gradient", rtol=1e-5, atol=1e-6)
def ridge_gradient_cases(ridge_gradient):
    gen = torch.Generator().manual_seed(3702)
    X, y, w = (torch.randn(*s, generator=gen) for s in ((16, 6), (16,), (6,)))
    b = torch.tensor(-0.4)

    def gradients(*args):
        return list(ridge_gradient(*args))

    def under_no_grad():
        with torch.no_grad():
            return list(ridge_gradient(X, y, w, b, 0.2))

    return {
        "random batch": attempt(gradients, X, y, w, b, 0.2),
        "lambda = 0": attempt(gradients, X, y, w, b, 0.0),
        "batch of one": attempt(gradients, X[:1], y[:1], w, b, 1.5),
        "under torch.no_grad()": attempt(under_no_grad),
        "dtypes and shapes": attempt(
            lambda: [
                dtype_and_shape(g)
                for g in ridge_gradient(X.double(), y.double(), w.double(), b.double(), 0.2)
            ]
        ),
        "float64, large weights": attempt(
            gradients, X.double(), y.double(), 1e4 * w.double(), 3e3 * b.double(), 0.7
        ),
        "inputs not modified": keeps_inputs(ridge_gradient, X, y, w, b, 0.2),
    }


@probe("decayed_step", rtol=1e-5, atol=1e-6)
def decayed_step_cases(decayed_sgd_step):
    gen = torch.Generator().manual_seed(3704)
    X, y, w = (torch.randn(*s, generator=gen) for s in ((10, 4), (10,), (4,)))
    b = torch.tensor(0.5)

    def step(*args, **kwargs):
        return list(decayed_sgd_step(*args, **kwargs))

    def five_steps():
        w_now, b_now = w, b
        for _ in range(5):
            w_now, b_now = decayed_sgd_step(X, y, w_now, b_now, lr=0.05, lambd=2.0)
        return [w_now, b_now]

    return {
        "one step": attempt(step, X, y, w, b, lr=0.1, lambd=0.3),
        "no penalty": attempt(step, X, y, w, b, lr=0.1, lambd=0.0),
        "lr * lambd = 1": attempt(step, X, y, w, b, lr=0.5, lambd=2.0),
        "five steps": attempt(five_steps),
        "float64": attempt(step, X.double(), y.double(), w.double(), b.double(), lr=0.1, lambd=0.3),
        "lr = 0": attempt(step, X, y, w, b, lr=0.0, lambd=0.3),
        "negative lambda": attempt(step, X, y, w, b, lr=0.1, lambd=-1.0),
        "inputs not modified": keeps_inputs(decayed_sgd_step, X, y, w, b, 0.1, 0.3),
    }


concept("wd_value", "answer_weight_decay", rtol=0.0, atol=1e-6)
concept("bias_penalty", "answer_bias_penalty", as_="choice", question="bias_penalty")


@probe("decay_optimizer", rtol=1e-6, atol=1e-7)
def decay_optimizer_cases(make_decay_optimizer):
    def step_of(net, lr, lambd):
        """The groups' settings and the parameters after one step with fixed gradients."""
        gen = torch.Generator().manual_seed(3705)
        with torch.no_grad():
            for parameter in net.parameters():
                parameter.copy_(torch.randn(parameter.shape, generator=gen))
        optimizer = make_decay_optimizer(net, lr, lambd)
        for parameter in net.parameters():
            parameter.grad = torch.randn(parameter.shape, generator=gen)
        optimizer.step()
        return {
            "type": type(optimizer).__name__,
            "groups": [
                [
                    float(g["weight_decay"]),
                    float(g["lr"]),
                    float(g.get("momentum", 0.0)),
                    [list(p.shape) for p in g["params"]],
                ]
                for g in optimizer.param_groups
            ],
            "after one step": [p.detach().clone() for p in net.parameters()],
        }

    torch.manual_seed(3706)
    return {
        "one linear layer": attempt(step_of, nn.Linear(5, 2), 0.1, 0.3),
        "two layers": attempt(
            step_of, nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3)), 0.05, 0.01
        ),
        "no bias": attempt(step_of, nn.Linear(3, 2, bias=False), 0.2, 0.5),
        "no decay": attempt(step_of, nn.Linear(2, 2), 0.1, 0.0),
    }


experiment(
    "penalty_sweep",
    "penalty_sweep_results",
    {
        "penalties studied": "lambd",
        "final training losses": "train_loss",
        "final validation losses": "val_loss",
        "final weight norms": "weight_norm",
    },
    figure="penalty_sweep_figure",
    rtol=1e-3,
    atol=1e-5,
)


def _gradient_example(body: str) -> str:
    return "def ridge_gradient(X, y, w, b, lambd):\n" + body


def _step_example(body: str) -> str:
    return "def decayed_sgd_step(X, y, w, b, lr, lambd):\n" + body


# w and b as fresh leaves that record a graph, for the answers that use autograd
_LEAVES = (
    "    with torch.enable_grad():\n"
    "        w = w.detach().clone().requires_grad_(True)\n"
    "        b = b.detach().clone().requires_grad_(True)\n"
)
_CHECKS = (
    "    if lr <= 0:\n        raise ValueError(f'lr must be positive, got lr={lr}')\n"
    "    if lambd < 0:\n        raise ValueError(f'lambd must be non-negative, got lambd={lambd}')\n"
)

RULE_EXAMPLES = {
    "ridge_gradient": {
        "breaks": {
            "backward() under enable_grad": _gradient_example(
                _LEAVES + "        ridge_loss(X, y, w, b, lambd).backward()\n"
                "    return w.grad, b.grad"
            ),
            **evasions(
                "torch.autograd.grad",
                _gradient_example(
                    _LEAVES + "        return {name}(ridge_loss(X, y, w, b, lambd), (w, b))"
                ),
            ),
            "central finite differences of ridge_loss": _gradient_example(
                "    grad_w = torch.zeros_like(w)\n"
                "    for j in range(len(w)):\n"
                "        step = torch.zeros_like(w)\n"
                "        step[j] = 1e-3\n"
                "        grad_w[j] = (ridge_loss(X, y, w + step, b, lambd)\n"
                "                     - ridge_loss(X, y, w - step, b, lambd)) / 2e-3\n"
                "    grad_b = (ridge_loss(X, y, w, b + 1e-3, lambd) - ridge_loss(X, y, w, b - 1e-3, lambd)) / 2e-3\n"
                "    return grad_w, grad_b"
            ),
            "torch.func in a helper in another cell": (
                "def grad_by_func(X, y, w, b, lambd):\n"
                "    return torch.func.grad(ridge_loss, argnums=(2, 3))(X, y, w, b, lambd)",
                _gradient_example("    return grad_by_func(X, y, w, b, lambd)"),
            ),
        },
        "keeps": {
            "einsum": _gradient_example(
                "    r = torch.einsum('nd,d->n', X, w) + b - y\n"
                "    return torch.einsum('nd,n->d', X, r) / X.shape[0] + lambd * w, r.mean()"
            ),
            "matmul with mT": _gradient_example(
                "    residual = torch.matmul(X, w) + b - y  # derived by hand\n"
                "    grad_w = torch.matmul(X.mT, residual) / len(y)\n"
                "    return grad_w + lambd * w, residual.sum() / len(y)"
            ),
        },
    },
    "decayed_step": {
        "breaks": {
            **evasions(
                "torch.optim.SGD",
                _step_example(
                    _CHECKS + "    grad_w, grad_b = ridge_gradient(X, y, w, b, 0.0)\n"
                    "    w, b = w.clone(), b.clone()\n"
                    "    w.grad, b.grad = grad_w, grad_b\n"
                    "    {name}([w, b], lr=lr, weight_decay=0.0).step()\n"
                    "    return (1 - lr * lambd) * (w + lr * grad_w) - lr * grad_w, b"
                ),
                skip=(HELPER,),
            ),
            **{
                f"{optimizer} with a gradient set by hand": _step_example(
                    _CHECKS + "    grad_w, grad_b = ridge_gradient(X, y, w, b, lambd)\n"
                    "    w, b = w.clone(), b.clone()\n"
                    "    w.grad, b.grad = grad_w, grad_b\n"
                    f"    {step}\n"
                    "    return w, b"
                )
                for optimizer, step in (
                    ("d2l.sgd", "d2l.sgd([w, b], lr, 1)"),
                    ("d2l.SGD", "d2l.SGD([w, b], lr).step()"),
                )
            },
            "autograd for the data gradient": _step_example(
                _CHECKS + "    with torch.enable_grad():\n"
                "        w_leaf = w.detach().clone().requires_grad_(True)\n"
                "        b_leaf = b.detach().clone().requires_grad_(True)\n"
                "        ridge_loss(X, y, w_leaf, b_leaf, 0.0).backward()\n"
                "    return (1 - lr * lambd) * w - lr * w_leaf.grad, b - lr * b_leaf.grad"
            ),
        },
        "keeps": {
            "penalized gradient, one subtraction": _step_example(
                _CHECKS + "    grad_w, grad_b = ridge_gradient(X, y, w, b, lambd)\n"
                "    return w - lr * grad_w, b - lr * grad_b"
            ),
            "own formula": _step_example(
                _CHECKS + "    residual = X @ w + b - y\n"
                "    shrunk = w * (1 - lr * lambd)\n"
                "    return shrunk - lr * (X.T @ residual) / len(y), b - lr * residual.mean()"
            ),
        },
    },
}
