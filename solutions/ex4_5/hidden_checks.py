"""Hidden checks for exercises 4.5 (instructor only; never shipped to students)."""

from d2lgrade import concept, probe, rules
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
    gen = torch.Generator().manual_seed(4502)
    O = torch.randn(12, 5, generator=gen) * 3
    y = torch.randint(0, 5, (12,), generator=gen)
    huge = torch.randn(6, 4, generator=gen, dtype=torch.float64) * 1000
    y_huge = torch.randint(0, 4, (6,), generator=gen)

    def gradient(epsilon):
        leaf = O.clone().requires_grad_(True)
        smoothed_cross_entropy(leaf, y, epsilon).backward()
        return leaf.grad

    def detached(*args):
        return smoothed_cross_entropy(*args).detach()

    return {
        "no smoothing": attempt(detached, O, y, 0.0),
        "epsilon 0.1": attempt(detached, O, y, 0.1),
        "epsilon 1": attempt(detached, O, y, 1.0),
        "gradient": attempt(gradient, 0.2),
        "one row": attempt(detached, torch.tensor([[0.5, -1.0, 2.0]]), torch.tensor([1]), 0.3),
        "huge logits, float64": attempt(detached, huge, y_huge, 0.1),
        "huge logits, float32": attempt(detached, huge.float(), y_huge, 0.1),
        "epsilon above 1": attempt(detached, O, y, 1.5),
        "epsilon below 0": attempt(detached, O, y, -0.1),
        "inputs not modified": keeps_inputs(smoothed_cross_entropy, O, y, 0.1),
    }


concept("safe_loss", "answer_safe_loss", as_="choice", question="safe_loss")


@probe("concise_model", rtol=1e-4, atol=1e-5)
def concise_model_cases(SoftmaxRegression):
    cases = (
        "parameter shapes",
        "logits",
        "loss",
        "probabilities",
        "no gradient tracked",
        "two SGD steps",
    )
    try:
        torch.manual_seed(4503)
        model = SoftmaxRegression(num_inputs=6, num_outputs=4, lr=0.5)
        linear = next(m for m in model.modules() if isinstance(m, torch.nn.Linear))
    except Exception as err:  # the class cannot be built: every case fails alike
        return {case: {RAISED: type(err).__name__} for case in cases}
    gen = torch.Generator().manual_seed(4504)
    with torch.no_grad():
        linear.weight.copy_(torch.randn(4, 6, generator=gen) * 3)
        linear.bias.copy_(torch.randn(4, generator=gen))
    X = torch.randn(5, 2, 3, generator=gen)
    y = torch.randint(0, 4, (5,), generator=gen)

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

    return {
        "parameter shapes": sorted(list(p.shape) for p in model.parameters()),
        "logits": attempt(logits),
        "loss": attempt(lambda: model.loss(model(X), y).detach()),
        "probabilities": attempt(model.predict_proba, X),
        "no gradient tracked": attempt(lambda: model.predict_proba(X).requires_grad),
        "two SGD steps": attempt(two_steps),
    }


concept("loss_floor", "answer_loss_floor", rtol=0.0, atol=1e-3)


@probe("overflow_study", rtol=1e-4, atol=1e-6)
def overflow_study_numbers(overflow_study_results):
    def numbers(key):
        return [float(v) for v in overflow_study_results[key]]

    return {
        "scales": attempt(numbers, "scale"),
        "composed failures": attempt(numbers, "composed_nonfinite"),
        "fused failures": attempt(numbers, "fused_nonfinite"),
        "mean fused losses": attempt(numbers, "fused_mean_loss"),
    }


@probe("overflow_study", rtol=1e-4, atol=1e-6)
def overflow_study_plot(overflow_study_figure, overflow_study_results):
    def plotted_data():
        (ax,) = overflow_study_figure.get_axes()
        return sorted([float(v) for v in line.get_ydata()] for line in ax.get_lines())

    def recorded_data():
        return sorted(
            [float(v) for v in overflow_study_results[key]]
            for key in ("composed_nonfinite", "fused_nonfinite")
        )

    return {
        "figure: axes, lines and labels": attempt(figure_summary, overflow_study_figure),
        "figure: x axis": attempt(
            lambda: [ax.get_xscale() for ax in overflow_study_figure.get_axes()]
        ),
        "figure: the lines show the recorded fractions": attempt(
            lambda: plotted_data() == recorded_data()
        ),
        "figure: x values are the scales": attempt(
            lambda: [
                [float(v) for v in line.get_xdata()]
                for ax in overflow_study_figure.get_axes()
                for line in ax.get_lines()
            ]
        ),
    }


RULE_EXAMPLES = {
    "log_softmax": {
        "breaks": {
            "torch.log_softmax": "def log_softmax(O):\n    return torch.log_softmax(O, dim=1)",
            "tensor method": "def log_softmax(O):\n    return O.log_softmax(1)",
            "torch.logsumexp": "def log_softmax(O):\n    return O - torch.logsumexp(O, dim=1, keepdim=True)",
            "log of torch.softmax, alias in another cell": (
                "normalise = torch.nn.functional.softmax",
                "def log_softmax(O):\n    return torch.log(normalise(O, dim=1))",
            ),
            "from ... import ... as, in another cell": (
                "from torch.special import logsumexp as smooth_max",
                "def log_softmax(O):\n    return O - smooth_max(O, dim=1, keepdim=True)",
            ),
            "name built at run time": (
                "def log_softmax(O):\n    return getattr(torch, 'log_soft' + 'max')(O, 1)"
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
            "F.cross_entropy with label_smoothing": (
                "def smoothed_cross_entropy(O, y, epsilon):\n"
                "    if not 0.0 <= epsilon <= 1.0:\n"
                "        raise ValueError(f'epsilon must lie in [0, 1]; got epsilon={epsilon}')\n"
                "    return torch.nn.functional.cross_entropy(O, y, label_smoothing=epsilon)"
            ),
            "nn.CrossEntropyLoss made in another cell": (
                "criterion = torch.nn.CrossEntropyLoss",
                "def smoothed_cross_entropy(O, y, epsilon):\n"
                "    if not 0.0 <= epsilon <= 1.0:\n"
                "        raise ValueError(f'epsilon must lie in [0, 1]; got epsilon={epsilon}')\n"
                "    return criterion(label_smoothing=epsilon)(O, y)",
            ),
            "torch.log_softmax instead of your own": (
                "def smoothed_cross_entropy(O, y, epsilon):\n"
                "    if not 0.0 <= epsilon <= 1.0:\n"
                "        raise ValueError(f'epsilon must lie in [0, 1]; got epsilon={epsilon}')\n"
                "    P = torch.log_softmax(O, dim=1)\n"
                "    return (-(1 - epsilon) * P[torch.arange(len(y)), y] - epsilon * P.mean(dim=1)).mean()"
            ),
            "loop over examples": (
                "def smoothed_cross_entropy(O, y, epsilon):\n"
                "    if not 0.0 <= epsilon <= 1.0:\n"
                "        raise ValueError(f'epsilon must lie in [0, 1]; got epsilon={epsilon}')\n"
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
