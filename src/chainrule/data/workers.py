"""DataLoader's worker processes, kept in this process: what PyTorch's workers give a dataset.

With ``num_workers = n``, PyTorch loads an epoch's batch k in worker k % n, a process whose
random generators (Python's ``random``, NumPy's global one, torch's) are seeded from a base
seed the main process draws each epoch plus the worker's id; ``worker_init_fn(id)`` runs first
in each worker, and ``get_worker_info()`` tells the dataset's code which worker it runs in
(an ``IterableDataset`` shards its stream by it, each worker iterating its own copy).

chainrule starts no process. A worker here is the set of those generators' states: the
loader swaps a worker's states in while it fetches that worker's batch and swaps them out
again after, so the dataset sees its worker's generators and ``get_worker_info()``, and the
main program's random numbers go on as if the workers were elsewhere. The batches come in
PyTorch's order. What a worker process would keep apart and does not here: a dataset
object's own attributes, changed by one worker, are seen by the others.
"""
import random
from contextlib import contextmanager

import numpy as np

from .. import random as cr_random

CURRENT = []   # the WorkerInfo of the worker whose batch is being fetched, while it is


class WorkerInfo:
    """PyTorch's ``WorkerInfo``: ``id``, ``num_workers``, ``seed`` and ``dataset``."""

    def __init__(self, id, num_workers, seed, dataset):   # noqa: A002 (PyTorch's name)
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset

    def __repr__(self):
        return (f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed}, "
                f"dataset={self.dataset!r})")


def current():
    return CURRENT[-1] if CURRENT else None


def generator_states():
    """The states of the generators a worker has of its own."""
    return random.getstate(), np.random.get_state(), cr_random.default_generator.get_state(), \
        cr_random.default_generator.seed


def restore(states):
    python, numpy, ours, seed = states
    random.setstate(python)
    np.random.set_state(numpy)
    cr_random.default_generator.seed = seed
    cr_random.default_generator.set_state(ours)


class Workers:
    """The ``num_workers`` workers of one epoch (of every epoch with persistent workers):
    each one's generator states, made on its first batch."""

    def __init__(self, count, dataset, init_fn, generator):
        draw = cr_random.numpy_generator(generator)   # the main process draws the base seed
        base = int(draw.integers(0, 2 ** 63 - count))
        self.infos = [WorkerInfo(i, count, base + i, dataset) for i in range(count)]
        self.states = [None] * count
        self.init_fn = init_fn

    @contextmanager
    def inside(self, worker):
        """Run the block as worker ``worker``: its generators, its ``get_worker_info()``."""
        main = generator_states()
        info = self.infos[worker]
        CURRENT.append(info)
        try:
            if self.states[worker] is None:   # its start: seeded as PyTorch seeds a worker
                random.seed(info.seed)
                np.random.seed(info.seed % 2 ** 32)
                cr_random.default_generator.manual_seed(info.seed)
                if self.init_fn is not None:
                    self.init_fn(worker)
            else:
                restore(self.states[worker])
            yield
        finally:
            self.states[worker] = generator_states()
            restore(main)
            CURRENT.pop()

    def map_batches(self, batches, fetch):
        """``fetch(batch)`` of each batch of indices, batch k in worker k % count."""
        for k, batch in enumerate(batches):   # the indices are drawn in the main process
            with self.inside(k % len(self.infos)):
                result = fetch(batch)
            yield result

    def stream_batches(self, dataset, batch):
        """An IterableDataset: each worker iterates its own copy of the stream, and the
        workers take turns giving a batch (``batch(iterator)``, None once it is done),
        until every stream has ended."""
        streams = {}
        for worker in range(len(self.infos)):
            with self.inside(worker):
                streams[worker] = iter(dataset)
        while streams:
            for worker in list(streams):
                with self.inside(worker):
                    result = batch(streams[worker])
                if result is None:
                    del streams[worker]
                else:
                    yield result
