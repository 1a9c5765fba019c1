"""Hidden checks for exercises 2.1 (instructor only; never shipped to students)."""
from d2lgrade import probe


@probe("comparisons")
def comparisons_on_random_and_edge_inputs(compare):
    import torch
    gen = torch.Generator().manual_seed(2101)
    X = torch.randn(4, 5, generator=gen)
    Y = torch.randn(4, 5, generator=gen)
    Y[0, :2] = X[0, :2]                                   # some ties
    A = torch.randint(-3, 4, (2, 3, 4), generator=gen)   # int64, three axes, many ties
    B = torch.randint(-3, 4, (2, 3, 4), generator=gen)
    results = []
    for P, Q in [(X, Y), (X, X.clone()), (A, B), (torch.zeros(0), torch.zeros(0)),
                 (torch.tensor(2.5), torch.tensor(-1.0))]:
        P0, Q0 = P.clone(), Q.clone()
        smaller, larger = compare(P, Q)
        results.append([smaller, larger, bool(torch.equal(P, P0) and torch.equal(Q, Q0))])
    return results


@probe("broadcast")
def broadcast_shape_on_other_shapes(broadcast_shape):
    import numpy
    import torch

    def forbidden(*args, **kwargs):
        raise RuntimeError("broadcast helper called")

    saved = (torch.broadcast_shapes, numpy.broadcast_shapes)
    torch.broadcast_shapes = forbidden
    numpy.broadcast_shapes = forbidden
    cases = [
        ((3,), (3,)), ((), ()), ((5,), ()), ((1,), (0,)), ((0,), (1, 1)),
        ((2, 1, 4, 1), (3, 1, 5)), ((1, 9), (6, 1)), ((6, 1, 1), (1, 2, 1, 7)),
        (torch.Size([4, 1]), torch.Size([1, 3])), ((12, 1, 10**9), (10**9, 1)),
        ((2, 3), (3, 2)), ((4,), (5,)), ((0,), (2,)), ((1, 2, 3), (4, 2, 1, 2)),
        ((7, 1, 3), (2, 3)),
    ]
    results = []
    try:
        for a, b in cases:
            try:
                got = broadcast_shape(a, b)
                results.append(["ok", [int(n) for n in got], type(got).__name__,
                                all(type(n) is int for n in got)])
            except Exception as err:   # the kind of error is what we compare
                results.append(["error", type(err).__name__])
    finally:
        torch.broadcast_shapes, numpy.broadcast_shapes = saved
    return results


@probe("border")
def set_border_on_other_shapes_and_dtypes(set_border):
    import torch
    gen = torch.Generator().manual_seed(2103)
    inputs = [
        (torch.randn(5, 6, generator=gen), 0.25),
        (torch.randint(0, 100, (3, 3), generator=gen), 7),
        (torch.randn(4, 1, generator=gen, dtype=torch.float64), -2.0),
        (torch.randint(0, 10, (1, 1), generator=gen), 3),
        (torch.randn(2, 2, generator=gen), 1.0),
        (torch.randn(3, 7, generator=gen)[:, ::2], 5.0),   # a non-contiguous view
    ]
    results = []
    for X, value in inputs:
        X0 = X.clone()
        out = set_border(X, value)
        results.append([out, str(out.dtype), bool(torch.equal(X, X0))])
    return results


@probe("totals")
def add_totals_on_other_shapes_and_dtypes(add_totals):
    import torch
    gen = torch.Generator().manual_seed(2104)
    inputs = [
        torch.randn(4, 6, generator=gen),
        torch.randint(-50, 50, (3, 2), generator=gen),
        torch.randn(1, 5, generator=gen, dtype=torch.float64),
        torch.randn(3, 1, generator=gen),
        torch.zeros((2, 0)),
        torch.zeros((0, 0), dtype=torch.float64),
    ]
    results = []
    for X in inputs:
        X0 = X.clone()
        out = add_totals(X)
        results.append([out, str(out.dtype), bool(torch.equal(X, X0))])
    return results
