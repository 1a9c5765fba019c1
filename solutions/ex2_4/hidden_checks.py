"""Hidden checks for exercises 2.4 (instructor only; never shipped to students).

The derivative's function comes from the probe wrapped in probekit.CallCounter, so a
loop over the entries (many calls) fails even when its values are right. The step study
is compared where floating-point results are reproducible (the steps, the errors where
truncation dominates, the fitted slopes) and only roughly where round-off makes the
errors noisy (the best steps, on a log scale); its figure must show the recorded errors.
"""

from d2lgrade import concept, evasions, probe, rules
from d2lgrade.evasions import BOUND
from d2lgrade.rules import NoAutograd

rules("derivative", NoAutograd(why="get the derivative from function values alone"))
rules("quadratic_gradient", NoAutograd())


@probe("derivative", rtol=1e-3, atol=1e-5)
def derivative_float32_cases(derivative):
    gen = torch.Generator().manual_seed(2401)
    grid = torch.linspace(-4.0, 4.0, 17)
    counted = CallCounter(torch.tanh)
    result = attempt(derivative, counted, grid)
    return {
        "tanh on a grid": result,
        "exp on a matrix": attempt(derivative, torch.exp, torch.randn(3, 4, generator=gen)),
        "large inputs": attempt(derivative, lambda t: t**2, torch.tensor([3e5, -2e6, 7e6])),
        "no elements": attempt(derivative, torch.sin, torch.zeros(0)),
        "integer input": attempt(derivative, torch.sin, torch.arange(4)),
        "boolean input": attempt(derivative, torch.sin, torch.tensor([True, False])),
        "f evaluated twice": counted.calls,
        "x left unchanged": keeps_inputs(derivative, torch.cos, grid),
    }


@probe("derivative", rtol=1e-7, atol=1e-9)
def derivative_float64_cases(derivative):
    gen = torch.Generator().manual_seed(2402)
    x = torch.randn(6, generator=gen, dtype=torch.float64)
    return {
        "float64 sin times x": attempt(derivative, lambda t: torch.sin(t) * t, x),
        "float64 large inputs": attempt(
            derivative, lambda t: torch.sqrt(t), torch.tensor([1e9, 4e12], dtype=torch.float64)
        ),
        "float64 shape (0, 3)": attempt(derivative, torch.exp, torch.zeros(0, 3).double()),
    }


concept("step_choice", "answer_step_choice", as_="choice", question="step_choice")


@probe("step_study", rtol=1e-6, atol=0.0)
def step_study_records(step_study_results):
    def truncation_range(key):
        steps = [float(h) for h in step_study_results["steps"]]
        errors = [float(e) for e in step_study_results[key]]
        # where the truncation error dominates, rounding changes no leading digit
        return [e for h, e in zip(steps, errors) if h >= 1e-4 * (1 - 1e-9)]

    return {
        "steps": attempt(lambda: [float(h) for h in step_study_results["steps"]]),
        "forward errors for steps from 1e-4": attempt(truncation_range, "forward_error"),
        "central errors for steps from 1e-4": attempt(truncation_range, "central_error"),
    }


@probe("step_study", rtol=0.0, atol=2e-3)
def step_study_slopes(step_study_results):
    return {
        "forward slope": attempt(lambda: float(step_study_results["forward_slope"])),
        "central slope": attempt(lambda: float(step_study_results["central_slope"])),
    }


@probe("step_study", rtol=0.0, atol=0.51)
def step_study_best_steps(step_study_results):
    import math

    # round-off decides the exact minimum: compare log10 of the best step within two
    # grid points (a quarter of a decade apart)
    def log10_of(key):
        return math.log10(float(step_study_results[key]))

    return {
        "best forward step (log10)": attempt(log10_of, "best_forward_step"),
        "best central step (log10)": attempt(log10_of, "best_central_step"),
    }


@probe("step_study")
def step_study_plot(step_study_figure, step_study_results):
    def shows_the_records():
        lines = step_study_figure.get_axes()[0].get_lines()
        steps = np.asarray(step_study_results["steps"], dtype=float)
        recorded = [step_study_results["forward_error"], step_study_results["central_error"]]
        return len(lines) == 2 and all(
            np.allclose(np.asarray(line.get_xdata(), dtype=float), steps)
            and np.allclose(np.asarray(line.get_ydata(), dtype=float), np.asarray(errors))
            for line, errors in zip(lines, recorded)
        )

    def scales():
        return [[ax.get_xscale(), ax.get_yscale()] for ax in step_study_figure.get_axes()]

    def styles_differ():
        lines = step_study_figure.get_axes()[0].get_lines()
        looks = {(line.get_linestyle(), line.get_marker()) for line in lines}
        return len(looks) == len(lines)

    return {
        "figure": figure_summary(step_study_figure),
        "axis scales": attempt(scales),
        "lines show the recorded errors, forward then central": attempt(shows_the_records),
        "lines told apart without colour": attempt(styles_differ),
    }


