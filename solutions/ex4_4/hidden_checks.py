"""Hidden checks for exercises 4.4 (instructor only; never shipped to students)."""
from d2lgrade import probe


@probe("softmax")
def softmax_on_random_large_and_edge_inputs(softmax):
    import torch
    gen = torch.Generator().manual_seed(4401)
    X = torch.randn(8, 10, generator=gen) * 5
    X_copy = X.clone()
    P = softmax(X)
    unchanged = bool(torch.equal(X, X_copy))
    big = torch.randn(6, 5, generator=gen) * 1000          # huge positive and negative logits
    shifted = torch.randn(3, 4, generator=gen) + 500.0      # all logits large
    return {
        "random": P,
        "dtypes": [str(P.dtype), str(softmax(X.double()).dtype)],
        "input_unchanged": unchanged,
        "big": softmax(big),
        "shifted": softmax(shifted),
        "one_column": softmax(torch.randn(4, 1, generator=gen)),
        "one_row": softmax(torch.tensor([[-3.0, 0.5, 2.0, 2.0]])),
        "float64": softmax(torch.randn(3, 6, generator=gen, dtype=torch.float64) * 20),
        "empty_shape": list(softmax(torch.zeros(0, 7)).shape),
    }


@probe("cross_entropy")
def cross_entropy_values_and_gradient(cross_entropy):
    import torch
    gen = torch.Generator().manual_seed(4402)
    logits = torch.randn(12, 5, generator=gen)
    Y_hat = torch.exp(logits) / torch.exp(logits).sum(dim=1, keepdim=True)
    Y_hat.requires_grad_(True)
    y = torch.randint(0, 5, (12,), generator=gen)
    loss = cross_entropy(Y_hat, y)
    loss.backward()
    one = torch.tensor([[0.2, 0.7, 0.1]])
    P64 = torch.softmax(torch.randn(4, 3, generator=gen, dtype=torch.float64), dim=1)
    return {
        "loss": loss.detach(),
        "grad": Y_hat.grad,
        "one_row": cross_entropy(one, torch.tensor([2])),
        "shape_dtype": [list(loss.shape), str(loss.dtype)],
        "float64": cross_entropy(P64, torch.tensor([0, 2, 1, 2])),
    }


@probe("ce_logits")
def ce_from_logits_moderate_values(cross_entropy_from_logits):
    import torch
    gen = torch.Generator().manual_seed(4403)
    O = torch.randn(10, 6, generator=gen) * 3
    y = torch.randint(0, 6, (10,), generator=gen)
    O_grad = O.clone().requires_grad_(True)
    loss = cross_entropy_from_logits(O_grad, y)
    loss.backward()
    return {
        "mean": cross_entropy_from_logits(O, y),
        "per_example": cross_entropy_from_logits(O, y, averaged=False),
        "grad": O_grad.grad,
        "one_row": cross_entropy_from_logits(torch.tensor([[0.5, -1.0]]), torch.tensor([1]),
                                             averaged=False),
    }


@probe("ce_logits")
def ce_from_logits_huge_values_float64(cross_entropy_from_logits):
    import torch
    gen = torch.Generator().manual_seed(4404)
    O = torch.randn(8, 5, generator=gen, dtype=torch.float64) * 1000
    y = torch.randint(0, 5, (8,), generator=gen)
    per_example = cross_entropy_from_logits(O, y, averaged=False)
    return {
        "per_example": per_example,
        "finite32": bool(torch.isfinite(
            cross_entropy_from_logits(O.float(), y, averaged=False)).all()),
        "mean": cross_entropy_from_logits(O, y),
        "shapes_dtypes": [list(per_example.shape), str(per_example.dtype),
                          list(cross_entropy_from_logits(O, y).shape)],
    }


@probe("scratch_model")
def scratch_model_forward_loss_predict_and_gradients(SoftmaxRegressionScratch):
    import torch
    torch.manual_seed(4405)
    model = SoftmaxRegressionScratch(num_inputs=6, num_outputs=4, lr=0.1)
    gen = torch.Generator().manual_seed(4406)
    with torch.no_grad():
        model.W.copy_(torch.randn(6, 4, generator=gen))
        model.b.copy_(torch.randn(4, generator=gen))
    X = torch.randn(7, 1, 2, 3, generator=gen)
    y = torch.randint(0, 4, (7,), generator=gen)
    probs = model(X)
    loss = model.loss(probs, y)
    loss.backward()
    return {
        "probs": probs.detach(),
        "loss": loss.detach(),
        "predict": model.predict(X),
        "predict_one": model.predict(torch.randn(1, 6, generator=gen)),
        "grad_W": model.W.grad,
        "grad_b": model.b.grad,
    }
