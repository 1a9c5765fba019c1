"""Hidden checks for exercises 2.6 (instructor only; never shipped to students).

Every random input comes from a generator seeded here, so the reference and the student
see the same numbers. The Monte-Carlo task hands over its generator: an answer that draws
as the statement says reproduces the reference's estimate exactly, and one that integrates
numerically or draws from another source does not (and breaks a rule besides).
"""

from d2lgrade import concept, evasions, experiment, probe, rules
from d2lgrade.rules import Forbid, MustCall, NoLoops

QUADRATURE = (
    "torch.trapezoid",
    "torch.trapz",
    "torch.cumulative_trapezoid",
    "numpy.trapezoid",
    "numpy.trapz",
    "scipy.integrate.*",
)

rules(
    "monte_carlo",
    MustCall("torch.randn", what="draw the samples yourself with torch.randn"),
    Forbid(*QUADRATURE, why="estimate from random draws, not by numerical integration"),
)
rules("accuracy_interval", NoLoops(why="work on whole tensors of counts"))


@probe("posterior", rtol=1e-4, atol=1e-6)
def posterior_cases(posterior):
    gen = torch.Generator().manual_seed(2601)
    prior4 = torch.softmax(torch.randn(4, generator=gen), dim=0)
    likelihoods4 = torch.rand(6, 4, generator=gen)
    prior64 = torch.tensor([0.2, 0.5, 0.3], dtype=torch.float64)
    many = 0.005 + 0.01 * torch.rand(500, 3, generator=gen, dtype=torch.float64)
    return {
        "a disease test, one positive result": attempt(
            posterior, torch.tensor([0.99, 0.01]), torch.tensor([[0.05, 0.9]])
        ),
        "four classes, six observations": attempt(posterior, prior4, likelihoods4),
        "float64": attempt(
            posterior, prior64, torch.rand(2, 3, generator=gen, dtype=torch.float64)
        ),
        "500 observations (underflow)": attempt(posterior, prior64, many),
        "no observations": attempt(posterior, prior4, torch.zeros(0, 4)),
        "one class": attempt(posterior, torch.ones(1), torch.rand(3, 1, generator=gen)),
        "a class with prior zero": attempt(
            posterior, torch.tensor([0.0, 0.6, 0.4]), torch.tensor([[0.9, 0.1, 0.3]])
        ),
        "an observation impossible for one class": attempt(
            posterior, torch.tensor([0.5, 0.5]), torch.tensor([[0.0, 0.2], [0.7, 0.1]])
        ),
        "impossible under every class": attempt(
            posterior, torch.tensor([0.5, 0.5]), torch.tensor([[0.0, 0.3], [0.4, 0.0]])
        ),
        "likelihoods of the wrong width": attempt(posterior, prior4, torch.rand(2, 3)),
        "likelihoods not two-dimensional": attempt(posterior, prior4, torch.rand(4)),
        "inputs left unchanged": keeps_inputs(posterior, prior4, likelihoods4),
    }


concept(
    "variance_combination",
    "answer_variance_combination",
    case="Var[3X - 2Y + 5]",
    rtol=1e-9,
    atol=1e-9,
)


@probe("monte_carlo", rtol=1e-9, atol=1e-12)
def monte_carlo_cases(monte_carlo_expectation):
    def seeded(seed):
        return torch.Generator().manual_seed(seed)

    functions = {
        "E[Z^4]": lambda z: z**4,
        "E[exp(Z)]": torch.exp,
        "P(Z > 1.5)": lambda z: (z > 1.5).double(),
        "E[|Z| cos Z]": lambda z: z.abs() * torch.cos(z),
    }
    results = {
        name: attempt(monte_carlo_expectation, f, 20_000, seeded(2600 + i))
        for i, (name, f) in enumerate(functions.items())
    }
    results["two draws"] = attempt(monte_carlo_expectation, lambda z: z, 2, seeded(7))
    estimates = [attempt(monte_carlo_expectation, torch.sin, 500, seeded(s)) for s in (8, 9)]
    results["different seeds, different estimates"] = (
        isinstance(estimates[0], tuple) and estimates[0] != estimates[1]
    )
    for bad in (1, 0, -5, 100.0):
        results[f"num_samples={bad!r}"] = attempt(
            monte_carlo_expectation, torch.exp, bad, seeded(1)
        )
    return results


