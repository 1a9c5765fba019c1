"""Hidden checks for exercises 5.1 (instructor only; never shipped to students)."""
from d2lgrade import probe


@probe("activations")
def relu_and_prelu_on_random_and_edge_inputs(relu, prelu):
    import torch
    gen = torch.Generator().manual_seed(5101)
    X = torch.randn(3, 4, 5, generator=gen) * 3
    X_copy = X.clone()
    out = {
        "relu": relu(X),
        "prelu_small": prelu(X, 0.25),
        "prelu_zero": prelu(X, 0.0),
        "prelu_negative": prelu(X, -0.5),
        "prelu_large": prelu(X, 2.0),
        "scalar": [relu(torch.tensor(-1.5)), prelu(torch.tensor(-1.5), 0.3)],
        "empty_shape": [list(relu(torch.zeros(0, 3)).shape), list(prelu(torch.zeros(0), 0.1).shape)],
        "dtype64": [str(relu(X.double()).dtype), str(prelu(X.double(), 0.1).dtype)],
    }
    out["input_unchanged"] = bool(torch.equal(X, X_copy))
    return out


@probe("autograd_derivative")
def autograd_derivative_of_several_functions(autograd_derivative):
    import torch
    gen = torch.Generator().manual_seed(5102)
    x = torch.randn(4, 3, generator=gen) * 2
    d_cube = autograd_derivative(lambda t: t ** 3 - 2 * t, x)
    d_sig = autograd_derivative(torch.sigmoid, x)
    d_exp = autograd_derivative(torch.exp, x.double())
    return {
        "cube": d_cube,
        "sigmoid": d_sig,
        "exp64": d_exp,
        "dtype64": str(d_exp.dtype),
        "scalar": autograd_derivative(torch.tanh, torch.tensor(0.7)),
        "abs": autograd_derivative(torch.abs, torch.tensor([-2.0, 3.0])),
        "not_requiring_grad": [bool(d_cube.requires_grad), bool(d_sig.requires_grad)],
        "x_untouched": [bool(x.requires_grad), x.grad is None],
    }


@probe("sigmoid_tanh_grad")
def closed_form_derivatives_on_random_and_extreme_inputs(sigmoid_grad, tanh_grad):
    import torch
    gen = torch.Generator().manual_seed(5103)
    X = torch.randn(6, 7, generator=gen) * 4
    extreme = torch.tensor([-1000.0, -200.0, -100.0, -30.0, 30.0, 100.0, 1000.0])
    s_ext = sigmoid_grad(extreme)
    t_ext = tanh_grad(extreme)
    return {
        "sigmoid": sigmoid_grad(X),
        "tanh": tanh_grad(X),
        "sigmoid64": sigmoid_grad(X.double()),
        "tanh64": tanh_grad(X.double()),
        "dtypes": [str(sigmoid_grad(X.double()).dtype), str(tanh_grad(X.double()).dtype)],
        "finite": [bool(torch.isfinite(s_ext).all()), bool(torch.isfinite(t_ext).all())],
        "extreme_sigmoid": s_ext,
        "extreme_tanh": t_ext,
        "shape": list(sigmoid_grad(torch.zeros(2, 0, 3)).shape),
    }


@probe("merge_linear")
def merge_linear_on_random_layers(merge_linear):
    import torch
    gen = torch.Generator().manual_seed(5104)
    W1 = torch.randn(5, 7, generator=gen)
    b1 = torch.randn(7, generator=gen)
    W2 = torch.randn(7, 3, generator=gen)
    b2 = torch.randn(3, generator=gen)
    W, b = merge_linear(W1, b1, W2, b2)
    # a layer of width 1 in the middle
    V, c = merge_linear(torch.randn(4, 1, generator=gen), torch.randn(1, generator=gen),
                        torch.randn(1, 6, generator=gen), torch.randn(6, generator=gen))
    return {"W": W, "b": b, "V": V, "c": c}