@probe("quadratic_gradient", rtol=1e-12, atol=1e-12)
def quadratic_gradient_cases(quadratic_form_gradient):
    gen = torch.Generator().manual_seed(2404)
    A64 = torch.randn(5, 5, generator=gen, dtype=torch.float64)
    S = A64 + A64.T
    X64 = torch.randn(6, 5, generator=gen, dtype=torch.float64)
    return {
        "float64 batch": attempt(quadratic_form_gradient, A64, X64),
        "symmetric matrix": attempt(quadratic_form_gradient, S, X64[0]),
        "1 x 1 matrix": attempt(
            quadratic_form_gradient,
            torch.tensor([[2.5]], dtype=torch.float64),
            torch.tensor([[1.0], [-3.0]], dtype=torch.float64),
        ),
        "batch of no points": attempt(quadratic_form_gradient, A64, torch.zeros(0, 5).double()),
        "inputs left unchanged": keeps_inputs(quadratic_form_gradient, A64, X64),
    }


@probe("quadratic_gradient", rtol=1e-5, atol=1e-6)
def quadratic_gradient_float32_cases(quadratic_form_gradient):
    gen = torch.Generator().manual_seed(2405)
    A = torch.randn(4, 4, generator=gen)
    return {
        "float32, not symmetric, one point": attempt(
            quadratic_form_gradient, A, torch.randn(4, generator=gen)
        ),
        "float32 batch": attempt(quadratic_form_gradient, A, torch.randn(3, 4, generator=gen)),
        "matrix not square": attempt(quadratic_form_gradient, torch.ones(3, 4), torch.ones(4)),
        "point of the wrong length": attempt(quadratic_form_gradient, A, torch.ones(5)),
        "three axes": attempt(quadratic_form_gradient, A, torch.ones(2, 3, 4)),
    }


@probe("jacobian_shapes")
def jacobian_shapes_cases(answer_jacobian_shapes):
    def shape(i):
        return [int(n) for n in answer_jacobian_shapes[i]]

    questions = [
        "Jacobian of h",
        "Jacobian of g after h",
        "Jacobian with respect to W",
        "gradient with respect to W",
    ]
    return {question: attempt(shape, i) for i, question in enumerate(questions)}


@probe("chain_jacobian", rtol=1e-6, atol=1e-8)
def chain_jacobian_cases(composite_jacobian):
    gen = torch.Generator().manual_seed(2406)

    def tanh_layer(W):
        return (lambda x: torch.tanh(W @ x), lambda x: (1 - torch.tanh(W @ x) ** 2)[:, None] * W)

    def sine_mix(M):
        # g(u) = M sin(u), so its Jacobian M diag(cos u) changes with the point
        return lambda u: M * torch.cos(u)[None, :]

    W43 = torch.randn(3, 4, generator=gen, dtype=torch.float64)
    W33 = torch.randn(3, 3, generator=gen, dtype=torch.float64)
    W31 = torch.randn(3, 1, generator=gen, dtype=torch.float64)
    M23 = torch.randn(2, 3, generator=gen, dtype=torch.float64)
    M33 = torch.randn(3, 3, generator=gen, dtype=torch.float64)
    M13 = torch.randn(1, 3, generator=gen, dtype=torch.float64)
    x4 = torch.randn(4, generator=gen, dtype=torch.float64)
    x3 = torch.randn(3, generator=gen, dtype=torch.float64)
    x1 = torch.randn(1, generator=gen, dtype=torch.float64)
    return {
        "R^4 -> R^3 -> R^2": attempt(composite_jacobian, sine_mix(M23), *tanh_layer(W43), x4),
        "square chain R^3 -> R^3 -> R^3": attempt(
            composite_jacobian, sine_mix(M33), *tanh_layer(W33), x3
        ),
        "scalar outer function": attempt(composite_jacobian, sine_mix(M13), *tanh_layer(W33), x3),
        "one input": attempt(composite_jacobian, sine_mix(M23), *tanh_layer(W31), x1),
        "float32": attempt(
            composite_jacobian, sine_mix(M23.float()), *tanh_layer(W43.float()), x4.float()
        ),
        "x left unchanged": keeps_inputs(composite_jacobian, sine_mix(M23), *tanh_layer(W43), x4),
    }


