"""Running a worker script on N processes under mpiexec, for the tests of this folder."""
import os
import subprocess
import sys
import time
from pathlib import Path

from chainrule.cli.launch import mpiexec

WORKERS = Path(__file__).parent / "workers"
QUIET = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def run_mpi(nproc, worker, *args, timeout=60, runner=()):
    """``mpiexec -n nproc python [runner] workers/<worker> args``: (completed process,
    seconds). ``runner=("-m", "mpi4py")`` runs the script through mpi4py's runner."""
    command = [mpiexec(), "-n", str(nproc), sys.executable, *runner, str(WORKERS / worker),
               *map(str, args)]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, **QUIET))
    return done, time.monotonic() - started


def check_ok(done):
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
