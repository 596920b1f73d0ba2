"""Run one library's measurements in a process of its own, and collect them in the parent.

In one process, PyTorch's OpenMP threads keep spinning after its operations and starve the
BLAS threads that NumPy's matrix products use: chainrule's matrix products then measure the
interference, not the library. So every benchmark here times each library in a fresh
process (``script --measure LIBRARY ARGS...`` prints JSON) and prints ratios from one command.
"""
import json
import subprocess
import sys


def measured_apart(script, library, *args):
    """What ``script``'s ``measure(library, *args)`` returned, computed in a fresh process."""
    result = subprocess.run([sys.executable, script, "--measure", library, *args],
                            capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"{script} --measure {library} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def child_main(measure):
    """In a child: ``script --measure LIBRARY ARGS...`` prints ``measure(LIBRARY, *ARGS)``."""
    if sys.argv[1:2] != ["--measure"]:
        return False
    print(json.dumps(measure(sys.argv[2], *sys.argv[3:])))
    return True


def import_library(name):
    if name == "torch":
        import torch
        return torch
    import chainrule
    chainrule.keep_freed_memory()   # the benchmark owns its process, as a training script does
    return chainrule