_DERIVATIVE_HEAD = (
    "def derivative(f, x):\n"
    "    if not torch.is_floating_point(x):\n"
    "        raise TypeError('convert x to a floating-point dtype first')"
)
_QUADRATIC_HEAD = (
    "def quadratic_form_gradient(A, X):\n"
    "    if A.dim() != 2 or A.shape[0] != A.shape[1] or X.dim() not in (1, 2) "
    "or X.shape[-1] != A.shape[0]:\n"
    "        raise ValueError(f'shapes {tuple(A.shape)} and {tuple(X.shape)}')"
)


def _example_from(head: str, *body: str) -> str:
    """An answer cell: ``head`` (the definition and its input checks), then ``body``."""
    return head + "".join(f"\n    {line}" for line in body)


RULE_EXAMPLES = {
    "derivative": {
        "breaks": {
            "backward() on the sum": _example_from(
                _DERIVATIVE_HEAD,
                "z = x.detach().clone().requires_grad_()",
                "f(z).sum().backward()",
                "return z.grad",
            ),
            **evasions(
                "torch.func.grad",
                _example_from(
                    _DERIVATIVE_HEAD,
                    "slope = {name}(lambda t: f(t.reshape(1)).sum())",
                    "return torch.func.vmap(slope)(x.reshape(-1)).reshape(x.shape)",
                ),
            ),
        },
        "keeps": {
            "step from a helper in another cell": (
                "def scaled_step(x):\n"
                "    # no autograd: the step of the central difference\n"
                "    return torch.finfo(x.dtype).eps ** (1 / 3) * torch.maximum(torch.ones_like(x), x.abs())",
                "def derivative(f, x):\n"
                "    if x.is_complex() or not x.is_floating_point():\n"
                "        raise TypeError(f'got {x.dtype}: convert x to a floating-point dtype first')\n"
                "    h = scaled_step(x)\n"
                "    return (f(x + h) - f(x - h)) / (h + h)",
            ),
            "the step in a variable, two evaluations": _example_from(
                _DERIVATIVE_HEAD,
                "h = torch.finfo(x.dtype).eps ** (1 / 3) * x.abs().clamp(min=1)",
                "ahead, behind = f(x + h), f(x - h)",
                "return (ahead - behind) / (2 * h)",
            ),
        },
    },
    "quadratic_gradient": {
        "breaks": {
            # the task's own alias example (torch.func.jacrev) stands for that route
            **evasions(
                "torch.autograd.grad",
                _example_from(
                    _QUADRATIC_HEAD,
                    "Z = X.detach().clone().requires_grad_()",
                    "(G,) = {name}(((Z @ A) * Z).sum(), Z)",
                    "return G",
                ),
                skip=(BOUND,),
            ),
            "jacrev bound in another cell": (
                "from torch.func import jacrev\nrows = jacrev",
                _example_from(_QUADRATIC_HEAD, "return rows(lambda Z: ((Z @ A) * Z).sum())(X)"),
            ),
            # forward mode runs no backward pass: one dual number per direction
            "forward-mode duals by names built at run time": _example_from(
                _QUADRATIC_HEAD,
                "dual = getattr(getattr(torch, 'auto' + 'grad'), 'forward' + '_ad')",
                "rows = X.reshape(-1, A.shape[0])",
                "slopes = []",
                "with dual.dual_level():",
                "    for i in range(A.shape[0]):",
                "        Z = dual.make_dual(rows, torch.zeros_like(rows).index_fill(1, torch.tensor([i]), 1))",
                "        slopes.append(dual.unpack_dual(((Z @ A) * Z).sum(-1)).tangent)",
                "return torch.stack(slopes, -1).reshape(X.shape) if slopes else torch.zeros_like(X)",
            ),
        },
        "keeps": {
            "einsum with both terms": _example_from(
                _QUADRATIC_HEAD,
                "# no autograd: the gradient A x + A^T x, by hand",
                "return torch.einsum('ij,...j->...i', A, X) + torch.einsum('ji,...j->...i', A, X)",
            ),
        },
    },
}
