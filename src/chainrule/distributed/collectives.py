"""Collectives with ``torch.distributed``'s names and semantics, on mpi4py.

Each call works on the tensors' memory in place: the array is handed to MPI through the
buffer protocol (mpi4py's upper-case ``Allreduce``, ``Bcast``, ...), so no array is pickled
or copied on the way (a non-contiguous tensor goes through one contiguous copy). With
``async_op=True`` the non-blocking MPI call is started and a ``Work`` is returned; its
``wait()`` finishes the call (AVG's division, the copies into output lists).

>>> import chainrule.distributed as dist
>>> dist.ReduceOp.SUM, dist.ReduceOp.AVG
(<ReduceOp.SUM: 0>, <ReduceOp.AVG: 7>)
"""
import enum

import numpy as np

from ..ops.inplace import mark_changed
from ..tensor import Tensor
from .group import default_group, mpi


class ReduceOp(enum.Enum):
    """How ``all_reduce`` and ``reduce`` combine the processes' values."""

    SUM = 0
    PRODUCT = 1
    MIN = 2
    MAX = 3
    BAND = 4
    BOR = 5
    BXOR = 6
    AVG = 7


MPI_OPS = {"SUM": "SUM", "AVG": "SUM", "PRODUCT": "PROD", "MIN": "MIN", "MAX": "MAX",
           "BAND": "BAND", "BOR": "BOR", "BXOR": "BXOR"}
# MPI reduces booleans only with logical operations: a sum of bools saturates to "any", a
# product to "all" (what the same op on 0/1 values gives, kept to True/False)
BOOL_OPS = {"SUM": "LOR", "MAX": "LOR", "BOR": "LOR", "PRODUCT": "LAND", "MIN": "LAND",
            "BAND": "LAND", "BXOR": "LXOR"}


class Work:
    """What a collective with ``async_op=True`` returns: ``wait()`` blocks until it is done
    (and returns True), ``is_completed()`` asks without blocking."""

    def __init__(self, request, finish, outputs):
        self.request = request
        self.finish = finish
        self.outputs = outputs
        self.done = False

    def wait(self, timeout=None):
        if not self.done:
            self.request.Wait()
            self.complete()
        return True

    def is_completed(self):
        if not self.done and self.request.Test():
            self.complete()
        return self.done

    def is_success(self):
        return self.done

    def result(self):
        self.wait()
        return self.outputs

    def complete(self):
        self.done = True
        self.finish()


def start(async_op, blocking, nonblocking, finish, outputs):
    """Run a collective now, or start it and hand back its ``Work``."""
    if async_op:
        return Work(nonblocking(), finish, outputs)
    blocking()
    finish()
    return None


# ----- buffers -------------------------------------------------------------------------
def memory(tensor, where, name="tensor"):
    """The tensor's array as MPI reads and writes it: itself, or a contiguous copy that
    ``written`` copies back."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{where}: {name} must be a Tensor, got {type(tensor).__name__}")
    data = tensor._data
    return data if data.flags.c_contiguous else np.ascontiguousarray(data)


def written(tensor, buf):
    """MPI wrote ``buf``: make it the tensor's values, and move its version counter (so a
    gate that saved the old values refuses to use them)."""
    if buf is not tensor._data:
        tensor._data[...] = buf
    mark_changed(tensor)


def check_rank(where, name, value, pg):
    if not isinstance(value, int) or not 0 <= value < pg.size:
        raise ValueError(f"{where}: {name}={value!r} is not a rank of this group "
                         f"(0 .. {pg.size - 1})")


def check_list(where, name, tensors, like, pg):
    """A list of ``world size`` tensors shaped and typed like ``like``."""
    if not isinstance(tensors, (list, tuple)) or len(tensors) != pg.size:
        got = len(tensors) if isinstance(tensors, (list, tuple)) else type(tensors).__name__
        raise ValueError(f"{where}: {name} must be a list of {pg.size} tensors (the world "
                         f"size), got {got}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor) or t.shape != like.shape or t.dtype != like.dtype:
            what = (f"shape {tuple(t.shape)} and dtype {t.dtype}" if isinstance(t, Tensor)
                    else type(t).__name__)
            raise ValueError(f"{where}: {name}[{i}] has {what}, but the tensor has shape "
                             f"{tuple(like.shape)} and dtype {like.dtype}")


def mpi_op(op, tensor, where):
    if op is ReduceOp.SUM and tensor._data.dtype.kind != "b":
        return mpi().SUM
    if not isinstance(op, ReduceOp):
        raise ValueError(f"{where}: op must be a ReduceOp (ReduceOp.SUM, AVG, PRODUCT, MIN, "
                         f"MAX, BAND, BOR, BXOR), got {op!r}")
    if op is ReduceOp.AVG and tensor._data.dtype.kind not in "fc":
        raise ValueError(f"{where}: ReduceOp.AVG needs a floating-point tensor, got "
                         f"{tensor.dtype}; use ReduceOp.SUM and divide")
    if tensor._data.dtype.kind == "b":
        return getattr(mpi(), BOOL_OPS[op.name])
    return getattr(mpi(), MPI_OPS[op.name])


# ----- collectives ---------------------------------------------------------------------
def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Combine ``tensor`` over every process (sum by default); each gets the result, in
    place."""
    pg = default_group("all_reduce", group)
    buf = memory(tensor, "all_reduce")
    operation = mpi_op(op, tensor, "all_reduce")
    in_place = mpi().IN_PLACE

    def finish():
        if op is ReduceOp.AVG:
            np.divide(buf, pg.size, out=buf, casting="unsafe")
        written(tensor, buf)
    return start(async_op, lambda: pg.comm.Allreduce(in_place, buf, operation),
                 lambda: pg.comm.Iallreduce(in_place, buf, operation), finish, [tensor])


