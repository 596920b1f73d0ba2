"""``chainrule.distributed``: data-parallel training on MPI, with ``torch.distributed``'s
names and semantics.

Start N processes with ``mpiexec -n N python train.py`` (or ``chainrule train --nproc N``);
in each, ``init_process_group("mpi")`` gives its rank and the world size, and the
collectives work on tensors in place. ``import chainrule`` does not import mpi4py; the
first call that needs it does. See docs/distributed.md.

>>> import chainrule.distributed as dist
>>> dist.is_initialized()
False
"""
from .group import (init_process_group, destroy_process_group, is_initialized,  # noqa: F401
                    is_available, is_mpi_available, get_rank, get_world_size, get_backend,
                    group, ProcessGroup, abort)
from .collectives import (ReduceOp, Work, all_reduce, reduce, broadcast, all_gather,  # noqa: F401
                          all_gather_into_tensor, gather, scatter, barrier, all_gather_object,
                          broadcast_object_list, send, recv, isend, irecv)
