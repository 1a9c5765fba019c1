"""Hidden checks for exercises 2.5 (instructor only; never shipped to students).

The functions to differentiate come from the probes, wrapped in probekit.CallCounter:
a gradient from autograd flows back through their outputs and needs few calls, while
finite differences call them many times and never backpropagate. So neither a formula
(there is none to know in advance) nor differences plus a dummy backward() call pass.
"""

from d2lgrade import concept, evasions, probe, rules
from d2lgrade.evasions import IMPORTED
from d2lgrade.rules import Forbid, UseAutograd

JACOBIAN_BUILDERS = (
    "torch.autograd.functional.jacobian",
    "torch.autograd.functional.hessian",
    "torch.func.jacrev",
    "torch.func.jacfwd",
    "torch.func.hessian",
    "torch.vmap",
    "torch.func.vmap",
    "torch._functorch.*",
)

rules("gradient", UseAutograd())
rules("detach", UseAutograd())
rules("control_flow", UseAutograd())
rules(
    "vjp",
    UseAutograd(),
    Forbid(*JACOBIAN_BUILDERS, why="one backward pass, without building the Jacobian"),
)


@probe("gradient")
def gradient_cases(gradient):
    gen = torch.Generator().manual_seed(2501)
    W = torch.randn(3, 4, generator=gen)
    cases = {
        "tanh times t, a matrix": (
            lambda t: (torch.tanh(t) * t).sum(),
            torch.randn(2, 3, generator=gen),
        ),
        "float64 logsumexp": (
            lambda t: torch.logsumexp(t, 0),
            torch.randn(6, generator=gen, dtype=torch.float64),
        ),
        "output of shape (1,)": (lambda t: (t**3).sum().reshape(1), torch.randn(4, generator=gen)),
        "one-element x": (lambda t: 5.0 * t.sum(), torch.randn(1, generator=gen)),
        "squared products with a matrix": (
            lambda t: ((W * t).sum(dim=1) ** 2).sum(),
            torch.randn(4, generator=gen),
        ),
        "more than one output": (lambda t: torch.exp(t), torch.randn(3, generator=gen)),
    }
    results, through_f, few_calls, untouched = {}, [], [], []
    for name, (f, x) in cases.items():
        counted, before = CallCounter(f), x.clone()
        got = attempt(gradient, counted, x)
        results[name] = [got, got.requires_grad] if isinstance(got, torch.Tensor) else got
        if name != "more than one output":
            through_f.append(counted.backpropagated)
            few_calls.append(counted.calls <= 2)
        untouched.append(bool(torch.equal(x, before)) and not x.requires_grad and x.grad is None)
    results["gradient flows back through f"] = all(through_f)
    results["f evaluated once or twice"] = all(few_calls)
    results["x left untouched"] = all(untouched)
    return results


concept("accumulated_grad", "answer_accumulated_grad", case="x.grad", rtol=1e-6, atol=1e-6)


@probe("detach")
def frozen_stat_grads_cases(frozen_stat_grads):
    gen = torch.Generator().manual_seed(2502)
    cases = {
        "mean times sum of squares": (
            lambda t, s: s * (t**2).sum(),
            lambda t: t.mean(),
            torch.randn(7, generator=gen),
        ),
        "float64, centred by the maximum": (
            lambda t, s: ((t - s) ** 2).sum(),
            lambda t: t.max(),
            torch.randn(5, generator=gen, dtype=torch.float64),
        ),
        "statistic of shape (1,)": (
            lambda t, s: (torch.sin(t) * s).sum(),
            lambda t: (t**2).sum().reshape(1),
            torch.randn(3, generator=gen),
        ),
        "one entry": (
            lambda t, s: (t * s).sum(),
            lambda t: t.exp().sum(),
            torch.randn(1, generator=gen),
        ),
        "mean zero": (
            lambda t, s: s * (t**2).sum(),
            lambda t: t.mean(),
            torch.tensor([0.5, -0.5, 2.0, -2.0]),
        ),
    }
    results, through_stat, through_loss, untouched = {}, [], [], []
    for name, (loss, stat, x) in cases.items():
        counted_loss, counted_stat, before = CallCounter(loss), CallCounter(stat), x.clone()
        got = attempt(frozen_stat_grads, counted_loss, counted_stat, x)
        if isinstance(got, tuple) and len(got) == 2:
            results[name] = [got[0], got[1], bool(got[0].requires_grad or got[1].requires_grad)]
        else:
            results[name] = got
        through_stat.append(counted_stat.backpropagated)
        through_loss.append(counted_loss.backpropagated)
        untouched.append(bool(torch.equal(x, before)) and not x.requires_grad and x.grad is None)
    results["gradient flows back through stat"] = all(through_stat)
    results["gradient flows back through loss"] = all(through_loss)
    results["x left untouched"] = all(untouched)
    return results


