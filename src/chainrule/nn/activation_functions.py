"""The activations of ``nn.functional`` beyond the gates' own (relu, gelu, ...): each a
composition, written so that its value and gradient are PyTorch's everywhere, the kinks
and NaN included. At a kink a ``Where`` between the pieces, with masks computed from the
input's values, gives PyTorch's one-sided derivative; a piece that would overflow or see a
NaN where another piece is chosen is fed a harmless value, so no NaN reaches a gradient
through a branch that was not taken.

Masks and the constant pieces are written with tensor comparisons and ``where`` (not
NumPy on the input's array): in training they are plain tensors, as before, and while
``onnx.export`` runs a model they are recorded as gates (ops/masks.py), so every
activation here exports as ONNX comparisons and Where.

>>> import chainrule as cr
>>> hardtanh(cr.tensor([-2.0, 0.5, 3.0])).tolist()
[-1.0, 0.5, 1.0]
"""
import numpy as np

from .. import ops
from ..ops.masks import Masks
from ..tensor import new_tensor
from .in_place import in_place, refuse_backward_if_negative


def constant(values, like):
    """A tensor of ``values`` in ``like``'s dtype that no gradient reaches (a number gives
    a 0-d tensor, which ``where`` broadcasts)."""
    return new_tensor(np.asarray(values, dtype=like._data.dtype), None)


def silu(input, inplace=False):
    """``x * sigmoid(x)`` (a composition: Mul of Sigmoid).

    >>> import chainrule as cr
    >>> round(silu(cr.tensor(1.0)).item(), 4)
    0.7311
    """
    if inplace:
        return in_place(silu, input, "silu_")
    return input * ops.sigmoid(input)


def elu(input, alpha=1.0, inplace=False):
    """``x`` for x > 0, ``alpha * (exp(x) - 1)`` otherwise (a composition of Where, Exp and
    Clamp: exp only sees x <= 0, so a large x cannot make an inf that poisons the gradient).

    >>> import chainrule as cr
    >>> [round(v, 4) for v in elu(cr.tensor([-1.0, 2.0])).tolist()]
    [-0.6321, 2.0]
    """
    if inplace:
        return refuse_backward_if_negative(in_place(elu, input, "elu_", alpha=alpha), alpha,
                                           "elu_", "alpha")
    negative = alpha * (non_positive(input).exp() - 1)
    return ops.where(not_at_most(input, 0), input, negative)


def not_at_most(input, bound):
    """``~(x <= bound)``: True above the bound and at NaN, so a NaN takes the identity
    piece of an activation, with its gradient, as the comparisons of PyTorch's (scalar)
    kernels make it; its vectorised loops sometimes give such a NaN no gradient instead."""
    return ~(input <= bound)


def outside(input, bound):
    """``~(|x| <= bound)``, written without abs (no gate for it in training): True beyond
    either end and at NaN."""
    return ~((input >= -bound) & (input <= bound))


def non_positive(input):
    """``min(x, 0)`` with NaN read as 0: the negative piece then stays finite where the
    identity piece was chosen, and no NaN reaches the gradient through it."""
    data = input._data
    nan = np.isnan(data)
    if nan.any():
        input = ops.where(nan, constant(np.zeros_like(data), input), input)
    return input.clamp(max=0.0)


def nan_or(values, input):
    """``values`` (a constant piece), NaN where the input is NaN: PyTorch's forward keeps a
    NaN even where its backward gives it no gradient (hardsigmoid)."""
    return ops.where(input.isnan(), constant(np.nan, input), values)


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """``scale * elu(x, alpha)`` with PyTorch's constants (a composition).

    >>> import chainrule as cr
    >>> round(selu(cr.tensor(1.0)).item(), 4)
    1.0507
    """
    if inplace:
        return in_place(selu, input, "selu_")
    return SELU_SCALE * elu(input, SELU_ALPHA)


