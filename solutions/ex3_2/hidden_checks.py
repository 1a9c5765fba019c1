"""Hidden checks for exercises 3.2 (instructor only; never shipped to students)."""
from d2lgrade import probe


@probe("standardizer")
def standardizer_on_random_data(Standardizer):
    import torch
    gen = torch.Generator().manual_seed(321)
    data = 5.0 + 3.0 * torch.randn(12, 4, generator=gen)
    data[:, 2] = -1.0                                  # a constant column
    s = Standardizer(data, eps=1e-3)
    X = torch.randn(6, 4, generator=gen) * 10.0
    s_clip = Standardizer(data, clip=1.25)
    s_empty = Standardizer(data[:2])
    return {
        "hparams": s.hparams,
        "hparams_clip": s_clip.hparams,
        "no_data_attribute": not hasattr(s, "data"),
        "attributes": [s.eps, s.clip, s_clip.eps, s_clip.clip],
        "mean": s.mean, "std": s.std,
        "transform": s(X),
        "transform_clipped": s_clip(X),
        "transform_no_rows": s_empty(torch.zeros(0, 4)),
        "two_row_stats": [s_empty.mean, s_empty.std],
    }


@probe("inverse", rtol=1e-4, atol=1e-4)
def inverse_on_random_data(Standardizer):
    import torch
    gen = torch.Generator().manual_seed(322)
    # statistics set by hand (bypassing __init__) so the result depends only on inverse
    s = Standardizer.__new__(Standardizer)
    s.mean = torch.randn(3, generator=gen) * 5.0
    s.std = torch.rand(3, generator=gen) * torch.tensor([1.0, 10.0, 0.0])
    s.eps, s.clip = 0.5, None
    Z = torch.randn(5, 3, generator=gen)
    return {"inverse": s.inverse(Z), "single_row": s.inverse(torch.zeros(1, 3)),
            "no_rows": s.inverse(torch.zeros(0, 3))}


@probe("split_data")
def split_data_batches(SplitData):
    import torch
    torch.manual_seed(323)
    X = torch.randn(37, 3, 2)
    y = torch.arange(37) * 10
    data = SplitData(X, y, num_train=30, batch_size=7)
    train = list(data.train_dataloader())
    val = list(data.val_dataloader())
    train_y = torch.cat([b[1] for b in train])
    order = train_y.argsort()
    train_X = torch.cat([b[0] for b in train])[order]
    small = SplitData(torch.ones(3, 1), torch.tensor([1.0, 2.0, 3.0]), num_train=1, batch_size=5)
    return {
        "hparams": {k: data.hparams.get(k) for k in ("num_train", "batch_size")},
        "hparam_keys": sorted(data.hparams),
        "attributes": [data.num_train, data.batch_size],
        "train_batch_shapes": [[list(b[0].shape), list(b[1].shape)] for b in train],
        "val_batch_shapes": [[list(b[0].shape), list(b[1].shape)] for b in val],
        "train_rows_sorted": [train_y[order], train_X],
        "val_batches": [[b[0], b[1]] for b in val],
        "small_train": [b[1] for b in small.train_dataloader()],
        "small_val": [b[1] for b in small.val_dataloader()],
    }


@probe("constant_model")
def constant_model_forward_and_training(ConstantModel):
    import torch
    import d2lutils as d2l
    model = ConstantModel(lr=0.05, init=-2.0)
    out = model(torch.randn(3, 5))
    out.sum().backward()
    empty = model(torch.zeros(0, 5))
    params = list(model.parameters())
    d2l.set_seed(324)
    data = d2l.SyntheticRegressionData(w=[0.0, 0.0], b=-1.5, noise=0.2, num_train=200,
                                       num_val=40, batch_size=20)
    fitted = ConstantModel(lr=0.1, init=1.0)
    fitted.board.display = False
    trainer = d2l.Trainer(max_epochs=3)
    trainer.fit(fitted, data)
    c = float(fitted.c.detach().reshape(-1)[0])
    return {
        "lr_init": [float(model.lr), float(model.init)],
        "num_params": len(params),
        "param_shapes": [list(p.shape) for p in params],
        "out": out.detach(), "grad": model.c.grad,
        "empty_shape": list(empty.shape),
        "trained_close_to_mean": abs(c - (-1.5)) < 0.15,
        "moved_from_init": abs(c - 1.0) > 2.0,
    }
