"""Hidden checks for exercises 3.4 (instructor only; never shipped to students)."""
from d2lgrade import probe


@probe("my_sgd")
def my_sgd_updates_given_gradients(MySGD):
    import torch
    gen = torch.Generator().manual_seed(341)
    W = torch.randn(3, 2, generator=gen).requires_grad_(True)
    b = torch.randn(2, generator=gen).requires_grad_(True)
    frozen = torch.randn(4, generator=gen).requires_grad_(True)   # grad stays None
    W.grad = torch.randn(3, 2, generator=gen)
    b.grad = torch.randn(2, generator=gen)
    grad_before = W.grad.clone()
    opt = MySGD([W, frozen, b], lr=0.03)
    opt.step()
    after_one = [W.detach().clone(), b.detach().clone()]
    opt.step()
    big = torch.tensor([1.0e4, -2.0e4]).requires_grad_(True)
    big.grad = torch.tensor([3.0e4, 1.0])
    MySGD([big], lr=0.5).step()
    return {
        "after_one": after_one,
        "after_two": [W.detach(), b.detach()],
        "frozen": frozen.detach(),
        "big": big.detach(),
        "grad_unchanged": bool(torch.equal(W.grad, grad_before)),
        "still_leaf": [W.is_leaf, W.requires_grad, b.is_leaf, b.requires_grad],
    }


@probe("linreg_model")
def linreg_model_init_and_forward(LinearRegressionScratch):
    import torch
    import d2lutils as d2l
    d2l.set_seed(342)
    big = LinearRegressionScratch(4000, lr=0.3, sigma=0.5)
    w = big.w.detach()
    small = LinearRegressionScratch(3, lr=0.01)
    gen = torch.Generator().manual_seed(342)
    with torch.no_grad():
        small.w.copy_(torch.randn(3, 1, generator=gen))
        small.b.copy_(torch.randn(1, generator=gen))
    X = torch.randn(6, 3, generator=gen)
    out = small(X)
    return {
        "hparams": [big.num_inputs, float(big.lr), float(big.sigma), float(small.sigma)],
        "shapes": [list(big.w.shape), list(big.b.shape), list(small.w.shape)],
        "dtypes": [str(big.w.dtype), str(big.b.dtype)],
        "requires_grad": [big.w.requires_grad, big.b.requires_grad],
        "b_zero": big.b.detach(),
        "w_std_rounded": round(float(w.std()), 1),
        "w_mean_small": bool(abs(float(w.mean())) < 0.05),
        "forward": out.detach(),
        "forward_empty_shape": list(small(torch.zeros(0, 3)).shape),
        "forward_tracks_grad": out.requires_grad,
    }


@probe("linreg_loss")
def linreg_loss_and_optimizer(LinearRegressionScratch, MySGD):
    import torch
    import d2lutils as d2l
    gen = torch.Generator().manual_seed(343)
    # built without the student's __init__, so this probe depends only on Task 3
    model = LinearRegressionScratch.__new__(LinearRegressionScratch)
    d2l.Module.__init__(model)
    model.lr = 0.07
    model.w = torch.zeros(5, 1, requires_grad=True)
    model.b = torch.zeros(1, requires_grad=True)
    y_hat = torch.randn(9, 1, generator=gen).requires_grad_(True)
    y = torch.randn(9, generator=gen)
    l1 = model.loss(y_hat, y)
    l1.backward()
    l2 = model.loss(y_hat.detach(), y.reshape(-1, 1))
    l3 = model.loss(torch.tensor([[2.0]]), torch.tensor([-1.0]))
    opt = model.configure_optimizers()
    return {
        "losses": [l1.detach(), l2, l3],
        "grad_y_hat": y_hat.grad,
        "optimizer_is_mysgd": isinstance(opt, MySGD),
        "optimizer_lr": float(opt.lr),
        "optimizer_params": [len(opt.params), opt.params[0] is model.w, opt.params[-1] is model.b],
    }


@probe("train_run")
def train_run_on_other_parameters(train_scratch):
    import torch
    true_w = torch.tensor([1.0, -2.0, 0.5])
    w_err, b_err = train_scratch(true_w, -1.0, lr=0.1, max_epochs=2, seed=7)
    w_err0, b_err0 = train_scratch(true_w, -1.0, max_epochs=0, seed=3)
    return {
        "shape": list(w_err.shape),
        "types": [isinstance(b_err, float), isinstance(w_err, torch.Tensor), w_err.requires_grad],
        "trained_w_close": bool(w_err.abs().max() < 0.05),
        "trained_b_close": bool(abs(b_err) < 0.05),
        "untrained_w_rounded": torch.round(w_err0, decimals=1),
        "untrained_b": round(b_err0, 3),
    }
