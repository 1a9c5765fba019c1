"""Hidden checks for exercises 4.3 (instructor only; never shipped to students)."""

from d2lgrade import concept, experiment, probe, rules
from d2lgrade.rules import NoLoops

rules("confusion", NoLoops(why="count all examples with whole-tensor operations"))
rules("topk", NoLoops(why="rank all rows at once"))


@probe("accuracy")
def accuracy_cases(accuracy):
    gen = torch.Generator().manual_seed(4301)
    Y_hat, y = torch.randn(50, 10, generator=gen), torch.randint(0, 10, (50,), generator=gen)
    ties = torch.randint(0, 3, (40, 4), generator=gen).float()  # many rows tie for the maximum
    y_ties = torch.randint(0, 4, (40,), generator=gen)
    return {
        "random scores": attempt(accuracy, Y_hat, y),
        "all correct": attempt(accuracy, Y_hat, Y_hat.argmax(dim=1)),
        "tied scores": attempt(accuracy, ties, y_ties),
        "batch of one": [
            attempt(accuracy, torch.tensor([[0.5, 2.0, 2.0]]), torch.tensor([c])) for c in (1, 2)
        ],
        "one class": attempt(
            accuracy, torch.randn(7, 1, generator=gen), torch.zeros(7, dtype=torch.int64)
        ),
        "float64 scores": attempt(accuracy, Y_hat.double(), y),
        "input not modified": keeps_inputs(accuracy, Y_hat, y),
    }


@probe("confusion")
def confusion_cases(confusion_matrix):
    gen = torch.Generator().manual_seed(4302)
    y, y_pred = (torch.randint(0, 5, (100,), generator=gen) for _ in range(2))
    empty = torch.zeros(0, dtype=torch.int64)
    return {
        "random labels": attempt(confusion_matrix, y_pred, y, 5),
        "more classes than occur": attempt(confusion_matrix, y_pred, y, 7),
        "no examples": attempt(confusion_matrix, empty, empty, 3),
        "one example": attempt(confusion_matrix, torch.tensor([2]), torch.tensor([0]), 4),
        "all correct": attempt(confusion_matrix, y, y, 5),
        "inputs not modified": keeps_inputs(confusion_matrix, y_pred, y, 5),
    }


@probe("topk")
def topk_cases(topk_accuracy):
    gen = torch.Generator().manual_seed(4303)
    Y_hat, y = torch.randn(60, 8, generator=gen), torch.randint(0, 8, (60,), generator=gen)
    ties = torch.randint(0, 3, (50, 6), generator=gen).float()
    y_ties = torch.randint(0, 6, (50,), generator=gen)
    return {
        "random scores": [attempt(topk_accuracy, Y_hat, y, k) for k in (1, 3, 5)],
        "k = q": attempt(topk_accuracy, Y_hat, y, 8),
        "tied scores": [attempt(topk_accuracy, ties, y_ties, k) for k in (1, 2, 3, 4, 6)],
        "all scores equal": [
            attempt(topk_accuracy, torch.tensor([[2.0, 2.0, 2.0]]), torch.tensor([2]), k)
            for k in (1, 2, 3)
        ],
        "float64 scores": attempt(topk_accuracy, Y_hat.double(), y, 2),
        "input not modified": keeps_inputs(topk_accuracy, ties, y_ties, 2),
    }


concept("train_on_loss", "answer_train_on_loss", as_="choice", question="train_on_loss")
concept("weighted_val_acc", "answer_weighted_val_acc", rtol=0.0, atol=1e-3)


