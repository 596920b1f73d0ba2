"""DataLoader: batches of samples in the order of a sampler, stacked into tensors by a
collate function (PyTorch's ``torch.utils.data.DataLoader``, loading in this process)."""
import collections.abc
import itertools
import numbers

import numpy as np

from ..tensor import Tensor, new_tensor
from .dataset import IterableDataset, batch_reader
from . import workers
from .sampler import BatchSampler, RandomSampler, SequentialSampler
from .workers import Workers

# Arguments that only mean something with worker processes: PyTorch refuses them when
# num_workers is 0, and so does chainrule.
WORKER_ONLY = {"prefetch_factor": None, "persistent_workers": False,
               "multiprocessing_context": None}


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` samples.

    The order comes from ``sampler`` (``RandomSampler`` when ``shuffle``, drawing a new order
    each epoch from ``generator``, else ``SequentialSampler``), grouped by ``batch_sampler``
    (``BatchSampler(sampler, batch_size, drop_last)``); ``batch_size=None`` yields single
    samples, converted but not stacked. ``collate_fn`` (``default_collate``) stacks a batch.
    An ``IterableDataset`` is batched in the order it yields. Loading always happens in this
    process; ``num_workers > 0`` gives PyTorch's batches in PyTorch's order all the same, each
    fetched as its worker would fetch it: with that worker's seeded random generators, after
    ``worker_init_fn``, with ``get_worker_info()`` saying which worker it is, each worker
    iterating its own copy of an ``IterableDataset`` (``workers.py``). ``pin_memory`` is
    accepted and changes nothing on the CPU; the worker-only arguments are refused without
    workers, as in PyTorch.

    >>> import chainrule as cr
    >>> ds = cr.data.TensorDataset(cr.arange(10).float(), cr.arange(10))
    >>> loader = cr.data.DataLoader(ds, batch_size=4, shuffle=True, generator=cr.Generator(0))
    >>> [len(y) for x, y in loader], len(loader)
    ([4, 4, 2], 3)
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        check_workers(num_workers, dict(
            prefetch_factor=prefetch_factor, persistent_workers=persistent_workers,
            multiprocessing_context=multiprocessing_context))
        if isinstance(dataset, IterableDataset):
            check_iterable_options(shuffle, sampler, batch_sampler)
        elif batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is "
                             "mutually exclusive with drop_last")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_size is not None and (not isinstance(batch_size, numbers.Integral)
                                       or isinstance(batch_size, bool) or batch_size < 1):
            raise ValueError(f"DataLoader: batch_size should be a positive integer value, "
                             f"but got batch_size={batch_size!r}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.generator = generator
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.persistent_workers = persistent_workers
        self.workers = None   # the persistent workers, once made
        if not isinstance(dataset, IterableDataset):
            if sampler is None:
                sampler = (RandomSampler(dataset, generator=generator) if shuffle
                           else SequentialSampler(dataset))
            if batch_size is not None and batch_sampler is None:
                batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.collate_fn = collate_fn or (default_convert if self.auto_batching is False
                                         else default_collate)
        self.default_collation = collate_fn is None

    @property
    def auto_batching(self):
        return self.batch_sampler is not None or (
            isinstance(self.dataset, IterableDataset) and self.batch_size is not None)

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)   # TypeError, as in PyTorch, when the stream has no length
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def __iter__(self):
        workers = self.epoch_workers()
        if isinstance(self.dataset, IterableDataset):
            if workers is not None:
                return workers.stream_batches(self.dataset, self.next_batch)
            return self.stream_batches()
        batches, fetch = self.fetches()
        if workers is not None:
            return workers.map_batches(batches, fetch)
        return (fetch(batch) for batch in batches)

    def epoch_workers(self):
        """This epoch's workers (None without): new ones, with a new base seed, each epoch,
        or the same ones throughout with ``persistent_workers``."""
        if not self.num_workers:
            return None
        if self.workers is None or not self.persistent_workers:
            self.workers = Workers(self.num_workers, self.dataset, self.worker_init_fn,
                                   self.generator)
        return self.workers

    def fetches(self):
        """(what the sampler gives, the function that turns one of them into a batch)."""
        if self.batch_sampler is None:
            return self.sampler, lambda i: self.collate_fn(self.dataset[i])
        read = batch_reader(self.dataset) if self.default_collation else None
        if read is not None and isinstance(self.batch_sampler, BatchSampler):
            return self.batch_sampler.index_batches(), read
        many = getattr(self.dataset, "__getitems__", None)   # PyTorch's batch protocol
        if many is not None:
            return self.batch_sampler, lambda batch: self.collate_fn(many(list(batch)))
        return self.batch_sampler, lambda batch: self.collate_fn([self.dataset[i]
                                                                  for i in batch])

    def stream_batches(self):
        samples = iter(self.dataset)
        while (batch := self.next_batch(samples)) is not None:
            yield batch

    def next_batch(self, samples):
        """The next batch of a stream, or None once it has ended."""
        if self.batch_size is None:
            sample = next(samples, END)
            return None if sample is END else self.collate_fn(sample)
        batch = list(itertools.islice(samples, self.batch_size))
        if not batch or (self.drop_last and len(batch) < self.batch_size):
            return None
        return self.collate_fn(batch)


END = object()   # a stream's end, told apart from a None sample


def get_worker_info():
    """PyTorch's ``get_worker_info()``: while a DataLoader with workers fetches a batch, the
    ``WorkerInfo`` (``id``, ``num_workers``, ``seed``, ``dataset``) of the worker fetching it;
    None in the main program.

    >>> import chainrule as cr
    >>> cr.data.get_worker_info() is None
    True
    >>> class Ids(cr.data.Dataset):
    ...     def __len__(self): return 4
    ...     def __getitem__(self, i): return cr.data.get_worker_info().id
    >>> [batch.tolist() for batch in cr.data.DataLoader(Ids(), batch_size=2, num_workers=2)]
    [[0, 0], [1, 1]]
    """
    return workers.current()


def check_workers(num_workers, worker_only):
    """PyTorch's checks of the worker arguments."""
    if not isinstance(num_workers, numbers.Integral) or num_workers < 0:
        raise ValueError(f"DataLoader: num_workers option should be non-negative; use "
                         f"num_workers=0 to disable multiprocessing, got {num_workers!r}")
    given = [name for name, value in worker_only.items() if value != WORKER_ONLY[name]]
    if given and not num_workers:
        raise ValueError(f"DataLoader: {given[0]} only applies to worker processes "
                         f"(num_workers > 0); remove {given[0]}=")


def check_iterable_options(shuffle, sampler, batch_sampler):
    for name, value in (("shuffle", shuffle), ("sampler", sampler),
                        ("batch_sampler", batch_sampler)):
        if value not in (None, False):
            raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} "
                             f"option, but got {name}={value!r}")


def default_collate(batch):
    """Stack a list of samples field by field, as PyTorch does: tensors, NumPy arrays and
    numbers become one tensor with a new first dimension (Python floats give float64, ints
    int64, bools bool); dicts stay dicts, namedtuples stay namedtuples, tuples and lists of
    fields become lists; strings stay a list.

    >>> import chainrule as cr
    >>> default_collate([(cr.tensor([1.0, 2.0]), 0), (cr.tensor([3.0, 4.0]), 1)])
    [tensor([[1., 2.],
            [3., 4.]]), tensor([0, 1])]
    >>> batch = default_collate([{"x": 1.5, "tag": "a"}, {"x": 2.5, "tag": "b"}])
    >>> batch["x"].tolist(), batch["x"].dtype == cr.float64, batch["tag"]
    ([1.5, 2.5], True, ['a', 'b'])
    """
    first = batch[0]
    if isinstance(first, Tensor):
        return new_tensor(np.stack([sample._data for sample in batch]), None)
    if isinstance(first, (np.ndarray, np.generic)):
        if first.dtype.kind in "OSUV":
            raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, "
                            f"numbers, dicts or lists; found a NumPy array of dtype "
                            f"{first.dtype}")
        return new_tensor(np.stack(batch), None)
    if isinstance(first, bool):
        return new_tensor(np.array(batch, dtype=np.bool_), None)
    if isinstance(first, numbers.Integral):
        return new_tensor(np.array(batch, dtype=np.int64), None)
    if isinstance(first, numbers.Real):
        return new_tensor(np.array(batch, dtype=np.float64), None)
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, collections.abc.Mapping):
        return type_like(first, {key: default_collate([s[key] for s in batch]) for key in first})
    if isinstance(first, tuple) and hasattr(first, "_fields"):   # a namedtuple
        return type(first)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(first, collections.abc.Sequence):
        if any(len(sample) != len(first) for sample in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of "
                               "equal size")
        return [default_collate(list(field)) for field in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, "
                    f"dicts or lists; found {type(first).__name__}; pass collate_fn= a "
                    f"function that stacks them")


def default_convert(sample):
    """What ``batch_size=None`` does to each sample: NumPy arrays become tensors, containers
    are converted field by field, everything else is left as it is.

    >>> import numpy as np
    >>> sample = default_convert({"x": np.array([1.0, 2.0]), "n": 3})
    >>> type(sample["x"]).__name__, sample["x"].tolist(), sample["n"]
    ('Tensor', [1.0, 2.0], 3)
    """
    if isinstance(sample, (np.ndarray, np.generic)) and sample.dtype.kind not in "OSUV":
        return new_tensor(np.asarray(sample), None)
    if isinstance(sample, collections.abc.Mapping):
        return type_like(sample, {key: default_convert(value) for key, value in sample.items()})
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(default_convert(value) for value in sample))
    if isinstance(sample, tuple):
        return [default_convert(value) for value in sample]
    if isinstance(sample, collections.abc.Sequence) and not isinstance(sample, (str, bytes)):
        return [default_convert(value) for value in sample]
    return sample


def type_like(mapping, values):
    """``values`` as the mapping's own type where it can be built from a dict (PyTorch's
    rule), else a plain dict."""
    try:
        return type(mapping)(values)
    except TypeError:
        return values
