"""Data-parallel training on 1, 2 and 4 processes, and all-reduce bandwidth against mpi4py.

Steps, through DistributedDataParallel, each process on 1 / N of the same global batch,
timed as the median step after a warm-up: the 784-512-512-10 MLP of engine_speed.py
(workload b; Adam, global batch 128) and the tiny GPT of workloads.py (engine_speed.py's gpt:
2 blocks, width 64; AdamW, global batch 16 sequences of 32 tokens). Three ways per N:

* ddp: DistributedDataParallel as it runs (all-reduces started from the gradient hooks,
  overlapping the rest of backward);
* after: backward under no_sync, then the gradients all-reduced after backward in one
  buffer (no overlap): what the overlap buys is after - ddp;
* local: backward under no_sync and no communication: the compute alone.

Scaling efficiency = time of 1 process / (N x time of N processes) at the same global
batch (1.0: N processes are N times as fast). One BLAS thread per process: on a shared
machine two threads per process spin against each other and time the contention (a 1-process
step took 10 times as long with 2 threads here). Each figure is the median of ROUNDS runs.

Bandwidth: ``cr.distributed.all_reduce`` against mpi4py's ``Allreduce`` (in place) on the
same float32 buffers, 2 processes: the ratio of their times (1.0: no overhead).

    python benchmarks/distributed_speed.py            # 1, 2, 4 processes, both models
    python benchmarks/distributed_speed.py 1 2        # some of them
"""
import json
import os
import subprocess
import sys

import numpy as np
from engine_speed import median_time
from workloads import gpt_model

SIZES = (784, 512, 512, 10)
VOCAB, CONTEXT = 65, 32
WORKLOADS = {"mlp": ("784-512-512-10 MLP, Adam", 128),
             "gpt": ("tiny GPT (2 blocks, width 64, 32 tokens), AdamW", 16)}
STEPS, WARMUP = 30, 5
ROUNDS = 3
BUFFERS_MB = (0.25, 4, 32)


def mlp(cr, batch, rng):
    """The MLP, its share of the batch, its optimizer and loss."""
    x = cr.tensor(rng.standard_normal((batch, SIZES[0])).astype(np.float32))
    y = cr.tensor(rng.integers(0, SIZES[-1], batch))
    layers = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        layers += [cr.nn.Linear(fan_in, fan_out), cr.nn.ReLU()]
    model = cr.nn.Sequential(*layers[:-1])
    return model, x, y, cr.optim.Adam(model.parameters(), lr=1e-4), cr.nn.CrossEntropyLoss()


def gpt(cr, batch, rng):
    """The tiny GPT, its share of the batch, its optimizer and loss over every token."""
    idx = cr.tensor(rng.integers(0, VOCAB, (batch, CONTEXT)))
    targets = cr.tensor(rng.integers(0, VOCAB, (batch * CONTEXT,)))
    model = gpt_model(cr, VOCAB, CONTEXT)
    ce = cr.nn.functional.cross_entropy
    return (model, idx, targets, cr.optim.AdamW(model.parameters(), lr=1e-3),
            lambda logits, y: ce(logits.reshape(-1, VOCAB), y))


def steps(workload):
    """In each process: the three step times (same on every rank: the slowest decides)."""
    import chainrule as cr
    import chainrule.distributed as dist
    from chainrule.nn.parallel import DistributedDataParallel
    dist.init_process_group("mpi")
    rank, size = dist.get_rank(), dist.get_world_size()
    build = {"mlp": mlp, "gpt": gpt}[workload]
    model, x, y, optimizer, loss_fn = build(cr, WORKLOADS[workload][1] // size,
                                            np.random.default_rng(rank))
    ddp = DistributedDataParallel(model)
    params = list(model.parameters())

    def ddp_step():
        optimizer.zero_grad()
        loss_fn(ddp(x), y).backward()
        optimizer.step()

    def after_step():
        optimizer.zero_grad()
        with ddp.no_sync():
            loss_fn(ddp(x), y).backward()
        flat = cr.tensor(np.concatenate([p.grad.numpy().ravel() for p in params]))
        dist.all_reduce(flat, op=dist.ReduceOp.AVG)
        start = 0
        for p in params:
            n = p.numel()
            p.grad = cr.tensor(flat.numpy()[start:start + n].reshape(p.shape))
            start += n
        optimizer.step()

    def local_step():
        optimizer.zero_grad()
        with ddp.no_sync():
            loss_fn(ddp(x), y).backward()
        optimizer.step()

    result = {}
    for name, step in (("ddp", ddp_step), ("after", after_step), ("local", local_step)):
        dist.barrier()
        t = cr.tensor([median_time(step, STEPS, WARMUP)], dtype=cr.float64)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        result[name] = t.item()
    return result


