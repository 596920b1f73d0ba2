"""``DistributedDataParallel``: the same model in every process, each process on its own
share of the batch, gradients averaged over the processes during backward.

At construction rank 0's parameters and buffers are copied to every process, so all start
from the same weights. Each parameter gets a post accumulate grad hook (``Tensor.
register_post_accumulate_grad_hook``): the engine calls it as soon as the last gate that
reads the parameter has run. The hook copies the gradient into its *bucket*, a flat array
of about ``bucket_cap_mb`` megabytes holding several parameters (in reverse registration
order, roughly the order backward finishes them; the first bucket is small, 1 MB, as in
PyTorch, so the first all-reduce starts early). A full bucket starts a non-blocking
all-reduce while backward goes on with the layers below; buckets start in the same order on
every process (MPI needs the collectives in one order). When the last bucket has started,
each is waited for, divided by the world size, and its slices become the parameters' ``.grad``.

>>> import chainrule as cr
>>> cr.nn.parallel.DistributedDataParallel.__name__
'DistributedDataParallel'
"""
import contextlib

import numpy as np

from .. import distributed as dist
from ..autograd import is_grad_enabled, no_grad
from ..autograd.graph import evaluation_order
from ..tensor import Tensor, new_tensor
from .data_parallel import DataParallel, data_parallel  # noqa: F401
from .module import Module

MB = 1024 * 1024
FIRST_BUCKET_MB = 1


class DistributedDataParallel(Module):
    """Data-parallel training of ``module`` over the default process group (PyTorch's
    ``torch.nn.parallel.DistributedDataParallel``). Use it as the module itself:
    ``ddp(x)``, ``loss.backward()``, ``optimizer.step()``; ``ddp.module`` is the model;
    ``state_dict()`` keys start with ``module.``."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0,
                 broadcast_buffers=True, process_group=None, bucket_cap_mb=None,
                 find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False):
        super().__init__()
        if device_ids not in (None, [], ["cpu"]) or output_device not in (None, "cpu"):
            raise ValueError(f"DistributedDataParallel: device_ids={device_ids!r} / "
                             f"output_device={output_device!r}: chainrule runs on the CPU; "
                             f"leave both out")
        self.process_group = dist.group.WORLD if process_group is None else process_group
        dist.get_world_size(process_group)   # raises if init_process_group has not run
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        named = [(name, p) for name, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't "
                               "have any parameter that requires a gradient.")
        check_same_parameters(module)
        sync_from_rank_0(list(module.parameters()) + list(module.buffers()))
        cap = (25 if bucket_cap_mb is None else bucket_cap_mb) * MB
        self.reducer = Reducer(named, cap, min(cap, FIRST_BUCKET_MB * MB),
                               find_unused_parameters)

    def forward(self, *inputs, **kwargs):
        sync = is_grad_enabled() and self.require_backward_grad_sync
        if sync and self.broadcast_buffers and dist.get_world_size() > 1:
            # rank 0's buffers (BatchNorm's running statistics) before a training forward;
            # not before one under no_grad, which one rank may run alone (evaluation)
            buffers = list(self.module.buffers())
            if buffers:
                sync_from_rank_0(buffers)
        self.reducer.prepare(sync)
        out = self.module(*inputs, **kwargs)
        if sync and self.find_unused_parameters:
            self.reducer.unused = unused_parameters(self.reducer.params, out)
        return out

    @contextlib.contextmanager
    def no_sync(self):
        """Backward passes inside add to the local ``.grad`` without communicating (gradient
        accumulation); the first backward outside averages the accumulated gradients."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous


def check_same_parameters(module):
    """Every process must hold the same model: compare names, shapes and dtypes with rank 0's
    (PyTorch checks this too), before any gradient is averaged against a different layout."""
    mine = [(name, tuple(t.shape), str(t.dtype)) for name, t in module.state_dict().items()]
    everyone = [None] * dist.get_world_size()
    dist.all_gather_object(everyone, mine)
    for rank, theirs in enumerate(everyone):
        if theirs != everyone[0]:
            diff = next(((a, b) for a, b in zip(everyone[0], theirs) if a != b),
                        (len(everyone[0]), len(theirs)))
            raise RuntimeError(f"DistributedDataParallel: rank {rank}'s model differs from rank "
                               f"0's: {diff[1]} against {diff[0]}; every process must build "
                               f"the same model")


def sync_from_rank_0(tensors):
    """Copy rank 0's values of ``tensors`` into every process, in place."""
    with no_grad():
        for t in tensors:
            dist.broadcast(t, 0)


def unused_parameters(params, out):
    """The parameters that no gate behind ``out`` reads (they will get no gradient)."""
    reached = set()
    for t in tensors_in(out):
        if t.requires_grad:
            reached.update(id(x) for x in evaluation_order(t, "DistributedDataParallel"))
    return [i for i, p in enumerate(params) if id(p) not in reached]


