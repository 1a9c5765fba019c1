"""Hidden checks for exercises 5.3 (instructor only; never shipped to students)."""

from d2lgrade import concept, probe, rules
from d2lgrade.rules import Forbid, NoAutograd

# The kernels autograd itself calls (torch.ops.aten.threshold_backward, mm_backward, ...);
# at run time they are recorded as aten.<name> when called by name, and at the
# dispatcher as aten::<name> whatever the route.
rules(
    "backward",
    NoAutograd(),
    Forbid(
        "torch.ops",
        "torch.ops.*",
        "aten.*",
        "aten::*_backward*",
        why="the library's backward kernels do the chain rule for you",
    ),
)


@probe("forward")
def forward_cases(forward):
    gen = torch.Generator().manual_seed(5301)
    X = torch.randn(7, 5, generator=gen)
    W1 = torch.randn(5, 4, generator=gen)
    W2 = torch.randn(4, 3, generator=gen)
    single = [
        torch.randn(1, 2, generator=gen, dtype=torch.float64),
        torch.randn(2, 6, generator=gen, dtype=torch.float64),
        torch.randn(6, 1, generator=gen, dtype=torch.float64),
    ]
    X_zero = X.clone()
    X_zero[3] = 0.0
    return {
        "random inputs": attempt(lambda: list(forward(X, W1, W2))),
        "batch of one, float64": attempt(lambda: list(forward(*single))),
        "zero pre-activations": attempt(lambda: list(forward(X_zero, W1, W2))),
        "inputs not modified": keeps_inputs(forward, X, W1, W2),
    }


@probe("objective")
def objective_cases(l2_penalty, objective):
    gen = torch.Generator().manual_seed(5302)
    X = torch.randn(9, 4, generator=gen)
    Y = torch.randn(9, 3, generator=gen)
    W1 = torch.randn(4, 6, generator=gen)
    W2 = torch.randn(6, 3, generator=gen)

    def gradient():
        W1_leaf = W1.clone().requires_grad_(True)
        W2_leaf = W2.clone().requires_grad_(True)
        objective(X, Y, W1_leaf, W2_leaf, 0.3).backward()
        return [W1_leaf.grad, W2_leaf.grad]

    return {
        "penalty": attempt(l2_penalty, W1, W2, 0.3),
        "penalty, lambda = 0": attempt(l2_penalty, W1, W2, 0.0),
        "penalty of ones": attempt(l2_penalty, torch.ones(2, 2), torch.ones(3, 1), 1.0),
        "objective": attempt(objective, X, Y, W1, W2, 0.3),
        "objective, lambda = 0": attempt(objective, X, Y, W1, W2, 0.0),
        "batch of one": attempt(objective, X[:1], Y[:1], W1, W2, 2.0),
        "float64": attempt(
            lambda: [
                dtype_and_shape(objective(X.double(), Y.double(), W1.double(), W2.double(), 0.1)),
                dtype_and_shape(l2_penalty(W1.double(), W2.double(), 0.1)),
            ]
        ),
        "0-dim results": attempt(
            lambda: [list(objective(X, Y, W1, W2, 0.3).shape), list(l2_penalty(W1, W2, 0.3).shape)]
        ),
        "gradient through the objective": attempt(gradient),
    }


@probe("backward", rtol=1e-4, atol=1e-5)
def backward_cases(backward):
    gen = torch.Generator().manual_seed(5303)
    X = torch.randn(10, 6, generator=gen)
    Y = torch.randn(10, 3, generator=gen)
    W1 = torch.randn(6, 8, generator=gen)
    W2 = torch.randn(8, 3, generator=gen)
    # a zero input row and a zero column of W1 give entries of Z that are exactly 0
    X_zero = X.clone()
    X_zero[2] = 0.0
    V1 = W1.clone()
    V1[:, 1] = 0.0
    X64 = torch.randn(20, 7, generator=gen, dtype=torch.float64)
    Y64 = torch.randn(20, 5, generator=gen, dtype=torch.float64)
    A64 = torch.randn(7, 9, generator=gen, dtype=torch.float64)
    B64 = torch.randn(9, 5, generator=gen, dtype=torch.float64)

    def gradients(*args):
        return list(backward(*args))

    def without_grad():
        with torch.no_grad():
            return list(backward(X, Y, W1, W2, 0.05))

    return {
        "random inputs": attempt(gradients, X, Y, W1, W2, 0.05),
        "no weight decay": attempt(gradients, X, Y, W1, W2, 0.0),
        "batch of one": attempt(gradients, X[:1], Y[:1], W1, W2, 0.5),
        "zero pre-activations": attempt(gradients, X_zero, Y, V1, W2, 0.1),
        "float64": attempt(gradients, X64, Y64, A64, B64, 0.01),
        "under torch.no_grad()": attempt(without_grad),
        "inputs not modified": keeps_inputs(backward, X, Y, W1, W2, 0.05),
    }


