"""The process group: which process this is and how many there are, from the MPI launcher.

``init_process_group("mpi")`` under ``mpiexec -n N python train.py`` gives each of the N
processes its rank (0 .. N-1) and the world size, as ``torch.distributed`` does with its MPI
backend. mpi4py is imported here, on first use, never by ``import chainrule``.

Faults: once a group exists, an exception that nothing catches, on any rank, prints the
traceback with the rank number and calls MPI's abort, which ends every process of the job
with a non-zero exit instead of leaving the others waiting in a collective forever. (The
MPI launcher ends the job in the same way when a process is killed by a signal.)
"""
import sys
import traceback

BACKEND = "mpi"
LOADED = []   # mpi4py's MPI module, once imported (an import statement costs 0.6 us a call)


class ProcessGroup:
    """The default group: every process of the job, on a communicator of its own (a
    duplicate of MPI's world, so a user's own mpi4py messages never mix with ours)."""

    def __init__(self, comm):
        self.comm = comm
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()

    def __repr__(self):
        return f"ProcessGroup(backend={BACKEND!r}, rank={self.rank}, size={self.size})"


class group:   # noqa: N801  (torch.distributed.group.WORLD)
    """``group.WORLD``: the default group once ``init_process_group`` has run."""

    WORLD = None


GROUPS = group   # the same class, for functions whose argument is named group (PyTorch's)


def is_available():
    """Whether ``cr.distributed`` can run here: mpi4py (and an MPI) is installed."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def is_mpi_available():
    return is_available()


def mpi():
    """mpi4py's ``MPI`` module, or a clear error saying how to get it."""
    if LOADED:
        return LOADED[0]
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise RuntimeError(
            f"chainrule.distributed needs mpi4py and an MPI ({e}); install them with "
            f"pip install 'chainrule[distributed]', or build mpi4py against your cluster's "
            f"MPI (see docs/distributed.md)") from None
    LOADED.append(MPI)
    return MPI


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None, device_id=None):
    """Join the job's default process group (PyTorch's signature). Only the ``"mpi"``
    backend exists: rank and size come from the launcher (``mpiexec -n N``), so
    ``init_method`` and ``store`` are not needed, and ``world_size`` / ``rank``, if given,
    must agree with it."""
    if backend not in (None, BACKEND):
        raise ValueError(f"init_process_group: backend {backend!r} is not available; "
                         f"chainrule runs on MPI: use backend='mpi' and start the processes "
                         f"with mpiexec -n N (or chainrule train --nproc N)")
    if group.WORLD is not None:
        raise RuntimeError("trying to initialize the default process group twice!")
    comm = mpi().COMM_WORLD.Dup()
    pg = ProcessGroup(comm)
    for name, given, actual in (("world_size", world_size, pg.size), ("rank", rank, pg.rank)):
        if given not in (-1, None) and given != actual:
            comm.Free()
            raise ValueError(f"init_process_group: {name}={given}, but the MPI launcher "
                             f"started this process with {name}={actual}; with the mpi "
                             f"backend leave {name} out (mpiexec -n N sets it)")
    group.WORLD = pg
    abort_on_uncaught_exception()
    return None


def destroy_process_group(group=None):
    """Leave the default group; ``init_process_group`` may be called again."""
    pg = default_group("destroy_process_group", group)
    pg.comm.Free()
    GROUPS.WORLD = None


def is_initialized():
    return group.WORLD is not None


def default_group(where, group=None):
    """The group a call runs on: the default one (the only one chainrule has)."""
    pg = GROUPS.WORLD
    if pg is None:
        raise RuntimeError(f"{where}: Default process group has not been initialized, please "
                           f"make sure to call init_process_group.")
    if group is not None and group is not pg:
        raise NotImplementedError(f"{where}: only the default group (group=None or "
                                  f"group.WORLD) is supported; new_group is not available yet")
    return pg


def get_rank(group=None):
    """This process's number, 0 .. world size - 1."""
    return default_group("get_rank", group).rank


def get_world_size(group=None):
    """How many processes the job has."""
    return default_group("get_world_size", group).size


def get_backend(group=None):
    default_group("get_backend", group)
    return BACKEND


def abort_on_uncaught_exception():
    """Make an uncaught exception end the whole job (MPI_Abort) rather than this process
    alone, which would leave the others blocked in their next collective."""
    if getattr(sys.excepthook, "chainrule_abort", False):
        return
    previous = sys.excepthook

    def excepthook(kind, value, tb):
        rank = group.WORLD.rank if group.WORLD is not None else "?"
        text = "".join(traceback.format_exception(kind, value, tb))
        sys.stderr.write(f"chainrule.distributed: rank {rank} failed:\n{text}"
                         f"chainrule.distributed: rank {rank}: aborting the job\n")
        sys.stderr.flush()
        if group.WORLD is None:
            previous(kind, value, tb)
            return
        abort(1)

    excepthook.chainrule_abort = True
    sys.excepthook = excepthook


def abort(code=1):
    """End every process of the job now, with exit status ``code``."""
    mpi().COMM_WORLD.Abort(code)