@probe("wd_classifier")
def linear_classifier_cases(LinearClassifier):
    cases = ("parameter shapes", "optimizer", "logits", "one SGD step")
    try:
        torch.manual_seed(4304)
        model = LinearClassifier(num_inputs=6, num_outputs=4, lr=0.5, weight_decay=0.2)
        linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
        linear = linears[0]  # a model without nn.Linear is reported as an IndexError
    except Exception as err:  # the class cannot be built: every case fails alike
        return {case: {RAISED: type(err).__name__} for case in cases}
    gen = torch.Generator().manual_seed(4305)
    with torch.no_grad():
        linear.weight.copy_(torch.randn(4, 6, generator=gen))
        linear.bias.copy_(torch.randn(4, generator=gen))
    X, y = torch.randn(5, 2, 3, generator=gen), torch.randint(0, 4, (5,), generator=gen)

    def optimizer():
        opt = model.configure_optimizers()
        group = opt.param_groups[0]
        return {
            "type": type(opt).__name__,
            "groups": len(opt.param_groups),
            "lr": float(group["lr"]),
            "weight decay": float(group["weight_decay"]),
            "momentum": float(group.get("momentum", 0.0)),
            "parameters": sum(p.numel() for g in opt.param_groups for p in g["params"]),
        }

    def one_step():
        opt = model.configure_optimizers()
        loss = model.loss(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return [linear.weight.detach().clone(), linear.bias.detach().clone()]

    def logits():
        with torch.no_grad():
            return model(X)

    return {
        "parameter shapes": sorted(list(p.shape) for p in model.parameters()),
        "optimizer": attempt(optimizer),
        "logits": attempt(logits),
        "one SGD step": attempt(one_step),
    }


experiment(
    "wd_study",
    "wd_study_results",
    {
        "weight decays studied": "weight_decay",
        "final training losses": "train_loss",
        "final weight norms": "weight_norm",
    },
    figure="wd_study_figure",
    rtol=0.005,
    atol=0.0,
)


@probe("wd_study", rtol=0.0, atol=0.011)
def weight_decay_accuracies(wd_study_results):
    return {"final validation accuracies": attempt(recorded, wd_study_results, "val_acc")}


RULE_EXAMPLES = {
    "confusion": {
        "breaks": {
            "loop over the examples": (
                "def confusion_matrix(y_pred, y, num_classes):\n"
                "    C = torch.zeros(num_classes, num_classes, dtype=torch.int64)\n"
                "    for true, pred in zip(y.tolist(), y_pred.tolist()):\n"
                "        C[true, pred] += 1\n"
                "    return C"
            ),
            "comprehension over the classes in a helper in another cell": (
                "def count_rows(y_pred, y, num_classes):\n"
                "    return torch.stack([torch.bincount(y_pred[y == c], minlength=num_classes)\n"
                "                        for c in range(num_classes)])",
                "def confusion_matrix(y_pred, y, num_classes):\n"
                "    return count_rows(y_pred, y, num_classes)",
            ),
        },
        "keeps": {
            "index_put_ with accumulate": (
                "def confusion_matrix(y_pred, y, num_classes):\n"
                "    C = torch.zeros(num_classes, num_classes, dtype=torch.int64)\n"
                "    # no for loop: index_put_ adds up repeated (true, predicted) pairs\n"
                "    return C.index_put_((y, y_pred), torch.ones_like(y), accumulate=True)"
            ),
            "one-hot product": (
                "def confusion_matrix(y_pred, y, num_classes):\n"
                "    T = torch.nn.functional.one_hot(y, num_classes)\n"
                "    P = torch.nn.functional.one_hot(y_pred, num_classes)\n"
                "    return T.T @ P"
            ),
        },
    },
    "topk": {
        "breaks": {
            "loop over rows": (
                "def topk_accuracy(Y_hat, y, k):\n"
                "    hits = 0\n"
                "    for scores, label in zip(Y_hat, y):\n"
                "        order = torch.argsort(scores, descending=True, stable=True)\n"
                "        hits += int(label in order[:k])\n"
                "    return hits / len(y)"
            ),
            "comprehension in a helper in another cell": (
                "def ranked(Y_hat):\n"
                "    return torch.stack([torch.argsort(row, descending=True, stable=True) for row in Y_hat])",
                "def topk_accuracy(Y_hat, y, k):\n"
                "    return (ranked(Y_hat)[:, :k] == y[:, None]).any(dim=1).float().mean().item()",
            ),
        },
        "keeps": {
            "rank by counting better classes": (
                "def topk_accuracy(Y_hat, y, k):\n"
                "    # no for loop: a class's rank is how many classes beat it (ties: smaller index wins)\n"
                "    true_scores = Y_hat.gather(1, y[:, None])\n"
                "    columns = torch.arange(Y_hat.shape[1])\n"
                "    better = (Y_hat > true_scores) | ((Y_hat == true_scores) & (columns < y[:, None]))\n"
                "    return (better.sum(dim=1) < k).float().mean().item()"
            ),
            "stable sort": (
                "def topk_accuracy(Y_hat, y, k):\n"
                "    _, order = torch.sort(Y_hat, dim=1, descending=True, stable=True)\n"
                "    return float((order[:, :k] == y.unsqueeze(1)).any(dim=1).double().mean())"
            ),
        },
    },
}
