"""Hidden checks for exercises 2.7 (instructor only; never shipped to students).

The module search and the signature readers are also run on objects built inside the
probes (a toy module, functions with every kind of parameter), whose answers cannot be
known in advance, next to real torch and d2lutils objects.
"""

from d2lgrade import concept, probe, rules
from d2lgrade.rules import NoLoops

rules("fold_indices", NoLoops(why="PyTorch has a function that does exactly this"))


@probe("keepdim_shapes")
def keepdim_shapes_cases(answer_keepdim_shapes):
    return {
        "shapes": attempt(lambda shapes: [list(shape) for shape in shapes], answer_keepdim_shapes)
    }


concept("signature_call", "answer_signature_call", as_="choice", question="signature_call")


@probe("public_functions")
def public_functions_cases(public_functions):
    import math
    import types

    class Scaler:
        """A callable instance: a function by the task's definition."""

        def __call__(self, x):
            return 2 * x

    def beta_norm(x):
        return abs(x)

    toy = types.ModuleType("toy")
    toy.alpha_norm = lambda x: x
    toy.beta_norm = beta_norm
    toy.Norm = type("Norm", (), {})
    toy._hidden_norm = beta_norm
    toy.norm_constant = 3.0
    toy.sub_norm = types.ModuleType("sub_norm")
    toy.gamma_sum = torch.sum
    toy.scale_norm = Scaler()
    toy.NORM = beta_norm
    return {
        "toy module, *norm*": attempt(public_functions, toy, "*norm*"),
        "toy module, every name": attempt(public_functions, toy, "*"),
        "toy module, case matters": attempt(public_functions, toy, "N*"),
        "torch.linalg, matrix_*": attempt(public_functions, torch.linalg, "matrix_*"),
        "torch.nn.functional, *pool*": attempt(public_functions, torch.nn.functional, "*pool*"),
        "math, ?an": attempt(public_functions, math, "?an"),
        "no match": attempt(public_functions, math, "*no_such_name*"),
        "a string as module": attempt(public_functions, "math", "*"),
        "a pattern that is not a string": attempt(public_functions, math, 3),
    }


@probe("parameter_kinds")
def parameter_kinds_cases(parameter_kinds):
    def every_kind(p, q=0, /, r=1, *rest, s, t=2, **options):
        return p

    def only_keywords(*, x, y=1):
        return x

    class Box:
        def __init__(self, width, height=1.0, *, label=""):
            self.width = width

        def area(self, scale, /):
            return self.width * scale

    return {
        "every kind of parameter": attempt(parameter_kinds, every_kind),
        "only keywords": attempt(parameter_kinds, only_keywords),
        "no parameters": attempt(parameter_kinds, lambda: None),
        "a class": attempt(parameter_kinds, Box),
        "a bound method": attempt(parameter_kinds, Box(2.0).area),
        "d2l.FashionMNIST": attempt(parameter_kinds, d2l.FashionMNIST),
        "cross_entropy": attempt(parameter_kinds, torch.nn.functional.cross_entropy),
        "len": attempt(parameter_kinds, len),
        "a built-in without signature": attempt(parameter_kinds, torch.zeros),
    }


@probe("bind_arguments")
def bind_arguments_cases(bind_arguments):
    def every_kind(p, q=0, /, r=1, *rest, s, t=2, **options):
        return p

    def plain(a, b, c=3):
        return a

    return {
        "positional and defaults": attempt(bind_arguments, plain, 1, 2),
        "keywords in any order": attempt(bind_arguments, plain, c=9, b=8, a=7),
        "every kind, minimal": attempt(bind_arguments, every_kind, 1, s=5),
        "every kind, extras": attempt(bind_arguments, every_kind, 1, 2, 3, 4, 5, s=6, u=7, v=8),
        "missing argument": attempt(bind_arguments, plain, 1),
        "too many arguments": attempt(bind_arguments, plain, 1, 2, 3, 4),
        "positional-only by keyword": attempt(bind_arguments, every_kind, p=1, s=2),
        "unknown keyword": attempt(bind_arguments, plain, 1, 2, d=4),
        "a built-in without signature": attempt(bind_arguments, max, 1, 2),
    }


@probe("fold_indices")
def fold_indices_cases(fold_indices):
    return {
        f"n={n}, k={k}": attempt(fold_indices, n, k)
        for n, k in [(10, 3), (7, 7), (9, 4), (6, 4), (23, 5), (1, 1), (100, 8)]
    } | {
        "k > n": attempt(fold_indices, 3, 5),
        "k = 0": attempt(fold_indices, 4, 0),
        "n = 0": attempt(fold_indices, 0, 1),
    }


@probe("argument_names")
def argument_names_cases(answer_argument_names):
    return {
        key: attempt(lambda k: str(answer_argument_names[k]), key)
        for key in ("validation share", "validation seed", "std divisor")
    }


RULE_EXAMPLES = {
    "fold_indices": {
        "breaks": {
            "a loop over the folds": (
                "def fold_indices(n, k):\n"
                "    if not 1 <= k <= n:\n"
                "        raise ValueError('need 1 <= k <= n')\n"
                "    folds, start = [], 0\n"
                "    for i in range(k):\n"
                "        size = n // k + (1 if i < n % k else 0)\n"
                "        folds.append(torch.arange(start, start + size))\n"
                "        start += size\n"
                "    return folds"
            ),
        },
        "keeps": {
            "torch.split with the list of sizes": (
                "def fold_indices(n, k):\n"
                "    if k < 1 or k > n:\n"
                "        raise ValueError(f'k must lie between 1 and n={n}, got {k}')\n"
                "    sizes = torch.full((k,), n // k)\n"
                "    sizes[: n % k] += 1\n"
                "    return list(torch.split(torch.arange(n), sizes.tolist()))"
            ),
        },
    },
}
