"""Hidden checks for exercises 4.2 (instructor only; never shipped to students)."""
from d2lgrade import probe


@probe("class_counts")
def class_counts_on_real_and_toy_data(class_counts, data):
    import torch
    from torch.utils.data import TensorDataset
    gen = torch.Generator().manual_seed(421)
    labels = torch.randint(0, 4, (30,), generator=gen)
    labels[labels == 2] = 3                            # class 2 never occurs
    toy = TensorDataset(torch.zeros(30, 1, 3, 3), labels)
    empty = TensorDataset(torch.zeros(0, 1, 28, 28), torch.zeros(0, dtype=torch.int64))
    return {
        "val": class_counts(data.val),
        "train": class_counts(data.train),
        "toy": class_counts(toy, num_classes=4),
        "toy_more_classes": class_counts(toy, num_classes=6),
        "empty": class_counts(empty),
    }


@probe("mean_intensity", rtol=1e-4, atol=1e-6)
def mean_intensity_on_real_and_toy_data(mean_intensity, data):
    import torch
    from torch.utils.data import TensorDataset
    gen = torch.Generator().manual_seed(422)
    images = torch.rand(12, 1, 3, 5, generator=gen)
    labels = torch.tensor([0, 2, 2, 4, 0, 0, 2, 4, 4, 4, 0, 2])   # classes 1 and 3 absent
    toy = mean_intensity(TensorDataset(images, labels), num_classes=5)
    val = mean_intensity(data.val)
    return {
        "val": torch.nan_to_num(val, nan=-1.0),
        "val_dtype": str(val.dtype),
        "toy": torch.nan_to_num(toy, nan=-1.0),
        "toy_nan": torch.isnan(toy),
        "toy_dtype": str(toy.dtype),
    }


@probe("text_labels")
def text_labels_on_all_classes(text_labels, data):
    import torch
    return {
        "all_reversed": text_labels(torch.arange(9, -1, -1)),
        "list": text_labels([7, 5, 7, 8]),
        "val_first": text_labels(data.val.tensors[1][:12]),
        "empty_tensor": text_labels(torch.zeros(0, dtype=torch.int64)),
        "type": type(text_labels([3])).__name__,
    }


@probe("balanced_subset")
def balanced_subset_on_real_and_toy_data(balanced_subset, data):
    import torch
    from torch.utils.data import TensorDataset
    real = balanced_subset(data.train, per_class=3)
    real_images, real_labels = real.tensors
    gen = torch.Generator().manual_seed(423)
    images = torch.rand(20, 1, 2, 3, generator=gen)
    labels = torch.randint(0, 3, (20,), generator=gen)
    toy = balanced_subset(TensorDataset(images, labels), per_class=2, num_classes=3)
    none = balanced_subset(TensorDataset(images, labels), per_class=0, num_classes=3)
    too_many = int((labels == labels.bincount().argmin()).sum()) + 1
    try:
        balanced_subset(TensorDataset(images, labels), per_class=too_many, num_classes=3)
        error = None
    except ValueError:
        error = "ValueError"
    except Exception as e:  # noqa: BLE001 - the wrong kind of error is also an answer
        error = type(e).__name__
    return {
        "real_labels": real_labels,
        "real_image_sums": real_images.sum(dim=(1, 2, 3)),
        "real_shape": list(real_images.shape),
        "toy": [toy.tensors[0], toy.tensors[1]],
        "none_shapes": [list(none.tensors[0].shape), list(none.tensors[1].shape)],
        "none_label_dtype": str(none.tensors[1].dtype),
        "error": error,
    }
