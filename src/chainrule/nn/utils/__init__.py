"""``nn.utils``: ``clip_grad_norm_`` (scale gradients down so their global norm is at most
``max_norm``; its two halves ``get_total_norm`` and ``clip_grads_with_norm_``),
``clip_grad_value_``, and ``parameters_to_vector`` / ``vector_to_parameters``
(from ``convert_parameters.py``)."""
import math

import numpy as np

from ...tensor import Tensor, new_tensor
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
from .weight_norm import weight_norm, remove_weight_norm  # noqa: F401
from .spectral_norm import spectral_norm, remove_spectral_norm  # noqa: F401


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Rescale the ``.grad`` of ``parameters`` in place by min(1, max_norm / (total + 1e-6)),
    total being the norm of all gradients together; returns that total norm. ``foreach``
    (PyTorch's choice of kernel) changes no number.

    >>> import chainrule as cr
    >>> p = cr.nn.Parameter(cr.zeros(2)); p.grad = cr.tensor([3.0, 4.0])
    >>> total = cr.nn.utils.clip_grad_norm_([p], 1.0)
    >>> round(total.item(), 4), [round(v, 4) for v in p.grad.tolist()]
    (5.0, [0.6, 0.8])
    """
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    total = get_total_norm([p.grad for p in params if p.grad is not None], norm_type,
                           error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of all ``tensors`` together (usually gradients), as one
    vector (summed in float64, returned in the first tensor's dtype; 0 for none).

    >>> import chainrule as cr
    >>> cr.nn.utils.get_total_norm([cr.tensor([3.0]), cr.tensor([4.0])]).item()
    5.0
    """
    arrays = [t._data for t in ([tensors] if isinstance(tensors, Tensor) else tensors)]
    if not arrays:
        return new_tensor(np.asarray(0.0, np.float32), None)
    norm_type = float(norm_type)
    if norm_type == math.inf:
        total = max(float(np.max(np.abs(a))) if a.size else 0.0 for a in arrays)
    else:
        total = sum(float(np.sum(np.abs(a.astype(np.float64)) ** norm_type)) for a in arrays)
        total = total ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           f"gradients is {total}; pass error_if_nonfinite=False to clip anyway")
    return new_tensor(np.asarray(total, arrays[0].dtype), None)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale every ``.grad`` of ``parameters`` in place by min(1, max_norm / (total_norm +
    1e-6)): the second half of ``clip_grad_norm_``, with a total norm computed before
    (``get_total_norm``).

    >>> import chainrule as cr
    >>> p = cr.nn.Parameter(cr.zeros(2)); p.grad = cr.tensor([3.0, 4.0])
    >>> cr.nn.utils.clip_grads_with_norm_([p], 1.0, cr.tensor(5.0))
    >>> [round(v, 4) for v in p.grad.tolist()]
    [0.6, 0.8]
    """
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    total = float(total_norm.item() if isinstance(total_norm, Tensor) else total_norm)
    scale = max_norm / (total + 1e-6)
    if scale < 1:
        for p in params:
            if p.grad is not None:
                p.grad._data *= p.grad._data.dtype.type(scale)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every ``.grad`` of ``parameters`` in place to [-clip_value, clip_value].

    >>> import chainrule as cr
    >>> p = cr.nn.Parameter(cr.zeros(3)); p.grad = cr.tensor([-5.0, 0.5, 2.0])
    >>> cr.nn.utils.clip_grad_value_([p], 1.0); p.grad.tolist()
    [-1.0, 0.5, 1.0]
    """
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    clip_value = float(clip_value)
    for p in params:
        if p.grad is not None:
            np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)
