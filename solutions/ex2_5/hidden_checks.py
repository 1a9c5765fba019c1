"""Hidden checks for exercises 2.5 (instructor only; never shipped to students).

Each probe also reports whether backpropagation ran while the student's function was
called, by counting calls of the autograd engine entry point that both
`Tensor.backward` / `torch.autograd.backward` and `torch.autograd.grad` go through.
"""
from d2lgrade import probe


@probe("gradient")
def gradient_of_other_functions(gradient):
    import torch
    import torch.autograd as autograd_module

    calls = [0]
    engine = getattr(autograd_module, "_engine_run_backward", None)

    def counting_engine(*args, **kwargs):
        calls[0] += 1
        return engine(*args, **kwargs)

    gen = torch.Generator().manual_seed(2501)
    W = torch.randn(3, 4, generator=gen)
    cases = [
        (lambda t: (torch.tanh(t) * t).sum(), torch.randn(2, 3, generator=gen)),
        (lambda t: torch.logsumexp(t, 0), torch.randn(6, generator=gen, dtype=torch.float64)),
        (lambda t: (t ** 3).sum().reshape(1), torch.randn(4, generator=gen)),
        (lambda t: 5.0 * t.sum(), torch.randn(1, generator=gen)),
        (lambda t: ((W * t).sum(dim=1) ** 2).sum(), torch.randn(4, generator=gen)),
        (lambda t: torch.exp(t), torch.randn(3, generator=gen)),                   # 3 outputs
        (lambda t: t.reshape(2, 3).sum(dim=0), torch.randn(6, generator=gen)),     # 3 outputs
    ]
    results = []
    if engine is not None:
        autograd_module._engine_run_backward = counting_engine
    try:
        for f, x in cases:
            x0 = x.clone()
            calls[0] = 0
            try:
                g = gradient(f, x)
                results.append(["ok", g, str(g.dtype), bool(g.requires_grad),
                                engine is None or calls[0] > 0])
            except Exception as err:
                results.append(["error", type(err).__name__])
            results.append(bool(torch.equal(x, x0) and not x.requires_grad and x.grad is None))
    finally:
        if engine is not None:
            autograd_module._engine_run_backward = engine
    return results


@probe("detach")
def frozen_mean_grads_on_other_vectors(frozen_mean_grads):
    import torch
    import torch.autograd as autograd_module

    calls = [0]
    engine = getattr(autograd_module, "_engine_run_backward", None)

    def counting_engine(*args, **kwargs):
        calls[0] += 1
        return engine(*args, **kwargs)

    gen = torch.Generator().manual_seed(2502)
    cases = [
        torch.randn(7, generator=gen),
        torch.randn(3, generator=gen, dtype=torch.float64),
        torch.randn(1, generator=gen),
        torch.tensor([0.5, -0.5, 2.0, -2.0]),     # mean 0: frozen gradient is 0
    ]
    results = []
    if engine is not None:
        autograd_module._engine_run_backward = counting_engine
    try:
        for x in cases:
            x0 = x.clone()
            calls[0] = 0
            full, frozen = frozen_mean_grads(x)
            results.append([full, frozen, str(full.dtype), str(frozen.dtype),
                            bool(full.requires_grad or frozen.requires_grad),
                            engine is None or calls[0] > 0,
                            bool(torch.equal(x, x0) and not x.requires_grad and x.grad is None)])
    finally:
        if engine is not None:
            autograd_module._engine_run_backward = engine
    return results


@probe("control_flow")
def power_until_on_other_inputs(power_until):
    import torch
    import torch.autograd as autograd_module

    calls = [0]
    engine = getattr(autograd_module, "_engine_run_backward", None)

    def counting_engine(*args, **kwargs):
        calls[0] += 1
        return engine(*args, **kwargs)

    # limits are chosen well away from a power of a (except the exact tie 2**10 = 1024)
    cases = [(1.7, 50.0), (2.0, 1024.0), (5.0, 3.0), (1.3, 1e6), (1.05, 1.2), (4.0, -1.0)]
    results = []
    if engine is not None:
        autograd_module._engine_run_backward = counting_engine
    try:
        for a, limit in cases:
            calls[0] = 0
            y, dy_da = power_until(a, limit)
            results.append([y, dy_da, list(y.shape), list(dy_da.shape), str(y.dtype),
                            str(dy_da.dtype), bool(y.requires_grad or dy_da.requires_grad),
                            engine is None or calls[0] > 0])
    finally:
        if engine is not None:
            autograd_module._engine_run_backward = engine
    return results


@probe("vjp")
def vjp_on_other_functions(vjp):
    import torch
    import torch.autograd as autograd_module

    calls = [0]
    engine = getattr(autograd_module, "_engine_run_backward", None)

    def counting_engine(*args, **kwargs):
        calls[0] += 1
        return engine(*args, **kwargs)

    gen = torch.Generator().manual_seed(2504)
    W = torch.randn(3, 4, generator=gen)
    cases = [
        (lambda t: torch.cumsum(t, 0), torch.randn(5, generator=gen),
         torch.randn(5, generator=gen)),
        (lambda t: (W * torch.tanh(t)).sum(dim=1), torch.randn(4, generator=gen),
         torch.randn(3, generator=gen)),
        (lambda t: t ** 2, torch.randn(3, generator=gen, dtype=torch.float64),
         torch.randn(3, generator=gen, dtype=torch.float64)),
        (lambda t: torch.stack([t.prod(), t.sum(), torch.sin(t[0])]),
         torch.randn(2, generator=gen), torch.randn(3, generator=gen)),
        (lambda t: torch.stack([t[0] * t[0], 3.0 * t[0]]), torch.randn(1, generator=gen),
         torch.randn(2, generator=gen)),
    ]
    results = []
    if engine is not None:
        autograd_module._engine_run_backward = counting_engine
    try:
        for f, x, v in cases:
            x0 = x.clone()
            calls[0] = 0
            out = vjp(f, x, v)
            results.append([out, str(out.dtype), bool(out.requires_grad),
                            engine is None or calls[0] > 0,
                            bool(torch.equal(x, x0) and not x.requires_grad and x.grad is None)])
    finally:
        if engine is not None:
            autograd_module._engine_run_backward = engine
    return results
