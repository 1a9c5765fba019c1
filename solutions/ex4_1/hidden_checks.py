"""Hidden checks for exercises 4.1 (instructor only; never shipped to students)."""

from d2lgrade import concept, evasions, probe, rules
from d2lgrade.evasions import BOUND, HELPER
from d2lgrade.rules import Forbid, NoAutograd, NoLoops

rules("ce_grad", NoAutograd(why="derive the gradient by hand"))
rules("softmax_jacobian", NoAutograd(why="derive the Jacobian by hand"), NoLoops())
rules(
    "entropy",
    Forbid(
        "torch.special.entr",
        "torch.distributions",
        "torch.distributions.*",
        why="compute the entropy from its definition",
    ),
)
rules(
    "kl_divergence",
    Forbid(
        "torch.nn.functional.kl_div",
        "torch.kl_div",
        "torch.nn.KLDivLoss",
        "torch.distributions",
        "torch.distributions.*",
        why="compute the divergence from its definition",
    ),
)


@probe("ce_grad", rtol=1e-4, atol=1e-6)
def ce_grad_cases(ce_grad):
    gen = torch.Generator().manual_seed(413)
    O = torch.randn(7, 4, generator=gen) * 2.0
    y = torch.randint(0, 4, (7,), generator=gen)
    return {
        "random logits": attempt(ce_grad, O, y),
        "float64": attempt(ce_grad, O.double(), y),
        "large logits": attempt(
            ce_grad,
            torch.tensor([[300.0, -300.0, 0.0], [-250.0, 250.0, 100.0]]),
            torch.tensor([2, 1]),
        ),
        "batch of one": attempt(ce_grad, torch.randn(1, 5, generator=gen), torch.tensor([3])),
        "big batch": attempt(
            ce_grad, torch.randn(64, 10, generator=gen), torch.randint(0, 10, (64,), generator=gen)
        ),
        "one class": attempt(
            ce_grad, torch.randn(3, 1, generator=gen), torch.zeros(3, dtype=torch.int64)
        ),
        "input not modified": keeps_inputs(ce_grad, O, y),
    }


# "By hand" means a closed form, which float64 gives to rounding (errors near 1e-16); a
# finite difference cannot get below about 1e-11 for derivatives of size 1, whatever its
# step, so a tight float64 case tells the two apart.
@probe("ce_grad", rtol=1e-12, atol=1e-14)
def ce_grad_exact(ce_grad):
    gen = torch.Generator().manual_seed(4131)
    O = torch.randn(6, 5, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 5, (6,), generator=gen)
    return {"float64, exact to rounding (a closed form)": attempt(ce_grad, O, y)}


@probe("softmax_jacobian", rtol=1e-12, atol=1e-14)
def softmax_jacobian_exact(softmax_jacobian):
    O = torch.randn(3, 4, generator=torch.Generator().manual_seed(4132), dtype=torch.float64)
    return {"float64, exact to rounding (a closed form)": attempt(softmax_jacobian, O)}


@probe("softmax_jacobian", rtol=1e-4, atol=1e-6)
def softmax_jacobian_cases(softmax_jacobian):
    gen = torch.Generator().manual_seed(4101)
    O = torch.randn(5, 4, generator=gen) * 2.0
    return {
        "random logits": attempt(softmax_jacobian, O),
        "float64": attempt(softmax_jacobian, O.double()),
        "large logits": attempt(
            softmax_jacobian, torch.tensor([[300.0, -300.0, 0.0], [1000.0, 999.0, 998.0]])
        ),
        "batch of one": attempt(softmax_jacobian, torch.randn(1, 6, generator=gen)),
        "one class": attempt(softmax_jacobian, torch.randn(3, 1, generator=gen)),
        "input not modified": keeps_inputs(softmax_jacobian, O),
    }


@probe("entropy", rtol=1e-4, atol=1e-6)
def entropy_cases(entropy):
    gen = torch.Generator().manual_seed(414)
    p = torch.softmax(torch.randn(5, 6, generator=gen), dim=1)
    with_zeros = p.clone()
    with_zeros[1] = torch.tensor([0.0, 0.5, 0.0, 0.5, 0.0, 0.0])
    with_zeros[3] = torch.nn.functional.one_hot(torch.tensor(2), 6).float()
    return {
        "batch": attempt(entropy, p),
        "zero probabilities": attempt(entropy, with_zeros),
        "single distribution": attempt(entropy, torch.tensor([0.7, 0.0, 0.3])),
        "uniform": attempt(entropy, torch.full((8,), 0.125)),
        "float64": attempt(entropy, p.double()),
        "3-d batch": attempt(entropy, torch.softmax(torch.randn(2, 3, 4, generator=gen), dim=-1)),
        "input not modified": keeps_inputs(entropy, with_zeros),
    }


