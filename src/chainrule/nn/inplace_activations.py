"""PyTorch's in-place activation functions (``F.relu_``, ``F.elu_``, ``F.leaky_relu_``,
``F.hardtanh_``, ``F.threshold_``, ``F.celu_``, ``F.selu_``, ``F.rrelu_``) and rrelu itself.
Each is the out-of-place function with ``inplace=True``: see nn/in_place.py for what that
means (the input is changed and returned, its version moves, the gradient is the
out-of-place one, a leaf that requires grad is refused).

>>> import chainrule as cr
>>> x = cr.tensor([-2.0, 0.5, 3.0])
>>> hardtanh_(x) is x, x.tolist()
(True, [-1.0, 0.5, 1.0])
"""
import numpy as np

from .. import ops
from ..ops.inplace import relu_ as tensor_relu_
from ..random import numpy_generator
from ..tensor import new_tensor
from .activation_functions import THRESHOLD, celu, elu, hardtanh, selu
from .in_place import in_place, refuse_backward_if_negative


def relu_(input):
    """``relu`` in place: the ``Relu`` gate recorded as an in-place op (``Tensor.relu_``).

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> x = cr.tensor([-2.0, 0.5, 3.0])
    >>> F.relu_(x) is x, x.tolist()
    (True, [0.0, 0.5, 3.0])
    """
    return tensor_relu_(input)


def leaky_relu_(input, negative_slope=0.01):
    """``leaky_relu`` in place; with a negative slope, backward raises (PyTorch's rule).

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> x = cr.tensor([-2.0, 0.5, 3.0])
    >>> F.leaky_relu_(x, 0.5) is x, x.tolist()
    (True, [-1.0, 0.5, 3.0])
    """
    out = in_place(ops.leaky_relu, input, "leaky_relu_", negative_slope=negative_slope)
    return refuse_backward_if_negative(out, negative_slope, "leaky_relu_", "slope")


def elu_(input, alpha=1.0):
    """``elu`` in place; with a negative alpha, backward raises (PyTorch's rule).

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> x = cr.tensor([0.0, 3.0])
    >>> F.elu_(x) is x, x.tolist()
    (True, [0.0, 3.0])
    """
    return elu(input, alpha, inplace=True)


def celu_(input, alpha=1.0):
    """``celu`` in place; with a negative alpha, backward raises (PyTorch's rule).

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> x = cr.tensor([0.0, 3.0])
    >>> F.celu_(x, 2.0) is x, x.tolist()
    (True, [0.0, 3.0])
    """
    return celu(input, alpha, inplace=True)


def selu_(input):
    """``selu`` in place.

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> x = cr.tensor([0.0])
    >>> F.selu_(x) is x, x.tolist()
    (True, [0.0])
    """
    return selu(input, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """``hardtanh`` in place (gradient 0 at both ends, as the out-of-place one).

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> x = cr.tensor([-2.0, 0.5, 3.0])
    >>> F.hardtanh_(x, -1.0, 1.0) is x, x.tolist()
    (True, [-1.0, 0.5, 1.0])
    """
    return hardtanh(input, min_val, max_val, inplace=True)


def threshold_(input, threshold, value):
    """``threshold`` in place: ``x`` where x > threshold, else ``value``.

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> x = cr.tensor([-2.0, 0.5, 3.0])
    >>> F.threshold_(x, 1.0, -1.0) is x, x.tolist()
    (True, [-1.0, -1.0, 3.0])
    """
    return THRESHOLD(input, threshold, value, inplace=True)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU: ``x`` for x > 0, ``a * x`` otherwise, where in training each
    element draws its slope ``a`` from U(lower, upper) and in evaluation ``a`` is
    (lower + upper) / 2 (PyTorch's; a NaN takes the identity). The gradient is the slope
    used (a constant of the draw).

    >>> import chainrule as cr
    >>> rrelu(cr.tensor([-3.0, 2.0]), 0.25, 0.75).tolist()
    [-1.5, 2.0]
    >>> slope = rrelu(cr.full((1000,), -1.0), training=True).neg()
    >>> bool((slope >= 1 / 8).all() and (slope <= 1 / 3).all() and slope.std() > 0.05)
    True
    """
    if not lower <= upper:
        raise ValueError(f"rrelu: lower ({lower}) must not exceed upper ({upper})")
    if inplace:
        return in_place(rrelu, input, "rrelu_", lower=lower, upper=upper, training=training)
    if not training:
        return ops.leaky_relu(input, (lower + upper) / 2)
    dtype = input._data.dtype
    drawn = numpy_generator(None).uniform(lower, upper, tuple(input.shape)).astype(dtype)
    slopes = np.where(input._data <= 0, drawn, np.ones((), dtype))   # NaN: not <= 0, slope 1
    return input * new_tensor(slopes, None)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """``rrelu`` in place.

    >>> import chainrule as cr
    >>> import chainrule.nn.functional as F
    >>> x = cr.tensor([-4.0, 3.0])
    >>> F.rrelu_(x, 0.25, 0.75) is x, x.tolist()
    (True, [-2.0, 3.0])
    """
    return rrelu(input, lower, upper, training, inplace=True)
