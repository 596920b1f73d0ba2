"""``clip_grad_norm_``: scale gradients down so their global L2 norm is at most ``max_norm``."""
import math

import numpy as np

from ...tensor import Tensor, new_tensor


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Rescale the ``.grad`` of ``parameters`` in place by min(1, max_norm / (total + 1e-6)),
    total being the norm of all gradients together; returns that total norm.

    >>> import chainrule as cr
    >>> p = cr.nn.Parameter(cr.zeros(2)); p.grad = cr.tensor([3.0, 4.0])
    >>> round(cr.nn.utils.clip_grad_norm_([p], 1.0).item(), 4), [round(v, 4) for v in p.grad.tolist()]
    (5.0, [0.6, 0.8])
    """
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    grads = [p.grad._data for p in params if p.grad is not None]
    if not grads:
        return new_tensor(np.asarray(0.0, np.float32), None)
    norm_type = float(norm_type)
    if norm_type == math.inf:
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    else:
        total = sum(float(np.sum(np.abs(g.astype(np.float64)) ** norm_type)) for g in grads)
        total = total ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           f"gradients is {total}; pass error_if_nonfinite=False to clip anyway")
    scale = max_norm / (total + 1e-6)
    if scale < 1:
        for g in grads:
            g *= g.dtype.type(scale)
    return new_tensor(np.asarray(total, grads[0].dtype), None)