@probe("kl_divergence", rtol=1e-4, atol=1e-6)
def kl_divergence_cases(kl_divergence):
    gen = torch.Generator().manual_seed(4102)
    p = torch.softmax(torch.randn(5, 6, generator=gen), dim=1)
    q = torch.softmax(torch.randn(5, 6, generator=gen), dim=1)
    p_zeros = p.clone()
    p_zeros[:, :2] = 0.0
    p_zeros = p_zeros / p_zeros.sum(dim=1, keepdim=True)
    q_zeros = q.clone()
    q_zeros[:, 4:] = 0.0
    q_zeros = q_zeros / q_zeros.sum(dim=1, keepdim=True)
    return {
        "random pairs": attempt(kl_divergence, p, q),
        "arguments swapped": attempt(kl_divergence, q, p),
        "identical distributions": attempt(kl_divergence, p, p),
        "zeros in p": attempt(kl_divergence, p_zeros, q),
        "zeros in both": attempt(
            kl_divergence, torch.tensor([0.5, 0.5, 0.0]), torch.tensor([0.2, 0.8, 0.0])
        ),
        "zeros only in q": attempt(kl_divergence, p, q_zeros),
        "float64": attempt(kl_divergence, p.double(), q.double()),
        "single pair": attempt(kl_divergence, p[0], q[0]),
        "inputs not modified": keeps_inputs(kl_divergence, p_zeros, q_zeros),
    }


concept("initial_loss", "answer_initial_loss", rtol=0.01, atol=0.0)


concept("confident_wrong", "answer_confident_wrong", as_="choice", question="confident_wrong")


# The answers of one task differ only in the call they make: {name} is where it goes.
_CE_GRAD = (
    "def ce_grad(O, y):\n"
    "    leaf = O.detach().requires_grad_(True)\n"
    "    return {name}(F.cross_entropy(leaf, y), leaf)[0]"
)
_JACOBIAN = (
    "def softmax_jacobian(O):\n"
    "    J = {name}(lambda X: torch.softmax(X, dim=1), O)\n"
    "    rows = torch.arange(O.shape[0])\n"
    "    return J[rows, :, rows, :]"
)

