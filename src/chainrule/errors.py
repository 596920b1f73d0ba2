"""Clear errors for bad input: name the operation, the shapes or values, and what to do."""
import numpy as np


def check_broadcast(fn, x, y, op):
    """``fn(x, y)``, turning NumPy's broadcasting failure into an error that names the op."""
    try:
        return fn(x, y)
    except ValueError:
        if not _broadcastable(x, y):
            raise_shapes(op, np.shape(x), np.shape(y))
        raise


def _broadcastable(x, y):
    try:
        np.broadcast_shapes(np.shape(x), np.shape(y))
        return True
    except ValueError:
        return False


def raise_shapes(op, *shapes):
    shown = " and ".join(str(tuple(s)) for s in shapes)
    raise ValueError(
        f"{op}: shapes {shown} cannot be broadcast together; sizes must match or be 1 in "
        f"each dimension, counting from the last (reshape or unsqueeze one operand)") from None