def reduce(tensor, dst, op=ReduceOp.SUM, group=None, async_op=False):
    """Combine ``tensor`` over every process into rank ``dst``'s tensor (the others keep
    theirs)."""
    pg = default_group("reduce", group)
    check_rank("reduce", "dst", dst, pg)
    buf = memory(tensor, "reduce")
    operation = mpi_op(op, tensor, "reduce")
    root = pg.rank == dst
    send, recv = (mpi().IN_PLACE, buf) if root else (buf, None)

    def finish():
        if root:
            if op is ReduceOp.AVG:
                np.divide(buf, pg.size, out=buf, casting="unsafe")
            written(tensor, buf)
    return start(async_op, lambda: pg.comm.Reduce(send, recv, operation, dst),
                 lambda: pg.comm.Ireduce(send, recv, operation, dst), finish, [tensor])


def broadcast(tensor, src, group=None, async_op=False):
    """Copy rank ``src``'s ``tensor`` into every other process's ``tensor``."""
    pg = default_group("broadcast", group)
    check_rank("broadcast", "src", src, pg)
    buf = memory(tensor, "broadcast")

    def finish():
        if pg.rank != src:
            written(tensor, buf)
    return start(async_op, lambda: pg.comm.Bcast(buf, src), lambda: pg.comm.Ibcast(buf, src),
                 finish, [tensor])


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Every process's ``tensor``, in rank order, into each process's ``tensor_list``."""
    pg = default_group("all_gather", group)
    buf = memory(tensor, "all_gather")
    check_list("all_gather", "tensor_list", tensor_list, tensor, pg)
    recv = np.empty((pg.size,) + buf.shape, buf.dtype)

    def finish():
        for t, part in zip(tensor_list, recv):
            written(t, part)
    return start(async_op, lambda: pg.comm.Allgather(buf, recv),
                 lambda: pg.comm.Iallgather(buf, recv), finish, tensor_list)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Every process's ``input_tensor`` concatenated (along dim 0) or stacked into
    ``output_tensor``, which has world size times as many elements."""
    pg = default_group("all_gather_into_tensor", group)
    buf = memory(input_tensor, "all_gather_into_tensor", "input_tensor")
    out = memory(output_tensor, "all_gather_into_tensor", "output_tensor")
    if out.size != pg.size * buf.size or out.dtype != buf.dtype:
        raise ValueError(f"all_gather_into_tensor: output_tensor has shape {out.shape} and "
                         f"dtype {out.dtype}; it needs {pg.size} x {buf.size} elements of "
                         f"dtype {buf.dtype}")
    return start(async_op, lambda: pg.comm.Allgather(buf, out),
                 lambda: pg.comm.Iallgather(buf, out), lambda: written(output_tensor, out),
                 [output_tensor])


