"""Hidden checks for exercises 5.1 (instructor only; never shipped to students)."""

from d2lgrade import concept, evasions, probe, rules
from d2lgrade.evasions import BOUND, BUILT, HELPER
from d2lgrade.rules import BACKWARD_KERNELS, RELU, Forbid, NoAutograd, NoLoops
from d2lgrade.variants import per_student, student_draw

# The ReLU family: every library function that computes max(0, x) or a leaky variant of it,
# one variant a line.
RELU_FAMILY = RELU + (
    *("torch.prelu", "torch.Tensor.prelu", "torch.nn.functional.prelu", "torch.nn.PReLU"),
    *("torch.nn.functional.leaky_relu", "torch.nn.functional.leaky_relu_", "torch.nn.LeakyReLU"),
    *("torch.rrelu", "torch.rrelu_", "torch.nn.functional.rrelu", "torch.nn.functional.rrelu_"),
    "torch.nn.RReLU",
    *("torch.threshold", "torch.threshold_", "torch.nn.functional.threshold"),
    *("torch.nn.functional.threshold_", "torch.nn.Threshold"),
    *("torch.nn.functional.hardtanh", "torch.nn.functional.hardtanh_", "torch.nn.Hardtanh"),
    *("torch.nn.functional.relu6", "torch.nn.ReLU6"),
    "torch.ao.*",  # the quantized functions (leaky_relu, hardtanh) take float tensors too
)
NO_KERNELS = Forbid(*BACKWARD_KERNELS, why="the backward kernels compute the derivative for you")

rules("prelu", Forbid(*RELU_FAMILY, why="build pReLU from elementwise operations"), NoLoops())
rules("sigmoid_tanh_grad", NoAutograd(), NO_KERNELS)
rules("gelu_grad", NoAutograd(), NO_KERNELS)


@probe("prelu")
def prelu_cases(prelu):
    gen = torch.Generator().manual_seed(5101)
    X = torch.randn(3, 4, 5, generator=gen) * 3

    def gradient(alpha):
        Z = X.clone().requires_grad_(True)
        prelu(Z, alpha).pow(2).sum().backward()
        return Z.grad

    return {
        "random input": attempt(prelu, X, 0.25),
        "alpha = 0": attempt(prelu, X, 0.0),
        "alpha = 1": attempt(prelu, X, 1.0),
        "negative alpha": attempt(prelu, X, -0.5),
        "alpha above 1": attempt(prelu, X, 2.0),
        "0-dim input": attempt(prelu, torch.tensor(-1.5), 0.3),
        "empty input": attempt(lambda: list(prelu(torch.zeros(0, 3), 0.1).shape)),
        "float64": attempt(prelu, X.double(), 0.1),
        "gradient": attempt(gradient, 0.3),
        "input not modified": keeps_inputs(prelu, X, 0.25),
    }


concept("dead_unit", "answer_dead_unit", as_="choice", question="dead_unit")


@probe("sigmoid_tanh_grad")
def sigmoid_tanh_grad_cases(sigmoid_grad, tanh_grad):
    gen = torch.Generator().manual_seed(5103)
    X = torch.randn(6, 7, generator=gen) * 4
    extreme = torch.tensor([-1000.0, -200.0, -100.0, -30.0, 30.0, 100.0, 1000.0])
    both = (sigmoid_grad, tanh_grad)

    def finite(derivative):
        return bool(torch.isfinite(derivative(extreme)).all())

    def without_grad(derivative):
        with torch.no_grad():
            return derivative(X)

    return {
        "sigmoid, random input": attempt(sigmoid_grad, X),
        "tanh, random input": attempt(tanh_grad, X),
        "float64": [attempt(f, X.double()) for f in both],
        "large inputs stay finite": [attempt(finite, f) for f in both],
        "large inputs": [attempt(f, extreme) for f in both],
        "0-dim input": [attempt(f, torch.tensor(x)) for f, x in zip(both, (0.7, -0.7))],
        "empty input": attempt(
            lambda: [list(f(torch.zeros(s)).shape) for f, s in zip(both, ((2, 0, 3), (0,)))]
        ),
        "under torch.no_grad()": [attempt(without_grad, f) for f in both],
        "input not modified": all(keeps_inputs(f, X) for f in both),
    }


concept("sigmoid_chain", "answer_sigmoid_chain", case="largest product", rtol=0.02, atol=0.0)


# "By hand" means a closed form, which float64 gives to rounding (errors near 1e-16); a
# finite difference cannot get below about 1e-11 for derivatives of size 1, whatever its
# step, so a tight float64 case tells the two apart.
@probe("sigmoid_tanh_grad", rtol=1e-12, atol=1e-14)
def sigmoid_tanh_grad_exact(sigmoid_grad, tanh_grad):
    X = torch.randn(4, 6, generator=torch.Generator().manual_seed(5131), dtype=torch.float64)
    return {
        "float64, exact to rounding (a closed form)": [
            attempt(f, X) for f in (sigmoid_grad, tanh_grad)
        ]
    }


