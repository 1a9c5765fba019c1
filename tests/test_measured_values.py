"""Values, not only shapes: resized pixels against an independent resize, the Timer against a
sleep."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from PIL import Image

import d2lutils as d2l
from d2lutils.fashion_mnist import to_float_images


@pytest.mark.parametrize("size", [(28, 28), (14, 14), (32, 32), (56, 56), (20, 36)])
def test_resized_pixels_match_pillows_bilinear_resize(size):
    images = torch.randint(
        0, 256, (4, 28, 28), generator=torch.Generator().manual_seed(1), dtype=torch.uint8
    )
    ours = to_float_images(images, size)
    assert ours.shape == (4, 1, *size) and ours.dtype == torch.float32
    # Pillow rounds its result to whole grey levels: allow a little over one level.
    theirs = np.stack(
        [
            np.asarray(
                Image.fromarray(image.numpy()).resize((size[1], size[0]), Image.BILINEAR),
                dtype=np.float32,
            )
            / 255
            for image in images
        ]
    )
    difference = np.abs(ours[:, 0].numpy() - theirs)
    assert difference.max() <= 1.5 / 255, difference.max()
    # And the picture is still there: the mean grey level is kept.
    assert abs(float(ours.mean()) - float(images.float().mean()) / 255) < 0.01


def test_the_data_set_holds_the_pixels_of_its_files(sample_root):
    from d2lutils.fashion_mnist import load_split

    images, _ = load_split(sample_root, train=True)
    data = d2l.FashionMNIST(root=sample_root, resize=(28, 28))
    assert torch.equal(data.train.tensors[0][:, 0], images.float() / 255)
    assert 0.2 < float(data.train.tensors[0].mean()) < 0.4  # clothes on a black background


def test_the_timer_measures_a_known_sleep():
    timer = d2l.Timer()
    time.sleep(0.2)
    first = timer.stop()
    timer.start()
    time.sleep(0.1)
    second = timer.stop()
    # Generous upper bounds: a loaded machine may wake a sleeper late, never early.
    assert 0.19 <= first < 5, f"a 0.2 s sleep measured {first:.3f} s"
    assert 0.09 <= second < 5, f"a 0.1 s sleep measured {second:.3f} s"
    assert timer.sum() == pytest.approx(first + second) and timer.avg() == pytest.approx(
        (first + second) / 2
    )
    assert timer.cumsum() == pytest.approx([first, first + second])
