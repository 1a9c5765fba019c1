"""Hidden checks for exercises 4.2 (instructor only; never shipped to students).

The probes load their own copy of the data (``d2l.FashionMNIST()`` reads ``$D2L_DATA_DIR``,
which the grader sets): they never use a data set the notebook made.
"""

from d2lgrade import concept, probe, rules
from d2lgrade.rules import NoLoops

rules("class_counts", NoLoops(why="count with one whole-tensor operation"))
rules("mean_intensity", NoLoops(why="per-class sums and counts with whole-tensor operations"))


@probe("class_counts")
def class_counts_cases(class_counts):
    TensorDataset = torch.utils.data.TensorDataset
    fashion = d2l.FashionMNIST(batch_size=64)
    gen = torch.Generator().manual_seed(421)
    labels = torch.randint(0, 4, (30,), generator=gen)
    labels[labels == 2] = 3
    toy = TensorDataset(torch.zeros(30, 1, 3, 3), labels)
    empty = TensorDataset(torch.zeros(0, 1, 28, 28), torch.zeros(0, dtype=torch.int64))
    return {
        "validation set": attempt(class_counts, fashion.val),
        "training set": attempt(class_counts, fashion.train),
        "a class never occurs": attempt(class_counts, toy, num_classes=4),
        "more classes than labels": attempt(class_counts, toy, num_classes=6),
        "empty data set": attempt(class_counts, empty),
    }


@probe("mean_intensity", rtol=1e-4, atol=1e-6)
def mean_intensity_cases(mean_intensity):
    TensorDataset = torch.utils.data.TensorDataset
    fashion = d2l.FashionMNIST(batch_size=64)
    gen = torch.Generator().manual_seed(422)
    images = torch.rand(12, 1, 3, 5, generator=gen)
    labels = torch.tensor([0, 2, 2, 4, 0, 0, 2, 4, 4, 4, 0, 2])  # classes 1 and 3 absent
    return {
        "validation set": attempt(mean_intensity, fashion.val),
        "training set": attempt(mean_intensity, fashion.train),
        "absent classes, other image size": attempt(
            mean_intensity, TensorDataset(images, labels), num_classes=5
        ),
        "one image per class": attempt(
            mean_intensity, TensorDataset(images[:3], torch.tensor([2, 0, 1])), num_classes=3
        ),
    }


@probe("fixed_clothes")
def fixed_clothes_cases(FixedClothesData):
    import matplotlib.pyplot as plt

    fixed = attempt(FixedClothesData, batch_size=16)

    def labels():
        return fixed.val.tensors[1]

    def titles():
        plt.close("all")
        fixed.visualize((fixed.val.tensors[0][:6], labels()[:6]), nrows=2, ncols=3)
        drawn = [ax.get_title() for ax in plt.gcf().get_axes()]
        plt.close("all")
        return drawn

    calls = {
        "tensor of indices": lambda: fixed.text_labels(torch.arange(9, -1, -1)),
        "list of indices": lambda: fixed.text_labels([7, 5, 7, 8]),
        "range": lambda: fixed.text_labels(range(2, 6)),
        "validation labels": lambda: fixed.text_labels(labels()[:20]),
        "empty input": lambda: fixed.text_labels(torch.zeros(0, dtype=torch.int64)),
        "returns a list": lambda: type(attempt(fixed.text_labels, [3])).__name__,
        "index 10": lambda: fixed.text_labels([1, 10]),
        "index -1": lambda: fixed.text_labels(torch.tensor([-1, 2])),
        "titles drawn by visualize": titles,
    }
    if isinstance(fixed, dict) and RAISED in fixed:  # the class is broken: every case fails alike
        return dict.fromkeys(calls, fixed)
    return {case: attempt(call) for case, call in calls.items()}


@probe("balanced_subset")
def balanced_subset_cases(balanced_subset):
    TensorDataset = torch.utils.data.TensorDataset
    fashion = d2l.FashionMNIST(batch_size=64)

    def summary(per_class, dataset, num_classes=10):
        """What a subset holds: its labels, each image's pixel sum, its shapes and dtypes."""
        sub = balanced_subset(dataset, per_class, num_classes=num_classes)
        images, labels = sub.tensors
        return {
            "labels": labels,
            "image sums": images.reshape(len(images), -1).sum(dim=1),
            "shapes": [list(images.shape), list(labels.shape)],
            "dtypes": [str(images.dtype), str(labels.dtype)],
        }

    gen = torch.Generator().manual_seed(423)
    images = torch.rand(20, 1, 2, 3, generator=gen)
    labels = torch.randint(0, 3, (20,), generator=gen)
    toy = TensorDataset(images, labels)
    too_many = int((labels == labels.bincount().argmin()).sum()) + 1
    return {
        "training set, 3 per class": attempt(summary, 3, fashion.train),
        "validation set, 1 per class": attempt(summary, 1, fashion.val),
        "other image size": attempt(summary, 2, toy, 3),
        "per_class = 0": attempt(summary, 0, toy, 3),
        "too few examples": attempt(summary, too_many, toy, 3),
        "float64 images": attempt(summary, 2, TensorDataset(images.double(), labels), 3),
        "input not modified": keeps_inputs(
            lambda imgs, lbls: balanced_subset(TensorDataset(imgs, lbls), 2, 3), images, labels
        ),
    }


concept("resize_megabytes", "answer_resize_megabytes", rtol=0.01, atol=0.0)
concept("resize_effect", "answer_resize_effect", as_="choice", question="resize_effect")
concept("last_batch", "answer_last_batch", rtol=0.0, atol=0.0)