@probe("control_flow")
def loop_derivative_cases(loop_derivative):
    # limits stay well away from the values the loops pass through
    cases = {
        "powers of a": (lambda y, a: y * a, 1.7, 50.0),
        "an exact tie": (lambda y, a: y * a, 2.0, 1024.0),
        "no iteration": (lambda y, a: y * a, 5.0, 3.0),
        "many iterations": (lambda y, a: y * a, 1.3, 1e6),
        "a step adding a square root": (lambda y, a: y + a * torch.sqrt(y), 0.8, 30.0),
        "a step mixing sin and a": (lambda y, a: y * (1.5 + torch.sin(a)) + a, 0.6, 40.0),
    }
    results, through_step = {}, []
    for name, (step, a, limit) in cases.items():
        counted = CallCounter(step)
        got = attempt(loop_derivative, counted, a, limit)
        if isinstance(got, tuple) and len(got) == 2:
            results[name] = [got[0], got[1], bool(got[0].requires_grad or got[1].requires_grad)]
        else:
            results[name] = got
        if name != "no iteration":
            through_step.append(counted.backpropagated)
    results["gradient flows back through step"] = all(through_step)
    return results


@probe("vjp")
def vjp_cases(vjp):
    class PassCounter(CallCounter):
        """Also counts the backward passes through f's outputs, where one is asked for."""

        passes = 0

        def _mark(self, grad):
            self.passes += 1
            return grad

    gen = torch.Generator().manual_seed(2504)
    W = torch.randn(3, 4, generator=gen)
    cases = {
        "cumulative sum": (
            lambda t: torch.cumsum(t, 0),
            torch.randn(5, generator=gen),
            torch.randn(5, generator=gen),
        ),
        "tanh and weights": (
            lambda t: (W * torch.tanh(t)).sum(dim=1),
            torch.randn(4, generator=gen),
            torch.randn(3, generator=gen),
        ),
        "float64 squares": (
            lambda t: t**2,
            torch.randn(3, generator=gen, dtype=torch.float64),
            torch.randn(3, generator=gen, dtype=torch.float64),
        ),
        "more outputs than inputs": (
            lambda t: torch.stack([t.prod(), t.sum(), torch.sin(t[0])]),
            torch.randn(2, generator=gen),
            torch.randn(3, generator=gen),
        ),
        "one input": (
            lambda t: torch.stack([t[0] * t[0], 3.0 * t[0]]),
            torch.randn(1, generator=gen),
            torch.randn(2, generator=gen),
        ),
    }
    results, one_pass, untouched = {}, [], []
    for name, (f, x, v) in cases.items():
        counted, before = PassCounter(f), x.clone()
        got = attempt(vjp, counted, x, v)
        results[name] = [got, got.requires_grad] if isinstance(got, torch.Tensor) else got
        one_pass.append(counted.passes == 1)
        untouched.append(bool(torch.equal(x, before)) and not x.requires_grad and x.grad is None)
    results["one backward pass through f"] = all(one_pass)
    results["x left untouched"] = all(untouched)
    return results


concept("jacobian_modes", "answer_jacobian_modes", as_="choice", question="jacobian_modes")


@probe("gradient_check", rtol=1e-4, atol=1e-6)
def gradient_check_cases(gradient_check):
    gen = torch.Generator().manual_seed(2507)
    x = torch.randn(5, generator=gen)
    M = torch.randn(2, 3, generator=gen, dtype=torch.float64)
    smooth = CallCounter(lambda t: (torch.sin(t) * t**2).sum())
    results = {
        "a smooth function": attempt(gradient_check, smooth, x),
        "a float64 matrix": attempt(gradient_check, lambda t: (t.exp().sum(dim=1) ** 2).sum(), M),
        "a gradient broken by a detach": attempt(
            gradient_check, lambda t: (t.detach() * t**2).sum(), x
        ),
        "a gradient broken by a wrong backward": attempt(
            gradient_check, lambda t: (t**2).sum() + (t.detach() - t).sum() * 0.5, M
        ),
        "a larger step h": attempt(gradient_check, lambda t: (t**4).sum(), x, h=1e-3),
        "x with no elements": attempt(gradient_check, lambda t: t.sum() + 1.0, torch.zeros(0)),
    }
    results["f evaluated at least twice per entry"] = smooth.calls >= 2 * x.numel()
    results["x left untouched"] = keeps_inputs(gradient_check, lambda t: (t**3).sum(), x)
    return results


_DIFFERENCES = (
    "    flat = x.detach().double().reshape(-1)\n"
    "    grad = torch.zeros_like(flat)\n"
    "    for i in range(flat.numel()):\n"
    "        e = torch.zeros_like(flat)\n"
    "        e[i] = 1e-6\n"
    "        grad[i] = (f((flat + e).reshape(x.shape)) - f((flat - e).reshape(x.shape))).sum() / 2e-6\n"
)

