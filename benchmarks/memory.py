"""Peak resident memory of a training run, chainrule against PyTorch, each in a fresh process.

The workloads: ``mlp``, SGD with momentum on a 784-512-512-10 ReLU MLP, batch 64,
cross-entropy on MNIST-shaped random data (float32); ``cnn`` and ``gpt``, the speed issue's
CNN and tiny GPT steps (workloads.py). Each library runs in its own subprocess; the child
reports its peak resident set (``ru_maxrss``) at the end, and its resident set right after
import and setup, before the first step.

    python benchmarks/memory.py                  # all three, each with the ratio chainrule / PyTorch
    python benchmarks/memory.py --steps 200 cnn  # a shorter run of one
"""
import argparse
import json
import resource
import subprocess
import sys

import workloads

SIZES = (784, 512, 512, 10)
BATCH = 64


def current_rss_kib():
    """The resident set now, from /proc (Linux), in KiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def data(seed=0):
    import numpy as np
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH * 16, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH * 16)
    return x, y


def model_and_step(lib):
    """The model, optimizer and one training step, written once for both libraries."""
    nn = lib.nn
    lib.manual_seed(0)
    layers = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:]):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def mlp_steps(lib):
    """The MLP's step, cycling over 16 batches."""
    x, y = data()
    xs = [lib.tensor(x[i:i + BATCH]) for i in range(0, len(x), BATCH)]
    ys = [lib.tensor(y[i:i + BATCH]) for i in range(0, len(y), BATCH)]
    step = model_and_step(lib)
    batches = iter(range(10 ** 9))

    def one():
        i = next(batches)
        step(xs[i % len(xs)], ys[i % len(ys)])
    return one


STEPS = {"mlp": mlp_steps, "cnn": workloads.cnn_step, "gpt": workloads.gpt_step}


def child(name, workload, steps):
    """Run the workload with one library and print its memory figures as JSON."""
    if name == "torch":
        import torch as lib
        lib.set_num_threads(1)
    else:
        import chainrule as lib
        lib.keep_freed_memory()   # as a training script that owns its process would
    step = STEPS[workload](lib)
    setup = current_rss_kib()
    for _ in range(steps):
        step()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"setup_kib": setup, "peak_kib": peak}))


def measure(name, workload, steps):
    out = subprocess.run([sys.executable, __file__, "--child", name, "--steps", str(steps),
                          workload], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=None,
                        help="steps per run (default: mlp 1000, cnn and gpt 200)")
    parser.add_argument("--child", choices=("chainrule", "torch"))
    parser.add_argument("workloads", nargs="*", metavar="WORKLOAD",
                        help=f"some of {', '.join(STEPS)} (default: all)")
    args = parser.parse_args()
    unknown = set(args.workloads) - set(STEPS)
    if unknown:
        parser.error(f"unknown workload {sorted(unknown)[0]!r}; choose from {', '.join(STEPS)}")
    args.workloads = args.workloads or list(STEPS)
    if args.child:
        child(args.child, args.workloads[0], args.steps)
        return
    print(f"{'workload':<9} {'library':<10} {'peak RSS':>10} {'after setup':>12} {'training':>10}")
    for workload in args.workloads:
        steps = args.steps or (1000 if workload == "mlp" else 200)
        results = {name: measure(name, workload, steps) for name in ("chainrule", "torch")}
        for name, r in results.items():
            print(f"{workload:<9} {name:<10} {r['peak_kib'] / 1024:>7.1f} MiB "
                  f"{r['setup_kib'] / 1024:>8.1f} MiB {(r['peak_kib'] - r['setup_kib']) / 1024:>6.1f} MiB")
        ratio = results["chainrule"]["peak_kib"] / results["torch"]["peak_kib"]
        print(f"{workload:<9} peak RSS ratio chainrule / PyTorch over {steps} steps: {ratio:.2f}x "
              f"(target <= 0.5x)")


if __name__ == "__main__":
    main()
