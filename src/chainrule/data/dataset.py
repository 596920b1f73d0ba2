"""Datasets: indexable collections of samples, and ways to split them."""
import numpy as np

from ..random import numpy_generator
from ..tensor import new_tensor
from .loader import default_collate


class Dataset:
    """Base class: a dataset has ``__getitem__(i)`` (one sample) and ``__len__``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} does not define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} does not define __len__")


class TensorDataset(Dataset):
    """Samples are the i-th rows of tensors of equal length: ``(x[i], y[i])``.

    >>> import chainrule as cr
    >>> ds = cr.data.TensorDataset(cr.arange(6).reshape(3, 2), cr.tensor([0, 1, 0]))
    >>> len(ds), ds[1]
    (3, (tensor([2, 3]), tensor(1)))
    """

    def __init__(self, *tensors):
        sizes = [len(t) for t in tensors]
        if not tensors or len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: the tensors must have the same first dimension, "
                             f"got lengths {sizes}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return len(self.tensors[0])

    def get_batch(self, indices):
        """Many samples at once, already stacked (what DataLoader uses: one NumPy index per
        tensor instead of one Python call per sample)."""
        return tuple(new_tensor(t._data[indices], None) for t in self.tensors)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __getitem__(self, index):
        return self.dataset[int(self.indices[index])]

    def __len__(self):
        return len(self.indices)

    def get_batch(self, indices):
        chosen = self.indices[indices]
        if hasattr(self.dataset, "get_batch"):
            return self.dataset.get_batch(chosen)
        return default_collate([self.dataset[int(i)] for i in chosen])


def random_split(dataset, lengths, generator=None):
    """Split into non-overlapping random subsets of the given lengths (or fractions).

    >>> import chainrule as cr
    >>> train, test = cr.data.random_split(range(10), [0.8, 0.2], cr.Generator(0))
    >>> len(train), len(test), sorted(list(train.indices) + list(test.indices)) == list(range(10))
    (8, 2, True)
    """
    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(isinstance(x, float) for x in lengths) and abs(sum(lengths) - 1) < 1e-9:
        lengths = fraction_lengths(lengths, n)
    if sum(lengths) != n or any(x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths {lengths} must be non-negative and add up to "
                         f"the dataset's length {n} (or be fractions that add up to 1)")
    order = numpy_generator(generator).permutation(n)
    bounds = np.cumsum([0] + lengths)
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def fraction_lengths(fractions, n):
    """PyTorch's rounding: floor each share, then hand the remainder out one by one."""
    lengths = [int(np.floor(n * f)) for f in fractions]
    for i in range(n - sum(lengths)):
        lengths[i % len(lengths)] += 1
    return lengths