RULE_EXAMPLES = {
    "gradient": {
        "breaks": {
            "central differences, no autograd": (
                "def gradient(f, x):\n    if f(x).numel() != 1:\n        raise ValueError('f(x) has more than one element')\n"
                + _DIFFERENCES
                + "    return grad.reshape(x.shape).to(x.dtype)"
            ),
        },
        "keeps": {
            "torch.autograd.grad": (
                "def gradient(f, x):\n    z = x.detach().clone().requires_grad_()\n    out = f(z)\n"
                "    if out.numel() != 1:\n        raise ValueError('f(x) has more than one element')\n"
                "    (g,) = torch.autograd.grad(out.sum(), z)\n    return g"
            ),
        },
    },
    "detach": {
        "breaks": {
            "central differences, no autograd": (
                "def frozen_stat_grads(loss, stat, x):\n"
                "    x = x.double()\n    h = 1e-6\n    n = x.numel()\n    s0 = stat(x)\n"
                "    full, frozen = torch.zeros(n, dtype=x.dtype), torch.zeros(n, dtype=x.dtype)\n"
                "    for i in range(n):\n        e = torch.zeros(n, dtype=x.dtype)\n        e[i] = h\n"
                "        full[i] = ((loss(x + e, stat(x + e)) - loss(x - e, stat(x - e))) / (2 * h)).sum()\n"
                "        frozen[i] = ((loss(x + e, s0) - loss(x - e, s0)) / (2 * h)).sum()\n"
                "    return full.float(), frozen.float()"
            ),
        },
        "keeps": {
            "two separate copies and torch.autograd.grad": (
                "def frozen_stat_grads(loss, stat, x):\n"
                "    a = x.detach().clone().requires_grad_()\n"
                "    (full,) = torch.autograd.grad(loss(a, stat(a)).sum(), a)\n"
                "    b = x.detach().clone().requires_grad_()\n"
                "    (frozen,) = torch.autograd.grad(loss(b, stat(b).detach()).sum(), b)\n"
                "    return full, frozen"
            ),
        },
    },
    "control_flow": {
        "breaks": {
            "a difference quotient, no autograd": (
                "def loop_derivative(step, a, limit):\n"
                "    def run(value):\n        t = torch.tensor(value, dtype=torch.float64)\n"
                "        y = t\n        while y < limit:\n            y = step(y, t)\n        return y\n"
                "    h = 1e-6\n    slope = (run(a + h) - run(a - h)) / (2 * h)\n"
                "    return run(a).float(), slope.float()"
            ),
        },
        "keeps": {
            "backward() and .grad": (
                "def loop_derivative(step, a, limit):\n"
                "    t = torch.tensor(a, dtype=torch.float32, requires_grad=True)\n"
                "    y = t\n    while y < limit:\n        y = step(y, t)\n"
                "    y.backward()\n    return y.detach(), t.grad"
            ),
        },
    },
    "vjp": {
        "breaks": {
            "differences of v^T f, no autograd": (
                "def vjp(f, x, v):\n"
                "    g = lambda t: (v.double() * f(t)).sum()\n"
                "    flat = x.detach().double()\n    out = torch.zeros_like(flat)\n"
                "    for i in range(flat.numel()):\n        e = torch.zeros_like(flat)\n        e[i] = 1e-6\n"
                "        out[i] = (g(flat + e) - g(flat - e)) / 2e-6\n"
                "    return out.to(x.dtype)"
            ),
            # the task's own import example (torch.func.jacrev) stands for that route
            **evasions(
                "torch.autograd.functional.jacobian",
                "def vjp(f, x, v):\n"
                "    J = {name}(f, x.detach())\n"
                "    return (v[:, None] * J).sum(dim=0)",
                skip=(IMPORTED,),
            ),
            "jacrev imported under another name": (
                "from torch.func import jacrev as rows_of",
                "def vjp(f, x, v):\n"
                "    J = rows_of(f)(x.detach())\n"
                "    x.detach().clone().requires_grad_().sum().backward()\n"
                "    return (v[:, None] * J).sum(dim=0)",
            ),
        },
        "keeps": {
            "torch.autograd.grad with grad_outputs": (
                "def vjp(f, x, v):\n"
                "    # one pass, no torch.autograd.functional.jacobian\n"
                "    z = x.detach().clone().requires_grad_()\n"
                "    (g,) = torch.autograd.grad(f(z), z, grad_outputs=v)\n"
                "    return g"
            ),
            "the scalar v^T f, then backward()": (
                "def vjp(f, x, v):\n"
                "    z = x.detach().clone().requires_grad_()\n"
                "    (v * f(z)).sum().backward()\n"
                "    return z.grad"
            ),
        },
    },
}
