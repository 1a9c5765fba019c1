"""Hidden checks for exercises 2.3 (instructor only; never shipped to students)."""
from d2lgrade import probe


@probe("matvec")
def matvec_on_other_shapes(matvec):
    import torch

    def switched_off(*args, **kwargs):
        raise RuntimeError("forbidden product function called")

    names = ["mv", "matmul", "mm", "dot", "einsum", "inner", "tensordot"]
    saved = {name: getattr(torch, name) for name in names}
    saved_methods = {name: torch.Tensor.__dict__.get(name)
                     for name in ["__matmul__", "mv", "matmul", "mm", "dot", "inner"]}
    gen = torch.Generator().manual_seed(2301)
    cases = [
        (torch.randn(5, 7, generator=gen), torch.randn(7, generator=gen)),
        (torch.randn(1, 4, generator=gen, dtype=torch.float64),
         torch.randn(4, generator=gen, dtype=torch.float64)),
        (torch.randn(6, 1, generator=gen), torch.randn(1, generator=gen)),
        (torch.zeros(0, 3), torch.ones(3)),
        (torch.randn(4, 0, generator=gen), torch.zeros(0)),
        (1e3 * torch.randn(8, 3, generator=gen), torch.randn(3, generator=gen)),
        (torch.randn(3, 4, generator=gen), torch.randn(3, generator=gen)),   # mismatch
    ]
    results = []
    try:
        for name in names:
            setattr(torch, name, switched_off)
        for name in saved_methods:
            setattr(torch.Tensor, name, switched_off)
        for A, x in cases:
            try:
                out = matvec(A, x)
                results.append(["ok", out, str(out.dtype)])
            except Exception as err:   # compare the kind of error only
                results.append(["error", type(err).__name__])
    finally:
        for name, f in saved.items():
            setattr(torch, name, f)
        for name, f in saved_methods.items():
            if f is None:
                delattr(torch.Tensor, name)
            else:
                setattr(torch.Tensor, name, f)
    return results


@probe("normalize_rows")
def normalize_rows_on_other_matrices(normalize_rows):
    import torch
    gen = torch.Generator().manual_seed(2302)
    A = torch.rand(6, 4, generator=gen)
    A[2] = 0.0
    cases = [
        A,
        torch.rand(1, 5, generator=gen, dtype=torch.float64),
        torch.rand(3, 1, generator=gen) + 0.1,
        torch.zeros(2, 3),
        1e6 * torch.rand(4, 3, generator=gen),
    ]
    results = []
    for M in cases:
        M0 = M.clone()
        out = normalize_rows(M)
        results.append([out, str(out.dtype), bool(torch.equal(M, M0))])
    return results


@probe("frobenius")
def frobenius_norm_on_other_tensors(frobenius_norm):
    import torch

    def switched_off(*args, **kwargs):
        raise RuntimeError("forbidden norm function called")

    saved = (torch.norm, torch.linalg.norm, torch.linalg.vector_norm,
             torch.linalg.matrix_norm, torch.Tensor.norm)
    gen = torch.Generator().manual_seed(2303)
    cases = [
        torch.randn(5, 6, generator=gen),
        torch.randn(7, generator=gen, dtype=torch.float64),
        torch.randn(2, 3, 4, generator=gen),
        torch.tensor(-2.5),
        torch.zeros(3, 3),
        torch.zeros(2, 0, 4, dtype=torch.float64),
        1e30 * torch.randn(4, 4, generator=gen),       # squares overflow float32
        1e-30 * torch.randn(10, generator=gen),        # squares underflow to 0 in float32
    ]
    results = []
    try:
        torch.norm = torch.linalg.norm = torch.linalg.vector_norm = switched_off
        torch.linalg.matrix_norm = torch.Tensor.norm = switched_off
        for X in cases:
            try:
                out = frobenius_norm(X)
                # compare relative to the true size so that tiny and huge norms both count
                true = torch.sqrt((X.double() ** 2).sum()).item()
                rel = out.item() / true if true > 0 else out.item()
                results.append(["ok", list(out.shape), str(out.dtype), round(rel, 4)])
            except Exception as err:
                results.append(["error", type(err).__name__])
    finally:
        (torch.norm, torch.linalg.norm, torch.linalg.vector_norm,
         torch.linalg.matrix_norm, torch.Tensor.norm) = saved
    return results


@probe("symmetric")
def is_symmetric_on_other_matrices(is_symmetric):
    import torch
    gen = torch.Generator().manual_seed(2304)
    R = torch.randn(5, 5, generator=gen)
    S = R + R.T
    almost = S.clone()
    almost[1, 3] += 1e-3
    ints = torch.randint(-9, 10, (4, 4), generator=gen)
    cases = [
        (S, 0.0), (almost, 0.0), (almost, 1e-2), (almost, 1e-4), (R, 0.0),
        (ints + ints.T, 0.0), (ints, 0.0), (torch.randn(3, 5, generator=gen), 10.0),
        (torch.randn(1, 1, generator=gen), 0.0), (torch.zeros(0, 0), 0.0),
        (torch.tensor([[1, 3], [5, 1]]), 2.0), (torch.tensor([[1, 3], [5, 1]]), 1.5),
    ]
    return [[is_symmetric(A, tol=tol), type(is_symmetric(A, tol=tol)).__name__]
            for A, tol in cases]