def bandwidth():
    """In each process: seconds per all-reduce, ours and mpi4py's, on each buffer size."""
    from mpi4py import MPI

    import chainrule as cr
    import chainrule.distributed as dist
    dist.init_process_group("mpi")
    comm = dist.group.WORLD.comm
    result = {}
    for mb in BUFFERS_MB:
        data = np.ones(int(mb * 2 ** 20) // 4, np.float32)
        t = cr.tensor(data.copy())
        repeats = max(5, int(40 / mb))
        ours = median_time(lambda: dist.all_reduce(t), repeats, 2)
        theirs = median_time(lambda: comm.Allreduce(MPI.IN_PLACE, data), repeats, 2)
        result[str(mb)] = (ours, theirs)
    return result


def on_processes(n, what):
    """Run ``what`` on n processes under mpiexec; rank 0's JSON."""
    from chainrule.cli.launch import mpiexec
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    done = subprocess.run([mpiexec(), "-n", str(n), sys.executable, __file__, "--worker", what],
                          capture_output=True, text=True, env=env, timeout=600)
    if done.returncode:
        raise SystemExit(f"{n} processes, {what}: failed\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_of_rounds(n, what):
    """Each entry of ``on_processes(n, what)``: the median over ROUNDS runs."""
    runs = [on_processes(n, what) for _ in range(ROUNDS)]
    return {key: np.median([run[key] for run in runs], axis=0).tolist() for key in runs[0]}


def main(counts):
    print(f"{os.cpu_count()} cores; median of {STEPS} steps, median of {ROUNDS} runs; 1 BLAS "
          f"thread a process")
    for workload, (title, batch) in WORKLOADS.items():
        print(f"\n{title}, global batch {batch}")
        print("processes  batch each  ddp ms  after ms  local ms  samples/s  efficiency  "
              "overlap buys")
        first = None
        for n in counts:
            r = median_of_rounds(n, "steps-" + workload)
            if n == 1:
                first = r["ddp"]
            efficiency = f"{first / (n * r['ddp']):.2f}" if first else "-"
            print(f"{n:9d}  {batch // n:10d}  {r['ddp'] * 1e3:6.2f}  {r['after'] * 1e3:8.2f}  "
                  f"{r['local'] * 1e3:8.2f}  {batch / r['ddp']:9,.0f}  {efficiency:>10}  "
                  f"{(r['after'] - r['ddp']) * 1e3:9.2f} ms")
    print("\nall_reduce, 2 processes: cr.distributed against mpi4py's Allreduce (in place)")
    print("buffer MB  ours ms  mpi4py ms  ours GB/s  ratio (mpi4py time / ours)")
    for mb, (ours, theirs) in median_of_rounds(2, "bandwidth").items():
        rate = float(mb) * 2 ** 20 / ours / 1e9
        print(f"{float(mb):9.2f}  {ours * 1e3:7.3f}  {theirs * 1e3:9.3f}  {rate:9.2f}  "
              f"{theirs / ours:.2f}")


def worker(what):
    """One process of ``on_processes``: rank 0 prints the result."""
    import chainrule.distributed as dist
    out = bandwidth() if what == "bandwidth" else steps(what.split("-")[1])
    if dist.get_rank() == 0:
        print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker(sys.argv[2])
    else:
        main([int(a) for a in sys.argv[1:]] or [1, 2, 4])
