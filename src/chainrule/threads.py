"""How many threads NumPy's BLAS uses: PyTorch's ``set_num_threads`` / ``get_num_threads``
over threadpoolctl (the maintained tool for it), and the choice chainrule's commands make.

A BLAS library starts one thread per core and keeps them spinning between products. On a
machine whose cores are already busy (two training runs at once, a test suite beside a
benchmark), those threads fight for the cores and a matrix product takes many times longer
than on one thread; ``benchmarks/README.md`` has the figures. ``import chainrule`` never
changes the thread count (the process is the user's); ``chainrule`` commands own their
process and call ``use_free_cores()``; a library user calls ``set_num_threads`` when they
want to.
"""
import os

BLAS_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def set_num_threads(n):
    """Use ``n`` threads for NumPy's matrix products (``torch.set_num_threads``).

    >>> import chainrule as cr
    >>> before = cr.get_num_threads()
    >>> cr.set_num_threads(1); cr.get_num_threads()
    1
    >>> cr.set_num_threads(before)
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: the number of threads must be a positive int, "
                         f"got {n!r}")
    from threadpoolctl import threadpool_limits
    threadpool_limits(limits=n, user_api="blas")


def get_num_threads():
    """The number of threads NumPy's matrix products use (``torch.get_num_threads``).

    >>> import chainrule as cr
    >>> cr.get_num_threads() >= 1
    True
    """
    from threadpoolctl import threadpool_info
    counts = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return max(counts, default=1)


def free_cores():
    """The cores this process may run on, less those the last minute's load keeps busy
    (at least one)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    busy = round(os.getloadavg()[0]) if hasattr(os, "getloadavg") else 0
    return max(1, min(cores, cores - busy))


def use_free_cores():
    """For a process chainrule owns (its commands): as many BLAS threads as there are free
    cores, unless the user set a thread count in the environment. Returns the count used,
    or None where the environment decides."""
    if any(os.environ.get(name) for name in BLAS_VARIABLES):
        return None
    count = free_cores()
    set_num_threads(count)
    return count
