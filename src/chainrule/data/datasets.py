"""Small datasets to learn on: the UCI handwritten digits (shipped with the package) and
three generated ones (two moons, spirals, linear regression)."""
import os

import numpy as np

from ..random import numpy_generator
from ..tensor import new_tensor

DIGITS_PATH = os.path.join(os.path.dirname(__file__), "digits.npz")


def load_digits(flatten=True):
    """The 1,797 8x8 images of handwritten digits (pixels 0 to 16) and their labels 0-9.

    Source: UCI Machine Learning Repository, "Optical Recognition of Handwritten Digits"
    (E. Alpaydin, C. Kaynak, 1998), CC BY 4.0; see ``digits.txt`` next to the data file.
    Returns ``(images, labels)``: float32 of shape (1797, 64), or (1797, 1, 8, 8) with
    ``flatten=False`` (one channel, ready for Conv2d), and int64 labels.

    >>> import chainrule as cr
    >>> x, y = cr.data.load_digits()
    >>> x.shape, y.shape, float(x.max()), int(y.max())
    (chainrule.Size([1797, 64]), chainrule.Size([1797]), 16.0, 9)
    """
    with np.load(DIGITS_PATH) as f:
        images, labels = f["images"], f["targets"]
    shape = (len(images), 64) if flatten else (len(images), 1, 8, 8)
    return (new_tensor(images.reshape(shape).astype(np.float32), None),
            new_tensor(labels.astype(np.int64), None))


def make_moons(n_samples=100, noise=0.0, generator=None):
    """Two interleaving half circles in 2-D, labels 0 and 1, shuffled; ``noise`` is the
    standard deviation of Gaussian jitter.

    >>> import chainrule as cr
    >>> x, y = cr.data.make_moons(10, generator=cr.Generator(0))
    >>> x.shape, sorted(y.tolist())
    (chainrule.Size([10, 2]), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    """
    rng = numpy_generator(generator)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    outer = np.linspace(0, np.pi, n_outer)
    inner = np.linspace(0, np.pi, n_inner)
    x = np.concatenate([np.stack([np.cos(outer), np.sin(outer)], 1),
                        np.stack([1 - np.cos(inner), 0.5 - np.sin(inner)], 1)])
    y = np.concatenate([np.zeros(n_outer), np.ones(n_inner)]).astype(np.int64)
    return shuffled(x + noise * rng.standard_normal(x.shape), y, rng)


def make_spirals(n_samples=300, classes=3, noise=0.2, generator=None):
    """``classes`` spiral arms in 2-D, one label per arm: ``r = t``, angle ``4 (k + t)``
    plus Gaussian noise on the angle, for ``t`` from 0 to 1.

    >>> import chainrule as cr
    >>> x, y = cr.data.make_spirals(30, classes=3, generator=cr.Generator(0))
    >>> x.shape, sorted(set(y.tolist()))
    (chainrule.Size([30, 2]), [0, 1, 2])
    """
    rng = numpy_generator(generator)
    per_class = [n_samples // classes + (k < n_samples % classes) for k in range(classes)]
    points, labels = [], []
    for k, n in enumerate(per_class):
        radius = np.linspace(0.0, 1.0, n)
        angle = np.linspace(4.0 * k, 4.0 * (k + 1), n) + noise * rng.standard_normal(n)
        points.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], 1))
        labels.append(np.full(n, k, dtype=np.int64))
    return shuffled(np.concatenate(points), np.concatenate(labels), rng)


def make_regression(n_samples=100, n_features=1, noise=0.0, bias=0.0, generator=None):
    """Targets ``y = x @ w + bias + noise * e`` for standard normal ``x`` and ``e`` and
    random weights ``w``; returns float32 ``(x, y)`` of shapes (n, n_features) and (n,).

    >>> import chainrule as cr
    >>> x, y = cr.data.make_regression(5, n_features=3, generator=cr.Generator(0))
    >>> x.shape, y.shape
    (chainrule.Size([5, 3]), chainrule.Size([5]))
    """
    rng = numpy_generator(generator)
    x = rng.standard_normal((n_samples, n_features))
    weights = 100 * rng.random(n_features)
    y = x @ weights + bias + noise * rng.standard_normal(n_samples)
    return (new_tensor(x.astype(np.float32), None), new_tensor(y.astype(np.float32), None))


def shuffled(x, y, rng):
    order = rng.permutation(len(y))
    return new_tensor(x[order].astype(np.float32), None), new_tensor(y[order], None)
