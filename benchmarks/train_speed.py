"""Training throughput, chainrule against PyTorch eager: samples per second and the ratio
chainrule / PyTorch (above 1.0: chainrule is faster), each library in its own process (see
isolated.py), both from one command.

Both libraries train the same model on the built-in digits with the same code shape
(nn.Module layers, CrossEntropyLoss, Adam, zero_grad / backward / step) on the same
pre-shuffled batches of 64; each figure is the best of several timed epochs after a warm-up.

    python benchmarks/train_speed.py             # both workloads
    python benchmarks/train_speed.py mlp         # one of them (mlp, cnn)

Targets: the MLP 64-128-64-10 at >= 1.0x, the CNN (two 3x3 convolutions, 16 and 32
channels) at >= 0.5x.
"""
import sys
import time

import numpy as np
from isolated import child_main, import_library, measured_apart

BATCH = 64


def mlp(nn):
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                         nn.Linear(64, 10))


def cnn(nn):
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(32 * 4 * 4, 10))


WORKLOADS = {"mlp": (mlp, (64,), 12), "cnn": (cnn, (1, 8, 8), 4)}


def batches(shape):
    """The digits, standardised and cut into shuffled batches (the same for both libraries)."""
    import chainrule as cr
    x, y = cr.data.load_digits()
    x = cr.data.StandardScaler().fit_transform(x).data
    order = np.random.default_rng(0).permutation(len(y))
    x, y = x[order].reshape(-1, *shape), y.data[order]
    return [(x[i:i + BATCH], y[i:i + BATCH]) for i in range(0, len(y) - BATCH + 1, BATCH)]


def throughput(library, build, data, epochs):
    """Best samples/s over ``epochs`` timed epochs, after one warm-up epoch."""
    library.manual_seed(0)
    model = build(library.nn)
    loss_fn = library.nn.CrossEntropyLoss()
    optimizer = library.optim.Adam(model.parameters(), lr=1e-3)
    wrap = library.from_numpy
    tensors = [(wrap(x), wrap(y)) for x, y in data]
    best = 0.0
    for epoch in range(epochs + 1):
        start = time.perf_counter()
        for x, y in tensors:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
        seconds = time.perf_counter() - start
        if epoch:
            best = max(best, len(tensors) * BATCH / seconds)
    return best, loss.item()


def measure(library, name):
    """Samples per second of one workload, in this process."""
    build, shape, epochs = WORKLOADS[name]
    return throughput(import_library(library), build, batches(shape), epochs)[0]


def main(names):
    import torch
    print(f"training throughput, batch {BATCH}, Adam, digits; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; one process per library")
    print(f"{'workload':<10}{'chainrule':>16}{'PyTorch':>16}{'ratio':>9}")
    for name in names:
        ours = measured_apart(__file__, "chainrule", name)
        theirs = measured_apart(__file__, "torch", name)
        print(f"{name:<10}{ours:>12,.0f} s/s{theirs:>12,.0f} s/s{ours / theirs:>8.2f}x")


if __name__ == "__main__" and not child_main(measure):
    main(sys.argv[1:] or list(WORKLOADS))
