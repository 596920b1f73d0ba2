"""``torch.backends`` flags that programs read or set: ``mps.is_available()`` (False),
``cudnn.deterministic`` and ``cudnn.benchmark``, ``cuda.matmul.allow_tf32``. chainrule
computes on the CPU with NumPy, which is deterministic, so the flags are kept for the
program to read back and change nothing.

>>> import chainrule as cr
>>> cr.backends.mps.is_available(), cr.backends.cudnn.is_available()
(False, False)
>>> cr.backends.cudnn.deterministic = True
"""
import types


def never(*args, **kwargs):
    """Not available: chainrule computes on the CPU only."""
    return False


mps = types.SimpleNamespace(is_available=never, is_built=never)
cudnn = types.SimpleNamespace(is_available=never, enabled=True, deterministic=False,
                              benchmark=False, allow_tf32=True)
cuda = types.SimpleNamespace(is_built=never, matmul=types.SimpleNamespace(allow_tf32=False))
