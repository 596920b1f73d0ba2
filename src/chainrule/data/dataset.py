"""Datasets: indexable collections of samples (map-style), streams of samples (iterable),
and ways to split and join them."""
import bisect

import numpy as np

from ..random import numpy_generator
from ..tensor import new_tensor


class Dataset:
    """Base class of map-style datasets: ``__getitem__(i)`` (one sample) and ``__len__``;
    ``a + b`` joins two into a ``ConcatDataset``.

    >>> import chainrule as cr
    >>> class Squares(cr.utils.data.Dataset):
    ...     def __len__(self):
    ...         return 3
    ...     def __getitem__(self, i):
    ...         return i * i
    ...
    >>> [x.tolist() for x in cr.utils.data.DataLoader(Squares(), batch_size=2)]
    [[0, 1], [4]]
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} does not define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} does not define __len__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Base class of datasets read as a stream: define ``__iter__``. A DataLoader batches
    consecutive samples; it takes no ``shuffle``, ``sampler`` or ``batch_sampler``.

    >>> import chainrule as cr
    >>> class Squares(cr.data.IterableDataset):
    ...     def __iter__(self): return (i * i for i in range(5))
    >>> [b.tolist() for b in cr.data.DataLoader(Squares(), batch_size=2)]
    [[0, 1], [4, 9], [16]]
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} does not define __iter__")

    def __add__(self, other):
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Several iterable datasets read one after the other (what ``a + b`` gives for them).

    >>> import chainrule as cr
    >>> class Count(cr.data.IterableDataset):
    ...     def __init__(self, n): self.n = n
    ...     def __iter__(self): return iter(range(self.n))
    ...     def __len__(self): return self.n
    >>> both = Count(2) + Count(3)
    >>> list(both), len(both)
    ([0, 1, 0, 1, 2], 5)
    """

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self):
        return sum(len(d) for d in self.datasets)


class StackDataset(Dataset):
    """Datasets of equal length read side by side: sample ``i`` is the tuple (or, given
    keywords, the dict) of their samples ``i``.

    >>> import chainrule as cr
    >>> pairs = cr.data.StackDataset(range(3), [10, 11, 12])
    >>> pairs[1], cr.data.StackDataset(x=range(2), y="ab")[1]
    ((1, 11), {'x': 1, 'y': 'b'})
    """

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via "
                             "``kwargs``) like input/output, but both types are given.")
        datasets = args or kwargs
        lengths = {len(d) for d in (args or kwargs.values())}
        if len(lengths) != 1:
            raise ValueError("Size mismatch between datasets")
        self.datasets = datasets
        self._length = lengths.pop()

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self):
        return self._length


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
        """Many samples at once, already stacked as ``default_collate`` would (a list, as
        PyTorch collates tuples): one NumPy index per tensor instead of one Python call per
        sample. DataLoader uses it when ``collate_fn`` is the default."""
        return [new_tensor(t._data[indices], None) for t in self.tensors]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (a sequence kept as given).

    >>> import chainrule as cr
    >>> sub = cr.data.Subset(cr.data.TensorDataset(cr.arange(5) * 10), [4, 0])
    >>> len(sub), sub[0], sub[[0, 1]]
    (2, (tensor(40),), (tensor([40,  0]),))
    """

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


def batch_reader(dataset):
    """A function reading a whole batch of indices at once, already collated as
    ``default_collate`` would, or None where samples must be read one by one. Only for the
    classes here as they are: a subclass that overrides ``__getitem__`` (to transform its
    samples) is read through its ``__getitem__``."""
    kind = type(dataset)
    if isinstance(dataset, TensorDataset) and kind.__getitem__ is TensorDataset.__getitem__:
        return dataset.get_batch
    if isinstance(dataset, Subset) and kind.__getitem__ is Subset.__getitem__:
        inner = batch_reader(dataset.dataset)
        if inner is not None:
            chosen = np.asarray(dataset.indices, dtype=np.int64)
            return lambda indices: inner(chosen[indices])
    return None


class ConcatDataset(Dataset):
    """Several map-style datasets read one after the other.

    >>> import chainrule as cr
    >>> both = cr.data.ConcatDataset([range(3), range(10, 12)])
    >>> len(both), both[3], both[-1], both.cumulative_sizes
    (5, 10, 11, [3, 5])
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset; chain "
                                "iterable datasets in an __iter__ of your own")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            if -index > len(self):
                raise ValueError("ConcatDataset: absolute value of index should not exceed "
                                 "dataset length")
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


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
    return [Subset(dataset, order[a:b].tolist()) for a, b in zip(bounds[:-1], bounds[1:])]


def fraction_lengths(fractions, n):
    """PyTorch's rounding: floor each share, then hand the remainder out one by one."""
    lengths = [int(np.floor(n * f)) for f in fractions]
    for i in range(n - sum(lengths)):
        lengths[i % len(lengths)] += 1
    return lengths
