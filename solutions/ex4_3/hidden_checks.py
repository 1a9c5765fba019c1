"""Hidden checks for exercises 4.3 (instructor only; never shipped to students)."""
from d2lgrade import probe


@probe("accuracy")
def accuracy_on_random_tied_and_small_inputs(accuracy):
    import torch
    gen = torch.Generator().manual_seed(4301)
    Y_hat = torch.randn(50, 10, generator=gen)
    y = torch.randint(0, 10, (50,), generator=gen)
    # integer scores in {0, 1, 2}: many rows with ties for the maximum
    ties = torch.randint(0, 3, (40, 4), generator=gen).float()
    y_ties = torch.randint(0, 4, (40,), generator=gen)
    one_row = torch.tensor([[0.5, 2.0, 2.0]])
    return [
        accuracy(Y_hat, y),
        accuracy(Y_hat, Y_hat.argmax(dim=1)),
        accuracy(ties, y_ties),
        accuracy(one_row, torch.tensor([2])),
        accuracy(one_row, torch.tensor([1])),
        accuracy(torch.randn(7, 1, generator=gen), torch.zeros(7, dtype=torch.int64)),
    ]


@probe("confusion")
def confusion_matrix_on_random_and_edge_inputs(confusion_matrix):
    import torch
    gen = torch.Generator().manual_seed(4302)
    y = torch.randint(0, 5, (100,), generator=gen)
    y_pred = torch.randint(0, 5, (100,), generator=gen)
    empty = torch.zeros(0, dtype=torch.int64)
    return [
        confusion_matrix(y_pred, y, 5),
        confusion_matrix(y_pred, y, 7),          # classes 5 and 6 never occur
        confusion_matrix(empty, empty, 3),
        confusion_matrix(torch.tensor([2]), torch.tensor([0]), 4),
        confusion_matrix(y, y, 5),               # all correct: diagonal only
    ]


@probe("topk")
def topk_accuracy_on_random_and_tied_inputs(topk_accuracy):
    import torch
    gen = torch.Generator().manual_seed(4303)
    Y_hat = torch.randn(60, 8, generator=gen)
    y = torch.randint(0, 8, (60,), generator=gen)
    ties = torch.randint(0, 3, (50, 6), generator=gen).float()
    y_ties = torch.randint(0, 6, (50,), generator=gen)
    return {
        "random": [topk_accuracy(Y_hat, y, k) for k in (1, 3, 5, 8)],
        "ties": [topk_accuracy(ties, y_ties, k) for k in (1, 2, 3, 4, 6)],
        "single": [topk_accuracy(torch.tensor([[2.0, 2.0, 2.0]]), torch.tensor([2]), k)
                   for k in (1, 2, 3)],
    }


@probe("wd_classifier")
def linear_classifier_structure_forward_and_sgd_step(LinearClassifier):
    import torch
    torch.manual_seed(4304)
    model = LinearClassifier(num_inputs=6, num_outputs=4, lr=0.5, weight_decay=0.2)
    shapes = sorted(list(p.shape) for p in model.parameters())
    gen = torch.Generator().manual_seed(4305)
    linear = [m for m in model.net if isinstance(m, torch.nn.Linear)][0]
    with torch.no_grad():
        linear.weight.copy_(torch.randn(4, 6, generator=gen))
        linear.bias.copy_(torch.randn(4, generator=gen))
    X = torch.randn(5, 2, 3, generator=gen)
    y = torch.randint(0, 4, (5,), generator=gen)
    logits = model(X).detach()
    opt = model.configure_optimizers()
    group = opt.param_groups[0]
    loss = model.loss(model(X), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return {
        "type": type(opt).__name__,
        "groups": len(opt.param_groups),
        "lr": float(group["lr"]),
        "weight_decay": float(group["weight_decay"]),
        "momentum": float(group.get("momentum", 0.0)),
        "num_params": sum(p.numel() for g in opt.param_groups for p in g["params"]),
        "shapes": shapes,
        "logits": logits,
        "weight_after_step": linear.weight.detach().clone(),
        "bias_after_step": linear.bias.detach().clone(),
    }