@probe("accuracy_interval", rtol=1e-6, atol=1e-9)
def accuracy_interval_cases(accuracy_interval):
    gen = torch.Generator().manual_seed(2604)
    totals = torch.randint(1, 5000, (3, 4), generator=gen)
    correct = (totals * torch.rand(3, 4, generator=gen)).long()
    return {
        "a 3 x 4 grid of counts": attempt(accuracy_interval, correct, totals),
        "z = 2.576": attempt(accuracy_interval, correct, totals, z=2.576),
        "counts of shape ()": attempt(
            accuracy_interval, torch.tensor(6978 * 4 // 5), torch.tensor(6978)
        ),
        "all right and none right": attempt(
            accuracy_interval, torch.tensor([7, 0]), torch.tensor([7, 12])
        ),
        "one image": attempt(accuracy_interval, torch.tensor([1, 0]), torch.tensor([1, 1])),
        "int32 counts": attempt(
            accuracy_interval,
            torch.tensor([40], dtype=torch.int32),
            torch.tensor([50], dtype=torch.int32),
        ),
        "an interval reaching below 0": attempt(
            accuracy_interval, torch.tensor([1]), torch.tensor([30])
        ),
        "no elements": attempt(
            accuracy_interval, torch.zeros(0, dtype=torch.long), torch.zeros(0, dtype=torch.long)
        ),
        "float counts": attempt(accuracy_interval, torch.tensor([4.0]), torch.tensor([5.0])),
        "shapes differ": attempt(accuracy_interval, torch.tensor([1, 2]), torch.tensor([5, 5, 5])),
        "num_total = 0": attempt(accuracy_interval, torch.tensor([0, 1]), torch.tensor([0, 3])),
        "num_correct > num_total": attempt(accuracy_interval, torch.tensor([4]), torch.tensor([3])),
        "num_correct < 0": attempt(accuracy_interval, torch.tensor([-1]), torch.tensor([3])),
        "inputs left unchanged": keeps_inputs(accuracy_interval, correct, totals),
    }


concept("clt", "answer_clt", as_="choice", question="clt_question")


@probe("standard_error", rtol=1e-5, atol=1e-8)
def standard_error_cases(standard_error):
    gen = torch.Generator().manual_seed(2606)
    block = torch.randn(3, 4, 7, generator=gen)
    return {
        "a vector": attempt(standard_error, torch.randn(9, generator=gen)),
        "rows of a matrix": attempt(standard_error, 3.0 + torch.randn(5, 12, generator=gen)),
        "three axes": attempt(standard_error, block),
        "float64": attempt(standard_error, torch.randn(2, 6, generator=gen, dtype=torch.float64)),
        "two values per row": attempt(standard_error, torch.tensor([[0.0, 2.0], [1.0, -1.0]])),
        "a constant row": attempt(standard_error, torch.full((1, 4), 2.5)),
        "one value per row": attempt(standard_error, torch.ones(3, 1)),
        "no axes": attempt(standard_error, torch.tensor(1.0)),
        "input left unchanged": keeps_inputs(standard_error, block),
    }


experiment(
    "coverage",
    "coverage_results",
    {f"coverage, n = {n}": n for n in (10, 30, 100, 300, 1000)},
    figure="coverage_figure",
    rtol=0.0,
    atol=0.02,
)


@probe("coverage")
def coverage_x_scale(coverage_figure):
    return {
        "figure: logarithmic x axis": attempt(
            lambda: [ax.get_xscale() for ax in coverage_figure.get_axes()]
        )
    }


RULE_EXAMPLES = {
    "monte_carlo": {
        "breaks": {
            "draws from NumPy instead of torch.randn": (
                "import numpy as np\n"
                "def monte_carlo_expectation(f, num_samples, generator):\n"
                "    if not isinstance(num_samples, int) or num_samples < 2:\n"
                "        raise ValueError('num_samples must be an int of at least 2')\n"
                "    seed = int(torch.randint(0, 2**31, (1,), generator=generator))\n"
                "    draws = torch.from_numpy(np.random.default_rng(seed).standard_normal(num_samples))\n"
                "    values = f(draws)\n"
                "    return float(values.mean()), float(values.std() / num_samples ** 0.5)"
            ),
            **evasions(
                "torch.trapezoid",
                "def monte_carlo_expectation(f, num_samples, generator):\n"
                "    if not isinstance(num_samples, int) or num_samples < 2:\n"
                "        raise ValueError('num_samples must be an int of at least 2')\n"
                "    draws = torch.randn(num_samples, generator=generator, dtype=torch.float64)\n"
                "    grid = torch.linspace(-10, 10, 20001, dtype=torch.float64)\n"
                "    density = torch.exp(-grid ** 2 / 2) / math.sqrt(2 * math.pi)\n"
                "    exact = {name}(f(grid) * density, grid)\n"
                "    return float(exact), float(f(draws).std() / num_samples ** 0.5)",
            ),
        },
        "keeps": {
            "torch.std_mean on the draws": (
                "def monte_carlo_expectation(f, num_samples, generator):\n"
                "    if type(num_samples) is not int or num_samples < 2:\n"
                "        raise ValueError(f'need an int num_samples >= 2, got {num_samples!r}')\n"
                "    z = torch.randn(num_samples, generator=generator, dtype=torch.float64)\n"
                "    spread, mean = torch.std_mean(f(z))\n"
                "    return mean.item(), (spread / math.sqrt(num_samples)).item()"
            ),
        },
    },
    "accuracy_interval": {
        "breaks": {
            "a loop over the entries": (
                "def accuracy_interval(num_correct, num_total, z=1.96):\n"
                "    if num_correct.is_floating_point() or num_total.is_floating_point():\n"
                "        raise ValueError('counts must be integers')\n"
                "    if num_correct.shape != num_total.shape:\n"
                "        raise ValueError('shapes differ')\n"
                "    p, lo, hi = [torch.zeros(num_total.shape, dtype=torch.float64) for _ in range(3)]\n"
                "    for i in range(num_total.numel()):\n"
                "        k, n = int(num_correct.reshape(-1)[i]), int(num_total.reshape(-1)[i])\n"
                "        if n < 1 or not 0 <= k <= n:\n"
                "            raise ValueError('bad counts')\n"
                "        r = k / n\n"
                "        w = z * math.sqrt(r * (1 - r) / n)\n"
                "        p.view(-1)[i], lo.view(-1)[i], hi.view(-1)[i] = r, max(0.0, r - w), min(1.0, r + w)\n"
                "    return p, lo, hi"
            ),
        },
        "keeps": {
            "torch.where instead of clamp": (
                "def accuracy_interval(num_correct, num_total, z=1.96):\n"
                "    if torch.is_floating_point(num_correct) or torch.is_floating_point(num_total):\n"
                "        raise ValueError('num_correct and num_total must hold integer counts')\n"
                "    if num_correct.shape != num_total.shape:\n"
                "        raise ValueError('num_correct and num_total must have the same shape')\n"
                "    if bool((num_total <= 0).any()) or bool((num_correct < 0).any()) or bool((num_correct > num_total).any()):\n"
                "        raise ValueError('need 1 <= num_total and 0 <= num_correct <= num_total')\n"
                "    p = num_correct.to(torch.float64) / num_total\n"
                "    w = z * (p * (1 - p) / num_total).sqrt()\n"
                "    lo, hi = p - w, p + w\n"
                "    return p, torch.where(lo < 0, 0.0, lo), torch.where(hi > 1, 1.0, hi)"
            ),
        },
    },
}
