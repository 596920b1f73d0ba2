"""``DistributedSampler``: each process of a data-parallel job reads its own share of the
dataset (PyTorch's ``torch.utils.data.distributed.DistributedSampler``).

The order (shuffled with ``seed + epoch``, the same on every process) is padded by repeating
its start until it divides evenly (or cut, with ``drop_last``), then dealt out like cards:
rank r gets positions r, r + N, r + 2N, ... So with a per-process batch of B / N, step k's
batches of all processes together are positions k B .. (k + 1) B - 1 of the one order.

>>> import chainrule as cr
>>> [list(cr.data.DistributedSampler(range(5), num_replicas=2, rank=r, shuffle=False))
...  for r in (0, 1)]
[[0, 2, 4], [1, 3, 0]]
"""
import math

import numpy as np

from .. import distributed as dist
from .sampler import IndexSampler


class DistributedSampler(IndexSampler):
    """Rank ``rank``'s share of ``dataset`` among ``num_replicas`` processes (both from the
    default process group when None). Call ``set_epoch(epoch)`` before each epoch so the
    shuffle differs between epochs (and agrees between processes).

    >>> import chainrule as cr
    >>> dataset = list(range(10))
    >>> sampler = cr.utils.data.DistributedSampler(dataset, num_replicas=2, rank=1, shuffle=False)
    >>> list(sampler), len(sampler)
    ([1, 3, 5, 7, 9], 5)
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None or rank is None:
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if not isinstance(num_replicas, int) or num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be a positive integer, "
                             f"got {num_replicas!r}")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def index_array(self):
        n = len(self.dataset)
        if self.shuffle:
            order = np.random.default_rng(self.seed + self.epoch).permutation(n)
        else:
            order = np.arange(n)
        if self.drop_last:
            order = order[:self.total_size]
        elif self.total_size > n:   # pad with the start, repeated as often as needed
            order = np.resize(order, self.total_size)
        return order[self.rank:self.total_size:self.num_replicas]

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """The epoch whose order to draw: every process must set the same one."""
        self.epoch = epoch
