"""``chainrule train --nproc N``: the same run as data-parallel training over N processes.

The command started by the user is the launcher: it runs ``mpiexec -n N python -m
chainrule.cli.launch train ...`` with the same options and waits (exit status: the job's).
Each of the N processes finds ``CHAINRULE_NPROC`` set, joins the process group and trains
its share:

* the model is wrapped in ``DistributedDataParallel`` (rank 0's initial weights, gradients
  averaged over the processes);
* the loader reads the rank's share with a per-process batch of batch / N: one process's
  shuffled order (the run's generator, the same in every process) dealt out as
  ``DistributedSampler`` deals it, so the N batches of a step together are exactly the batch
  one process would train on, and ``--nproc N`` trains to one process's weights up to
  rounding (the sum over processes adds in another order);
* after every batch the loss, correct and seen counts (and whether a stop was asked for:
  Ctrl-C, which reaches the launcher alone and creates a stop file) are summed over the
  processes, so the progress line and the metrics are the whole job's, and every process
  stops after the same batch;
* rank 0 alone prints and writes the run folder (atomically, as in one process); the
  checkpoint holds the plain model's weights, so ``--resume`` works with any ``--nproc``.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from .. import distributed as dist
from ..data import DataLoader
from ..data.sampler import IndexSampler
from ..nn.parallel import DistributedDataParallel
from ..tensor import new_tensor
from . import UsageError, main

NPROC_VARIABLE = "CHAINRULE_NPROC"   # set by the launcher for the processes it starts
STOP_VARIABLE = "CHAINRULE_STOP_FILE"   # the file whose existence asks the job to stop
STOPPED = 130   # chainrule train's status after Ctrl-C: checkpoint saved
STOP_WAIT = 10   # seconds a stopped process waits for the others before aborting the job


def add_option(parser):
    parser.add_argument("--nproc", type=int, metavar="N",
                        help="train data-parallel on N processes through mpiexec, keeping the "
                             "global batch size (needs pip install 'chainrule[distributed]')")


def wants_launch(args):
    """Whether this process should start the N processes (rather than be one of them)."""
    nproc = getattr(args, "nproc", None)
    if nproc is None or os.environ.get(NPROC_VARIABLE):
        return False
    if nproc < 1:
        raise UsageError(f"--nproc must be at least 1, got {nproc}")
    return nproc > 1


def launch(args, config):
    """Run this command again on ``args.nproc`` processes under mpiexec (``config``: the
    run's checked options); its exit status."""
    if not dist.is_available():
        raise UsageError("--nproc needs mpi4py and an MPI: pip install 'chainrule[distributed]'")
    batch = config["batch_size"]
    if batch % args.nproc:
        raise UsageError(f"--batch-size {batch} does not split evenly over --nproc "
                         f"{args.nproc} processes; use a multiple of {args.nproc}")
    command = [mpiexec(), "-n", str(args.nproc), sys.executable, "-m", __name__, "train",
               *options_of(args)]
    folder = tempfile.mkdtemp(prefix="chainrule-job-")
    stop_file = os.path.join(folder, "stop")
    env = dict(os.environ, **{NPROC_VARIABLE: str(args.nproc), STOP_VARIABLE: stop_file})
    try:
        # a session of its own: Ctrl-C reaches the launcher alone, which asks for the stop
        job = subprocess.Popen(command, env=env, start_new_session=True)
        with PassSignals(job, stop_file):
            return job.wait()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class PassSignals:
    """While the job runs: the first Ctrl-C creates the stop file (every process stops
    after the same batch, rank 0 saves a checkpoint), another one interrupts the job through
    mpiexec; SIGTERM and SIGHUP go to the job. (mpiexec, given Ctrl-C itself, now and then
    did not pass it on: a file cannot be lost.)"""

    PASSED = (signal.SIGTERM, signal.SIGHUP)

    def __init__(self, job, stop_file):
        self.job, self.stop_file = job, stop_file
        self.previous = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous[signal.SIGINT] = signal.signal(signal.SIGINT, self.ctrl_c)
            for number in self.PASSED:
                self.previous[number] = signal.signal(number, self.pass_on)

    def ctrl_c(self, signum, frame):
        if os.path.exists(self.stop_file):
            self.pass_on(signal.SIGINT, frame)
            return
        open(self.stop_file, "w").close()
        print("\nstopping after this batch (Ctrl-C again to interrupt at once)",
              file=sys.stderr, flush=True)

    def pass_on(self, signum, frame):
        try:
            os.killpg(self.job.pid, signum)
        except ProcessLookupError:
            pass   # already gone

    def __exit__(self, *exc):
        for number, handler in self.previous.items():
            signal.signal(number, handler)


def rank_main(argv):
    """One of the N processes: the command, and MPI's abort if it fails on this rank (an
    exception that nothing catches aborts through ``init_process_group``'s hook; an exit
    with an error status, such as a bad option's 2, would otherwise leave the other
    processes waiting in a collective). 130 is a clean end when every process stopped after
    the same batch (Ctrl-C, agreed through the counts; rank 0 saved a checkpoint): they all
    meet in a barrier. A rank interrupted elsewhere (before the loop, inside a collective)
    meets nobody there, and aborts the job."""
    try:
        code = main(argv)
    except SystemExit as e:
        code = e.code
    if code == STOPPED and dist.is_initialized() and all_stopped(STOP_WAIT):
        return code
    if code and dist.is_initialized():
        print(f"chainrule {argv[0]}: rank {dist.get_rank()} exited with status {code}; "
              f"aborting the job", file=sys.stderr, flush=True)
        dist.abort(code if isinstance(code, int) else 1)
    return code


def all_stopped(seconds):
    """Whether every process reaches this point within ``seconds``."""
    work = dist.barrier(async_op=True)
    deadline = time.monotonic() + seconds
    while not work.is_completed():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def mpiexec():
    """The mpiexec that belongs to this Python (the MPICH wheel's), else the one on PATH."""
    beside = Path(sys.executable).parent / "mpiexec"
    found = str(beside) if beside.exists() else shutil.which("mpiexec")
    if found is None:
        raise UsageError("--nproc needs MPI's mpiexec: pip install 'chainrule[distributed]' "
                         "(or put your cluster's MPI on PATH)")
    return found


def options_of(args):
    """The command-line options that give ``args`` again."""
    options = []
    for key, value in vars(args).items():
        if key == "command" or value is None or value is False:
            continue
        flag = "--" + key.replace("_", "-")
        options += [flag] if value is True else [flag, str(value)]
    return options


def distribute(trainer):
    """Make ``trainer`` one process of a data-parallel run, when started by ``launch``."""
    nproc = os.environ.get(NPROC_VARIABLE)
    if not nproc:
        return
    dist.init_process_group("mpi")
    size, rank = dist.get_world_size(), dist.get_rank()
    batch = trainer.config["batch_size"]
    if batch % size:
        raise UsageError(f"batch size {batch} does not split evenly over {size} processes")
    if rank != 0:   # one progress line and one report: rank 0's
        sys.stdout = open(os.devnull, "w")
        trainer.writes = False
    sampler = RankShare(trainer.loader.sampler, rank, size)
    loader = DataLoader(trainer.loader.dataset, batch_size=batch // size, sampler=sampler)
    trainer.loader = RankLoader(loader, trainer)
    trainer.forward = DistributedDataParallel(trainer.model)
    trainer.batch_callbacks.append(trainer.loader.sum_over_ranks)


class RankShare(IndexSampler):
    """Rank ``rank``'s share of another sampler's order: padded by repeating its start to a
    multiple of ``size``, then every ``size``-th index from position ``rank``
    (``DistributedSampler``'s split of an order it does not draw itself)."""

    def __init__(self, sampler, rank, size):
        self.sampler, self.rank, self.size = sampler, rank, size

    def index_array(self):
        order = self.sampler.index_array()
        total = -(-len(order) // self.size) * self.size
        return np.resize(order, total)[self.rank::self.size]

    def __len__(self):
        return -(-len(self.sampler) // self.size)


class RankLoader:
    """The rank's loader; after each batch, the counts summed over the ranks."""

    def __init__(self, loader, trainer):
        self.loader, self.trainer = loader, trainer
        self.dataset = loader.dataset
        self.sampler = loader.sampler
        self.counted = None

    def __iter__(self):
        position = self.trainer.position
        self.counted = {key: position[key] for key in COUNTS}   # the whole job's, so far
        return iter(self.loader)

    def __len__(self):
        return len(self.loader)

    def sum_over_ranks(self, trainer):
        """This batch's counts from every rank, added to the job's totals; a stop requested
        on any rank (Ctrl-C, or the launcher's stop file) stops all of them after this
        batch."""
        p = trainer.position
        stop = trainer.stop_requested or os.path.exists(os.environ.get(STOP_VARIABLE, ""))
        local = [p[key] - self.counted[key] for key in COUNTS] + [float(stop)]
        total = new_tensor(np.array(local, np.float64), None)
        dist.all_reduce(total)
        *sums, stops = total.tolist()
        for key, value in zip(COUNTS, sums):
            p[key] = self.counted[key] = self.counted[key] + (int(value) if key != "loss_sum"
                                                                else value)
        trainer.stop_requested = stops > 0


COUNTS = ("loss_sum", "correct", "seen")


if __name__ == "__main__":
    sys.exit(rank_main(sys.argv[1:]))
