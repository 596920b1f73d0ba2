"""Samplers: the order in which a DataLoader reads a map-style dataset (PyTorch's
``torch.utils.data`` samplers, yielding Python ints).

The built-in samplers compute their whole order as one NumPy array (``index_array()``), so a
``BatchSampler`` over them cuts batches out of that array instead of collecting ints one by
one. A sampler written by a user only needs ``__iter__`` (and ``__len__`` if it has one).
"""
import numbers

import numpy as np

from ..random import numpy_generator
from ..tensor import Tensor


class Sampler:
    """Base class: ``__iter__`` yields dataset indices; ``__len__`` is optional.

    >>> import chainrule as cr
    >>> class Evens(cr.data.Sampler):
    ...     def __init__(self, n): self.n = n
    ...     def __iter__(self): return iter(range(0, self.n, 2))
    >>> list(cr.data.BatchSampler(Evens(9), batch_size=2, drop_last=False))
    [[0, 2], [4, 6], [8]]
    """

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} does not define __iter__")


class IndexSampler(Sampler):
    """A sampler whose whole order is one array drawn when iteration starts."""

    def index_array(self):
        raise NotImplementedError(f"{type(self).__name__} does not define index_array")

    def __iter__(self):
        return iter(self.index_array().tolist())


class SequentialSampler(IndexSampler):
    """``0, 1, ..., len(data_source) - 1``.

    >>> import chainrule as cr
    >>> list(cr.data.SequentialSampler(range(4)))
    [0, 1, 2, 3]
    """

    def __init__(self, data_source):
        self.data_source = data_source

    def index_array(self):
        return np.arange(len(self.data_source))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(IndexSampler):
    """A new random order each epoch: a permutation, or ``num_samples`` draws with
    ``replacement``; without replacement ``num_samples`` may exceed the dataset's length
    (whole permutations, then part of one), as in PyTorch. Draws from ``generator`` (the
    default generator, set by ``cr.manual_seed``, when None).

    >>> import chainrule as cr
    >>> sorted(cr.data.RandomSampler(range(5), generator=cr.Generator(0)))
    [0, 1, 2, 3, 4]
    >>> len(cr.data.RandomSampler(range(5), replacement=True, num_samples=12))
    12
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, but got "
                            f"replacement={replacement!r}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.num_samples, numbers.Integral) or isinstance(
                self.num_samples, bool) or self.num_samples <= 0:
            raise ValueError(f"RandomSampler: num_samples should be a positive integer value, "
                             f"but got num_samples={self.num_samples!r}")

    @property
    def num_samples(self):
        """``len(data_source)`` unless given (read each time: the dataset may grow)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def index_array(self):
        n, count = len(self.data_source), self.num_samples
        rng = numpy_generator(self.generator)
        if self.replacement:
            return rng.integers(0, n, size=count)
        whole, part = divmod(count, n)
        orders = [rng.permutation(n) for _ in range(whole)]
        if part:
            orders.append(rng.permutation(n)[:part])
        return np.concatenate(orders)

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(IndexSampler):
    """The given ``indices`` in a new random order each epoch.

    >>> import chainrule as cr
    >>> sorted(cr.data.SubsetRandomSampler([7, 3, 5], generator=cr.Generator(0)))
    [3, 5, 7]
    """

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def index_array(self):
        order = numpy_generator(self.generator).permutation(len(self.indices))
        return np.asarray(self.indices, dtype=np.int64)[order]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(IndexSampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights``
    (with ``replacement`` by default; without it each index appears at most once).

    >>> import chainrule as cr
    >>> s = cr.data.WeightedRandomSampler([0.0, 1.0, 0.0], 4, generator=cr.Generator(0))
    >>> list(s)
    [1, 1, 1, 1]
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if (not isinstance(num_samples, numbers.Integral) or isinstance(num_samples, bool)
                or num_samples <= 0):
            raise ValueError(f"WeightedRandomSampler: num_samples should be a positive integer "
                             f"value, but got num_samples={num_samples!r}")
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement should be a boolean value, "
                             f"but got replacement={replacement!r}")
        weights = np.asarray(weights._data if isinstance(weights, Tensor) else weights,
                             dtype=np.float64)
        if weights.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1d sequence but "
                             f"given weights have shape {weights.shape}")
        if not (np.isfinite(weights).all() and (weights >= 0).all() and weights.sum() > 0):
            raise RuntimeError("WeightedRandomSampler: weights must be finite, non-negative "
                               "and have a positive sum")
        if not replacement and num_samples > np.count_nonzero(weights):
            raise RuntimeError(f"WeightedRandomSampler: cannot draw {num_samples} samples "
                               f"without replacement from {np.count_nonzero(weights)} "
                               f"non-zero weights; lower num_samples or set replacement=True")
        self.weights = weights
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def index_array(self):
        rng = numpy_generator(self.generator)
        return rng.choice(len(self.weights), size=self.num_samples, replace=self.replacement,
                          p=self.weights / self.weights.sum())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter
    unless ``drop_last``).

    >>> import chainrule as cr
    >>> list(cr.data.BatchSampler(cr.data.SequentialSampler(range(5)), 2, drop_last=True))
    [[0, 1], [2, 3]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        if (not isinstance(batch_size, numbers.Integral) or isinstance(batch_size, bool)
                or batch_size <= 0):
            raise ValueError(f"BatchSampler: batch_size should be a positive integer value, "
                             f"but got batch_size={batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, but got "
                             f"drop_last={drop_last!r}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def index_batches(self):
        """The batches as NumPy arrays (what DataLoader reads a ``get_batch`` dataset with)."""
        if type(self.sampler).__iter__ is IndexSampler.__iter__:
            order = self.sampler.index_array()
            stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
            return (order[i:i + self.batch_size] for i in range(0, stop, self.batch_size))
        return (np.asarray(batch, dtype=np.int64) for batch in self.list_batches())

    def list_batches(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __iter__(self):
        if type(self.sampler).__iter__ is IndexSampler.__iter__:
            return (batch.tolist() for batch in self.index_batches())
        return self.list_batches()

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
