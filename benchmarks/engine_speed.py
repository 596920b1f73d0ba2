"""The engine against PyTorch eager, side by side: ratio = chainrule time / PyTorch time.

Each workload is written once against the API both libraries share and timed as the median
over many repetitions after a warm-up; each library runs in its own process (see
isolated.py), both from one command. A training step (a, b) is written as a PyTorch user
writes it: nn.Sequential, nn.CrossEntropyLoss, optim.SGD, zero_grad / backward / step. The
same steps written with functional layers and a hand-written update under no_grad (af, bf)
have no target and are there to show what the modules and the optimizer cost.

    python benchmarks/engine_speed.py            # all workloads
    python benchmarks/engine_speed.py a c        # some of them (a b c d af bf cnn gpt moons)
    python benchmarks/engine_speed.py --threads 1 cnn gpt   # both libraries on one thread
    python benchmarks/engine_speed.py --profile gpt         # where chainrule's step spends it

``--threads 1`` separates what each library does on one core from what PyTorch gains by
splitting its elementwise kernels over the others (NumPy splits only matrix products).

The model workloads (cnn, gpt, moons) are in workloads.py, shared with memory.py.
"""
import statistics
import sys
import time

import numpy as np
from isolated import child_main, import_library, measured_apart
from workloads import cnn_step, gpt_step, moons_step

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


def module_step(lib, sizes, batch):
    """A full training step of a ReLU MLP with softmax cross-entropy, PyTorch's idiom."""
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((batch, sizes[0])).astype(np.float32))
    y = lib.tensor(rng.integers(0, sizes[-1], batch))
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [lib.nn.Linear(fan_in, fan_out), lib.nn.ReLU()]
    model = lib.nn.Sequential(*layers[:-1])
    loss_fn = lib.nn.CrossEntropyLoss()
    optimizer = lib.optim.SGD(model.parameters(), lr=LR)

    def step():
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()
    return step


def functional_step(lib, sizes, batch):
    """The same step with functional layers and a hand-written SGD update."""
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((batch, sizes[0])).astype(np.float32))
    y = lib.tensor(rng.integers(0, sizes[-1], batch))
    params = []
    for fan_out, fan_in in zip(sizes[1:], sizes[:-1]):
        params.append(lib.tensor(rng.standard_normal((fan_out, fan_in)).astype(np.float32) * 0.1,
                                 requires_grad=True))
        params.append(lib.tensor(np.zeros(fan_out, np.float32), requires_grad=True))
    F = lib.nn.functional

    def step():
        h = x
        for i in range(0, len(params), 2):
            h = F.linear(h, params[i], params[i + 1])
            if i + 2 < len(params):
                h = h.relu()
        F.cross_entropy(h, y).backward()
        with lib.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None
    return step


def tanh_chain_step(lib, length=200):
    v = np.random.default_rng(0).standard_normal(16).astype(np.float32)

    def step():
        y = lib.tensor(v, requires_grad=True)
        for _ in range(length):
            y = (y * 1.01 + 0.01).tanh()
        y.sum().backward()
    return step


def add_chain_step(lib, length=100_000):
    def step():
        y = lib.tensor(1.0, requires_grad=True)
        for _ in range(length):
            y = y + 1.0
        y.backward()
    return step


WORKLOADS = {
    "a": ("64-32-10 MLP, batch 32, training step",
          lambda lib: module_step(lib, [64, 32, 10], 32), 2000, 200, 0.5),
    "b": ("784-512-512-10 MLP, batch 128, training step",
          lambda lib: module_step(lib, [784, 512, 512, 10], 128), 100, 10, 1.1),
    "af": ("a, functional layers and a hand-written update",
           lambda lib: functional_step(lib, [64, 32, 10], 32), 2000, 200, None),
    "bf": ("b, functional layers and a hand-written update",
           lambda lib: functional_step(lib, [784, 512, 512, 10], 128), 100, 10, None),
    "c": ("200 chained tanh(y*1.01+0.01) on 16 floats, fwd+bwd", tanh_chain_step, 300, 30, 0.5),
    "d": ("100,000 chained scalar adds, fwd+bwd", add_chain_step, 9, 1, 1.0),
    "cnn": ("CNN, 2 conv3x3 + max-pool, batch 32, SGD momentum", cnn_step, 60, 5, 1.0),
    "gpt": ("tiny GPT, 2 blocks, width 64, 16x32 tokens, AdamW", gpt_step, 40, 5, 1.0),
    "moons": ("2-16-16-1 MLP, 100 moons points, hinge + L2", moons_step, 1000, 100, 0.6),
}


def measure(library, *keys):
    """Median seconds per step of each workload, in this process; a first key ``threads=N``
    sets the library's thread count first."""
    lib = import_library(library)
    if keys and keys[0].startswith("threads="):
        lib.set_num_threads(int(keys[0].split("=")[1]))
        keys = keys[1:]
    return {key: median_time(WORKLOADS[key][1](lib), *WORKLOADS[key][2:4]) for key in keys}


def profile(key, lines=18):
    """chainrule's step of one workload under cProfile: the functions with the most time."""
    import cProfile
    import pstats
    step = WORKLOADS[key][1](import_library("chainrule"))
    for _ in range(WORKLOADS[key][3]):
        step()
    profiler = cProfile.Profile()
    profiler.runcall(lambda: [step() for _ in range(WORKLOADS[key][3] * 4)])
    pstats.Stats(profiler).sort_stats("tottime").print_stats(lines)


def main(keys, rounds=5, threads=None):
    import torch

    import chainrule
    count = torch.get_num_threads() if threads is None else threads
    print(f"chainrule {chainrule.__version__}, torch {torch.__version__}, numpy {np.__version__},"
          f" threads {count}; one process per library; median ratio of"
          f" {rounds} rounds (lowest to highest)")
    first = [] if threads is None else [f"threads={threads}"]
    ratios = {key: [] for key in keys}
    for _ in range(rounds):   # the machine's speed drifts: alternate the libraries
        theirs = measured_apart(__file__, "torch", *first, *keys)
        ours = measured_apart(__file__, "chainrule", *first, *keys)
        for key in keys:
            ratios[key].append(ours[key] / theirs[key])
    print(f"{'':7}{'workload':55}{'ratio':>7}  {'range':>11}  {'target':>7}")
    for key in keys:
        title, _, _, _, target = WORKLOADS[key]
        ratio = statistics.median(ratios[key])
        spread = f"{min(ratios[key]):.2f}-{max(ratios[key]):.2f}"
        verdict = "" if target is None else f"<= {target:<5} {'ok' if ratio <= target else 'MISSED'}"
        print(f"{key + ':':7}{title:55}{ratio:7.2f}  {spread:>11}  {verdict}")


if __name__ == "__main__" and not child_main(measure):
    arguments = sys.argv[1:]
    if arguments[:1] == ["--profile"]:
        profile(arguments[1])
    else:
        count = None
        if arguments[:1] == ["--threads"]:
            count, arguments = int(arguments[1]), arguments[2:]
        main(arguments or list(WORKLOADS), threads=count)
