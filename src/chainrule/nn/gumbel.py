"""``F.gumbel_softmax``: a differentiable sample of a categorical distribution, PyTorch's
composition step for step: Gumbel noise ``-log(E)``, E ~ Exp(1), added to the logits,
divided by ``tau`` and softmaxed; with ``hard=True`` the one-hot of its largest entry, whose
gradient is the soft sample's (the straight-through estimator:
``one_hot - soft.detach() + soft``).

>>> import chainrule as cr
>>> sample = gumbel_softmax(cr.zeros(4, 3), hard=True)
>>> sample.sum(1).tolist(), sorted(set(sample.flatten().tolist()))
([1.0, 1.0, 1.0, 1.0], [0.0, 1.0])
"""
import warnings

import numpy as np

from .. import ops
from ..random import numpy_generator
from ..tensor import new_tensor


def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """A sample of softmax((logits + Gumbel noise) / tau) along ``dim`` (one-hot with
    ``hard``, the soft sample's gradient).

    >>> import chainrule as cr
    >>> round(gumbel_softmax(cr.tensor([0.0, 5.0]), tau=0.5).sum().item(), 6)
    1.0
    """
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    draw = numpy_generator(None).exponential(1.0, tuple(logits.shape))
    gumbels = new_tensor(-np.log(draw).astype(logits._data.dtype), None)
    soft = ops.softmax((logits + gumbels) / tau, dim)
    if not hard:
        return soft
    index = np.expand_dims(np.argmax(soft._data, axis=dim), dim)
    one_hot = np.zeros(soft.shape, soft._data.dtype)
    np.put_along_axis(one_hot, index, 1.0, axis=dim)
    return new_tensor(one_hot, None) - soft.detach() + soft
