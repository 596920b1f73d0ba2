"""Ask glibc's malloc to keep freed memory for reuse instead of handing it back to the OS.

``import chainrule`` changes nothing in the process: this is an explicit call,
``chainrule.keep_freed_memory()``, made by the ``chainrule`` command-line tools (which own
their process) and available to a training script that owns its own.

A training step allocates and frees the same large arrays (activations, gradients, conv
windows) every time. By default glibc returns big freed blocks to the operating system, so
the next step page-faults them in again. Raising M_MMAP_THRESHOLD and M_TRIM_THRESHOLD keeps
up to 128 MiB of freed memory in the process for the next step; peak memory is unchanged.
Measured on the 784-512-512-10 MLP step once warm (benchmarks/engine_speed.py --measure
chainrule b): 2.20-2.26 ms with the call, 2.24-2.33 ms without, no measurable difference,
because glibc raises its own threshold to 32 MiB after the first large free; the call still
keeps arrays above 32 MiB, and the first steps, off the OS round trip (it bought 5.8 -> 2.6
ms on that step when it was introduced).

Set CHAINRULE_MALLOC=default in the environment to make the call a no-op. Nothing happens where
the C library is not glibc, or where the user set glibc's own MALLOC_* variables.
"""
import ctypes
import os

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
KEEP_FREED_BYTES = 128 * 2**20
MMAP_ABOVE_BYTES = 32 * 2**20


CALLED = False   # whether keep_freed_memory() has run in this process


def keep_freed_memory():
    """Apply the settings above; return whether malloc was tuned."""
    global CALLED
    CALLED = True
    if os.environ.get("CHAINRULE_MALLOC") == "default":
        return False
    if any(name.startswith("MALLOC_") for name in os.environ):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_ABOVE_BYTES)
                and mallopt(M_TRIM_THRESHOLD, KEEP_FREED_BYTES))

