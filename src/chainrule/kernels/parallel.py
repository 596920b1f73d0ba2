"""An expensive elementwise function on a large array, computed by several threads at once,
as PyTorch's intra-op pool computes its elementwise kernels.

NumPy and SciPy release the GIL inside a ufunc's loop, so chunks of one array run on separate
cores. Only a function that costs many nanoseconds per value is worth it: SciPy's ``erf``
costs about 12 ns per value (a scalar loop), so GELU's erf on 131,072 values takes 1.6 ms on
one core; NumPy's own SIMD loops (``tanh``, ``exp``: under 0.5 ns per value) are memory-bound
and gain less than a thread's hand-off costs (about 20 us).

The threads come from ``chainrule.threads`` (``cr.set_num_threads``), and the pool is made on
first use: ``import chainrule`` starts no thread.
"""
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .. import threads

MIN_CHUNK = 16384   # values per thread: below this the hand-off costs more than it saves

POOL = {}   # {threads: executor}, made on first use


def elementwise(function, x):
    """``function(x)`` for an elementwise ``function`` that takes ``out=`` (a ufunc), split
    into one chunk per thread when ``x`` is large and contiguous; the same values either way.

    >>> from scipy.special import erf
    >>> x = np.linspace(-3, 3, 100_000, dtype=np.float32)
    >>> bool((elementwise(erf, x) == erf(x)).all())
    True
    """
    count = min(threads.kernel_threads(), x.size // MIN_CHUNK)
    if count < 2 or type(x) is not np.ndarray or not x.flags.c_contiguous:
        return function(x)
    flat = x.reshape(-1)
    out = np.empty_like(flat)
    bounds = [flat.size * i // count for i in range(count + 1)]
    pool = POOL.get(count) or POOL.setdefault(count, ThreadPoolExecutor(count - 1))
    others = [pool.submit(function, flat[a:b], out=out[a:b])
              for a, b in zip(bounds[1:-1], bounds[2:])]
    function(flat[:bounds[1]], out=out[:bounds[1]])   # the first chunk on this thread
    for chunk in others:
        chunk.result()
    return out.reshape(x.shape)
