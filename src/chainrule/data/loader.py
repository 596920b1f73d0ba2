"""DataLoader: batches of samples, shuffled by a seedable generator, stacked into tensors."""
import numbers

import numpy as np

from ..random import numpy_generator
from ..tensor import Tensor, new_tensor


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` samples.

    ``shuffle`` draws a new order each epoch from ``generator`` (the default generator, set
    by ``cr.manual_seed``, when None); ``drop_last`` skips a final short batch; samples are
    stacked by ``collate_fn`` (``default_collate``: tensors, arrays and numbers become one
    tensor per field). Datasets with a ``get_batch(indices)`` method (``TensorDataset``) are
    read a whole batch at a time. ``num_workers`` and ``pin_memory`` are accepted so that
    PyTorch code runs unchanged; loading always happens in this process.

    >>> import chainrule as cr
    >>> ds = cr.data.TensorDataset(cr.arange(10).float(), cr.arange(10))
    >>> loader = cr.data.DataLoader(ds, batch_size=4, shuffle=True, generator=cr.Generator(0))
    >>> [len(y) for x, y in loader], len(loader)
    ([4, 4, 2], 3)
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, collate_fn=None,
                 generator=None, num_workers=0, pin_memory=False):
        if not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got "
                             f"{batch_size!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.collate_fn = collate_fn
        self.generator = generator

    def __len__(self):
        n, size = len(self.dataset), self.batch_size
        return n // size if self.drop_last else -(-n // size)

    def __iter__(self):
        n = len(self.dataset)
        order = numpy_generator(self.generator).permutation(n) if self.shuffle else np.arange(n)
        stop = n - n % self.batch_size if self.drop_last else n
        fetch_batch = getattr(self.dataset, "get_batch", None)
        for start in range(0, stop, self.batch_size):
            indices = order[start:start + self.batch_size]
            if self.collate_fn is None and fetch_batch is not None:
                yield fetch_batch(indices)
            else:
                collate = self.collate_fn or default_collate
                yield collate([self.dataset[int(i)] for i in indices])


def default_collate(samples):
    """Stack a list of samples field by field: tuples stay tuples, dicts stay dicts, and
    tensors, arrays and numbers become one tensor with a new first dimension (Python floats
    give float64 and ints int64, as in PyTorch).

    >>> import chainrule as cr
    >>> default_collate([(cr.tensor([1.0, 2.0]), 0), (cr.tensor([3.0, 4.0]), 1)])
    (tensor([[1., 2.],
            [3., 4.]]), tensor([0, 1]))
    """
    first = samples[0]
    if isinstance(first, Tensor):
        return new_tensor(np.stack([s._data for s in samples]), None)
    if isinstance(first, (np.ndarray, np.generic)):
        return new_tensor(np.stack(samples), None)
    if isinstance(first, bool):
        return new_tensor(np.array(samples, dtype=np.bool_), None)
    if isinstance(first, numbers.Integral):
        return new_tensor(np.array(samples, dtype=np.int64), None)
    if isinstance(first, numbers.Real):
        return new_tensor(np.array(samples, dtype=np.float64), None)
    if isinstance(first, dict):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        fields = [default_collate(list(field)) for field in zip(*samples)]
        return tuple(fields) if isinstance(first, tuple) else fields
    if isinstance(first, str):
        return list(samples)
    raise TypeError(f"default_collate: cannot batch samples of type {type(first).__name__}; "
                    f"pass collate_fn= a function that stacks them")
