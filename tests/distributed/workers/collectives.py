"""Every collective of cr.distributed against the values each rank can compute itself."""
import numpy as np

import chainrule as cr
import chainrule.distributed as dist


def expect(tensor, values, what):
    got = tensor.numpy()
    assert np.array_equal(got, np.asarray(values, got.dtype)), (dist.get_rank(), what, got, values)


def main():
    dist.init_process_group("mpi")
    rank, size = dist.get_rank(), dist.get_world_size()
    assert dist.is_initialized() and dist.get_backend() == "mpi"
    ranks = np.arange(size)
    for async_op in (False, True):
        for op, value in ((dist.ReduceOp.SUM, ranks.sum() + size),
                          (dist.ReduceOp.AVG, (ranks.sum() + size) / size),
                          (dist.ReduceOp.PRODUCT, np.prod(ranks + 1)),
                          (dist.ReduceOp.MIN, 1), (dist.ReduceOp.MAX, size)):
            t = cr.full((2, 3), float(rank + 1))
            work = dist.all_reduce(t, op=op, async_op=async_op)
            if async_op:
                assert work.wait() is True and work.is_completed()
                assert work.result() == [t]
            else:
                assert work is None
            expect(t, np.full((2, 3), value), f"all_reduce {op} async={async_op}")
        for op, want in ((dist.ReduceOp.SUM, True), (dist.ReduceOp.MAX, True),
                         (dist.ReduceOp.PRODUCT, False), (dist.ReduceOp.MIN, False)):
            t = cr.tensor([rank == 1, True, False])   # bools: any (SUM, MAX), all (PRODUCT, MIN)
            w = dist.all_reduce(t, op=op, async_op=async_op)
            w and w.wait()
            expect(t, [want, True, False], f"all_reduce bool {op}")
        t = cr.full((2,), 1.5, dtype=cr.float16)
        w = dist.all_reduce(t, async_op=async_op)
        w and w.wait()
        expect(t, [1.5 * size] * 2, "all_reduce float16")
        t = cr.tensor([rank, 10 * rank], dtype=cr.int64)
        w = dist.all_reduce(t, async_op=async_op)
        w and w.wait()
        expect(t, [ranks.sum(), 10 * ranks.sum()], "all_reduce int64")
        # a non-contiguous tensor: written back through its own memory
        base = cr.zeros(3, 4)
        view = base.T
        view.numpy()[...] = rank + 1   # (a view of base's memory)
        w = dist.broadcast(view, src=size - 1, async_op=async_op)
        w and w.wait()
        expect(base, np.full((3, 4), size), "broadcast non-contiguous")
        gathered = [cr.zeros(2) for _ in range(size)]
        w = dist.all_gather(gathered, cr.tensor([rank, -rank], dtype=cr.float32),
                            async_op=async_op)
        w and w.wait()
        for r, g in enumerate(gathered):
            expect(g, [r, -r], "all_gather")
        out = cr.zeros(size * 2)
        w = dist.all_gather_into_tensor(out, cr.tensor([rank, rank], dtype=cr.float32),
                                        async_op=async_op)
        w and w.wait()
        expect(out, np.repeat(ranks, 2), "all_gather_into_tensor")
        dst = size - 1
        t = cr.full((2,), float(rank + 1))
        w = dist.reduce(t, dst=dst, op=dist.ReduceOp.SUM, async_op=async_op)
        w and w.wait()
        expect(t, [ranks.sum() + size] * 2 if rank == dst else [rank + 1] * 2, "reduce")
        parts = [cr.zeros(3) for _ in range(size)] if rank == 0 else None
        w = dist.gather(cr.full((3,), float(rank)), parts, dst=0, async_op=async_op)
        w and w.wait()
        if rank == 0:
            for r, part in enumerate(parts):
                expect(part, [r] * 3, "gather")
        mine = cr.zeros(2)
        pieces = [cr.full((2,), float(10 + r)) for r in range(size)] if rank == 0 else None
        w = dist.scatter(mine, pieces, src=0, async_op=async_op)
        w and w.wait()
        expect(mine, [10 + rank] * 2, "scatter")
        w = dist.barrier(async_op=async_op)
        w and w.wait()
    # point to point: a ring, blocking and started
    right, left = (rank + 1) % size, (rank - 1) % size
    got = cr.zeros(2)
    if rank % 2 == 0:
        dist.send(cr.full((2,), float(rank)), right)
        assert dist.recv(got, src=left) == left
    else:
        assert dist.recv(got) == left   # from any rank
        dist.send(cr.full((2,), float(rank)), right)
    expect(got, [left] * 2, "send/recv")
    got = cr.zeros(3)
    works = [dist.irecv(got, src=left, tag=7), dist.isend(cr.full((3,), rank + 0.5), right, tag=7)]
    for work in works:
        work.wait()
    expect(got, [left + 0.5] * 3, "isend/irecv")
    objects = [None] * size
    dist.all_gather_object(objects, {"rank": rank, "name": f"p{rank}"})
    assert objects == [{"rank": r, "name": f"p{r}"} for r in range(size)], objects
    box = [rank, "x"] if rank == 1 else [None, None]
    dist.broadcast_object_list(box, src=1)
    assert box == [1, "x"], box
    # a tensor changed in place by a collective is refused by a gate that saved it
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    h = w * 1
    y = h * h
    dist.all_reduce(h)
    try:
        y.sum().backward()
    except RuntimeError as e:
        assert "modified by an inplace operation" in str(e)
    else:
        raise AssertionError("backward used values an all_reduce had overwritten")
    check_errors(rank, size)
    dist.destroy_process_group()
    assert not dist.is_initialized()
    try:
        dist.init_process_group("mpi", world_size=size + 1)
    except ValueError as e:
        assert f"world_size={size + 1}, but the MPI launcher started this process with " \
               f"world_size={size}" in str(e), str(e)
    else:
        raise AssertionError("a world_size the launcher did not start was accepted")
    dist.init_process_group("mpi", world_size=size, rank=rank)   # again, as PyTorch allows
    dist.barrier()
    print(f"ok {rank}/{size}")


def check_errors(rank, size):
    def raises(kind, words, fn, *args, **kwargs):
        try:
            fn(*args, **kwargs)
        except kind as e:
            assert words in str(e), (words, str(e))
        else:
            raise AssertionError(f"{fn.__name__} did not raise {kind.__name__}")
    raises(ValueError, "not a rank", dist.broadcast, cr.zeros(1), src=size)
    raises(ValueError, "list of", dist.all_gather, [cr.zeros(1)] * (size + 1), cr.zeros(1))
    raises(ValueError, "shape", dist.all_gather, [cr.zeros(2)] * size, cr.zeros(1))
    raises(ValueError, "AVG needs a floating-point", dist.all_reduce,
           cr.zeros(1, dtype=cr.int64), op=dist.ReduceOp.AVG)
    raises(TypeError, "must be a Tensor", dist.all_reduce, np.zeros(2))
    raises(RuntimeError, "twice", dist.init_process_group, "mpi")
    raises(ValueError, "'nccl' is not available", dist.init_process_group, "nccl")


if __name__ == "__main__":
    main()
