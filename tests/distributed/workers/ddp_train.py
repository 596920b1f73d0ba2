"""DistributedDataParallel on this job's processes: ``ddp_train.py MODE,MODE,... OUT``.

The training modes (train, small-buckets, accumulate): each rank builds the model from its
own seed (different initial weights), wraps it, and trains on its interleaved share of the
same global batches; rank 0 saves the final weights to OUT/MODE.safetensors for the test to
compare with one process trained on the whole batches. The other modes check behaviours in
the worker itself. Several modes run in one job: each job costs seconds of start-up."""
import copy
import os
import sys

import numpy as np

import chainrule as cr
import chainrule.distributed as dist
from chainrule.nn.parallel import DistributedDataParallel as DDP

F = cr.nn.functional
GLOBAL_BATCH, STEPS = 16, 9


class TwoHeads(cr.nn.Module):
    """A body and two heads; ``head`` picks the one forward uses (the other gets no grad)."""

    def __init__(self):
        super().__init__()
        self.body = cr.nn.Linear(6, 16)
        self.heads = cr.nn.ModuleList([cr.nn.Linear(16, 4), cr.nn.Linear(16, 4)])
        self.head = 0

    def forward(self, x):
        return self.heads[self.head](self.body(x).tanh())


def build(seed):
    cr.manual_seed(seed)
    return cr.nn.Sequential(cr.nn.Linear(6, 16), cr.nn.Tanh(), cr.nn.Linear(16, 16),
                            cr.nn.Tanh(), cr.nn.Linear(16, 4))


def data():
    cr.manual_seed(0)
    return cr.randn(GLOBAL_BATCH * 3, 6), cr.randint(0, 4, (GLOBAL_BATCH * 3,))


def batches(rank, size):
    x, y = data()
    for step in range(STEPS):
        lo = (step % 3) * GLOBAL_BATCH
        xb, yb = x[lo:lo + GLOBAL_BATCH], y[lo:lo + GLOBAL_BATCH]
        yield xb[rank::size], yb[rank::size]


def flat(module):
    return np.concatenate([p.detach().numpy().ravel() for p in module.parameters()])


def gathered(array):
    parts = [None] * dist.get_world_size()
    dist.all_gather_object(parts, array)
    return parts


def train(mode, out):
    rank, size = dist.get_rank(), dist.get_world_size()
    model = build(100 + rank)
    before = gathered(flat(model))
    assert not np.array_equal(before[0], before[-1]), "ranks should start from different weights"
    ddp = DDP(model, bucket_cap_mb=0.0005 if mode == "small-buckets" else None)
    assert all(np.array_equal(w, gathered(flat(model))[0]) for w in gathered(flat(model)))
    assert list(ddp.state_dict())[0] == "module.0.weight" and ddp.module is model
    if mode == "small-buckets":
        assert len(ddp.reducer.buckets) >= 3, len(ddp.reducer.buckets)
    optimizer = cr.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    for xb, yb in batches(rank, size):
        optimizer.zero_grad()
        if mode == "accumulate":   # two micro-batches, the first without communication
            half = len(yb) // 2
            with ddp.no_sync():
                (F.cross_entropy(ddp(xb[:half]), yb[:half]) / 2).backward()
            local = [p.grad.numpy().copy() for p in model.parameters()]
            assert not np.array_equal(gathered(local[0])[0], gathered(local[0])[-1]), \
                "no_sync must not average"
            (F.cross_entropy(ddp(xb[half:]), yb[half:]) / 2).backward()
        else:
            F.cross_entropy(ddp(xb), yb).backward()
        optimizer.step()
    after = gathered(flat(model))
    assert all(np.array_equal(w, after[0]) for w in after), "ranks must end with equal weights"
    if rank == 0:
        cr.save(model.state_dict(), os.path.join(out, f"{mode}.safetensors"))


def unused(mode, out):
    """Rank r's forward uses head r % 2 ("partial"); or head 0 everywhere ("unused")."""
    rank, size = dist.get_rank(), dist.get_world_size()
    cr.manual_seed(7)
    model = TwoHeads()
    model.head = rank % 2 if mode == "partial" else 0
    local = copy.deepcopy(model)
    ddp = DDP(model, find_unused_parameters=True)
    x, y = data()
    xb, yb = x[rank::size][:4], y[rank::size][:4]
    for step in range(2):   # twice: a second forward finds the reduction finished
        for p in list(model.parameters()) + list(local.parameters()):
            p.grad = None
        F.cross_entropy(ddp(xb), yb).backward()
        F.cross_entropy(local(xb), yb).backward()
    for (name, p), q in zip(model.named_parameters(), local.parameters()):
        everyone = gathered(None if q.grad is None else q.grad.numpy())
        if all(g is None for g in everyone):
            assert p.grad is None, f"{name}: unused everywhere, yet given a gradient"
            continue
        mean = sum(np.zeros_like(p.detach().numpy()) if g is None else g
                   for g in everyone) / size
        assert np.allclose(p.grad.numpy(), mean, atol=1e-6), name


