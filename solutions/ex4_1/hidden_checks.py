"""Hidden checks for exercises 4.1 (instructor only; never shipped to students)."""
from d2lgrade import probe


@probe("softmax")
def softmax_on_random_extreme_and_empty_logits(softmax):
    import torch
    gen = torch.Generator().manual_seed(411)
    O = torch.randn(6, 5, generator=gen) * 3.0
    extreme = torch.tensor([[1000.0, 999.0, -1000.0], [-1000.0, -1001.0, -1002.0],
                            [88.0, 89.0, 90.0]])
    P = softmax(O)
    return {
        "random": P,
        "shifted": softmax(O + 50.0),
        "extreme": softmax(extreme),
        "one_class": softmax(torch.randn(4, 1, generator=gen)),
        "one_row": softmax(torch.tensor([[0.0, 1.0]])),
        "empty_shape": list(softmax(torch.zeros(0, 7)).shape),
        "float64": str(softmax(O.double()).dtype),
    }


@probe("cross_entropy")
def cross_entropy_on_random_probabilities(cross_entropy):
    import torch
    gen = torch.Generator().manual_seed(412)
    P = torch.softmax(torch.randn(8, 5, generator=gen), dim=1)
    y = torch.randint(0, 5, (8,), generator=gen)
    single = torch.tensor([[0.2, 0.7, 0.1]])
    return {
        "per_example": cross_entropy(P, y, averaged=False),
        "mean": cross_entropy(P, y),
        "mean_keyword": cross_entropy(P, y, averaged=True),
        "single": [cross_entropy(single, torch.tensor([2])),
                   cross_entropy(single, torch.tensor([1]), averaged=False)],
        "confident": cross_entropy(torch.tensor([[0.001, 0.999]]), torch.tensor([0, 1])[:1]),
    }


@probe("ce_grad", rtol=1e-4, atol=1e-6)
def ce_grad_on_random_and_large_logits(ce_grad):
    import torch
    gen = torch.Generator().manual_seed(413)
    O = torch.randn(7, 4, generator=gen) * 2.0
    y = torch.randint(0, 4, (7,), generator=gen)
    big = torch.tensor([[300.0, -300.0, 0.0], [-250.0, 250.0, 100.0]])
    return {
        "random": ce_grad(O, y),
        "single": ce_grad(torch.tensor([[0.0, 0.0, 0.0, 0.0]]), torch.tensor([3])),
        "large": ce_grad(big, torch.tensor([2, 1])),
        "float64_dtype": str(ce_grad(O.double(), y).dtype),
    }


@probe("entropy", rtol=1e-4, atol=1e-6)
def entropy_on_batches_with_zeros(entropy):
    import torch
    gen = torch.Generator().manual_seed(414)
    p = torch.softmax(torch.randn(5, 6, generator=gen), dim=1)
    p[1] = torch.tensor([0.0, 0.5, 0.0, 0.5, 0.0, 0.0])
    p[3] = torch.nn.functional.one_hot(torch.tensor(2), 6).float()
    single = torch.tensor([0.7, 0.0, 0.3])
    return {
        "batch": entropy(p),
        "single": entropy(single),
        "single_shape": list(entropy(single).shape),
        "uniform_8": entropy(torch.full((8,), 0.125)),
        "no_nan": not bool(torch.isnan(entropy(p)).any()),
    }
