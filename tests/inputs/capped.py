"""Run Python in a child process with a capped address space (``resource.setrlimit``), so a
case that used to take gigabytes fails its test instead of exhausting the machine.

The cap is what the child's interpreter needs with chainrule imported (measured once, in a
child run the same way) plus an allowance the case must stay within."""
import functools
import os
import resource
import subprocess
import sys

ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
MEASURE = ("import chainrule, chainrule.cli.train; "
           "print([int(l.split()[1]) for l in open('/proc/self/status') "
           "if l.startswith('VmPeak')][0] * 1024)")


def run(args, cwd, limit=None, timeout=120):
    """``python args...`` in ``cwd`` with one BLAS thread and, when given, an address-space
    limit of ``limit`` bytes."""
    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    env = dict(os.environ, **ONE_THREAD)
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=timeout, preexec_fn=cap if limit else None)


@functools.lru_cache(maxsize=None)
def baseline():
    """Bytes of address space a child uses once chainrule and its CLI are imported."""
    out = run(["-c", MEASURE], cwd=os.getcwd())
    assert out.returncode == 0, out.stderr
    return int(out.stdout)


def run_capped(args, cwd, allowance_mb):
    return run(args, cwd, limit=baseline() + allowance_mb * 2 ** 20)
