"""Hidden checks for exercises 5.3 (instructor only; never shipped to students)."""

from d2lgrade import concept, evasions, probe, rules
from d2lgrade.evasions import HELPER
from d2lgrade.rules import BACKWARD_KERNELS, Forbid, NoAutograd

rules("backward", NoAutograd(), Forbid(*BACKWARD_KERNELS, why="the kernels do the chain rule"))


@probe("forward")
def forward_cases(forward):
    gen = torch.Generator().manual_seed(5301)
    X, W1, W2 = (torch.randn(*s, generator=gen) for s in ((7, 5), (5, 4), (4, 3)))
    single = [torch.randn(*s, generator=gen, dtype=torch.float64) for s in ((1, 2), (2, 6), (6, 1))]
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
    X, Y = torch.randn(9, 4, generator=gen), torch.randn(9, 3, generator=gen)
    W1, W2 = torch.randn(4, 6, generator=gen), torch.randn(6, 3, generator=gen)

    def gradient():
        leaves = [W.clone().requires_grad_(True) for W in (W1, W2)]
        objective(X, Y, *leaves, 0.3).backward()
        return [W.grad for W in leaves]

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
    X, Y = torch.randn(10, 6, generator=gen), torch.randn(10, 3, generator=gen)
    W1, W2 = torch.randn(6, 8, generator=gen), torch.randn(8, 3, generator=gen)
    # a zero input row and a zero column of W1 give entries of Z that are exactly 0
    X_zero = X.clone()
    X_zero[2] = 0.0
    V1 = W1.clone()
    V1[:, 1] = 0.0
    float64 = [
        torch.randn(*s, generator=gen, dtype=torch.float64)
        for s in ((20, 7), (20, 5), (7, 9), (9, 5))
    ]

    def gradients(*args, grad_enabled=True):
        with torch.set_grad_enabled(grad_enabled):
            return list(backward(*args))

    return {
        "random inputs": attempt(gradients, X, Y, W1, W2, 0.05),
        "no weight decay": attempt(gradients, X, Y, W1, W2, 0.0),
        "batch of one": attempt(gradients, X[:1], Y[:1], W1, W2, 0.5),
        "zero pre-activations": attempt(gradients, X_zero, Y, V1, W2, 0.1),
        "float64": attempt(gradients, *float64, 0.01),
        "under torch.no_grad()": attempt(gradients, X, Y, W1, W2, 0.05, grad_enabled=False),
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


# Leaves to differentiate, made in a block that turns gradients back on.
_LEAVES = (
    "        W1 = W1.detach().clone().requires_grad_(True)\n"
    "        W2 = W2.detach().clone().requires_grad_(True)\n"
)
_BY_BACKWARD = (
    _LEAVES + "        objective(X, Y, W1, W2, lambd).backward()\n    return W1.grad, W2.grad"
)


def _autograd_example(grad: str) -> str:
    """An answer that asks ``grad`` (torch.autograd.grad, reached somehow) for the gradients."""
    return _backward_example(
        "    with torch.set_grad_enabled(True):\n"
        + _LEAVES
        + f"        return {grad}(objective(X, Y, W1, W2, lambd), (W1, W2))"
    )


RULE_EXAMPLES = {
    "backward": {
        "breaks": {
            "enable_grad escapes no_grad, then backward()": _backward_example(
                "    with torch.enable_grad():\n" + _BY_BACKWARD
            ),
            # the helper below, which calls backward(), is this task's own helper route
            **evasions(
                "torch.autograd.grad",
                _autograd_example("{name}"),
                skip=(HELPER,),
            ),
            "alias of torch.autograd in another cell": (
                "engine = torch.autograd",
                _autograd_example("engine.grad"),
            ),
            "helper in another cell": (
                "def autograd_of_objective(X, Y, W1, W2, lambd):\n    with torch.enable_grad():\n"
                + _BY_BACKWARD,
                _backward_example("    return autograd_of_objective(X, Y, W1, W2, lambd)"),
            ),
            "torch.func": _backward_example(
                "    return torch.func.grad(objective, argnums=(2, 3))(X, Y, W1, W2, lambd)"
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
