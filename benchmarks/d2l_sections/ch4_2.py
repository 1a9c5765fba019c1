# %%
import time

import torch
from d2l import torch as d2l
from split import FashionMNISTSplit

# %%
data = FashionMNISTSplit(resize=(28, 28))
print(len(data.train), len(data.val), len(data.test))
training_labels = data.train.dataset.targets
for labels in (
    training_labels[data.train.indices],
    training_labels[data.val.indices],
    data.test.targets,
):
    print(torch.bincount(labels, minlength=10))

# %%
data32 = FashionMNISTSplit(resize=(32, 32))
print(data32.train[0][0].shape)

# %%
X, y = next(iter(data.train_dataloader()))
print(X.shape, y.shape)

# %%
tic = time.time()
for _ in data.train_dataloader():
    continue
print(f"{time.time() - tic:.2f} sec for one pass over {len(data.train)} training images")

# %%
batch = next(iter(data.val_dataloader()))
print(data.text_labels(batch[1][:16]))
data.visualize(batch, 2, 8)
d2l.plt.show()