concept("per_example_shape", "answer_per_example_shape", as_="shape", case="shape")


concept("train_memory", "answer_train_memory", as_="choice", question="train_memory")


@probe("memory")
def memory_cases(memory_floats):
    cases = {
        "one hidden layer": (64, 784, [256], 10),
        "three hidden layers": (32, 100, [50, 40, 30], 7),
        "no hidden layer": (8, 5, [], 3),
        "empty batch": (0, 20, [10, 10], 2),
        "layers of width 1": (1, 1, [1, 1, 1, 1], 1),
        "large network": (128, 3072, [1024, 512], 100),
    }
    results = {
        name: attempt(memory_floats, n, d, list(hidden), q)
        for name, (n, d, hidden, q) in cases.items()
    }
    results["ints"] = sorted(
        {type(v).__name__ for r in results.values() if isinstance(r, dict) for v in r.values()}
    )
    return results


def _backward_example(body: str) -> str:
    return "def backward(X, Y, W1, W2, lambd):\n" + body


_BY_AUTOGRAD = (
    "    W1 = W1.detach().clone().requires_grad_(True)\n"
    "    W2 = W2.detach().clone().requires_grad_(True)\n"
)

RULE_EXAMPLES = {
    "backward": {
        "breaks": {
            "enable_grad escapes no_grad, then backward()": _backward_example(
                "    with torch.enable_grad():\n"
                + _BY_AUTOGRAD.replace("    ", "        ")
                + "        objective(X, Y, W1, W2, lambd).backward()\n    return W1.grad, W2.grad"
            ),
            "set_grad_enabled with torch.autograd.grad": _backward_example(
                "    with torch.set_grad_enabled(True):\n"
                + _BY_AUTOGRAD.replace("    ", "        ")
                + "        return torch.autograd.grad(objective(X, Y, W1, W2, lambd), (W1, W2))"
            ),
            "torch.autograd.grad imported under another name": (
                "from torch.autograd import grad as gradients_of",
                _backward_example(
                    "    with torch.enable_grad():\n"
                    + _BY_AUTOGRAD.replace("    ", "        ")
                    + "        return gradients_of(objective(X, Y, W1, W2, lambd), (W1, W2))"
                ),
            ),
            "alias of torch.autograd in another cell": (
                "engine = torch.autograd",
                _backward_example(
                    "    with torch.enable_grad():\n"
                    + _BY_AUTOGRAD.replace("    ", "        ")
                    + "        return engine.grad(objective(X, Y, W1, W2, lambd), (W1, W2))"
                ),
            ),
            "helper in another cell": (
                "def autograd_of_objective(X, Y, W1, W2, lambd):\n    with torch.enable_grad():\n"
                + _BY_AUTOGRAD.replace("    ", "        ")
                + "        objective(X, Y, W1, W2, lambd).backward()\n    return W1.grad, W2.grad",
                _backward_example("    return autograd_of_objective(X, Y, W1, W2, lambd)"),
            ),
            "torch.func": _backward_example(
                "    return torch.func.grad(objective, argnums=(2, 3))(X, Y, W1, W2, lambd)"
            ),
            "name built at run time": _backward_example(
                "    with getattr(torch, 'enable' + '_grad')():\n"
                + _BY_AUTOGRAD.replace("    ", "        ")
                + "        J = objective(X, Y, W1, W2, lambd)\n"
                "        return getattr(torch, 'auto' + 'grad').grad(J, (W1, W2))"
            ),
            "backward kernel for ReLU": _backward_example(
                "    n = X.shape[0]\n    Z = X @ W1\n    H = torch.clamp(Z, min=0)\n"
                "    dO = (H @ W2 - Y) / n\n"
                "    dZ = torch.ops.aten.threshold_backward(dO @ W2.T, Z, 0.0)\n"
                "    return X.T @ dZ + lambd * W1, H.T @ dO + lambd * W2"
            ),
        },
        "keeps": {
            "torch.where and .mT": _backward_example(
                "    # chain rule by hand: no .backward(), no torch.autograd\n"
                "    Z = torch.matmul(X, W1)\n    H = torch.where(Z > 0, Z, torch.zeros_like(Z))\n"
                "    dO = (torch.matmul(H, W2) - Y) / X.shape[0]\n"
                "    dZ = torch.where(Z > 0, dO @ W2.mT, torch.zeros_like(Z))\n"
                "    return X.mT @ dZ + lambd * W1, H.mT @ dO + lambd * W2"
            ),
            "forward from Task 1": _backward_example(
                "    Z, H, O = forward(X, W1, W2)\n    dO = (O - Y) / len(X)\n"
                "    dZ = (dO @ W2.T) * (Z > 0)\n"
                "    return X.T @ dZ + lambd * W1, H.T @ dO + lambd * W2"
            ),
        },
    },
}
