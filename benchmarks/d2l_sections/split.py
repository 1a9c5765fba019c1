"""d2l 1.0.3's FashionMNIST with the book's split: a seeded share of the training images
becomes the validation set and the test file becomes a separate test set."""

import torch
from d2l import torch as d2l


class FashionMNISTSplit(d2l.FashionMNIST):
    def __init__(self, batch_size=64, resize=(28, 28), val_fraction=0.2, split_seed=0):
        super().__init__(batch_size=batch_size, resize=resize)
        training_file, self.test = self.train, self.val
        num_val = round(val_fraction * len(training_file))
        order = torch.randperm(
            len(training_file), generator=torch.Generator().manual_seed(split_seed)
        )
        self.train = torch.utils.data.Subset(training_file, order[num_val:].sort().values.tolist())
        self.val = torch.utils.data.Subset(training_file, order[:num_val].sort().values.tolist())

    def test_dataloader(self):
        return torch.utils.data.DataLoader(
            self.test, self.batch_size, shuffle=False, num_workers=self.num_workers
        )
