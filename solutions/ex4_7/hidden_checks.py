"""Hidden checks for exercises 4.7 (instructor only; never shipped to students).

The experiment's probes read the numbers and the figure the notebook made; all other
probes build their own synthetic inputs.
"""

from d2lgrade import concept, evasions, experiment, probe, rules
from d2lgrade.evasions import IMPORTED
from d2lgrade.rules import MATRIX_INVERSE, Forbid, NoLoops, StayInTorch

rules(
    "label_shift_weights",
    Forbid(
        *MATRIX_INVERSE,
        why="solve C w = mu (torch.linalg.solve) instead of forming an inverse",
    ),
    NoLoops(why="count the (prediction, label) pairs with whole-tensor operations"),
    StayInTorch(),
)
rules("importance_weights", NoLoops())
rules("weighted_loss", NoLoops(why="weight all the per-example losses at once"))


@probe("label_shift_weights", rtol=1e-4, atol=1e-5)
def label_shift_weights_cases(label_shift_weights):
    gen = torch.Generator().manual_seed(4701)
    labels = torch.randint(0, 5, (400,), generator=gen)
    wrong = torch.rand(400, generator=gen) < 0.3
    preds = torch.where(wrong, torch.randint(0, 5, (400,), generator=gen), labels)
    target = torch.multinomial(torch.tensor([0.4, 0.3, 0.1, 0.1, 0.1]), 300, True, generator=gen)
    # two classes, then three of which one is missing from the first tensor
    pred2, labels2 = torch.tensor([0, 0, 0, 1, 1, 1, 0, 1]), torch.tensor([0, 0, 0, 1, 1, 1, 1, 0])
    two_of_3, all_3 = torch.tensor([0, 0, 1, 1]), torch.tensor([0, 2, 1, 1])
    return {
        "five classes": attempt(label_shift_weights, preds, labels, target, 5),
        "dtype and shape": attempt(
            lambda: dtype_and_shape(label_shift_weights(preds, labels, target, 5))
        ),
        "negative solution clipped": attempt(
            label_shift_weights, pred2, labels2, torch.zeros(6, dtype=torch.int64), 2
        ),
        "one target example": attempt(label_shift_weights, pred2, labels2, torch.tensor([1]), 2),
        "class never predicted": attempt(label_shift_weights, two_of_3, all_3, target[:5] % 3, 3),
        "class never in the labels": attempt(
            label_shift_weights, all_3, two_of_3, target[:5] % 3, 3
        ),
        "inputs not modified": keeps_inputs(label_shift_weights, preds, labels, target, 5),
    }


@probe("importance_weights", rtol=1e-5, atol=1e-6)
def importance_weights_cases(importance_weights):
    gen = torch.Generator().manual_seed(4702)
    p = torch.rand(20, generator=gen)
    return {
        "random probabilities": attempt(importance_weights, p, 700, 300),
        "0 and 1": attempt(importance_weights, torch.tensor([0.0, 1.0, 0.5]), 100, 400, clip=0.05),
        "no clipping": attempt(importance_weights, p[:5], 50, 50, clip=0.0),
        "float64, 2-D": attempt(
            lambda: dtype_and_shape(importance_weights(p.double().reshape(4, 5), 10, 20))
        ),
        "float64 values": attempt(importance_weights, p.double(), 3, 7, clip=0.2),
        "empty input": attempt(lambda: list(importance_weights(torch.zeros(0), 5, 5).shape)),
        "clip of 0.5": attempt(importance_weights, p, 5, 5, clip=0.5),
        "negative clip": attempt(importance_weights, p, 5, 5, clip=-0.1),
        "input not modified": keeps_inputs(importance_weights, torch.tensor([0.0, 1.0]), 5, 5),
    }


@probe("weighted_loss", rtol=1e-5, atol=1e-6)
def weighted_loss_cases(weighted_cross_entropy):
    gen = torch.Generator().manual_seed(4703)
    logits, y = torch.randn(12, 4, generator=gen) * 2, torch.randint(0, 4, (12,), generator=gen)
    weights = torch.rand(12, generator=gen) * 3
    class_weights = torch.tensor([0.5, 2.0, 1.0, 0.0])

    def gradient(normalize):
        leaf = logits.clone().requires_grad_(True)
        weighted_cross_entropy(leaf, y, weights, normalize=normalize).backward()
        return leaf.grad

    def value(*args, **kwargs):
        return weighted_cross_entropy(*args, **kwargs).detach()

    return {
        "mean over n": attempt(value, logits, y, weights),
        "normalized": attempt(value, logits, y, weights, normalize=True),
        "gradient": attempt(gradient, False),
        "gradient, normalized": attempt(gradient, True),
        "weights from the classes": attempt(value, logits, y, class_weights[y]),
        "weights from the classes, normalized": attempt(
            value, logits, y, class_weights[y], normalize=True
        ),
        "float64": attempt(value, logits.double(), y, weights.double()),
        "one example": attempt(value, logits[:1], y[:1], torch.tensor([2.5])),
        "all weights 0": attempt(value, logits, y, torch.zeros(12)),
        "all weights 0, normalized": attempt(value, logits, y, torch.zeros(12), normalize=True),
        "inputs not modified": keeps_inputs(weighted_cross_entropy, logits, y, weights),
    }


