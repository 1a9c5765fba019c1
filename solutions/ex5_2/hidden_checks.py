"""Hidden checks for exercises 5.2 (instructor only; never shipped to students)."""

from d2lgrade import concept, evasions, probe, rules
from d2lgrade.rules import Forbid

# The library's layers, then their functional forms.
LAYERS = (
    *("torch.nn.Linear", "torch.nn.LazyLinear", "torch.nn.Bilinear", "torch.nn.LazyBilinear"),
    *("torch.nn.functional.linear", "torch.nn.functional.bilinear"),
    # recurrent cells compute a layer's affine map too
    *("torch.rnn_relu_cell", "torch.rnn_tanh_cell", "torch.lstm_cell", "torch.gru_cell"),
    *("torch.nn.RNNCell", "torch.nn.LSTMCell", "torch.nn.GRUCell"),
)

rules("mlp_scratch", Forbid(*LAYERS, why="multiply the parameters yourself"))


@probe("mlp_scratch")
def mlp_scratch_cases(MLPScratch):
    def initial_parameters():
        torch.manual_seed(5202)
        big = MLPScratch(num_inputs=200, num_outputs=50, num_hiddens=100, lr=0.1, sigma=0.5)
        return {
            "parameter names and shapes": {n: list(p.shape) for n, p in big.named_parameters()},
            "initial scale (sigma = 0.5)": [
                bool(abs(float(W.std()) - 0.5) < 0.05) for W in (big.W1, big.W2)
            ],
            "biases start at zero": [bool(torch.all(b == 0)) for b in (big.b1, big.b2)],
        }

    def with_known_weights(run):
        """``run(model, gen)`` on a small model whose parameters were drawn from ``gen``."""
        model = MLPScratch(num_inputs=6, num_outputs=3, num_hiddens=5, lr=0.1)
        gen = torch.Generator().manual_seed(5203)
        with torch.no_grad():
            for p in (model.W1, model.b1, model.W2, model.b2):
                p.copy_(torch.randn(p.shape, generator=gen))
        return run(model, gen)

    def gradients(model, gen):
        X, y = torch.randn(8, 6, generator=gen), torch.randint(0, 3, (8,), generator=gen)
        model.loss(model(X), y).backward()
        return [model.W1.grad, model.b1.grad, model.W2.grad, model.b2.grad]

    initial = attempt(initial_parameters)
    if RAISED in initial:  # the model cannot be built: its three cases fail alike
        initial = dict.fromkeys(
            ("parameter names and shapes", "initial scale (sigma = 0.5)", "biases start at zero"),
            initial,
        )
    return {
        **initial,
        "logits": attempt(
            with_known_weights, lambda m, gen: m(torch.randn(8, 2, 3, generator=gen)).detach()
        ),
        "batch of one": attempt(
            with_known_weights, lambda m, gen: m(torch.randn(1, 6, generator=gen)).detach()
        ),
        "gradients of the loss": attempt(with_known_weights, gradients),
    }


concept("symmetry", "answer_symmetry", as_="choice", question="symmetry")


@probe("make_mlp")
def make_mlp_cases(make_mlp):
    def structure(sizes):
        return [
            [
                type(m).__name__,
                getattr(m, "in_features", None),
                getattr(m, "out_features", None),
                getattr(m, "bias", None) is not None,
            ]
            for m in make_mlp(sizes)
        ]

    def forward():
        torch.manual_seed(5204)
        net = make_mlp([6, 4, 3])
        return net(torch.randn(5, 2, 3, generator=torch.Generator().manual_seed(5205))).detach()

    return {
        "four layers": attempt(structure, [12, 8, 6, 4, 3]),
        "softmax regression": attempt(structure, [5, 2]),
        "hidden width 1": attempt(structure, [7, 1, 9]),
        "default initialization": attempt(forward),
    }


@probe("count_parameters")
def count_parameters_cases(count_parameters):
    deep = nn.Sequential(
        nn.Flatten(), nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 6), nn.ReLU(), nn.Linear(6, 3)
    )
    shared = nn.Linear(3, 3)
    tied = nn.Sequential(shared, nn.Tanh(), shared, nn.Linear(3, 1))
    frozen = nn.Sequential(nn.Linear(10, 4, bias=False), nn.ReLU(), nn.Linear(4, 2))
    frozen[2].bias.requires_grad_(False)
    return {
        "deep MLP": attempt(count_parameters, deep),
        "shared layer": attempt(count_parameters, tied),
        "no parameters": attempt(count_parameters, nn.ReLU()),
        "layer without bias": attempt(count_parameters, frozen),
        "frozen bias, trainable only": attempt(count_parameters, frozen, trainable_only=True),
        "shared layer, trainable only": attempt(count_parameters, tied, True),
        "returns an int": type(attempt(count_parameters, deep)).__name__,
    }


concept("init_scale", "answer_init_scale", case="factor", rtol=0.02, atol=0.0)


# Validation accuracy on 200 images moves in steps of 0.005; runs on other machines may differ
# in the last bits of their sums and flip a few borderline images. A wrong recipe (no reseed per
# run, another learning rate, batch size or number of epochs) moves some width by 0.1 or more.
@probe("width", rtol=0.0, atol=0.03)
def width_accuracies(width_results):
    def recorded():
        return sorted(int(width) for width in width_results)

    cases = {"widths recorded": attempt(recorded)}
    if isinstance(width_results, dict):
        for width, accuracy in width_results.items():
            cases[f"width {width}"] = attempt(float, accuracy)
    return cases


@probe("width")
def width_figure_layout(width_figure):
    summary = figure_summary(width_figure)
    if "axes" not in summary:
        return {"figure": summary}
    return {
        "figure: number of axes": summary["axes"],
        "figure: points per line": summary["lines"],
        "figure: axis labels": summary["labelled"],
    }


def _scratch_example(forward: str) -> str:
    """The scratch MLP's answer cell with ``forward`` after the input is flattened."""
    return (
        "class MLPScratch(d2l.Classifier):\n"
        "    def __init__(self, num_inputs, num_outputs, num_hiddens, lr, sigma=0.01):\n"
        "        super().__init__()\n        self.save_hyperparameters()\n"
        "        self.W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens) * sigma)\n"
        "        self.b1 = nn.Parameter(torch.zeros(num_hiddens))\n"
        "        self.W2 = nn.Parameter(torch.randn(num_hiddens, num_outputs) * sigma)\n"
        "        self.b2 = nn.Parameter(torch.zeros(num_outputs))\n\n"
        "    def forward(self, X):\n        X = X.reshape(-1, self.num_inputs)\n" + forward
    )


RULE_EXAMPLES = {
    "mlp_scratch": {
        "breaks": evasions(
            "torch.nn.functional.linear",
            _scratch_example(
                "        H = torch.relu({name}(X, self.W1.T, self.b1))\n"
                "        return {name}(H, self.W2.T, self.b2)"
            ),
        ),
        "keeps": {
            "torch.addmm and matmul": _scratch_example(
                "        # not F.linear or nn.Linear: the products are written out\n"
                "        H = torch.relu(torch.addmm(self.b1, X, self.W1))\n"
                "        return torch.matmul(H, self.W2) + self.b2"
            ),
            "helper in another cell": (
                "def affine_map(X, W, b):\n    return X @ W + b",
                _scratch_example(
                    "        return affine_map(torch.relu(affine_map(X, self.W1, self.b1)), self.W2, self.b2)"
                ),
            ),
        },
    },
}