def unused_error(mode, out):
    """Without find_unused_parameters an unused parameter stops the next forward."""
    cr.manual_seed(7)
    model = TwoHeads()
    ddp = DDP(model)
    x, y = data()
    F.cross_entropy(ddp(x[:4]), y[:4]).backward()
    try:
        ddp(x[:4])
    except RuntimeError as e:
        assert "find_unused_parameters=True" in str(e) and "heads.1.weight" in str(e), str(e)
    else:
        raise AssertionError("an unfinished reduction went unnoticed")


def overlap(mode, out):
    """A bucket's all-reduce starts before backward reaches the first layer."""
    model = build(3)
    ddp = DDP(model, bucket_cap_mb=0.0005)
    x, y = data()
    seen = []
    h = ddp.module[0](x)   # the first layer's output: its gradient is among the last
    h.register_hook(lambda g: seen.append(ddp.reducer.launched))
    ddp.reducer.prepare(True)
    F.cross_entropy(ddp.module[4](ddp.module[3](ddp.module[2](h.tanh()))), y).backward()
    assert seen and seen[0] >= 1, seen
    assert ddp.reducer.launched == len(ddp.reducer.buckets) >= 3


def buffers(mode, out):
    """Rank 0's buffers reach every process before each training forward (BatchNorm's
    running statistics, as broadcast_buffers does in PyTorch); the batch statistics stay
    local; a forward under no_grad communicates nothing (one rank may evaluate alone)."""
    rank = dist.get_rank()
    cr.manual_seed(1)
    model = cr.nn.Sequential(cr.nn.Linear(3, 4), cr.nn.BatchNorm1d(4))
    ddp = DDP(model)
    norm = model[1]
    norm.running_mean.fill_(float(rank + 1))
    cr.manual_seed(10 + rank)   # each rank's own batch
    x = cr.randn(8, 3)
    batch_mean = model[0](x).detach().numpy().mean(0)
    ddp(x).sum().backward()
    # momentum 0.1 from rank 0's running mean (1), with this rank's batch mean
    assert np.allclose(norm.running_mean.numpy(), 0.9 * 1 + 0.1 * batch_mean, atol=1e-6)
    means = gathered(norm.running_mean.numpy().copy())
    assert not np.array_equal(means[0], means[1]), "batch statistics are per process"
    if rank == 0:   # alone: a forward under no_grad must not wait for the other ranks
        ddp.eval()
        with cr.no_grad():
            ddp(x)
        ddp.train()
    dist.barrier()


def mismatch(mode, out):
    """Processes that built different models are told which rank differs, on every rank."""
    rank = dist.get_rank()
    try:
        DDP(cr.nn.Linear(3, 4 + rank))
    except RuntimeError as e:
        assert "rank 1's model differs from rank 0's: ('weight', (5, 3), " in str(e), str(e)
        assert "against ('weight', (4, 3), " in str(e), str(e)
    else:
        raise AssertionError("different models went unnoticed")


class Mixed(cr.nn.Module):
    """A float64 layer, then a float32 one."""

    def __init__(self):
        super().__init__()
        self.first = cr.nn.Linear(3, 4).double()
        self.second = cr.nn.Linear(4, 2)

    def forward(self, x):
        return self.second(self.first(x).float())


def dtypes(mode, out):
    """Parameters of two dtypes travel in separate buckets, each averaged in its dtype."""
    rank, size = dist.get_rank(), dist.get_world_size()
    cr.manual_seed(rank)
    model = Mixed()
    ddp = DDP(model)
    assert sorted(str(b.dtype) for b in ddp.reducer.buckets) == ["float32", "float64"]
    cr.manual_seed(20 + rank)
    x = cr.randn(5, 3, dtype=cr.float64)
    local = copy.deepcopy(model)
    ddp(x).sum().backward()
    local(x).sum().backward()
    for p, q in zip(model.parameters(), local.parameters()):
        assert p.grad.dtype == p.dtype
        mean = sum(gathered(q.grad.numpy())) / size
        assert np.allclose(p.grad.numpy(), mean, atol=1e-6)


def twice(mode, out):
    """A second backward after one forward would go unaveraged: refused, as in PyTorch."""
    ddp = DDP(build(5))
    x, y = data()
    loss = F.cross_entropy(ddp(x[:4]), y[:4])
    loss.backward(retain_graph=True)
    try:
        loss.backward()
    except RuntimeError as e:
        assert "second gradient after one forward" in str(e), str(e)
    else:
        raise AssertionError("a second backward after one forward went unnoticed")
    with ddp.no_sync():   # what the message offers instead
        F.cross_entropy(ddp(x[:4]), y[:4]).backward()
    F.cross_entropy(ddp(x[:4]), y[:4]).backward()


def main():
    out = sys.argv[2]
    dist.init_process_group("mpi")
    modes = {"partial": unused, "unused": unused, "unused-error": unused_error,
             "overlap": overlap, "buffers": buffers, "mismatch": mismatch, "dtypes": dtypes,
             "twice": twice}
    for mode in sys.argv[1].split(","):
        modes.get(mode, train)(mode, out)
        print(f"ok {mode} {dist.get_rank()}")


if __name__ == "__main__":
    main()
