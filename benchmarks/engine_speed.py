"""The engine against PyTorch eager, side by side in one process: ratio = chainrule / PyTorch time.

Each workload is written once per library in the same style (functional layers, a plain SGD
update under no_grad) and timed as the median over many repetitions after a warm-up.

    python benchmarks/engine_speed.py            # all workloads
    python benchmarks/engine_speed.py a c        # some of them
"""
import statistics
import sys
import time

import numpy as np
import torch

import chainrule as cr

LR = 0.01


def median_time(step, repeats, warmup):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def mlp_steps(sizes, batch):
    """A full training step of a ReLU MLP with softmax cross-entropy, in both libraries."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], batch)
    shapes = list(zip(sizes[1:], sizes[:-1]))
    weights = [(rng.standard_normal(s).astype(np.float32) * 0.1, np.zeros(s[0], np.float32))
               for s in shapes]

    cr_params = [cr.tensor(a, requires_grad=True) for pair in weights for a in pair]
    cr_x, cr_y = cr.tensor(x), cr.tensor(y)

    def cr_step():
        h = cr_x
        for i in range(0, len(cr_params), 2):
            h = cr.ops.linear(h, cr_params[i], cr_params[i + 1])
            if i + 2 < len(cr_params):
                h = h.relu()
        loss = cr.ops.cross_entropy_indices(h, cr_y)
        loss.backward()
        with cr.no_grad():
            for p in cr_params:
                p -= LR * p.grad
                p.grad = None

    t_params = [torch.tensor(a, requires_grad=True) for pair in weights for a in pair]
    t_x, t_y = torch.tensor(x), torch.tensor(y)
    F = torch.nn.functional

    def torch_step():
        h = t_x
        for i in range(0, len(t_params), 2):
            h = F.linear(h, t_params[i], t_params[i + 1])
            if i + 2 < len(t_params):
                h = h.relu()
        loss = F.cross_entropy(h, t_y)
        loss.backward()
        with torch.no_grad():
            for p in t_params:
                p -= LR * p.grad
                p.grad = None

    return cr_step, torch_step


def chain_steps(lib, length, make):
    def step():
        x = make()
        y = x
        for _ in range(length):
            y = (y * 1.01 + 0.01).tanh()
        y.sum().backward()
    return step


def add_chain_steps(lib, length, make):
    def step():
        x = make()
        y = x
        for _ in range(length):
            y = y + 1.0
        y.backward()
    return step


def workloads():
    a = mlp_steps([64, 32, 10], 32)
    b = mlp_steps([784, 512, 512, 10], 128)
    v = np.random.default_rng(0).standard_normal(16).astype(np.float32)
    c = (chain_steps(cr, 200, lambda: cr.tensor(v, requires_grad=True)),
         chain_steps(torch, 200, lambda: torch.tensor(v, requires_grad=True)))
    d = (add_chain_steps(cr, 100_000, lambda: cr.tensor(1.0, requires_grad=True)),
         add_chain_steps(torch, 100_000, lambda: torch.tensor(1.0, requires_grad=True)))
    return {
        "a": ("64-32-10 MLP, batch 32, training step", a, 2000, 200, 0.5),
        "b": ("784-512-512-10 MLP, batch 128, training step", b, 100, 10, 1.0),
        "c": ("200 chained tanh(y*1.01+0.01) on 16 floats, fwd+bwd", c, 300, 30, 0.5),
        "d": ("100,000 chained scalar adds, fwd+bwd", d, 5, 1, 1.0),
    }


def main(selected):
    print(f"chainrule {cr.__version__}, torch {torch.__version__}, numpy {np.__version__}, "
          f"torch threads {torch.get_num_threads()}")
    print(f"{'':3}{'workload':55}{'ratio':>7}  {'target':>7}")
    for key, (title, (cr_step, torch_step), repeats, warmup, target) in workloads().items():
        if selected and key not in selected:
            continue
        t_torch = median_time(torch_step, repeats, warmup)
        t_cr = median_time(cr_step, repeats, warmup)
        ratio = t_cr / t_torch
        verdict = "ok" if ratio <= target else "MISSED"
        print(f"{key}: {title:55}{ratio:7.2f}  <= {target:<5} {verdict}")


if __name__ == "__main__":
    main(set(sys.argv[1:]))
