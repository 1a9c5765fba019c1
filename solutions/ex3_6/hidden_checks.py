"""Hidden checks for exercises 3.6 (instructor only; never shipped to students)."""

from d2lgrade import concept, experiment, probe, rules
from d2lgrade.rules import RANDOM_ORDER, Forbid, MustCall

rules(
    "kfold",
    Forbid("sklearn", "sklearn.*", why="build the folds yourself"),
    MustCall(*RANDOM_ORDER, what="shuffle the examples with torch's random functions"),
)
rules("cv_score", Forbid("sklearn", "sklearn.*", why="compute the held-out errors yourself"))


@probe("kfold")
def kfold_properties(kfold_assignment):
    def properties(n, k, seed):
        """What every correct assignment shares: balanced sizes, determinism, shuffling."""
        folds = kfold_assignment(n, k, torch.Generator().manual_seed(seed))
        again = kfold_assignment(n, k, torch.Generator().manual_seed(seed))
        other = kfold_assignment(n, k, torch.Generator().manual_seed(seed + 1))
        ids_valid = bool(((folds >= 0) & (folds < k)).all())
        return {
            "dtype and shape": [str(folds.dtype), list(folds.shape)],
            "ids in 0..k-1": ids_valid,
            "fold sizes": sorted(torch.bincount(folds, minlength=k).tolist())
            if ids_valid
            else None,
            "same seed, same folds": bool(torch.equal(folds, again)),
            "other seed, other folds": n > k and not torch.equal(folds, other),
            "not in index order": not torch.equal(folds, torch.sort(folds).values)
            and not torch.equal(folds, torch.arange(n) % k),
        }

    def leave_one_out():
        folds = kfold_assignment(6, 6, torch.Generator().manual_seed(4))
        return sorted(folds.tolist())

    def error_type(n, k):
        outcome = attempt(kfold_assignment, n, k, torch.Generator().manual_seed(0))
        return outcome if isinstance(outcome, dict) and RAISED in outcome else "no error"

    return {
        "60 examples, 3 folds": attempt(properties, 60, 3, 11),
        "103 examples, 5 folds": attempt(properties, 103, 5, 12),
        "k does not divide n": attempt(properties, 50, 7, 13),
        "two folds": attempt(properties, 30, 2, 14),
        "leave-one-out": attempt(leave_one_out),
        "k = 1": error_type(5, 1),
        "k > n": error_type(3, 4),
    }


@probe("design")
def design_cases(polynomial_design):
    x = torch.linspace(-1.5, 2.0, 9)
    return {
        "degree 4": attempt(polynomial_design, x, 4),
        "degree 0": attempt(polynomial_design, x, 0),
        "float64": attempt(polynomial_design, x.double(), 3),
        "empty x": attempt(lambda: list(polynomial_design(torch.zeros(0), 2).shape)),
        "zeros": attempt(polynomial_design, torch.zeros(3), 2),
        "negative degree": attempt(polynomial_design, x, -1),
        "input not modified": keeps_inputs(polynomial_design, x, 3),
    }


@probe("cv_score", rtol=1e-6, atol=1e-9)
def cv_score_cases(cv_score):
    gen = torch.Generator().manual_seed(3601)
    x = torch.rand(36, dtype=torch.float64, generator=gen) * 2 - 1
    y = torch.cos(2 * x) + 0.3 * torch.randn(36, dtype=torch.float64, generator=gen)
    balanced = torch.randperm(36, generator=gen) % 6
    uneven = torch.cat([torch.zeros(4), torch.ones(12), torch.full((20,), 2.0)]).long()
    uneven = uneven[torch.randperm(36, generator=gen)]
    return {
        "balanced folds": [attempt(cv_score, x, y, d, balanced) for d in (0, 2, 5)],
        "folds of sizes 4, 12, 20": [attempt(cv_score, x, y, d, uneven) for d in (1, 3)],
        "leave-one-out": attempt(cv_score, x[:12], y[:12], 2, torch.arange(12)),
        "fold ids in another order": attempt(cv_score, x, y, 2, 5 - balanced),
        "float32": attempt(cv_score, x.float(), y.float(), 1, balanced),
        "inputs not modified": keeps_inputs(cv_score, x, y, 3, balanced),
    }


