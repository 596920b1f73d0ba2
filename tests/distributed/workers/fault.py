"""A job in which one rank fails: ``fault.py raise|kill|exit|ddp``. The other ranks are
blocked in a collective by then; the job must still end, at once."""
import os
import signal
import sys

import chainrule as cr
import chainrule.distributed as dist
from chainrule.nn.parallel import DistributedDataParallel


def main():
    mode = sys.argv[1]
    dist.init_process_group("mpi")
    rank = dist.get_rank()
    if mode == "ddp":   # fails in the middle of training, while the others wait on gradients
        model = DistributedDataParallel(cr.nn.Linear(3, 2))
        for step in range(5):
            if rank == 1 and step == 2:
                raise ValueError(f"bad batch at step {step}")
            model(cr.randn(4, 3)).sum().backward()
    if rank == 1:
        if mode == "raise":
            raise ValueError("boom on purpose")
        if mode == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if mode == "exit":
            sys.exit(3)
    dist.all_reduce(cr.zeros(1))   # rank 1 never comes
    dist.barrier()


if __name__ == "__main__":
    main()