RULE_EXAMPLES = {
    "ce_grad": {
        "breaks": {
            "backward": (
                "def ce_grad(O, y):\n"
                "    O = O.detach().clone().requires_grad_(True)\n"
                "    F.cross_entropy(O, y).backward()\n"
                "    return O.grad"
            ),
            # the helper route is the hand-written one below, which calls backward()
            **evasions("torch.autograd.grad", _CE_GRAD, skip=(HELPER,)),
            "helper in another cell": (
                "def autograd_of_loss(O, y):\n"
                "    leaf = O.detach().requires_grad_(True)\n"
                "    loss = F.cross_entropy(leaf, y)\n"
                "    loss.backward()\n"
                "    return leaf.grad",
                "def ce_grad(O, y):\n    return autograd_of_loss(O, y)",
            ),
            "torch.func": (
                "def ce_grad(O, y):\n"
                "    return torch.func.grad(lambda logits: F.cross_entropy(logits, y))(O)"
            ),
            # Past the Python entry points: caught by the backward kernels they run.
            "autograd's engine called directly": (
                "def ce_grad(O, y):\n"
                "    leaf = O.detach().requires_grad_(True)\n"
                "    loss = F.cross_entropy(leaf, y)\n"
                "    autograd = getattr(torch, 'auto' + 'grad')\n"
                "    engine = getattr(getattr(autograd, 'Vari' + 'able'), '_execution_' + 'engine')\n"
                "    run = getattr(engine, 'run_' + 'backward')\n"
                "    return run((loss,), (torch.ones_like(loss),), False, False, (leaf,), False, False)[0]"
            ),
        },
        "keeps": {
            "one-hot by indexing": (
                "def ce_grad(O, y):\n"
                "    # by hand, no .backward(): softmax minus one-hot, over the batch size\n"
                "    Y = torch.zeros_like(O)\n"
                "    Y[torch.arange(len(y)), y] = 1\n"
                "    return (torch.softmax(O, dim=1) - Y) / len(y)"
            ),
            "scatter and a stable softmax by hand": (
                "def ce_grad(O, y):\n"
                "    E = torch.exp(O - O.amax(dim=1, keepdim=True))\n"
                "    P = E / E.sum(dim=1, keepdim=True)\n"
                "    P = P.scatter_add(1, y.unsqueeze(1), -torch.ones(len(y), 1, dtype=O.dtype))\n"
                "    return P / O.shape[0]  # 'torch.autograd' would be the easy way out"
            ),
        },
    },
    "softmax_jacobian": {
        "breaks": {
            **evasions(
                "torch.autograd.functional.jacobian",
                _JACOBIAN,
                skip=(BOUND, HELPER),
            ),
            "torch.func.jacrev under vmap, imported under another name": (
                "from torch.func import jacrev as jacobian_of, vmap",
                "def softmax_jacobian(O):\n"
                "    return vmap(jacobian_of(lambda o: torch.softmax(o, dim=0)))(O)",
            ),
            "loop over rows": (
                "def softmax_jacobian(O):\n"
                "    P = torch.softmax(O, dim=1)\n"
                "    return torch.stack([torch.diag(p) - torch.outer(p, p) for p in P])"
            ),
            "loop in a helper in another cell": (
                "def jacobians_row_by_row(P):\n"
                "    out = []\n"
                "    for p in P:\n"
                "        out.append(torch.diag(p) - torch.outer(p, p))\n"
                "    return torch.stack(out)",
                "def softmax_jacobian(O):\n"
                "    return jacobians_row_by_row(torch.softmax(O, dim=1))",
            ),
        },
        "keeps": {
            "identity times probabilities": (
                "def softmax_jacobian(O):\n"
                "    P = torch.softmax(O, dim=1)\n"
                "    eye = torch.eye(O.shape[1], dtype=O.dtype)\n"
                "    # no torch.autograd.functional.jacobian and no for loop\n"
                "    return P.unsqueeze(2) * (eye - P.unsqueeze(1))"
            ),
            "einsum outer product": (
                "def softmax_jacobian(O):\n"
                "    P = torch.softmax(O, dim=1)\n"
                "    return torch.diag_embed(P) - torch.einsum('ij,ik->ijk', P, P)"
            ),
        },
    },
    "entropy": {
        "breaks": {
            **evasions("torch.special.entr", "def entropy(p):\n    return {name}(p).sum(dim=-1)"),
            "torch.distributions": (
                "def entropy(p):\n    return torch.distributions.Categorical(probs=p).entropy()"
            ),
        },
        "keeps": {
            "torch.where": (
                "def entropy(p):\n"
                "    logs = torch.where(p > 0, torch.log(p), torch.zeros_like(p))\n"
                "    return -(p * logs).sum(dim=-1)  # not torch.special.entr"
            ),
            "nan_to_num": (
                "def entropy(p):\n"
                "    return -torch.nan_to_num(p * torch.log(p), nan=0.0).sum(dim=-1)"
            ),
        },
    },
    "kl_divergence": {
        "breaks": {
            **evasions(
                "torch.nn.functional.kl_div",
                "def kl_divergence(p, q):\n"
                "    return {name}(torch.log(q), p, reduction='none').sum(dim=-1)",
            ),
            "nn.KLDivLoss under an alias": (
                "divergence_loss = torch.nn.KLDivLoss(reduction='none')",
                "def kl_divergence(p, q):\n    return divergence_loss(torch.log(q), p).sum(dim=-1)",
            ),
            "torch.distributions": (
                "def kl_divergence(p, q):\n"
                "    D = torch.distributions\n"
                "    return D.kl_divergence(D.Categorical(probs=p), D.Categorical(probs=q))"
            ),
        },
        "keeps": {
            "cross-entropy minus entropy": (
                "def kl_divergence(p, q):\n"
                "    # H(P, Q) - H[P]; F.kl_div would do it for us\n"
                "    return (torch.xlogy(p, p) - torch.xlogy(p, q)).sum(-1)"
            ),
            "torch.where": (
                "def kl_divergence(p, q):\n"
                "    terms = torch.where(p > 0, p * (torch.log(p) - torch.log(q)), torch.zeros_like(p))\n"
                "    return terms.sum(dim=-1)"
            ),
        },
    },
}
