"""Hidden checks for exercises 5.2 (instructor only; never shipped to students)."""
from d2lgrade import probe


@probe("relu")
def relu_values_shapes_and_gradient(relu):
    import torch
    gen = torch.Generator().manual_seed(5201)
    X = torch.randn(4, 3, 2, generator=gen)
    X_copy = X.clone()
    Z = torch.randn(10, generator=gen).requires_grad_(True)
    relu(Z).pow(2).sum().backward()
    return {
        "values": relu(X),
        "unchanged": bool(torch.equal(X, X_copy)),
        "grad": Z.grad,
        "dtype64": str(relu(X.double()).dtype),
        "scalar": relu(torch.tensor(-2.0)),
        "empty_shape": list(relu(torch.zeros(0, 5)).shape),
    }


@probe("mlp_scratch")
def mlp_scratch_parameters_and_forward(MLPScratch):
    import torch
    torch.manual_seed(5202)
    big = MLPScratch(num_inputs=200, num_outputs=50, num_hiddens=100, lr=0.1, sigma=0.5)
    names = {name: list(p.shape) for name, p in big.named_parameters()}
    init_ok = [
        bool(abs(float(big.W1.std()) - 0.5) < 0.05),
        bool(abs(float(big.W2.std()) - 0.5) < 0.05),
        bool(torch.all(big.b1 == 0)),
        bool(torch.all(big.b2 == 0)),
    ]
    model = MLPScratch(num_inputs=6, num_outputs=3, num_hiddens=5, lr=0.1)
    gen = torch.Generator().manual_seed(5203)
    with torch.no_grad():
        model.W1.copy_(torch.randn(6, 5, generator=gen))
        model.b1.copy_(torch.randn(5, generator=gen))
        model.W2.copy_(torch.randn(5, 3, generator=gen))
        model.b2.copy_(torch.randn(3, generator=gen))
    X = torch.randn(8, 2, 3, generator=gen)
    y = torch.randint(0, 3, (8,), generator=gen)
    O = model(X)
    loss = model.loss(O, y)
    loss.backward()
    return {
        "names": names,
        "num_tensors": len(list(model.parameters())),
        "init": init_ok,
        "logits": O.detach(),
        "single": model(torch.randn(1, 6, generator=gen)).detach(),
        "grad_W1": model.W1.grad,
        "grad_b2": model.b2.grad,
    }


@probe("make_mlp")
def make_mlp_structure_counts_and_forward(make_mlp, count_parameters):
    import torch
    from torch import nn
    structures = {}
    counts = {}
    for key, sizes in {"deep": [12, 8, 6, 4, 3], "one": [5, 2], "two": [7, 1, 9]}.items():
        torch.manual_seed(5204)
        net = make_mlp(sizes)
        structures[key] = [
            [type(m).__name__, getattr(m, "in_features", None), getattr(m, "out_features", None),
             getattr(m, "bias", None) is not None]
            for m in net
        ]
        counts[key] = count_parameters(net)
    net = make_mlp([6, 4, 3])
    gen = torch.Generator().manual_seed(5205)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    out = net(torch.randn(5, 2, 3, generator=gen)).detach()
    shared = nn.Linear(3, 3)
    others = [
        count_parameters(nn.Sequential(nn.Linear(10, 4, bias=False), nn.ReLU(), nn.Linear(4, 2))),
        count_parameters(nn.Sequential(shared, nn.Tanh(), shared, nn.Linear(3, 1))),
        count_parameters(nn.ReLU()),
    ]
    return {"structures": structures, "counts": counts, "forward": out, "others": others,
            "count_type": type(counts["deep"]).__name__}


@probe("train_step")
def train_step_several_steps_with_stale_gradients(train_step):
    import torch
    from torch import nn
    torch.manual_seed(5206)
    net = nn.Sequential(nn.Flatten(), nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))
    gen = torch.Generator().manual_seed(5207)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
    X = torch.randn(10, 2, 3, generator=gen)
    y = torch.randint(0, 3, (10,), generator=gen)
    # leave stale gradients behind: they must not influence the update
    (net(X) ** 2).sum().backward()
    losses = [train_step(net, X, y, 0.3) for _ in range(5)]
    params = [p.detach().clone() for p in net.parameters()]
    single = nn.Sequential(nn.Linear(2, 2))
    with torch.no_grad():
        single[0].weight.copy_(torch.tensor([[0.5, -1.0], [2.0, 0.0]]))
        single[0].bias.copy_(torch.tensor([0.1, -0.1]))
    first = train_step(single, torch.tensor([[1.0, 2.0]]), torch.tensor([1]), 1.0)
    return {"losses": losses, "params": params, "single_loss": first,
            "single_params": [p.detach().clone() for p in single.parameters()],
            "loss_type": type(losses[0]).__name__}
