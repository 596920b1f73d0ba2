"""Alpha dropout, the dropout of self-normalising (SELU) networks: ``F.alpha_dropout`` and
``F.feature_alpha_dropout`` (the layers ``nn.AlphaDropout`` and ``nn.FeatureAlphaDropout``
are in linear.py, beside Dropout).

A dropped element is set to SELU's negative saturation value ``-alpha'`` (alpha' = SELU's
scale times its alpha) instead of 0, and the result is scaled and shifted, ``a * out + b``,
so that an input of zero mean and unit variance keeps them: as PyTorch computes it,
``a = ((alpha'^2 p + 1) (1 - p)) ** -0.5`` and ``out = x * a * mask + alpha' a (mask - 1 + p)``.
The gradient is ``a * mask`` (a constant of the draw), so the graph shows a ``Mul`` and an
``Add``. ``feature_alpha_dropout`` draws one mask value per (sample, channel).

>>> import chainrule as cr
>>> import chainrule.nn.functional as F
>>> F.alpha_dropout(cr.ones(3), 0.5, training=False).tolist()
[1.0, 1.0, 1.0]
>>> sorted({round(v, 4) for v in F.alpha_dropout(cr.ones(200), 0.5, training=True).tolist()})
[-0.7792, 1.6656]
"""
import math

import numpy as np

from ..random import numpy_generator
from ..tensor import new_tensor
from .in_place import in_place

SELU_SATURATION = 1.7580993408473766   # SELU's scale * alpha: -SELU(-inf)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of each element with probability ``p`` in training (the input itself
    otherwise); ``inplace=True`` writes the result into the input.

    >>> import chainrule as cr
    >>> out = alpha_dropout(cr.randn(20000), 0.2, training=True)
    >>> round(abs(out.mean().item()), 1), round(out.std().item(), 1)   # still 0 and 1
    (0.0, 1.0)
    """
    return alpha_dropped(input, p, training, inplace, False, "alpha_dropout")


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels: one draw per (sample, channel) of (N, C, *).

    >>> import chainrule as cr
    >>> out = feature_alpha_dropout(cr.ones(4, 6, 3), 0.5, training=True)
    >>> bool((out.amax(2) == out.amin(2)).all())   # a channel is dropped whole
    True
    """
    return alpha_dropped(input, p, training, inplace, True, "feature_alpha_dropout")


def alpha_dropped(input, p, training, inplace, feature, op):
    if not 0 <= p <= 1:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    if feature and input.ndim < 2:
        raise ValueError(f"{op}: feature dropout requires at least 2 dimensions (N, C, *) in "
                         f"the input, got shape {tuple(input.shape)}")
    if inplace:
        return in_place(alpha_dropped, input, op + "_", p=p, training=True, inplace=False,
                        feature=feature, op=op)
    if p == 1:   # PyTorch: the input times zero, not the saturation value
        return input * 0
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2) if feature else tuple(input.shape)
    keep = numpy_generator(None).random(shape) >= p
    a = 1 / math.sqrt((SELU_SATURATION ** 2 * p + 1) * (1 - p))
    dtype = input._data.dtype
    scale = np.where(keep, a, 0.0).astype(dtype)
    shift = (SELU_SATURATION * a * (keep - 1 + p)).astype(dtype)
    return input * new_tensor(scale, None) + new_tensor(shift, None)