RULE_EXAMPLES = {
    "class_counts": {
        "breaks": {
            "comprehension over the classes": (
                "def class_counts(dataset, num_classes=10):\n"
                "    labels = dataset.tensors[1]\n"
                "    return torch.tensor([int((labels == c).sum()) for c in range(num_classes)], dtype=torch.int64)"
            ),
            "loop in a helper in another cell": (
                "def tally(labels, num_classes):\n"
                "    counts = torch.zeros(num_classes, dtype=torch.int64)\n"
                "    for label in labels:\n"
                "        counts[label] += 1\n"
                "    return counts",
                "def class_counts(dataset, num_classes=10):\n"
                "    return tally(dataset.tensors[1], num_classes)",
            ),
            # torch and d2lutils calling back a plain function of the student's, row by row
            "d2l.evaluate_loss fed one row at a time": (
                "def class_counts(dataset, num_classes=10):\n"
                "    counts = torch.zeros(num_classes, dtype=torch.int64)\n"
                "    def count(y):\n"
                "        counts[int(y[0])] += 1\n"
                "        return y\n"
                "    labels = dataset.tensors[1]\n"
                "    if len(labels):\n"
                "        rows = d2l.load_array((labels, labels), 1, is_train=False)\n"
                "        d2l.evaluate_loss(count, rows, lambda out, y: out.float())\n"
                "    return counts"
            ),
            # map calling a function written in C (list.count) calls nothing back in Python
            "map from a module's __builtins__, by names built at run time": (
                "import numpy as np\n"
                "def class_counts(dataset, num_classes=10):\n"
                "    each = vars(np)['__buil' + 'tins__']['ma' + 'p']\n"
                "    labels = dataset.tensors[1].tolist()\n"
                "    return torch.tensor(list(each(labels.count, range(num_classes))), dtype=torch.int64)"
            ),
            "collections.Counter read with itemgetter": (
                "import collections, operator\n"
                "def class_counts(dataset, num_classes=10):\n"
                "    tally = collections.Counter(dataset.tensors[1].tolist())\n"
                "    picked = operator.itemgetter(*range(num_classes))(tally)\n"
                "    return torch.tensor(picked, dtype=torch.int64).reshape(num_classes)"
            ),
            "list.count handed to pandas' map": (
                "import pandas as pd\n"
                "def class_counts(dataset, num_classes=10):\n"
                "    counted = pd.Series(range(num_classes)).map(dataset.tensors[1].tolist().count)\n"
                "    return torch.tensor(counted.to_numpy(), dtype=torch.int64)"
            ),
            "the helper behind Counter, by a name built at run time": (
                "import collections, operator\n"
                "def class_counts(dataset, num_classes=10):\n"
                "    found = collections.defaultdict(int)\n"
                "    getattr(collections, '_count_' + 'elements')(found, dataset.tensors[1].tolist())\n"
                "    picked = operator.itemgetter(*range(num_classes))(found)\n"
                "    return torch.tensor(picked, dtype=torch.int64).reshape(num_classes)"
            ),
            "a loop in a helper bound to the task's name from __main__": (
                "def tally(dataset, num_classes=10):\n"
                "    counts = torch.zeros(num_classes, dtype=torch.int64)\n"
                "    for label in dataset.tensors[1].tolist():\n"
                "        counts[label] += 1\n"
                "    return counts",
                "from __main__ import tally as class_counts",
            ),
            "a DataLoader's collate_fn, row by row": (
                "def class_counts(dataset, num_classes=10):\n"
                "    counts = torch.zeros(num_classes, dtype=torch.int64)\n"
                "    def tally(batch):\n"
                "        counts[batch[0][1]] += 1\n"
                "    list(torch.utils.data.DataLoader(dataset, 1, collate_fn=tally))\n"
                "    return counts"
            ),
        },
        "keeps": {
            "one-hot sum": (
                "def class_counts(dataset, num_classes=10):\n"
                "    # summing one-hot rows, no for loop\n"
                "    return torch.nn.functional.one_hot(dataset.tensors[1], num_classes).sum(dim=0)"
            ),
            "comparison with arange": (
                "def class_counts(dataset, num_classes=10):\n"
                "    labels = dataset.tensors[1]\n"
                "    return (labels.unsqueeze(1) == torch.arange(num_classes)).sum(dim=0)"
            ),
        },
    },
    "mean_intensity": {
        "breaks": {
            "loop over the classes": (
                "def mean_intensity(dataset, num_classes=10):\n"
                "    images, labels = dataset.tensors\n"
                "    result = torch.full((num_classes,), float('nan'))\n"
                "    for c in range(num_classes):\n"
                "        if (labels == c).any():\n"
                "            result[c] = images[labels == c].mean()\n"
                "    return result"
            ),
            "comprehension in a helper in another cell": (
                "def class_means(images, labels, num_classes):\n"
                "    return torch.stack([images[labels == c].mean() for c in range(num_classes)])",
                "def mean_intensity(dataset, num_classes=10):\n"
                "    return class_means(*dataset.tensors, num_classes)",
            ),
        },
        "keeps": {
            "index_add_": (
                "def mean_intensity(dataset, num_classes=10):\n"
                "    images, labels = dataset.tensors\n"
                "    per_image = images.flatten(1).mean(dim=1)\n"
                "    sums = torch.zeros(num_classes).index_add_(0, labels, per_image)\n"
                "    sizes = torch.zeros(num_classes).index_add_(0, labels, torch.ones_like(per_image))\n"
                "    return sums / sizes  # 'for c in range(...)' would be a loop"
            ),
            "one-hot matrix product": (
                "def mean_intensity(dataset, num_classes=10):\n"
                "    images, labels = dataset.tensors\n"
                "    onehot = torch.nn.functional.one_hot(labels, num_classes).float()\n"
                "    return (onehot.T @ images.flatten(1).mean(dim=1)) / onehot.sum(dim=0)"
            ),
        },
    },
}
