"""Hidden checks for exercises 3.1 (instructor only; never shipped to students)."""

from d2lgrade import concept, evasions, out_of_sight, probe, rules
from d2lgrade.evasions import HELPER
from d2lgrade.rules import MATRIX_INVERSE, Forbid, NoAutograd, StayInTorch

# Task 3 asks for the normal equations, solved with torch.linalg.solve (or Cholesky):
# rules.INVERSE also lists those solvers, so the forbidden names are spelled out here.
rules(
    "closed_form",
    Forbid(
        *MATRIX_INVERSE,
        "torch.linalg.lstsq",
        "numpy.linalg.lstsq",
        "scipy.linalg.lstsq",
        why="solve the normal equations instead of inverting or calling a least-squares solver",
    ),
    StayInTorch(),
)
rules("sgd_step", NoAutograd())


@probe("squared_loss")
def squared_loss_cases(squared_loss):
    gen = torch.Generator().manual_seed(311)
    y_hat = torch.randn(7, generator=gen)
    y_col = torch.randn(7, 1, generator=gen)
    y_hat_col = torch.randn(5, 1, generator=gen)
    y_flat = torch.randn(5, generator=gen)
    return {
        "labels as a column": attempt(squared_loss, y_hat, y_col),
        "predictions as a column": attempt(squared_loss, y_hat_col, y_flat),
        "same shapes": attempt(squared_loss, y_hat, y_col.reshape(-1)),
        "batch of one": attempt(squared_loss, torch.tensor([3.0]), torch.tensor([[-1.0]])),
        "large residuals": attempt(squared_loss, 1000.0 * y_hat, torch.zeros(7)),
        "float64": attempt(squared_loss, y_hat.double(), y_col.double()),
        "inputs not modified": keeps_inputs(squared_loss, y_hat, y_col),
    }


concept("constant_shift", "answer_constant_shift", rtol=0.0, atol=1e-3)


@probe("closed_form", rtol=1e-3, atol=1e-4)
def closed_form_cases(fit_closed_form):
    gen = torch.Generator().manual_seed(312)
    X = torch.randn(40, 4, generator=gen)
    y = X @ torch.tensor([0.5, -1.5, 2.0, 0.0]) + 3.0 + 0.2 * torch.randn(40, generator=gen)
    x_line = torch.linspace(-2, 2, 15).reshape(-1, 1)
    y_line = -0.7 * x_line.reshape(-1) + 0.25 + 0.1 * torch.randn(15, generator=gen)
    X_big = torch.randn(500, 6, generator=gen) * torch.tensor([1.0, 3.0, 0.5, 2.0, 1.0, 0.2])
    y_big = X_big @ torch.randn(6, generator=gen) - 1.0 + 0.05 * torch.randn(500, generator=gen)

    def fitted(X, y):
        w, b = fit_closed_form(X, y)
        return [w, b]

    def kinds(X, y):
        w, b = fit_closed_form(X, y)
        return [type(w).__name__, list(w.shape), type(b).__name__]

    return {
        "noisy data, four features": attempt(fitted, X, y),
        "two points on a line": attempt(
            fitted, torch.tensor([[1.0], [3.0]]), torch.tensor([2.0, -2.0])
        ),
        "one noisy feature": attempt(fitted, x_line, y_line),
        "500 examples, features of different scales": attempt(fitted, X_big, y_big),
        "types and shapes returned": attempt(kinds, X, y),
        "inputs not modified": keeps_inputs(fit_closed_form, X, y),
    }