@probe("gelu_grad", rtol=1e-12, atol=1e-14)
def gelu_grad_exact(gelu_grad):
    X = torch.randn(4, 6, generator=torch.Generator().manual_seed(5132), dtype=torch.float64)
    return {"float64, exact to rounding (a closed form)": attempt(gelu_grad, X)}


@probe("gelu_grad")
def gelu_grad_cases(gelu_grad):
    gen = torch.Generator().manual_seed(5105)
    X = torch.randn(5, 8, generator=gen) * 3
    far = torch.tensor([-1e30, -1e4, -40.0, -9.0, 9.0, 40.0, 1e4, 1e30])

    def without_grad(x):
        with torch.no_grad():
            return gelu_grad(x)

    return {
        "random input": attempt(gelu_grad, X),
        "float64": attempt(gelu_grad, X.double() / 3),
        "large inputs": attempt(gelu_grad, far),
        "0-dim input": attempt(gelu_grad, torch.tensor(-0.4)),
        "empty input": attempt(lambda: list(gelu_grad(torch.zeros(3, 0)).shape)),
        "under torch.no_grad()": attempt(without_grad, X),
        "input not modified": keeps_inputs(gelu_grad, X),
    }


@probe("merge_linear")
def merge_linear_cases(merge_linear):
    gen = torch.Generator().manual_seed(5104)
    # W1, b1, W2, b2 of two layers, then of two with a hidden width of 1
    layers = [torch.randn(*s, generator=gen) for s in ((5, 7), (7,), (7, 3), (3,))]
    narrow = [torch.randn(*s, generator=gen) for s in ((4, 1), (1,), (1, 6), (6,))]
    return {
        "random layers": attempt(lambda: list(merge_linear(*layers))),
        "hidden width 1": attempt(lambda: list(merge_linear(*narrow))),
        "float64": attempt(lambda: list(merge_linear(*(t.double() for t in layers)))),
        "inputs not modified": keeps_inputs(merge_linear, *layers),
    }


_SIGMOID_TANH = (
    "def sigmoid_grad(x):\n{sigmoid}\n\n\ndef tanh_grad(x):\n    return 1 - torch.tanh(x) ** 2\n"
)


def _prelu_example(body: str) -> str:
    return "def prelu(x, alpha):\n    return " + body


def _autograd_example(f: str, grad: str) -> str:
    """The derivative of ``f`` from ``grad`` (torch.autograd.grad, reached somehow)."""
    return (
        "    z = x.detach().clone().requires_grad_(True)\n"
        f"    with torch.enable_grad():\n        return {grad}({f}(z).sum(), z)[0]"
    )


# A helper that differentiates by backward(), written in another cell.
_BACKWARD_HELPER = (
    "def {helper}(f, x):\n    z = x.detach().clone().requires_grad_(True)\n"
    "    with torch.enable_grad():\n        f(z).sum().backward()\n    return z.grad"
)

