"""Hidden checks for exercises 4.6 (instructor only; never shipped to students)."""

from d2lgrade import concept, experiment, probe, rules
from d2lgrade.rules import NoLoops

rules("best_of_random", NoLoops(why="score all the random classifiers at once"))


@probe("outcome_interval", rtol=1e-9, atol=1e-12)
def outcome_interval_cases(outcome_interval):
    gen = torch.Generator().manual_seed(4601)
    outcomes = (torch.rand(777, generator=gen) < 0.83).float()
    return {
        "float outcomes": attempt(outcome_interval, outcomes),
        "bool outcomes": attempt(outcome_interval, outcomes.bool()),
        "int64 outcomes": attempt(outcome_interval, outcomes.long()),
        "float64 outcomes, z = 2.576": attempt(outcome_interval, outcomes.double(), 2.576),
        "one image": attempt(outcome_interval, torch.tensor([1.0])),
        "all wrong": attempt(outcome_interval, torch.zeros(40)),
        "interval clipped at 1": attempt(outcome_interval, torch.tensor([1] * 19 + [0])),
        "returns floats": attempt(lambda: [type(v).__name__ for v in outcome_interval(outcomes)]),
        "empty": attempt(outcome_interval, torch.zeros(0)),
        "2-D": attempt(outcome_interval, outcomes.reshape(7, 111)),
        "entries other than 0 and 1": attempt(outcome_interval, torch.tensor([0.0, 2.0, 1.0])),
        "input not modified": keeps_inputs(outcome_interval, outcomes),
    }


@probe("test_size", rtol=0.0, atol=0.0)
def test_size_cases(hoeffding_test_size):
    import math

    # delta = 2 exp(-2 n epsilon^2) exactly: the formula lands on n up to rounding
    boundaries = [(0.5, 3), (0.3, 24), (0.2, 27)]
    return {
        "one model": [
            attempt(hoeffding_test_size, eps, delta)
            for eps, delta in [(0.05, 0.05), (0.01, 0.01), (0.1, 0.2), (1.0, 0.5)]
        ],
        "many models": [attempt(hoeffding_test_size, 0.02, 0.05, k) for k in (1, 2, 10, 1000)],
        "boundary": [
            attempt(hoeffding_test_size, eps, 2 * math.exp(-2 * n * eps**2))
            for eps, n in boundaries
        ],
        "returns an int": attempt(lambda: type(hoeffding_test_size(0.03, 0.1)).__name__),
        "epsilon 0": attempt(hoeffding_test_size, 0.0, 0.05),
        "epsilon above 1": attempt(hoeffding_test_size, 1.5, 0.05),
        "delta 1": attempt(hoeffding_test_size, 0.02, 1.0),
        "delta 0": attempt(hoeffding_test_size, 0.02, 0.0),
        "no models": attempt(hoeffding_test_size, 0.02, 0.05, 0),
    }


concept("guaranteed_epsilon", "answer_guaranteed_epsilon", rtol=0.0, atol=5e-4)
concept("honest_test", "answer_honest_test", as_="choice", question="honest_test")


@probe("best_of_random", rtol=1e-9, atol=1e-12)
def best_of_random_cases(best_of_random):
    def run(seed, *args):
        return best_of_random(*args, torch.Generator().manual_seed(seed))

    return {
        "many classifiers": attempt(run, 4602, 300, 200, 10),
        "one classifier": attempt(run, 4603, 50, 1, 3),
        "two classes": attempt(run, 4604, 101, 64, 2),
        "one example": attempt(run, 4605, 1, 5, 4),
        "another seed gives other labels": attempt(
            lambda: run(4606, 200, 20, 10) != run(4607, 200, 20, 10)
        ),
        "no classifiers": attempt(run, 4608, 100, 0, 10),
        "one class": attempt(run, 4609, 100, 5, 1),
        "no examples": attempt(run, 4610, 0, 5, 10),
    }


experiment(
    "reuse_study",
    "reuse_study_results",
    {key: key for key in ("num_classifiers", "best_test", "fresh")},
    figure="reuse_study_figure",
    rtol=1e-9,
    atol=1e-12,
)


# experiment() compares the plotted x and y data with the reference run's (so the lines
# must show the recorded numbers at the right x), but not the scale of the x axis.
@probe("reuse_study", rtol=1e-9, atol=1e-12)
def reuse_study_x_scale(reuse_study_figure):
    return {
        "figure: x axis": attempt(lambda: [ax.get_xscale() for ax in reuse_study_figure.get_axes()])
    }


@probe("select_and_report")
def select_and_report_cases(select_and_report):
    def run(val_scores, test_scores):
        calls = []

        def scorer(name, scores):
            def accuracy(candidate):
                calls.append([name, candidate])
                return scores[candidate]

            return accuracy

        result = select_and_report(
            list(val_scores), scorer("val", val_scores), scorer("test", test_scores)
        )
        test_calls = [c for c in calls if c[0] == "test"]
        val_calls = sorted(c[1] for c in calls if c[0] == "val")
        return {"result": list(result), "test calls": test_calls, "val calls": val_calls}

    return {
        "best on validation differs from best on test": attempt(
            run, {"x": 0.6, "y": 0.8, "z": 0.7}, {"x": 0.9, "y": 0.7, "z": 0.8}
        ),
        "tie on validation": attempt(run, {3: 0.5, 1: 0.7, 2: 0.7}, {3: 0.1, 1: 0.2, 2: 0.9}),
        "one candidate": attempt(run, {"only": 0.4}, {"only": 0.45}),
        "no candidates": attempt(run, {}, {}),
    }


def best_of_random_source(scoring):
    """An answer to best_of_random: the checks and draws of the statement, then `scoring`."""
    return (
        "def best_of_random(num_examples, num_classifiers, num_classes, generator):\n"
        "    if min(num_examples, num_classifiers) < 1 or num_classes < 2:\n"
        "        raise ValueError('num_examples, num_classifiers, num_classes: too small')\n"
        "    labels = torch.randint(0, num_classes, (num_examples,), generator=generator)\n"
        "    fresh = torch.randint(0, num_classes, (num_examples,), generator=generator)\n"
        "    P = torch.randint(0, num_classes, (num_classifiers, num_examples), generator=generator)\n"
        + scoring
    )


RULE_EXAMPLES = {
    "best_of_random": {
        "breaks": {
            "loop over classifiers": best_of_random_source(
                "    best, best_score = 0, -1.0\n"
                "    for k in range(num_classifiers):\n"
                "        score = (P[k] == labels).double().mean().item()\n"
                "        if score > best_score:\n"
                "            best, best_score = k, score\n"
                "    return best_score, (P[best] == fresh).double().mean().item()"
            ),
            "comprehension in a helper in another cell": (
                "def scores_of(P, labels):\n"
                "    return torch.tensor([(row == labels).double().mean().item() for row in P], dtype=torch.float64)",
                best_of_random_source(
                    "    scores = scores_of(P, labels)\n"
                    "    best = scores.argmax()\n"
                    "    return scores[best].item(), (P[best] == fresh).double().mean().item()"
                ),
            ),
        },
        "keeps": {
            "sum and max": best_of_random_source(
                "    hits = (P == labels).sum(dim=1)  # all classifiers scored at once, no loop\n"
                "    best = torch.argmax(hits)\n"
                "    return hits[best].item() / num_examples, (P[best] == fresh).sum().item() / num_examples"
            ),
        },
    },
}