@probe("sgd_step", rtol=1e-4, atol=1e-6)
def sgd_step_cases(sgd_step):
    gen = torch.Generator().manual_seed(313)
    w = torch.randn(3, generator=gen)
    X = torch.randn(6, 3, generator=gen)
    y = torch.randn(6, generator=gen)

    def stepped(*args):
        w_new, b_new = sgd_step(*args)
        return [w_new, b_new]

    def two_steps(w, b, X, y, lr):
        w1, b1 = sgd_step(w, b, X, y, lr)
        w2, b2 = sgd_step(w1, b1, X[:4], y[:4], lr)
        return [w2, b2]

    def kinds(*args):
        w_new, b_new = sgd_step(*args)
        return [type(w_new).__name__, list(w_new.shape), type(b_new).__name__]

    return {
        "random minibatch": attempt(stepped, w, -0.4, X, y, 0.05),
        "a single example": attempt(stepped, w, 0.3, X[:1], y[:1], 0.5),
        "one feature": attempt(
            stepped,
            torch.zeros(1),
            2.0,
            torch.tensor([[2.0], [4.0]]),
            torch.tensor([1.0, 1.0]),
            0.25,
        ),
        "two steps in a row": attempt(two_steps, w, 0.0, X, y, 0.1),
        "learning rate 0": attempt(stepped, w, 1.5, X, y, 0.0),
        "types and shapes returned": attempt(kinds, w, -0.4, X, y, 0.05),
        "inputs not modified": keeps_inputs(sgd_step, w, -0.4, X, y, 0.05),
    }


@probe("gaussian_nll", rtol=1e-4, atol=1e-5)
def gaussian_nll_cases(gaussian_nll):
    gen = torch.Generator().manual_seed(314)
    y = torch.randn(10, generator=gen)
    y_hat = y + 0.3 * torch.randn(10, generator=gen)
    return {
        "residuals near sigma": attempt(gaussian_nll, y, y_hat, 0.3),
        "large sigma": attempt(gaussian_nll, y, y_hat, 2.0),
        "residuals of 1000 sigma": attempt(
            gaussian_nll, torch.tensor([0.0, 1.0]), torch.tensor([0.01, -9.0]), 0.01
        ),
        "perfect prediction": attempt(gaussian_nll, torch.tensor([5.0]), torch.tensor([5.0]), 0.1),
        "inputs not modified": keeps_inputs(gaussian_nll, y, y_hat, 0.3),
    }


concept("mle_sigma", "answer_mle_sigma", as_="choice", question="mle_sigma_question")


def _fit(*body: str) -> str:
    """A closed-form answer: ``body`` computes ``theta`` from ``X1``, ``X`` with a column of ones."""
    return (
        "def fit_closed_form(X, y):\n"
        "    X1 = torch.cat([X, torch.ones(len(X), 1)], dim=1)\n"
        + "".join(f"    {line}\n" for line in body)
        + "    return theta[:-1], float(theta[-1])"
    )


def _autograd_step(grads: str) -> str:
    """An SGD step whose ``grads`` line sets ``gw, gb`` from ``loss`` by autograd."""
    return (
        "def sgd_step(w, b, X, y, lr):\n"
        "    w_, b_ = w.clone().requires_grad_(), torch.tensor(b, requires_grad=True)\n"
        "    loss = 0.5 * ((X @ w_ + b_ - y) ** 2).mean()\n"
        f"    {grads}\n"
        "    return (w - lr * gw).detach(), float(b - lr * gb)"
    )


# The hand-written helper of each task reaches another forbidden name (torch.inverse,
# backward()), so the generated helper route would add a run and no new route.