def tensors_in(value):
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from tensors_in(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from tensors_in(v)


class Bucket:
    """Parameters whose gradients travel in one all-reduce: one flat array per step."""

    def __init__(self, indices, params):
        self.indices = indices
        self.slices, start = [], 0
        for i in indices:
            n = params[i]._data.size
            self.slices.append(slice(start, start + n))
            start += n
        self.size = start
        self.dtype = params[indices[0]]._data.dtype
        self.flat = self.work = None
        self.waiting = 0

    def reset(self):
        self.flat = np.empty(self.size, self.dtype)   # new each step: last step's .grad keep theirs
        self.work = None
        self.waiting = len(self.indices)


class Reducer:
    """The buckets and the state of one step's gradient averaging."""

    def __init__(self, named, cap, first_cap, find_unused):
        self.find_unused = find_unused
        self.names = [name for name, _ in named]
        self.params = [p for _, p in named]
        self.buckets = make_buckets(self.params, cap, first_cap)
        self.place = {}
        for bucket in self.buckets:
            for k, i in enumerate(bucket.indices):
                self.place[i] = (bucket, bucket.slices[k])
        self.ready_seen = [False] * len(self.params)
        self.expect = self.started = False
        self.unused = []
        self.launched = 0
        for i, p in enumerate(self.params):
            p.register_post_accumulate_grad_hook(lambda t, i=i: self.ready(i))

    def prepare(self, sync):
        """A forward: the last step's averaging must be complete; expect hooks if ``sync``."""
        if self.started and self.launched < len(self.buckets):
            missing = [self.names[i] for i, seen in enumerate(self.ready_seen) if not seen]
            raise RuntimeError(
                f"Expected to have finished reduction in the prior iteration before starting a "
                f"new one: parameters {', '.join(missing)} received no gradient in the last "
                f"backward, so their bucket was never averaged. If the model does not use every "
                f"parameter in each forward, pass find_unused_parameters=True to "
                f"DistributedDataParallel; make sure the output of forward is what the loss is "
                f"computed from.")
        self.expect = sync
        self.started = False
        self.unused = []

    def start_step(self):
        self.started = True
        self.launched = 0
        self.ready_seen = [False] * len(self.params)
        for bucket in self.buckets:
            bucket.reset()
        for i in self.unused:   # its contribution: what it has accumulated, else zeros
            grad = self.params[i].grad
            self.fill(i, None if grad is None else grad._data)

    def ready(self, i):
        """Parameter ``i``'s gradient is complete (its post accumulate grad hook)."""
        if not self.expect:
            return   # no_sync, or a backward through the module without the wrapper
        if not self.started:
            self.start_step()
        if self.ready_seen[i]:
            raise RuntimeError(f"DistributedDataParallel: parameter {self.names[i]} got a "
                               f"second gradient after one forward (a second backward through "
                               f"the same graph, or through the model without the wrapper); "
                               f"run forward through DistributedDataParallel before each "
                               f"backward, or do the extra backward inside no_sync()")
        self.fill(i, self.params[i].grad._data)
        self.launch_ready()

    def fill(self, i, grad):
        bucket, where = self.place[i]
        if grad is None:
            bucket.flat[where] = 0
        else:
            bucket.flat[where] = grad.reshape(-1)
        self.ready_seen[i] = True
        bucket.waiting -= 1

    def launch_ready(self):
        """Start every full bucket in order; nudge MPI's progress on those in flight."""
        buckets = self.buckets
        while self.launched < len(buckets) and buckets[self.launched].waiting == 0:
            bucket = buckets[self.launched]
            bucket.work = dist.all_reduce(new_tensor(bucket.flat, None), async_op=True)
            self.launched += 1
        for bucket in buckets[:self.launched]:
            bucket.work.is_completed()
        if self.launched == len(buckets):
            self.finish()

    def finish(self):
        """Every bucket started: wait for each, average, and hand the slices out as ``.grad``."""
        used = self.globally_used() if self.find_unused else None
        size = dist.get_world_size()
        for bucket in self.buckets:
            bucket.work.wait()
            bucket.flat /= size
            for i, where in zip(bucket.indices, bucket.slices):
                if used is None or used[i]:
                    p = self.params[i]
                    p.grad = new_tensor(bucket.flat[where].reshape(p._data.shape), None)

    def globally_used(self):
        """Which parameters some process used (a parameter unused everywhere keeps its
        ``.grad``, as in PyTorch)."""
        used = np.ones(len(self.params), np.int32)
        used[self.unused] = 0
        mask = new_tensor(used, None)
        dist.all_reduce(mask)
        return used > 0


def make_buckets(params, cap, first_cap):
    """Parameter indices in reverse registration order, cut into buckets of at most ``cap``
    bytes (the first ``first_cap``), one dtype per bucket."""
    buckets, current, nbytes = [], [], 0
    for i in reversed(range(len(params))):
        size = params[i]._data.nbytes
        limit = first_cap if not buckets else cap
        if current and (nbytes + size > limit or
                        params[i]._data.dtype != params[current[0]]._data.dtype):
            buckets.append(Bucket(current, params))
            current, nbytes = [], 0
        current.append(i)
        nbytes += size
    if current:
        buckets.append(Bucket(current, params))
    return buckets
