"""Conv2d alone, forward + backward, chainrule against PyTorch eager, over batch sizes and
channel counts; and the layouts considered for chainrule's forward, timed against each other.

Cases: 3x3 convolutions with padding 1 as a small CNN has them (1 -> 16 on 28x28,
16 -> 32 and 32 -> 64 on 14x14, 64 -> 64 on 7x7), each at batch 1, 32 and 128, timed as
out = conv(x); out.backward(g), median of several repeats, each library in its own process
(see isolated.py). Ratio = chainrule time / PyTorch time (lower is better).

``--layouts`` times two ways of computing the forward on NumPy alone, in one process:
``im2col`` (chainrule's: the channels-last windows copied once, one matrix product with
K = KH * KW * C) and ``offsets`` (no window copy: one product per kernel offset on a
shifted view, K = C, summed), so the choice can be checked on any machine.

    python benchmarks/conv_speed.py
    python benchmarks/conv_speed.py --layouts
"""
import statistics
import sys
import time

import numpy as np
from isolated import child_main, import_library, measured_apart

LAYERS = [(1, 16, 28), (16, 32, 14), (32, 64, 14), (64, 64, 7)]   # (in, out, image size)
BATCHES = (1, 32, 128)
CASES = [(batch, c_in, c_out, size) for c_in, c_out, size in LAYERS for batch in BATCHES]


def step_seconds(lib, layer, x, g, repeats):
    """Median wall time of one forward + backward (input and parameter gradients)."""
    times = []
    for _ in range(repeats + 2):
        xt = lib.tensor(x, requires_grad=True)
        start = time.perf_counter()
        layer(xt).backward(lib.tensor(g))
        times.append(time.perf_counter() - start)
        layer.zero_grad()
    return statistics.median(times[2:])


def measure(library):
    """Seconds per forward + backward for each case, in this process."""
    lib = import_library(library)
    rng = np.random.default_rng(0)
    times = []
    for batch, c_in, c_out, size in CASES:
        x = rng.standard_normal((batch, c_in, size, size)).astype(np.float32)
        g = rng.standard_normal((batch, c_out, size, size)).astype(np.float32)
        repeats = max(5, 2000 // batch)
        times.append(step_seconds(lib, lib.nn.Conv2d(c_in, c_out, 3, padding=1), x, g, repeats))
    return times


def offsets_forward(x, weight):
    """The forward without im2col: one product per kernel offset on a shifted view."""
    n, c, h, w = x.shape
    o, _, kh, kw = weight.shape
    padded = np.zeros((n, h + kh - 1, w + kw - 1, c), x.dtype)
    padded[:, kh // 2:kh // 2 + h, kw // 2:kw // 2 + w] = x.transpose(0, 2, 3, 1)
    out = np.zeros((n, h, w, o), x.dtype)
    for i in range(kh):
        for j in range(kw):
            out += padded[:, i:i + h, j:j + w] @ weight[:, :, i, j].T
    return out.transpose(0, 3, 1, 2)


def layouts():
    from chainrule.kernels.convolution import conv2d
    rng = np.random.default_rng(0)
    print(f"{'batch':>5} {'layer':>12} {'im2col':>10} {'offsets':>10}")
    for batch, c_in, c_out, size in CASES:
        x = rng.standard_normal((batch, c_in, size, size)).astype(np.float32)
        weight = rng.standard_normal((c_out, c_in, 3, 3)).astype(np.float32)
        ways = {"im2col": lambda: conv2d(x, weight, None, (1, 1), (1, 1)),
                "offsets": lambda: offsets_forward(x, weight)}
        assert np.allclose(ways["im2col"](), ways["offsets"](), atol=1e-3)
        figures = {}
        for name, way in ways.items():
            runs = []
            for _ in range(max(5, 1000 // batch)):
                start = time.perf_counter()
                way()
                runs.append(time.perf_counter() - start)
            figures[name] = statistics.median(runs)
        print(f"{batch:>5} {f'{c_in}->{c_out} {size}px':>12} {figures['im2col'] * 1e3:>7.2f} ms "
              f"{figures['offsets'] * 1e3:>7.2f} ms")


def main():
    import torch
    print(f"Conv2d 3x3, padding 1, forward + backward; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; one process per library; ratio = chainrule / PyTorch")
    print(f"{'batch':>5} {'layer':>12} {'chainrule':>11} {'PyTorch':>11} {'ratio':>7}")
    theirs, ours = measured_apart(__file__, "torch"), measured_apart(__file__, "chainrule")
    for (batch, c_in, c_out, size), t, tt in zip(CASES, ours, theirs):
        print(f"{batch:>5} {f'{c_in}->{c_out} {size}px':>12} {t * 1e3:>8.2f} ms "
              f"{tt * 1e3:>8.2f} ms {t / tt:>7.2f}")


if __name__ == "__main__" and not child_main(measure):
    layouts() if "--layouts" in sys.argv else main()