RULE_EXAMPLES = {
    "closed_form": {
        "breaks": {
            "a power of -1 is the inverse": (
                "def fit_closed_form(X, y):\n"
                "    X1 = torch.cat([X, torch.ones(X.shape[0], 1, dtype=X.dtype)], dim=1)\n"
                "    theta = (X1.T @ X1).matrix_power(-1) @ X1.T @ y\n"
                "    return theta[:-1], float(theta[-1])"
            ),
            **evasions(
                "torch.linalg.inv", _fit("theta = {name}(X1.T @ X1) @ X1.T @ y"), skip=(HELPER,)
            ),
            **out_of_sight("torch.linalg.inv", _fit("theta = {name}(X1.T @ X1) @ X1.T @ y")),
            # Another installed library inverts the matrix under names no list holds.
            "sympy's inverse": (
                "import sympy\n"
                + _fit(
                    "G = sympy.Matrix((X1.T @ X1).double().tolist()).inv()",
                    "G = torch.tensor(sympy.matrix2numpy(G, dtype=float))",
                    "theta = (G @ (X1.T @ y).double()).float()",
                )
            ),
            "sympy reached through torch at run time": (
                "import torch.utils._sympy.functions as helpers\n"
                + _fit(
                    "sp = getattr(helpers, 'sym' + 'py')",
                    "G = getattr(sp, 'Mat' + 'rix')((X1.T @ X1).double().tolist()).inv()",
                    "G = torch.tensor(getattr(sp, 'matrix2' + 'numpy')(G, dtype=float))",
                    "theta = (G @ (X1.T @ y).double()).float()",
                )
            ),
            "torch.inverse": _fit("theta = torch.inverse(X1.T @ X1) @ X1.T @ y"),
            "method .inverse()": _fit("theta = (X1.T @ X1).inverse() @ (X1.T @ y)"),
            "torch.linalg.pinv": _fit("theta = torch.linalg.pinv(X1) @ y"),
            "torch.linalg.lstsq": _fit(
                "theta = torch.linalg.lstsq(X1, y.reshape(-1, 1)).solution.reshape(-1)"
            ),
            "numpy inverse": "import numpy as np\n"
            + _fit(
                "inverse = torch.from_numpy(np.linalg.inv((X1.T @ X1).numpy()))",
                "theta = inverse @ X1.T @ y",
            ),
            "NumPy's inverse kernel reached by names built at run time": "import numpy as np\n"
            + _fit(
                "kernels = getattr(np.linalg, '_umath' + '_linalg')",
                "inverse = torch.from_numpy(getattr(kernels, 'in' + 'v')(np.asarray(X1.T @ X1)))",
                "theta = inverse @ X1.T @ y",
            ),
            "helper in another cell": (
                "def normal_matrix_inverse(X1):\n    return torch.inverse(X1.T @ X1)",
                _fit("theta = normal_matrix_inverse(X1) @ X1.T @ y"),
            ),
        },
        "keeps": {
            "torch.linalg.solve, a comment naming torch.linalg.inv": _fit(
                "# solving beats torch.linalg.inv(X1.T @ X1)",
                "theta = torch.linalg.solve(X1.T @ X1, X1.T @ y)",
            ),
            "Cholesky factorization": _fit(
                "L = torch.linalg.cholesky(X1.T @ X1)",
                "theta = torch.cholesky_solve((X1.T @ y).unsqueeze(1), L).squeeze(1)",
            ),
            "helper in another cell": (
                "def normal_equations(X1, y):\n    return X1.T @ X1, X1.T @ y",
                _fit("theta = torch.linalg.solve(*normal_equations(X1, y))"),
            ),
        },
    },
    "sgd_step": {
        "breaks": {
            "backward()": _autograd_step("loss.backward(); gw, gb = w_.grad, b_.grad"),
            **evasions(
                "torch.autograd.grad",
                _autograd_step("gw, gb = {name}(loss, [w_, b_])"),
                skip=(HELPER,),
            ),
            "torch.func": (
                "def sgd_step(w, b, X, y, lr):\n"
                "    f = lambda w, b: 0.5 * ((X @ w + b - y) ** 2).mean()\n"
                "    gw, gb = torch.func.grad(f, argnums=(0, 1))(w, torch.tensor(b))\n"
                "    return w - lr * gw, float(b - lr * gb)"
            ),
            "helper in another cell": (
                "def gradients(loss, params):\n"
                "    loss.backward()\n"
                "    return [p.grad for p in params]",
                _autograd_step("gw, gb = gradients(loss, [w_, b_])"),
            ),
            "backward reached by getattr": _autograd_step(
                'getattr(loss, "back" + "ward")(); gw, gb = w_.grad, b_.grad'
            ),
        },
        "keeps": {
            "by hand, a comment naming backward()": (
                "# no loss.backward() here\n"
                "def sgd_step(w, b, X, y, lr):\n"
                "    err = X @ w + b - y\n"
                "    return w - lr * X.T @ err / len(y), b - lr * float(err.mean())"
            ),
            "per-example sum": (
                "def sgd_step(w, b, X, y, lr):\n"
                "    gw, gb = torch.zeros_like(w), 0.0\n"
                "    for x_i, y_i in zip(X, y):\n"
                "        e = float(x_i @ w + b - y_i)\n"
                "        gw, gb = gw + e * x_i, gb + e\n"
                "    return w - lr * gw / len(y), float(b - lr * gb / len(y))"
            ),
        },
    },
}