@probe("one_se")
def one_se_cases(one_se_degree):
    inf, nan = float("inf"), float("nan")
    curves = {  # case: cross-validation errors per degree, their standard errors
        "typical curve": (
            [0.9, 0.4, 0.2, 0.15, 0.14, 0.16, 0.3],
            [0.1, 0.05, 0.03, 0.02, 0.01, 0.02, 0.1],
        ),
        "best is simplest": ([0.1, 0.2, 0.3], [0.5, 0.5, 0.5]),
        "tie for the best": ([0.5, 0.2, 0.2, 0.2], [0.1, 0.0, 0.0, 0.0]),
        "zero standard error": ([0.3, 0.25, 0.2, 0.2001], [0.0, 0.0, 0.0, 0.0]),
        "infinite and nan errors": ([inf, nan, 0.5, 0.4, inf], [1.0, 1.0, 0.2, 0.05, 1.0]),
        "tensors": (torch.tensor([0.3, 0.2, 0.21]), torch.tensor([0.1, 0.02, 0.1])),
        "one degree": ([0.7], [0.3]),
        "different lengths": ([0.1, 0.2, 0.3], [0.1, 0.2]),
        "empty": ([], []),
        "nothing finite": ([inf, nan], [0.1, 0.1]),
    }
    return {
        **{case: attempt(one_se_degree, *curve) for case, curve in curves.items()},
        "returns an int": attempt(lambda: type(one_se_degree([0.2, 0.1], [0.1, 0.1])).__name__),
    }


concept("train_trend", "answer_train_trend", as_="choice", question="train_trend")


concept("cv_counts", "answer_cv_counts", as_="shape")


experiment(
    "degree_study",
    "degree_study_results",
    {
        "degrees": "degree",
        "training errors": "train_error",
        "cross-validation errors": "cv_error",
        "validation errors": "val_error",
        "degree chosen by cross-validation": "cv_choice",
    },
    figure="degree_study_figure",
    log_y=True,
    rtol=1e-4,
    atol=1e-7,
)


def _kfold_example(body: str) -> str:
    return "def kfold_assignment(n, k, generator):\n" + body


_K_CHECK = (
    "    if not 2 <= k <= n:\n        raise ValueError(f'need 2 <= k <= n, got k={k}, n={n}')\n"
)

RULE_EXAMPLES = {
    "kfold": {
        "breaks": {
            "scikit-learn KFold": _kfold_example(
                _K_CHECK + "    from sklearn.model_selection import KFold\n"
                "    folds = torch.empty(n, dtype=torch.int64)\n"
                "    splitter = KFold(k, shuffle=True, random_state=int(torch.randint(1000, (1,), generator=generator)))\n"
                "    for fold, (_, held_out) in enumerate(splitter.split(range(n))):\n"
                "        folds[held_out] = fold\n"
                "    return folds"
            ),
            "no shuffling: consecutive blocks": _kfold_example(
                _K_CHECK + "    return torch.arange(n) * k // n"
            ),
            "no shuffling: round robin in a helper in another cell": (
                "def round_robin(n, k):\n    return torch.arange(n) % k",
                _kfold_example(_K_CHECK + "    return round_robin(n, k)"),
            ),
        },
        "keeps": {
            "argsort of uniform noise": _kfold_example(
                _K_CHECK + "    order = torch.argsort(torch.rand(n, generator=generator))\n"
                "    folds = torch.empty(n, dtype=torch.int64)\n"
                "    folds[order] = torch.arange(n) % k\n"
                "    return folds"
            ),
            "shuffled block ids": _kfold_example(
                _K_CHECK
                + "    blocks = torch.arange(n) * k // n  # balanced sizes, then shuffled\n"
                "    return blocks[torch.randperm(n, generator=generator)]"
            ),
        },
    },
    "cv_score": {
        "breaks": {
            "scikit-learn cross_val_score": (
                "def cv_score(x, y, degree, folds):\n"
                "    from sklearn.linear_model import LinearRegression\n"
                "    from sklearn.model_selection import PredefinedSplit, cross_val_score\n"
                "    X = polynomial_design(x, degree).numpy()\n"
                "    scores = cross_val_score(LinearRegression(fit_intercept=False), X, y.numpy(),\n"
                "                             cv=PredefinedSplit(folds.numpy()), scoring='neg_mean_squared_error')\n"
                "    return float(-scores.mean())"
            ),
        },
        "keeps": {
            "sum of fold sums": (
                "def cv_score(x, y, degree, folds):\n"
                "    total = 0.0\n"
                "    for fold in folds.unique():\n"
                "        inside = folds == fold\n"
                "        A = polynomial_design(x[~inside], degree)\n"
                "        c = torch.linalg.lstsq(A, y[~inside, None]).solution[:, 0]\n"
                "        total += ((polynomial_design(x[inside], degree) @ c - y[inside]) ** 2).sum().item()\n"
                "    return total / len(x)"
            ),
        },
    },
}
