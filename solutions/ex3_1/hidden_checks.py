"""Hidden checks for exercises 3.1 (instructor only; never shipped to students)."""
from d2lgrade import probe


@probe("squared_loss")
def squared_loss_on_mixed_shapes(squared_loss):
    import torch
    gen = torch.Generator().manual_seed(311)
    y_hat = torch.randn(7, generator=gen)
    y = torch.randn(7, 1, generator=gen)
    y_hat_col = torch.randn(5, 1, generator=gen)
    y_flat = torch.randn(5, generator=gen)
    y_hat_copy, y_copy = y_hat.clone(), y.clone()
    results = [
        squared_loss(y_hat, y),
        squared_loss(y_hat_col, y_flat),
        squared_loss(y_hat, y.reshape(-1)),
        squared_loss(torch.tensor([3.0]), torch.tensor([[-1.0]])),
        squared_loss(100.0 * y_hat, torch.zeros(7)),
    ]
    shapes = [list(r.shape) for r in results]
    unchanged = bool(torch.equal(y_hat, y_hat_copy) and torch.equal(y, y_copy))
    return {"values": results, "shapes": shapes, "inputs_unchanged": unchanged}


@probe("closed_form", rtol=1e-3, atol=1e-4)
def closed_form_on_noisy_and_small_data(fit_closed_form):
    import torch
    gen = torch.Generator().manual_seed(312)
    X = torch.randn(40, 4, generator=gen)
    y = X @ torch.tensor([0.5, -1.5, 2.0, 0.0]) + 3.0 + 0.2 * torch.randn(40, generator=gen)
    w, b = fit_closed_form(X, y)
    # one feature, as many examples as unknowns: the line through two points
    w1, b1 = fit_closed_form(torch.tensor([[1.0], [3.0]]), torch.tensor([2.0, -2.0]))
    # one feature, noisy
    x = torch.linspace(-2, 2, 15).reshape(-1, 1)
    yx = -0.7 * x.reshape(-1) + 0.25 + 0.1 * torch.randn(15, generator=gen)
    w2, b2 = fit_closed_form(x, yx)
    return {
        "w": w, "b": b, "w_two_points": w1, "b_two_points": b1, "w_line": w2, "b_line": b2,
        "types": [isinstance(v, float) for v in (b, b1, b2)],
        "shapes": [list(v.shape) for v in (w, w1, w2)],
    }


@probe("sgd_step")
def sgd_step_on_random_batches(sgd_step):
    import torch
    gen = torch.Generator().manual_seed(313)
    w = torch.randn(3, generator=gen)
    w_copy = w.clone()
    X = torch.randn(6, 3, generator=gen)
    y = torch.randn(6, generator=gen)
    w1, b1 = sgd_step(w, -0.4, X, y, 0.05)
    w2, b2 = sgd_step(w1, b1, X[:1], y[:1], 0.5)      # a single example
    w3, b3 = sgd_step(torch.zeros(1), 2.0, torch.tensor([[2.0], [4.0]]),
                      torch.tensor([1.0, 1.0]), 0.25)
    return {
        "step1": [w1, b1], "step2": [w2, b2], "one_feature": [w3, b3],
        "types": [isinstance(v, float) for v in (b1, b2, b3)],
        "w_unchanged": bool(torch.equal(w, w_copy)),
    }


@probe("gaussian_nll")
def gaussian_nll_on_random_and_extreme_residuals(gaussian_nll):
    import torch
    gen = torch.Generator().manual_seed(314)
    y = torch.randn(10, generator=gen)
    y_hat = y + 0.3 * torch.randn(10, generator=gen)
    results = [
        gaussian_nll(y, y_hat, 0.3),
        gaussian_nll(y, y_hat, 2.0),
        gaussian_nll(torch.tensor([0.0, 1.0]), torch.tensor([0.01, -9.0]), 0.01),  # 1000 sigma
        gaussian_nll(torch.tensor([5.0]), torch.tensor([5.0]), 0.1),
    ]
    finite = [bool(torch.isfinite(r)) for r in results]
    return {"values": results, "finite": finite, "shapes": [list(r.shape) for r in results]}