RULE_EXAMPLES = {
    "prelu": {
        "breaks": {
            "torch's private kernel, by a name built at run time": (
                "def prelu(x, alpha):\n"
                "    kernel = getattr(torch, '_prelu' + '_kernel')\n"
                "    return kernel(x, torch.tensor(alpha, dtype=x.dtype))"
            ),
            # F.relu bound and torch.threshold in a helper below are this task's own
            # versions of those two routes
            **evasions(
                "torch.relu",
                _prelu_example("{name}(x) - alpha * {name}(-x)"),
                skip=(BOUND, HELPER),
            ),
            **evasions(
                "torch.nn.functional.leaky_relu",
                _prelu_example("{name}(x, alpha)"),
                skip=(BOUND, HELPER, BUILT),
            ),
            "tensor method": _prelu_example("x.relu() - alpha * (-x).relu()"),
            "clamp_min method": _prelu_example("x.clamp_min(0) + alpha * x.clamp(max=0)"),
            "alias in another cell": (
                "positive_part = F.relu",
                _prelu_example("positive_part(x) - alpha * positive_part(-x)"),
            ),
            "nn.PReLU module": (
                "from torch import nn",
                "def prelu(x, alpha):\n    layer = nn.PReLU(init=alpha).to(x.dtype)\n"
                "    return layer(x.reshape(-1, 1)).reshape(x.shape)",
            ),
            "helper in another cell": (
                "def positive(t):\n    return torch.threshold(t, 0.0, 0.0)",
                _prelu_example("positive(x) - alpha * positive(-x)"),
            ),
            "loop over entries": (
                "def prelu(x, alpha):\n    out = x.clone()\n    flat = out.view(-1)\n"
                "    for i in range(flat.numel()):\n        if flat[i] < 0:\n"
                "            flat[i] = alpha * flat[i]\n    return out"
            ),
        },
        "keeps": {
            "torch.where": (
                "def prelu(x, alpha):\n    # torch.where, not torch.relu or F.leaky_relu\n"
                "    return torch.where(x > 0, x, alpha * x)"
            ),
            "maximum and minimum": (
                "def prelu(x, alpha):\n    zero = torch.zeros_like(x)\n"
                "    return torch.maximum(x, zero) + alpha * torch.minimum(x, zero)"
            ),
            "helper in another cell": (
                "def negative_part(t):\n    return t.clamp(max=0)",
                _prelu_example("x - negative_part(x) + alpha * negative_part(x)"),
            ),
        },
    },
    "sigmoid_tanh_grad": {
        "breaks": {
            "backward on a copy": _SIGMOID_TANH.format(
                sigmoid=(
                    "    z = x.detach().clone().requires_grad_(True)\n"
                    "    with torch.enable_grad():\n        torch.sigmoid(z).sum().backward()\n"
                    "    return z.grad"
                )
            ),
            # the helper below, which calls backward(), is this task's own helper route
            **evasions(
                "torch.autograd.grad",
                _SIGMOID_TANH.format(sigmoid=_autograd_example("torch.sigmoid", "{name}")),
                skip=(HELPER,),
            ),
            "torch.func": _SIGMOID_TANH.format(
                sigmoid=(
                    "    flat = x.reshape(-1)\n"
                    "    return torch.func.vmap(torch.func.grad(torch.sigmoid))(flat).reshape(x.shape)"
                )
            ),
            "helper in another cell": (
                _BACKWARD_HELPER.format(helper="slope"),
                _SIGMOID_TANH.format(sigmoid="    return slope(torch.sigmoid, x)"),
            ),
            "alias of torch.autograd in another cell": (
                "ag = torch.autograd",
                _SIGMOID_TANH.format(sigmoid=_autograd_example("torch.sigmoid", "ag.grad")),
            ),
            "backward kernel": _SIGMOID_TANH.format(
                sigmoid=(
                    "    return torch.ops.aten.sigmoid_backward(torch.ones_like(x), torch.sigmoid(x))"
                )
            ),
            "backward kernel by a name built at run time": _SIGMOID_TANH.format(
                sigmoid=(
                    "    kernels = getattr(getattr(torch, 'o' + 'ps'), 'aten')\n"
                    "    return getattr(kernels, 'sigmoid_' + 'backward')(torch.ones_like(x), torch.sigmoid(x))"
                )
            ),
        },
        "keeps": {
            "sigmoid(x) * sigmoid(-x), sech squared": (
                "def sigmoid_grad(x):\n    # no .backward() here: 1 - sigmoid(x) is sigmoid(-x)\n"
                "    return torch.sigmoid(x) * torch.sigmoid(-x)\n\n\n"
                "def tanh_grad(x):\n    return 1 / torch.cosh(x) ** 2"
            ),
        },
    },
    "gelu_grad": {
        "breaks": {
            "backward through F.gelu": (
                "def gelu_grad(x):\n    z = x.detach().clone().requires_grad_(True)\n"
                "    with torch.enable_grad():\n        F.gelu(z).sum().backward()\n    return z.grad"
            ),
            "torch.func imported under another name": (
                "from torch.func import grad as slope, vmap",
                "def gelu_grad(x):\n    return vmap(slope(F.gelu))(x.reshape(-1)).reshape(x.shape)",
            ),
            # the helper below, which calls backward(), is this task's own helper route
            **evasions(
                "torch.autograd.grad",
                "def gelu_grad(x):\n" + _autograd_example("F.gelu", "{name}"),
                skip=(HELPER,),
            ),
            "backward kernel": (
                "def gelu_grad(x):\n    return torch.ops.aten.gelu_backward(torch.ones_like(x), x)"
            ),
            "helper in another cell": (
                _BACKWARD_HELPER.format(helper="elementwise_slope"),
                "def gelu_grad(x):\n    return elementwise_slope(F.gelu, x)",
            ),
        },
        "keeps": {
            "torch.special.ndtr": (
                "def gelu_grad(x):\n    # Phi(x) + x phi(x); no autograd, no .backward()\n"
                "    phi = torch.exp(-x ** 2 / 2) / math.sqrt(2 * math.pi)\n"
                "    return torch.special.ndtr(x) + x * phi"
            ),
        },
    },
}


@per_student("sigmoid_chain")
def sigmoid_chain_for(student):
    depth = student_draw("ex5_1.sigmoid_chain.depth", [5, 6, 8, 10, 12, 15], student)
    return {"largest product": 0.25**depth}