@probe("domain_weights", rtol=1e-5, atol=1e-6)
def domain_weights_cases(domain_weights):
    gen = torch.Generator().manual_seed(4704)
    logits = torch.randn(15, 2, generator=gen) * 2
    large = torch.tensor([[1000.0, -1000.0], [-1000.0, 1000.0], [500.0, 500.0]])
    return {
        "random logits": attempt(domain_weights, logits, 600, 200),
        "other sizes and clip": attempt(domain_weights, logits, 100, 900, clip=0.2),
        "large logits": attempt(domain_weights, large, 4, 2),
        "float64": attempt(lambda: dtype_and_shape(domain_weights(logits.double(), 3, 3))),
        "no images": attempt(lambda: list(domain_weights(torch.zeros(0, 2), 3, 3).shape)),
        "input not modified": keeps_inputs(domain_weights, logits, 5, 5),
    }


concept("shift_kind", "answer_shift_kind", as_="choice", question="shift_kind")
concept("target_posterior", "answer_target_posterior", rtol=0.0, atol=1e-3)


# The study's recorded lists, each reported under its own key.
SHIFT_STUDY_KEYS = (
    "strength",
    "accuracy",
    "corrected_accuracy",
    "true_middle_share",
    "estimated_middle_share",
)
experiment(
    "shift_study",
    "shift_study_results",
    {key: key for key in SHIFT_STUDY_KEYS},
    figure="shift_study_figure",
    rtol=0.0,
    atol=0.005,
)


_TARGET_SHARES = (
    "    mu = torch.bincount(target_pred, minlength=num_classes).float() / len(target_pred)\n"
)


def _label_shift_example(body: str) -> str:
    return "def label_shift_weights(val_pred, val_labels, target_pred, num_classes):\n" + body


def _refuse_missing(counts: str) -> str:
    """The statement's check that every class is predicted and labelled in validation."""
    return (
        f"    missing = torch.nonzero(({counts}.sum(0) == 0) | ({counts}.sum(1) == 0)).flatten()\n"
        "    if len(missing):\n"
        "        raise ValueError(f'class {int(missing[0])} has no validation predictions or labels')\n"
    )


def _by_inverse(inverse_of_C: str) -> str:
    """An answer that counts with bincount and multiplies mu by ``inverse_of_C``."""
    return _label_shift_example(
        "    counts = torch.bincount(val_pred * num_classes + val_labels, minlength=num_classes ** 2)\n"
        "    counts = counts.reshape(num_classes, num_classes)\n"
        + _refuse_missing("counts")
        + "    C = counts.float() / len(val_labels)\n"
        + _TARGET_SHARES
        + f"    return ({inverse_of_C} @ mu).clamp(min=0)"
    )


