"""Optimizer step time: one call per group on flat arrays (foreach, the default) against
one call per parameter, and PyTorch's foreach and per-parameter steps beside them.

The parameters are the tiny GPT's (the CPU-speed issue's workload: vocab 65, context 32,
width 64, 2 blocks): 30 tensors from 64 to 16,384 floats, 0.11 M in all; and the same model
at width 16 (30 tensors, 8 k floats), where the per-call overhead is most of a step.
Gradients are fixed random arrays, so only the optimizer's step is timed. Each configuration
runs in rounds of 200 steps, alternated; the median round is reported.

    python benchmarks/optimizer_speed.py            # Adam, AdamW, SGD with momentum, RMSprop
"""
import statistics
import sys
import time

import numpy as np

def gpt_shapes(width, vocab=65, context=32, blocks=2):
    """Parameter shapes of the tiny GPT: embeddings, per block two LayerNorms, the fused
    qkv and output projections and the 4x MLP, a final LayerNorm and the head."""
    block = [(width,), (width,), (3 * width, width), (3 * width,), (width, width), (width,),
             (width,), (width,), (4 * width, width), (4 * width,), (width, 4 * width), (width,)]
    return ([(vocab, width), (context, width)] + block * blocks
            + [(width,), (width,), (vocab, width), (vocab,)])
OPTIMIZERS = [("Adam", dict(lr=1e-3)), ("AdamW", dict(lr=1e-3)),
              ("SGD", dict(lr=0.1, momentum=0.9)), ("RMSprop", dict(lr=1e-3))]


def make_step(library, name, kwargs, foreach, shapes):
    rng = np.random.default_rng(0)
    params = [library.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True)
              for s in shapes]
    for p in params:
        p.grad = library.tensor(rng.standard_normal(p.shape).astype(np.float32))
    opt = getattr(library.optim, name)(params, foreach=foreach, **kwargs)
    opt.step()   # the state is made on the first step: time the steady state
    return opt.step


def round_time(step, steps=200):
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps


def main(rounds=7):
    import chainrule as cr
    libraries = [("chainrule", cr)]
    try:
        import torch
        torch.set_num_threads(1)
        libraries.append(("torch", torch))
    except ImportError:
        pass
    for width in (64, 16):
        shapes = gpt_shapes(width)
        print(f"\nwidth {width}: {len(shapes)} parameters, "
              f"{sum(int(np.prod(s)) for s in shapes):,} floats; median of {rounds} rounds of "
              f"200 steps, microseconds per step")
        table(libraries, shapes, rounds)


def table(libraries, shapes, rounds):
    print(f"{'optimizer':<10}" + "".join(f"{f'{lib} {mode}':>22}" for lib, _ in libraries
                                         for mode in ("foreach", "per-param"))
          + f"{'chainrule gain':>16}")
    for name, kwargs in OPTIMIZERS:
        steps = {(lib, foreach): make_step(module, name, kwargs, foreach, shapes)
                 for lib, module in libraries for foreach in (True, False)}
        times = {key: [] for key in steps}
        for _ in range(rounds):
            for key, step in steps.items():
                times[key].append(round_time(step))
        median = {key: statistics.median(t) * 1e6 for key, t in times.items()}
        gain = median[("chainrule", False)] / median[("chainrule", True)]
        print(f"{name:<10}" + "".join(f"{median[(lib, f)]:>22.0f}" for lib, _ in libraries
                                      for f in (True, False)) + f"{gain:>15.2f}x")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