def celu(input, alpha=1.0, inplace=False):
    """``x`` for x > 0, ``alpha * (exp(x / alpha) - 1)`` otherwise (a composition).

    >>> import chainrule as cr
    >>> round(celu(cr.tensor(-1.0), alpha=2.0).item(), 4)
    -0.7869
    """
    if inplace:
        return refuse_backward_if_negative(in_place(celu, input, "celu_", alpha=alpha), alpha,
                                           "celu_", "alpha")
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (it divides x)")
    negative = alpha * ((non_positive(input) / alpha).exp() - 1)
    return ops.where(not_at_most(input, 0), input, negative)


def with_values_of(exact, graded):
    """A tensor with ``exact``'s values and ``graded``'s gradient: ``graded`` plus the
    constant difference. For PyTorch's gradients that round a constant to float32. While
    onnx.export records, ``exact`` itself: no gradient is taken there, and the difference
    would be a constant computed from the example's values."""
    if Masks.recording:
        return exact
    return graded + constant(exact._data - graded._data, graded)


def mish(input, inplace=False):
    """``x * tanh(softplus(x))`` (a composition).

    >>> import chainrule as cr
    >>> round(mish(cr.tensor(1.0)).item(), 4)
    0.8651
    """
    if inplace:
        return in_place(mish, input, "mish_")
    return input * ops.tanh(ops.softplus(input))


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """``x`` clipped to [min_val, max_val]; as in PyTorch the gradient is 0 at both ends (a
    Where between x and the constant clipped values).

    >>> import chainrule as cr
    >>> hardtanh(cr.tensor([-2.0, 0.5, 3.0])).tolist()
    [-1.0, 0.5, 1.0]
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    if inplace:
        return in_place(hardtanh, input, "hardtanh_", min_val=min_val, max_val=max_val)
    low = input <= min_val
    inside = ~(low | (input >= max_val))   # NaN passes, as PyTorch's kernel
    ends = ops.where(low, constant(min_val, input), constant(max_val, input))
    return ops.where(inside, input, ends)


def relu6(input, inplace=False):
    """``min(max(0, x), 6)``: ``hardtanh(x, 0, 6)``, as PyTorch defines it.

    >>> import chainrule as cr
    >>> relu6(cr.tensor([-1.0, 3.0, 8.0])).tolist()
    [0.0, 3.0, 6.0]
    """
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input, inplace=False):
    """``relu6(x + 3) / 6``; the gradient is 1/6 strictly inside (-3, 3), else 0 (PyTorch's,
    whose 1/6 is rounded to float32 also in float64: so is chainrule's).

    >>> import chainrule as cr
    >>> hardsigmoid(cr.tensor([-4.0, 0.0, 4.0])).tolist()
    [0.0, 0.5, 1.0]
    """
    if inplace:
        return in_place(hardsigmoid, input, "hardsigmoid_")
    inside = (input > -3) & (input < 3)
    sixth = with_values_of(input / 6 + 0.5, input * float(np.float32(1 / 6)) + 0.5)
    ends = ops.where(input >= 3, constant(1.0, input), constant(0.0, input))
    return ops.where(inside, sixth, nan_or(ends, input))


def hardswish(input, inplace=False):
    """``x * relu6(x + 3) / 6``; the gradient is PyTorch's: 0 up to -3, x / 3 + 1/2 on
    (-3, 3), 1 from 3 on.

    >>> import chainrule as cr
    >>> hardswish(cr.tensor([-4.0, 1.0, 4.0])).tolist()
    [-0.0, 0.6666666865348816, 4.0]
    """
    if inplace:
        return in_place(hardswish, input, "hardswish_")
    low, middle = input <= -3, (input > -3) & (input < 3)   # the rest, NaN too: the identity
    inner = ops.where(middle, input, constant(0.0, input))   # finite there
    # x * relu6(x + 3) / 6 where x <= -3: x * 0, which is -0.0, and NaN at -inf (PyTorch's)
    low_value = ops.where(input.isneginf(), constant(np.nan, input), constant(-0.0, input))
    pieces = ops.where(middle, inner * (inner + 3) / 6, low_value)
    return ops.where(low | middle, pieces, input)


def glu(input, dim=-1):
    """``a * sigmoid(b)`` where a and b are the two halves of the input along ``dim``.

    >>> import chainrule as cr
    >>> glu(cr.tensor([[1.0, 2.0, 0.0, 0.0]])).tolist()
    [[0.5, 1.0]]
    """
    if input.ndim == 0:
        raise ValueError("glu: does not support scalars because halving size must be even")
    size = input.shape[dim]
    if size % 2:
        raise ValueError(f"glu: halving dimension must be even, but dimension {dim} is size "
                         f"{size}")
    a, b = input.split(size // 2, dim)
    return a * ops.sigmoid(b)


def logsigmoid(input):
    """``log(sigmoid(x)) = -softplus(-x)``, stable at any x.

    >>> import chainrule as cr
    >>> round(logsigmoid(cr.tensor(0.0)).item(), 4)
    -0.6931
    """
    return -ops.softplus(-input)


def prelu(input, weight):
    """``x`` for x > 0, ``weight * x`` otherwise, with one learned slope or one per channel
    (dim 1); a composition (Where of Mul).

    >>> import chainrule as cr
    >>> prelu(cr.tensor([[-2.0, 3.0]]), cr.tensor([0.25])).tolist()
    [[-0.5, 3.0]]
    """
    count = weight.numel()
    channels = input.shape[1] if input.ndim > 1 else 1
    if weight.ndim > 1 or (count != 1 and count != channels):
        raise ValueError(f"prelu: the weight must be 1-D with 1 value or one per channel "
                         f"(input.size(1) = {channels}), got shape {tuple(weight.shape)}")
    slope = weight.reshape((1, -1) + (1,) * (input.ndim - 2)) if count > 1 else weight.reshape(())
    return ops.where(input > 0, input, slope * input)


def softsign(input):
    """``x / (1 + |x|)``.

    >>> import chainrule as cr
    >>> softsign(cr.tensor([-3.0, 0.0, 1.0])).tolist()
    [-0.75, 0.0, 0.5]
    """
    return input / (1 + input.abs())


def tanhshrink(input):
    """``x - tanh(x)``.

    >>> import chainrule as cr
    >>> [round(v, 4) for v in tanhshrink(cr.tensor([-1.0, 2.0])).tolist()]
    [-0.2384, 1.036]
    """
    return input - ops.tanh(input)


def softshrink(input, lambd=0.5):
    """``x - lambd`` above lambd, ``x + lambd`` below -lambd, else 0.

    >>> import chainrule as cr
    >>> softshrink(cr.tensor([-2.0, 0.25, 1.5]), 0.5).tolist()
    [-1.5, 0.0, 1.0]
    """
    shifted = ops.where(input > lambd, input - lambd, input + lambd)
    return ops.where(outside(input, lambd), shifted, constant(0.0, input))


def hardshrink(input, lambd=0.5):
    """``x`` where |x| > lambd, else 0.

    >>> import chainrule as cr
    >>> hardshrink(cr.tensor([-2.0, 0.25, 1.5]), 0.5).tolist()
    [-2.0, 0.0, 1.5]
    """
    return ops.where(outside(input, lambd), input, constant(0.0, input))


def threshold(input, threshold, value, inplace=False):
    """``x`` where x > threshold, else ``value``.

    >>> import chainrule as cr
    >>> threshold(cr.tensor([-1.0, 0.5, 2.0]), 1.0, -5.0).tolist()
    [-5.0, -5.0, 2.0]
    """
    if inplace:   # the parameter hides this function's name: THRESHOLD is the function
        return in_place(THRESHOLD, input, "threshold_", threshold=threshold, value=value)
    return ops.where(not_at_most(input, threshold), input, constant(value, input))


THRESHOLD = threshold   # for threshold's in-place branch, where its parameter hides the name
