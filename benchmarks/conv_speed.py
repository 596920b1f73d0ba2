"""Conv2d alone, forward + backward, chainrule against PyTorch eager.

The digits CNN's two convolutions (3x3, padding 1, on 8x8 images, batch 64): 1 -> 16 and
16 -> 32 channels, each timed as out = conv(x); out.backward(g), best of several repeats.

Each library runs in its own process (see isolated.py).

    python benchmarks/conv_speed.py
"""
import time

import numpy as np
from isolated import child_main, import_library, measured_apart

BATCH = 64
CASES = [("conv 1->16", 1, 16), ("conv 16->32", 16, 32)]


def step_seconds(lib, layer, x, g, repeats=30):
    """Best wall time of one forward + backward (input and parameter gradients)."""
    best = float("inf")
    for _ in range(repeats + 3):
        xt = lib.tensor(x, requires_grad=True)
        start = time.perf_counter()
        layer(xt).backward(lib.tensor(g))
        best = min(best, time.perf_counter() - start)
        layer.zero_grad()
    return best


def measure(library):
    """Seconds per forward + backward for each case, in this process."""
    lib = import_library(library)
    rng = np.random.default_rng(0)
    times = []
    for _, c_in, c_out in CASES:
        x = rng.standard_normal((BATCH, c_in, 8, 8)).astype(np.float32)
        g = rng.standard_normal((BATCH, c_out, 8, 8)).astype(np.float32)
        times.append(step_seconds(lib, lib.nn.Conv2d(c_in, c_out, 3, padding=1), x, g))
    return times


def main():
    import torch
    print(f"Conv2d forward + backward, batch {BATCH}, 8x8, 3x3, padding 1; torch "
          f"{torch.__version__}, {torch.get_num_threads()} threads; one process per library")
    print(f"{'layer':<14}{'chainrule':>12}{'PyTorch':>12}{'ratio':>9}")
    ours, theirs = measured_apart(__file__, "chainrule"), measured_apart(__file__, "torch")
    for (name, _, _), t, tt in zip(CASES, ours, theirs):
        print(f"{name:<14}{t * 1e3:>9.2f} ms{tt * 1e3:>9.2f} ms{tt / t:>8.2f}x")


if __name__ == "__main__" and not child_main(measure):
    main()
