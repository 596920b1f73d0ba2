"""DistributedDataParallel against PyTorch's, side by side in the same processes: chainrule
on MPI, PyTorch on its gloo backend (loopback TCP, port ``argv[1]``). Each rank starts both
models from the same weights, different on each rank, and runs the same forward and backward
on its own data, with a head that only some ranks use (find_unused_parameters=True):
the weights after construction, the state_dict keys and every gradient (None or values)
must agree."""
import os
import sys

import numpy as np
import torch
from mpi4py import MPI
import torch.distributed as tdist
from torch.nn.parallel import DistributedDataParallel as TorchDDP

import chainrule as cr
import chainrule.distributed as dist
from chainrule.nn.parallel import DistributedDataParallel as DDP


def heads(lib):
    class TwoHeads(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = lib.nn.Linear(6, 16)
            self.heads = lib.nn.ModuleList([lib.nn.Linear(16, 4) for _ in range(3)])
            self.head = 0

        def forward(self, x):
            return self.heads[self.head](self.body(x).tanh())
    return TwoHeads()


def main():
    dist.init_process_group("mpi")
    rank, size = dist.get_rank(), dist.get_world_size()
    tdist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{sys.argv[1]}", rank=rank,
                             world_size=size)
    ours, theirs = heads(cr), heads(torch)
    rng = np.random.default_rng(rank)   # each rank its own initial weights
    with torch.no_grad():
        for p, q in zip(ours.parameters(), theirs.parameters()):
            values = rng.standard_normal(tuple(p.shape)).astype(np.float32)
            p.data = cr.tensor(values)
            q.copy_(torch.from_numpy(values))
    ours.head = theirs.head = rank % 2   # head 2: used by no rank
    ddp = DDP(ours, find_unused_parameters=True)
    tddp = TorchDDP(theirs, find_unused_parameters=True)
    assert list(ddp.state_dict()) == list(tddp.state_dict())
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    x = rng.standard_normal((5, 6)).astype(np.float32)
    y = rng.integers(0, 4, 5)
    for step in range(2):
        ddp.zero_grad()
        tddp.zero_grad()
        cr.nn.functional.cross_entropy(ddp(cr.tensor(x)), cr.tensor(y)).backward()
        torch.nn.functional.cross_entropy(tddp(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
            assert (p.grad is None) == (q.grad is None), (step, name, p.grad, q.grad)
            if p.grad is not None:
                np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5,
                                           atol=1e-6, err_msg=name)
    tdist.destroy_process_group()
    print(f"ok {rank}", flush=True)


if __name__ == "__main__":
    main()
    # PyTorch's gloo threads can end the interpreter's shutdown in std::terminate (SIGABRT,
    # now and then, after the checks passed): finish MPI, then leave without that shutdown
    dist.destroy_process_group()
    MPI.Finalize()
    os._exit(0)
