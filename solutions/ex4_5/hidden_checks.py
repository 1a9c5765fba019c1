"""Hidden checks for exercises 4.5 (instructor only; never shipped to students)."""

from d2lgrade import concept, evasions, experiment, probe, rules
from d2lgrade.evasions import BOUND, BUILT, DIRECT, IMPORTED
from d2lgrade.rules import CROSS_ENTROPY, LOGSUMEXP, SOFTMAX, Forbid, NoLoops

rules(
    "log_softmax",
    Forbid(
        *SOFTMAX, *LOGSUMEXP, *CROSS_ENTROPY, why="build the log-softmax from max, exp, log and sum"
    ),
    NoLoops(),
)
rules(
    "smoothed_ce",
    Forbid(*CROSS_ENTROPY, *SOFTMAX, *LOGSUMEXP, why="build the smoothed loss on your log_softmax"),
    NoLoops(),
)


@probe("log_softmax")
def log_softmax_cases(log_softmax):
    gen = torch.Generator().manual_seed(4501)
    O = torch.randn(8, 10, generator=gen) * 5
    ruled_out = torch.randn(4, 5, generator=gen)
    ruled_out[torch.arange(4), torch.tensor([0, 2, 4, 1])] = -float("inf")

    def gradient():
        leaf = O.clone().requires_grad_(True)
        (log_softmax(leaf) * torch.linspace(-1.0, 1.0, 10)).sum().backward()
        return leaf.grad

    return {
        "random logits": attempt(log_softmax, O),
        "float64": attempt(log_softmax, torch.randn(3, 6, generator=gen, dtype=torch.float64) * 20),
        "huge logits": attempt(log_softmax, torch.randn(6, 5, generator=gen) * 1000),
        "all logits large": attempt(log_softmax, torch.randn(3, 4, generator=gen) + 500.0),
        "probability underflows": attempt(log_softmax, torch.tensor([[0.0, -200.0, -90.0]])),
        "one class": attempt(log_softmax, torch.randn(4, 1, generator=gen)),
        "a logit -inf": attempt(log_softmax, ruled_out),
        "empty input": attempt(lambda: list(log_softmax(torch.zeros(0, 7)).shape)),
        "gradient": attempt(gradient),
        "input not modified": keeps_inputs(log_softmax, O),
    }


@probe("smoothed_ce")
def smoothed_ce_cases(smoothed_cross_entropy):
    def gradient(epsilon):
        leaf = O.clone().requires_grad_(True)
        smoothed_cross_entropy(leaf, y, epsilon).backward()
        return leaf.grad

    def detached(*args):
        return smoothed_cross_entropy(*args).detach()

    gen = torch.Generator().manual_seed(4502)
    O, y = torch.randn(12, 5, generator=gen) * 3, torch.randint(0, 5, (12,), generator=gen)
    huge = torch.randn(6, 4, generator=gen, dtype=torch.float64) * 1000
    y_huge = torch.randint(0, 4, (6,), generator=gen)
    valid_epsilons = {"no smoothing": 0.0, "epsilon 0.1": 0.1, "epsilon 1": 1.0}
    invalid_epsilons = {"epsilon above 1": 1.5, "epsilon below 0": -0.1}
    return {
        **{case: attempt(detached, O, y, epsilon) for case, epsilon in valid_epsilons.items()},
        "gradient": attempt(gradient, 0.2),
        "one row": attempt(detached, torch.tensor([[0.5, -1.0, 2.0]]), torch.tensor([1]), 0.3),
        "huge logits, float64": attempt(detached, huge, y_huge, 0.1),
        "huge logits, float32": attempt(detached, huge.float(), y_huge, 0.1),
        **{case: attempt(detached, O, y, epsilon) for case, epsilon in invalid_epsilons.items()},
        "inputs not modified": keeps_inputs(smoothed_cross_entropy, O, y, 0.1),
    }


concept("safe_loss", "answer_safe_loss", as_="choice", question="safe_loss")


@probe("concise_model", rtol=1e-4, atol=1e-5)
def concise_model_cases(SoftmaxRegression):
    def build():
        torch.manual_seed(4503)
        model = SoftmaxRegression(num_inputs=6, num_outputs=4, lr=0.5)
        return model, next(m for m in model.modules() if isinstance(m, torch.nn.Linear))

    def logits():
        with torch.no_grad():
            return model(X)

    def two_steps():
        optimizer = model.configure_optimizers()
        losses = []
        for _ in range(2):
            loss = model.loss(model(X), y)
            losses.append(loss.item())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return {"losses": losses, "weight": linear.weight.detach().clone()}

    calls = {
        "parameter shapes": lambda: sorted(list(p.shape) for p in model.parameters()),
        "logits": logits,
        "loss": lambda: model.loss(model(X), y).detach(),
        "probabilities": lambda: model.predict_proba(X),
        "no gradient tracked": lambda: model.predict_proba(X).requires_grad,
        "two SGD steps": two_steps,
    }
    built = attempt(build)
    if isinstance(built, dict):  # the class cannot be built: every case fails alike
        return dict.fromkeys(calls, built)
    model, linear = built
    gen = torch.Generator().manual_seed(4504)
    with torch.no_grad():
        linear.weight.copy_(torch.randn(4, 6, generator=gen) * 3)
        linear.bias.copy_(torch.randn(4, generator=gen))
    X, y = torch.randn(5, 2, 3, generator=gen), torch.randint(0, 4, (5,), generator=gen)
    return {case: attempt(call) for case, call in calls.items()}