RULE_EXAMPLES = {
    "label_shift_weights": {
        "breaks": {
            "torch.linalg.inv": _by_inverse("torch.linalg.inv(C)"),
            "tensor method inverse": _by_inverse("C.inverse()"),
            **evasions("torch.linalg.pinv", _by_inverse("{name}(C)"), only=(IMPORTED,)),
            "NumPy's inverse kernel reached by names built at run time": _by_inverse(
                "torch.from_numpy(getattr(getattr(d2l.np.linalg, '_umath' + '_linalg'), "
                "'in' + 'v')(C.numpy()))"
            ),
            "loop over the examples": _label_shift_example(
                "    C = torch.zeros(num_classes, num_classes)\n"
                "    for p, t in zip(val_pred.tolist(), val_labels.tolist()):\n"
                "        C[p, t] += 1 / len(val_labels)\n"
                + _refuse_missing("C")
                + _TARGET_SHARES
                + "    return torch.linalg.solve(C, mu).clamp(min=0)"
            ),
            "comprehension over the classes in a helper in another cell": (
                "def confusion_rows(val_pred, val_labels, k):\n"
                "    return torch.stack([torch.bincount(val_labels[val_pred == c], minlength=k) for c in range(k)])",
                _label_shift_example(
                    "    counts = confusion_rows(val_pred, val_labels, num_classes)\n"
                    + _refuse_missing("counts")
                    + _TARGET_SHARES
                    + "    return torch.linalg.solve(counts.float() / len(val_labels), mu).clamp(min=0)"
                ),
            ),
        },
        "keeps": {
            "one-hot product and lstsq": _label_shift_example(
                "    P = torch.nn.functional.one_hot(val_pred, num_classes).float()\n"
                "    T = torch.nn.functional.one_hot(val_labels, num_classes).float()\n"
                "    C = P.T @ T / len(val_labels)  # no inverse: lstsq solves the system\n"
                + _refuse_missing("C")
                + "    mu = torch.nn.functional.one_hot(target_pred, num_classes).float().mean(0)\n"
                "    return torch.linalg.lstsq(C, mu[:, None]).solution.squeeze(1).clamp(min=0)"
            ),
            "index_put_ and solve": _label_shift_example(
                "    C = torch.zeros(num_classes, num_classes)\n"
                "    C.index_put_((val_pred, val_labels), torch.ones(len(val_pred)), accumulate=True)\n"
                + _refuse_missing("C")
                + _TARGET_SHARES
                + "    return torch.relu(torch.linalg.solve(C / len(val_labels), mu))"
            ),
        },
    },
    "importance_weights": {
        "breaks": {
            "loop over the entries": (
                "def importance_weights(p_target, n_source, n_target, clip=0.01):\n"
                "    if not 0 <= clip < 0.5:\n"
                "        raise ValueError('clip must lie in [0, 0.5)')\n"
                "    flat = [min(max(float(p), clip), 1 - clip) for p in p_target.flatten()]\n"
                "    p = torch.tensor(flat, dtype=p_target.dtype).reshape(p_target.shape)\n"
                "    return n_source / n_target * p / (1 - p)"
            ),
            "map in a helper in another cell": (
                "def clipped(p, clip):\n"
                "    values = list(map(lambda v: min(max(v, clip), 1 - clip), p.flatten().tolist()))\n"
                "    return torch.tensor(values, dtype=p.dtype).reshape(p.shape)",
                "def importance_weights(p_target, n_source, n_target, clip=0.01):\n"
                "    if not 0 <= clip < 0.5:\n"
                "        raise ValueError('clip must lie in [0, 0.5)')\n"
                "    p = clipped(p_target, clip)\n"
                "    return n_source / n_target * p / (1 - p)",
            ),
        },
        "keeps": {
            "odds from the clipped log": (
                "def importance_weights(p_target, n_source, n_target, clip=0.01):\n"
                "    if clip < 0 or clip >= 0.5:\n"
                "        raise ValueError(f'clip must lie in [0, 0.5), got {clip}')\n"
                "    p = torch.clip(p_target, min=clip, max=1 - clip)  # a copy: no loop, no clamp_\n"
                "    return (n_source / n_target) * torch.exp(torch.log(p) - torch.log1p(-p))"
            ),
        },
    },
    "weighted_loss": {
        "breaks": {
            "loop over the examples": (
                "def weighted_cross_entropy(logits, y, weights, normalize=False):\n"
                "    losses = torch.nn.functional.cross_entropy(logits, y, reduction='none')\n"
                "    total = 0\n"
                "    for w, l in zip(weights.to(losses.dtype), losses):\n"
                "        total = total + w * l\n"
                "    if not normalize:\n"
                "        return total / len(y)\n"
                "    if weights.sum() == 0:\n"
                "        raise ValueError('the weights sum to 0')\n"
                "    return total / weights.to(losses.dtype).sum()"
            ),
            "functools.reduce": (
                "import functools",
                "def weighted_cross_entropy(logits, y, weights, normalize=False):\n"
                "    losses = torch.nn.functional.cross_entropy(logits, y, reduction='none')\n"
                "    terms = weights.to(losses.dtype) * losses\n"
                "    total = functools.reduce(lambda a, b: a + b, terms)\n"
                "    if not normalize:\n"
                "        return total / len(y)\n"
                "    if weights.sum() == 0:\n"
                "        raise ValueError('the weights sum to 0')\n"
                "    return total / weights.to(losses.dtype).sum()",
            ),
        },
        "keeps": {
            "dot product of log-probabilities": (
                "def weighted_cross_entropy(logits, y, weights, normalize=False):\n"
                "    # no loop: one dot product of the weights with the per-example losses\n"
                "    losses = -torch.log_softmax(logits, dim=1).gather(1, y[:, None]).squeeze(1)\n"
                "    w = weights.to(losses.dtype)\n"
                "    if normalize and w.sum() == 0:\n"
                "        raise ValueError('weights summing to 0 leave the normalized loss undefined')\n"
                "    return (w @ losses) / (w.sum() if normalize else len(y))"
            ),
        },
    },
}
