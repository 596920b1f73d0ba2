"""A failing rank ends the whole job promptly with a non-zero exit and its error, never a
hang: an exception (MPI's abort, with the rank and the traceback printed), a kill by a
signal, an exit with an error status, and an exception during DistributedDataParallel
training. The other ranks are blocked in a collective when it happens."""
import pytest

from mpi_helpers import run_mpi

PROMPT = 30   # seconds: the job ends in about one; a hang would run into run_mpi's timeout


@pytest.mark.parametrize("mode, words", [("raise", "ValueError: boom on purpose"),
                                         ("ddp", "ValueError: bad batch at step 2")])
def test_an_exception_aborts_the_job_and_names_the_rank(mode, words):
    done, seconds = run_mpi(2, "fault.py", mode)
    assert done.returncode != 0
    assert seconds < PROMPT
    assert "rank 1 failed" in done.stderr and words in done.stderr, done.stderr


def test_a_rank_killed_by_a_signal_ends_the_job():
    done, seconds = run_mpi(2, "fault.py", "kill")
    assert done.returncode != 0, done.stderr
    assert seconds < PROMPT


def test_an_error_exit_ends_the_job_under_mpi4pys_runner():
    """sys.exit(3) raises nothing an exception hook sees: ``python -m mpi4py script.py``
    (what docs/distributed.md recommends, and what chainrule train --nproc does in its own
    way) turns it into MPI's abort."""
    done, seconds = run_mpi(2, "fault.py", "exit", runner=("-m", "mpi4py"))
    assert done.returncode == 3, done.stderr
    assert seconds < PROMPT