concept("loss_floor", "answer_loss_floor", rtol=0.0, atol=1e-3)


experiment(
    "overflow_study",
    "overflow_study_results",
    {
        "scales": "scale",
        "composed failures": "composed_nonfinite",
        "fused failures": "fused_nonfinite",
        "mean fused losses": "fused_mean_loss",
    },
    figure="overflow_study_figure",
)


# experiment() compares the plotted x and y data with the reference run's (so the lines
# must show the recorded numbers at the right x), but not the scale of the x axis.
@probe("overflow_study")
def overflow_study_x_scale(overflow_study_figure):
    return {
        "figure: x axis": attempt(
            lambda: [ax.get_xscale() for ax in overflow_study_figure.get_axes()]
        )
    }


def _smoothed_example(body: str) -> str:
    """An answer to smoothed_cross_entropy: the check of epsilon, then ``body``."""
    return (
        "def smoothed_cross_entropy(O, y, epsilon):\n"
        "    if not 0.0 <= epsilon <= 1.0:\n"
        "        raise ValueError(f'epsilon must lie in [0, 1]; got epsilon={epsilon}')\n" + body
    )


RULE_EXAMPLES = {
    "log_softmax": {
        "breaks": {
            **evasions(
                "torch.log_softmax",
                "def log_softmax(O):\n    return {name}(O, dim=1)",
                only=(DIRECT, BUILT),
            ),
            "tensor method": "def log_softmax(O):\n    return O.log_softmax(1)",
            "torch.logsumexp": "def log_softmax(O):\n    return O - torch.logsumexp(O, dim=1, keepdim=True)",
            **evasions(
                "torch.nn.functional.softmax",
                "def log_softmax(O):\n    return torch.log({name}(O, dim=1))",
                only=(BOUND,),
            ),
            **evasions(
                "torch.special.logsumexp",
                "def log_softmax(O):\n    return O - {name}(O, dim=1, keepdim=True)",
                only=(IMPORTED,),
            ),
            "loop over rows": (
                "def log_softmax(O):\n"
                "    rows = [r - r.max() - torch.log(torch.exp(r - r.max()).sum()) for r in O]\n"
                "    return torch.stack(rows) if rows else O.clone()"
            ),
        },
        "keeps": {
            "amax shift": (
                "def log_softmax(O):\n"
                "    # by hand, not torch.log_softmax\n"
                "    m = O.amax(dim=1, keepdim=True)\n"
                "    return O - m - torch.exp(O - m).sum(dim=1, keepdim=True).log()"
            ),
            "helper in another cell": (
                "def shifted(O):\n    return O - O.max(dim=1, keepdim=True).values",
                "def log_softmax(O):\n"
                "    S = shifted(O)\n"
                "    return S - torch.log(torch.sum(torch.exp(S), dim=1, keepdim=True))",
            ),
        },
    },
    "smoothed_ce": {
        "breaks": {
            "F.cross_entropy with label_smoothing": _smoothed_example(
                "    return torch.nn.functional.cross_entropy(O, y, label_smoothing=epsilon)"
            ),
            **evasions(
                "torch.nn.CrossEntropyLoss",
                _smoothed_example("    return {name}(label_smoothing=epsilon)(O, y)"),
                only=(BOUND,),
            ),
            "torch.log_softmax instead of your own": _smoothed_example(
                "    P = torch.log_softmax(O, dim=1)\n"
                "    return (-(1 - epsilon) * P[torch.arange(len(y)), y] - epsilon * P.mean(dim=1)).mean()"
            ),
            "loop over examples": _smoothed_example(
                "    P = log_softmax(O)\n"
                "    losses = [-(1 - epsilon) * P[i, y[i]] - epsilon * P[i].mean() for i in range(len(y))]\n"
                "    return torch.stack(losses).mean()"
            ),
        },
        "keeps": {
            "one-hot target": (
                "def smoothed_cross_entropy(O, y, epsilon):\n"
                "    # the smoothed target as a matrix, then F.cross_entropy's formula by hand\n"
                "    if not 0.0 <= epsilon <= 1.0:\n"
                "        raise ValueError(f'epsilon must lie in [0, 1]; got epsilon={epsilon}')\n"
                "    q = O.shape[1]\n"
                "    target = (1 - epsilon) * torch.nn.functional.one_hot(y, q).to(O.dtype) + epsilon / q\n"
                "    return -(target * log_softmax(O)).sum(dim=1).mean()"
            ),
            "gather": (
                "def smoothed_cross_entropy(O, y, epsilon):\n"
                "    if epsilon < 0 or epsilon > 1:\n"
                "        raise ValueError(f'epsilon={epsilon} is outside [0, 1]')\n"
                "    P = log_softmax(O)\n"
                "    picked = P.gather(1, y.unsqueeze(1)).squeeze(1)\n"
                "    return torch.mean(-(1 - epsilon) * picked - epsilon * P.mean(dim=1))"
            ),
        },
    },
}