def gather(tensor, gather_list=None, dst=0, group=None, async_op=False):
    """Every process's ``tensor``, in rank order, into rank ``dst``'s ``gather_list``."""
    pg = default_group("gather", group)
    check_rank("gather", "dst", dst, pg)
    buf = memory(tensor, "gather")
    root = pg.rank == dst
    if root:
        check_list("gather", "gather_list", gather_list, tensor, pg)
    elif gather_list:
        raise ValueError("gather: gather_list must be given on the destination rank only")
    recv = np.empty((pg.size,) + buf.shape, buf.dtype) if root else None

    def finish():
        if root:
            for t, part in zip(gather_list, recv):
                written(t, part)
    return start(async_op, lambda: pg.comm.Gather(buf, recv, dst),
                 lambda: pg.comm.Igather(buf, recv, dst), finish, gather_list)


def scatter(tensor, scatter_list=None, src=0, group=None, async_op=False):
    """Rank ``src``'s ``scatter_list[i]`` into rank i's ``tensor``."""
    pg = default_group("scatter", group)
    check_rank("scatter", "src", src, pg)
    buf = memory(tensor, "scatter")
    root = pg.rank == src
    if root:
        check_list("scatter", "scatter_list", scatter_list, tensor, pg)
        send = np.stack([t._data for t in scatter_list])
    elif scatter_list:
        raise ValueError("scatter: scatter_list must be given on the source rank only")
    else:
        send = None
    return start(async_op, lambda: pg.comm.Scatter(send, buf, src),
                 lambda: pg.comm.Iscatter(send, buf, src), lambda: written(tensor, buf),
                 [tensor])


def barrier(group=None, async_op=False, device_ids=None):
    """Wait until every process has reached this call."""
    pg = default_group("barrier", group)
    return start(async_op, pg.comm.Barrier, pg.comm.Ibarrier, lambda: None, [])


# ----- point to point -------------------------------------------------------------------
def send(tensor, dst, group=None, tag=0):
    """Send ``tensor`` to rank ``dst`` (which calls ``recv``)."""
    pg = default_group("send", group)
    check_rank("send", "dst", dst, pg)
    pg.comm.Send(memory(tensor, "send"), dst, tag)


def recv(tensor, src=None, group=None, tag=0):
    """Receive into ``tensor`` from rank ``src`` (any rank when None); returns the sender."""
    pg = default_group("recv", group)
    MPI = mpi()
    if src is not None:
        check_rank("recv", "src", src, pg)
    buf = memory(tensor, "recv")
    status = MPI.Status()
    pg.comm.Recv(buf, MPI.ANY_SOURCE if src is None else src, tag, status)
    written(tensor, buf)
    return status.Get_source()


def isend(tensor, dst, group=None, tag=0):
    """``send`` started; the returned ``Work``'s ``wait()`` finishes it."""
    pg = default_group("isend", group)
    check_rank("isend", "dst", dst, pg)
    buf = memory(tensor, "isend")
    return Work(pg.comm.Isend(buf, dst, tag), lambda: None, [tensor])


def irecv(tensor, src=None, group=None, tag=0):
    """``recv`` started; the returned ``Work``'s ``wait()`` finishes it."""
    pg = default_group("irecv", group)
    MPI = mpi()
    if src is not None:
        check_rank("irecv", "src", src, pg)
    buf = memory(tensor, "irecv")
    request = pg.comm.Irecv(buf, MPI.ANY_SOURCE if src is None else src, tag)
    return Work(request, lambda: written(tensor, buf), [tensor])


# ----- Python objects (pickled, as in PyTorch: only between processes you trust) --------
def all_gather_object(object_list, obj, group=None):
    """Every process's ``obj``, in rank order, into ``object_list`` (of world size)."""
    pg = default_group("all_gather_object", group)
    if len(object_list) != pg.size:
        raise ValueError(f"all_gather_object: object_list must have {pg.size} entries (the "
                         f"world size), got {len(object_list)}")
    object_list[:] = pg.comm.allgather(obj)


def broadcast_object_list(object_list, src=0, group=None, device=None):
    """Rank ``src``'s ``object_list`` entries into every process's ``object_list``."""
    pg = default_group("broadcast_object_list", group)
    check_rank("broadcast_object_list", "src", src, pg)
    received = pg.comm.bcast(list(object_list) if pg.rank == src else None, src)
    if len(received) != len(object_list):
        raise ValueError(f"broadcast_object_list: rank {src} sent {len(received)} objects but "
                         f"this rank's object_list has {len(object_list)} entries")
    object_list[:] = received
