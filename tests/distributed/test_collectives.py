"""cr.distributed's collectives on 2 and 4 processes under mpiexec (the worker checks each
result against what every rank can compute itself), and its errors outside a job."""
import re
import subprocess
import sys

import pytest

import chainrule as cr
import chainrule.distributed as dist
from mpi_helpers import check_ok, run_mpi


@pytest.mark.parametrize("nproc", [2, 4])
def test_collectives_on_processes(nproc):
    done, _ = run_mpi(nproc, "collectives.py")
    check_ok(done)
    assert sorted(re.findall(r"ok \d+/\d+", done.stdout)) == [f"ok {r}/{nproc}"
                                                             for r in range(nproc)]


def test_a_script_started_without_mpiexec_is_a_job_of_one():
    script = ("import chainrule as cr, chainrule.distributed as dist\n"
              "dist.init_process_group('mpi')\n"
              "t = cr.ones(2)\n"
              "dist.all_reduce(t, op=dist.ReduceOp.AVG)\n"
              "print(dist.get_rank(), dist.get_world_size(), t.tolist())\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == "0 1 [1.0, 1.0]"


def test_calls_before_init_process_group_raise_pytorchs_message():
    assert dist.is_available() and not dist.is_initialized()
    for call in (dist.get_rank, dist.get_world_size, dist.barrier,
                 lambda: dist.all_reduce(cr.zeros(1))):
        with pytest.raises(RuntimeError, match="Default process group has not been initialized"):
            call()


def test_reduce_op_names():
    assert [op.name for op in dist.ReduceOp] == ["SUM", "PRODUCT", "MIN", "MAX", "BAND", "BOR",
                                                 "BXOR", "AVG"]
