"""Hidden checks for exercises 5.3 (instructor only; never shipped to students)."""
from d2lgrade import probe


@probe("forward")
def forward_on_random_shapes(forward):
    import torch
    gen = torch.Generator().manual_seed(5301)
    X = torch.randn(7, 5, generator=gen)
    W1 = torch.randn(5, 4, generator=gen)
    W2 = torch.randn(4, 3, generator=gen)
    Z, H, O = forward(X, W1, W2)
    z1, h1, o1 = forward(torch.randn(1, 2, generator=gen, dtype=torch.float64),
                         torch.randn(2, 6, generator=gen, dtype=torch.float64),
                         torch.randn(6, 1, generator=gen, dtype=torch.float64))
    return {"Z": Z, "H": H, "O": O, "single": [z1, h1, o1], "dtype64": str(o1.dtype)}


@probe("objective")
def penalty_and_objective_on_random_inputs(l2_penalty, objective):
    import torch
    gen = torch.Generator().manual_seed(5302)
    X = torch.randn(9, 4, generator=gen)
    Y = torch.randn(9, 3, generator=gen)
    W1 = torch.randn(4, 6, generator=gen)
    W2 = torch.randn(6, 3, generator=gen)
    W1g = W1.clone().requires_grad_(True)
    J = objective(X, Y, W1g, W2, 0.3)
    J.backward()
    return {
        "penalty": [l2_penalty(W1, W2, 0.3), l2_penalty(W1, W2, 0.0),
                    l2_penalty(torch.ones(2, 2), torch.ones(3, 1), 1.0)],
        "objective": [J.detach(), objective(X, Y, W1, W2, 0.0),
                      objective(X[:1], Y[:1], W1, W2, 2.0)],
        "shapes": [list(J.shape), list(l2_penalty(W1, W2, 0.3).shape)],
        "grad_W1": W1g.grad,
    }


@probe("backward", rtol=1e-4, atol=1e-5)
def backward_on_random_inputs_without_autograd(backward):
    import torch
    gen = torch.Generator().manual_seed(5303)
    X = torch.randn(10, 6, generator=gen)
    Y = torch.randn(10, 3, generator=gen)
    W1 = torch.randn(6, 8, generator=gen)
    W2 = torch.randn(8, 3, generator=gen)
    with torch.no_grad():
        dW1, dW2 = backward(X, Y, W1, W2, 0.05)
        dW1_0, dW2_0 = backward(X, Y, W1, W2, 0.0)
    return {"dW1": dW1, "dW2": dW2, "dW1_no_decay": dW1_0, "dW2_no_decay": dW2_0}


@probe("backward", rtol=1e-4, atol=1e-5)
def backward_edge_cases_single_example_and_zero_preactivations(backward):
    import torch
    gen = torch.Generator().manual_seed(5304)
    # one example
    X1 = torch.randn(1, 3, generator=gen)
    Y1 = torch.randn(1, 2, generator=gen)
    W1 = torch.randn(3, 4, generator=gen)
    W2 = torch.randn(4, 2, generator=gen)
    single = backward(X1, Y1, W1, W2, 0.5)
    # a zero input row and a zero column of W1 give Z entries that are exactly 0
    X = torch.randn(5, 3, generator=gen)
    X[2] = 0.0
    V1 = torch.randn(3, 4, generator=gen)
    V1[:, 1] = 0.0
    V2 = torch.randn(4, 2, generator=gen)
    Y = torch.randn(5, 2, generator=gen)
    zeros = backward(X, Y, V1, V2, 0.1)
    # float64, larger sizes
    X64 = torch.randn(20, 7, generator=gen, dtype=torch.float64)
    Y64 = torch.randn(20, 5, generator=gen, dtype=torch.float64)
    A = torch.randn(7, 9, generator=gen, dtype=torch.float64)
    B = torch.randn(9, 5, generator=gen, dtype=torch.float64)
    f64 = backward(X64, Y64, A, B, 0.01)
    return {"single": list(single), "zero_preactivations": list(zeros), "float64": list(f64),
            "dtype64": [str(f64[0].dtype), str(f64[1].dtype)]}


@probe("memory")
def memory_counts_for_several_architectures(memory_floats):
    cases = [
        (64, 784, [256], 10),
        (32, 100, [50, 40, 30], 7),
        (8, 5, [], 3),
        (0, 20, [10, 10], 2),
        (1, 1, [1, 1, 1, 1], 1),
        (128, 3072, [1024, 512], 100),
    ]
    results = [memory_floats(n, d, list(hs), q) for n, d, hs, q in cases]
    types = sorted({type(v).__name__ for r in results for v in r.values()})
    return {"results": results, "types": types}
