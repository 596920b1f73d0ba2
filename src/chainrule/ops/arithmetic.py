"""Arithmetic gates: + - * / ** neg, maximum, minimum, where. All elementwise, broadcasting.

Their rows are local derivatives; the engine multiplies them by the upstream gradient and
sums the product back over the axes broadcasting stretched.
"""
import numpy as np

from ..autograd.gate import Gate
from ..autograd.vocabulary import define
from ..dtypes import array_of, as_torch_promotes, float_result, is_foreign, result_type
from ..tensor import Tensor, api, new_tensor


class Add(Gate):
    """``x + y``.

    >>> import chainrule as cr
    >>> cr.add(cr.tensor([1.0, 2.0]), 1).tolist()
    [2.0, 3.0]
    """

    label = "+"
    ufunc = np.add
    inputs = ("x", "y")
    formula = "x + y"
    derivatives = {"x": "1", "y": "1"}
    elementwise = True
    number_operands = True
    methods = ("__add__", "__radd__")   # cr.add and x.add take alpha=: see add below


class Sub(Gate):
    label = "-"
    ufunc = np.subtract
    inputs = ("x", "y")
    formula = "x - y"
    derivatives = {"x": "1", "y": "-1"}
    elementwise = True
    number_operands = True
    methods = ("__sub__", "__rsub__")


class Mul(Gate):
    """``x * y`` elementwise, with broadcasting: d/dx = y, d/dy = x.

    >>> import chainrule as cr
    >>> cr.mul(cr.tensor([1.0, 2.0]), cr.tensor([[3.0], [4.0]])).tolist()
    [[3.0, 6.0], [4.0, 8.0]]
    """

    label = "*"
    ufunc = np.multiply
    inputs = ("x", "y")
    formula = "x * y"
    derivatives = {"x": "y", "y": "x"}
    elementwise = True
    number_operands = True
    methods = ("__mul__", "__rmul__", "mul", "multiply")
    function = "mul"


class Div(Gate):
    label = "/"
    ufunc = np.true_divide
    inputs = ("x", "y")
    formula = "x / y"
    derivatives = {"x": "1 / y", "y": "-x / y ** 2"}
    elementwise = True
    number_operands = True
    methods = ("__truediv__", "__rtruediv__", "true_divide")   # div: see below


class Neg(Gate):
    """``-x``: d/dx = -1.

    >>> import chainrule as cr
    >>> cr.neg(cr.tensor([1.0, -2.0])).tolist()
    [-1.0, 2.0]
    """

    label = "neg"
    ufunc = np.negative
    formula = "-x"
    derivatives = {"x": "-1"}
    elementwise = True
    methods = ("__neg__", "neg", "negative")
    function = "neg"


class Pow(Gate):
    """``x ** y``, either a tensor or a number. As in PyTorch: d/dx is 0 where y = 0 (also
    at x = 0, where y * x ** (y - 1) would be 0 * inf), and d/dy is 0 where x = 0 and
    y >= 0. One set of rows per case: a tensor exponent, a number exponent, the number 0
    (whose derivative is 0 everywhere)."""

    label = "**"
    inputs = ("x", "y")
    formula = "x ** y"
    cases = {
        "tensor exponent": {"x": "where(y == 0, 0.0, y * x ** (y - 1))",
                            "y": "where((y >= 0) & (x == 0), 0.0, out * log(x))"},
        "number exponent": {"x": "y * x ** (y - 1)"},
        "exponent 0": {"x": "zeros_like(x)"},
    }
    saves = ("case",)
    elementwise = True
    methods = ("__pow__", "__rpow__")

    def forward(self, x, y):
        if isinstance(y, np.ndarray) or is_foreign(y):
            self.case = "tensor exponent"
        else:
            self.case = "number exponent" if y != 0 else "exponent 0"
        return as_torch_promotes(np.power(x, y), x, y)


class Maximum(Gate):
    """Elementwise maximum; as in PyTorch, at a tie each input gets half the gradient, and
    where either is NaN (so is the maximum) both get all of it.

    >>> import chainrule as cr
    >>> cr.maximum(cr.tensor([1.0, 5.0]), cr.tensor([3.0, 2.0])).tolist()
    [3.0, 5.0]
    """

    label = "maximum"
    inputs = ("x", "y")
    formula = "maximum(x, y)"
    derivatives = {"x": "where(x < y, 0.0, where(x == y, 0.5, 1.0))",
                   "y": "where(x > y, 0.0, where(x == y, 0.5, 1.0))"}
    elementwise = True
    methods = ("maximum",)
    function = "maximum"

    def forward(self, x, y):
        return as_torch_promotes(np.maximum(x, y), x, y)


class Minimum(Gate):
    """Elementwise minimum; as in PyTorch, at a tie each input gets half the gradient, and
    where either is NaN (so is the minimum) both get all of it.

    >>> import chainrule as cr
    >>> cr.minimum(cr.tensor([1.0, 5.0]), cr.tensor([3.0, 2.0])).tolist()
    [1.0, 2.0]
    """

    label = "minimum"
    inputs = ("x", "y")
    formula = "minimum(x, y)"
    derivatives = {"x": "where(x > y, 0.0, where(x == y, 0.5, 1.0))",
                   "y": "where(x < y, 0.0, where(x == y, 0.5, 1.0))"}
    elementwise = True
    methods = ("minimum",)
    function = "minimum"

    def forward(self, x, y):
        return as_torch_promotes(np.minimum(x, y), x, y)


class Where(Gate):
    """``where(cond, x, y)``: x where cond holds, else y. ``cond`` gets no gradient."""

    label = "where"
    inputs = ("cond", "x", "y")
    formula = "where(cond, x, y)"
    derivatives = {"x": "cond", "y": "~cond"}
    elementwise = True

    def forward(self, cond, x, y):
        return as_torch_promotes(np.where(cond, x, y), x, y)


define("floor", np.floor, lambda x: x.floor())   # rows of Remainder and Fmod: no gradient
define("trunc", np.trunc, lambda x: x.trunc())


def check_divisor(x, y, op):
    """PyTorch raises on an integer division by zero, where NumPy gives 0 with a warning."""
    if np.result_type(x, y).kind in "iub" and not np.all(y):
        raise ZeroDivisionError(f"{op}: integer division by zero")


class Remainder(Gate):
    """``x % y``, Python's (and PyTorch's) modulus: the sign of ``y``. d/dx is 1,
    d/dy is ``-floor(x / y)``.

    >>> import chainrule as cr
    >>> (cr.tensor([5.5, -5.5]) % 2).tolist()
    [1.5, 0.5]
    """

    label = "%"
    inputs = ("x", "y")
    formula = "x - floor(x / y) * y"
    derivatives = {"x": "1", "y": "-floor(x / y)"}
    elementwise = True
    methods = ("__mod__", "remainder")   # __rmod__: see rmod below
    function = "remainder"

    def forward(self, x, y):
        check_divisor(x, y, "remainder")
        return as_torch_promotes(np.remainder(x, y), x, y)


define("atan2", np.arctan2, lambda y, x: y.atan2(x))   # for Atan2's formula


class Atan2(Gate):
    """``atan2(y, x)``: the angle of the point (x, y), in (-pi, pi]; d/dy = x / (x^2 + y^2),
    d/dx = -y / (x^2 + y^2) (0 at the origin, as in PyTorch).

    >>> import chainrule as cr
    >>> y = cr.tensor(1.0, requires_grad=True)
    >>> angle = cr.atan2(y, cr.tensor(1.0))
    >>> angle.backward()
    >>> round(angle.item(), 4), y.grad.item()
    (0.7854, 0.5)
    """

    label = "atan2"
    ufunc = np.arctan2
    inputs = ("y", "x")
    formula = "atan2(y, x)"
    # 0 at the origin, as PyTorch's (its 1 / (x^2 + y^2) is masked to 0 where that is 0)
    derivatives = {"y": "where(x * x + y * y == 0, 0.0, x / (x * x + y * y))",
                   "x": "where(x * x + y * y == 0, 0.0, -y / (x * x + y * y))"}
    elementwise = True
    methods = ("atan2", "arctan2")
    function = "atan2"


class Fmod(Gate):
    """C's ``fmod(x, y)``: the sign of ``x`` (``torch.fmod``). d/dx is 1, d/dy is
    ``-trunc(x / y)``.

    >>> import chainrule as cr
    >>> cr.fmod(cr.tensor([-3.0, 3.0]), 2.0).tolist()
    [-1.0, 1.0]
    """

    label = "fmod"
    inputs = ("x", "y")
    formula = "x - trunc(x / y) * y"
    derivatives = {"x": "1", "y": "-trunc(x / y)"}
    elementwise = True
    methods = ("fmod",)
    function = "fmod"

    def forward(self, x, y):
        check_divisor(x, y, "fmod")
        return as_torch_promotes(np.fmod(x, y), x, y)


@api(name=False, methods=("__rmod__",))
def rmod(x, other):
    """``other % x``: the ``Remainder`` gate with the operands in that order."""
    return Remainder.apply(other, x)


@api(methods=("__floordiv__", "floor_divide"))
def floor_divide(x, other):
    """``x // other``: the quotient rounded down (``div(x, other, rounding_mode="floor")``),
    no gradient.

    >>> import chainrule as cr
    >>> cr.floor_divide(cr.tensor([-7, 7]), 2).tolist()
    [-4, 3]
    """
    return div(x, other, rounding_mode="floor")


@api(name=False, methods=("__rfloordiv__",))
def rfloordiv(x, other):
    """``other // x``."""
    return div(other, x, rounding_mode="floor")


@api(methods=("add",))
def add(x, other, alpha=1):
    """``x + alpha * other``, PyTorch's ``torch.add``.

    >>> import chainrule as cr
    >>> cr.add(cr.tensor([1.0, 2.0]), cr.tensor([10.0, 20.0]), alpha=2).tolist()
    [21.0, 42.0]
    """
    return Add.apply(x, scaled(other, alpha))   # apply: PyTorch's dtypes for every pair


@api(methods=("sub", "subtract"))
def sub(x, other, alpha=1):
    """``x - alpha * other``, PyTorch's ``torch.sub``.

    >>> import chainrule as cr
    >>> cr.sub(cr.tensor([1.0, 2.0]), 0.5).tolist()
    [0.5, 1.5]
    """
    return Sub.apply(x, scaled(other, alpha))


@api(methods=("pow",))
def pow(x, exponent):  # noqa: A001  (PyTorch's name)
    """``x ** exponent``, with PyTorch's keyword (``x.pow(exponent=3)``).

    >>> import chainrule as cr
    >>> cr.pow(cr.tensor([2.0, 3.0]), 2).tolist(), cr.pow(2.0, cr.tensor([3.0])).tolist()
    ([4.0, 9.0], [8.0])
    """
    return Pow.apply(x, exponent)


@api(methods=("div", "divide"))
def div(x, other, *, rounding_mode=None):
    """``x / other``, PyTorch's ``torch.div``; ``rounding_mode="trunc"`` or ``"floor"``
    rounds the quotient (toward zero, or down) in the operands' dtype, and has no gradient
    (PyTorch's is zero), so it records no graph.

    >>> import chainrule as cr
    >>> cr.div(cr.tensor([7.0, -7.0]), 2, rounding_mode="floor").tolist()
    [3.0, -4.0]
    """
    if rounding_mode is None:
        return Div.apply(x, other)
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got "
                         f"{rounding_mode!r}")
    a, b = (v._data if isinstance(v, Tensor) else v for v in (x, other))
    dtype = result_type(a, b)
    if dtype.kind == "f":
        quotient = np.true_divide(a, b, dtype=dtype)
        if rounding_mode == "trunc":
            quotient = np.trunc(quotient)
        else:   # Python's floor division, exact where floor(a / b) would round up
            quotient = np.floor_divide(a, b, dtype=dtype)
    else:
        a, b = np.asarray(a, dtype), np.asarray(b, dtype)
        if (b == 0).any():
            raise ZeroDivisionError("div: integer division by zero")
        quotient = np.floor_divide(a, b)
        if rounding_mode == "trunc":   # C's division rounds toward zero
            quotient += (quotient < 0) & (quotient * b != a)
    return new_tensor(np.asarray(quotient, dtype), None)


def scaled(other, alpha):
    return other if alpha == 1 else other * alpha


@api
def where(condition, x=None, y=None):
    """``x`` where ``condition`` is true, else ``y`` (PyTorch's ``torch.where``); with the
    condition alone, the indices where it holds (``nonzero(as_tuple=True)``).

    >>> import chainrule as cr
    >>> x = cr.tensor([-1.0, 2.0])
    >>> cr.where(x > 0, x, 0.0).tolist()
    [0.0, 2.0]
    """
    cond = condition._data if isinstance(condition, Tensor) else array_of(condition)
    if x is None and y is None:
        return tuple(new_tensor(i.astype(np.int64), None) for i in np.nonzero(cond))
    if isinstance(condition, Tensor) and condition.requires_grad and cond.dtype == np.bool_:
        return Where.apply(condition, x, y)   # a mask gate's output, recorded for onnx.export
    return Where.apply(cond.astype(bool, copy=False), x, y)


@api(name=False, methods=("where",))
def where_method(x, condition, y):
    """``x.where(condition, y)``: ``where(condition, x, y)``."""
    return where(condition, x, y)


@api(methods=("lerp",))
def lerp(x, end, weight):
    """``x + weight * (end - x)``: a composition.

    >>> import chainrule as cr
    >>> cr.lerp(cr.tensor([0.0, 10.0]), cr.tensor([10.0, 20.0]), 0.25).tolist()
    [2.5, 12.5]
    """
    return x + weight * (end - x)


@api(methods=("addcmul",))
def addcmul(x, tensor1, tensor2, *, value=1):
    """``x + value * tensor1 * tensor2``: a composition.

    >>> import chainrule as cr
    >>> cr.addcmul(cr.tensor([1.0]), cr.tensor([2.0]), cr.tensor([3.0]), value=0.5).tolist()
    [4.0]
    """
    return x + scaled(tensor1 * tensor2, value)


@api(methods=("addcdiv",))
def addcdiv(x, tensor1, tensor2, *, value=1):
    """``x + value * tensor1 / tensor2``: a composition.

    >>> import chainrule as cr
    >>> cr.addcdiv(cr.tensor([1.0]), cr.tensor([3.0]), cr.tensor([2.0]), value=2).tolist()
    [4.0]
    """
    return x + scaled(tensor1 / tensor2, value)


@api(methods=("addmm",))
def addmm(x, mat1, mat2, *, beta=1, alpha=1):
    """``beta * x + alpha * (mat1 @ mat2)``: a composition (``x`` is ignored when beta is 0,
    NaN included, as PyTorch's).

    >>> import chainrule as cr
    >>> cr.addmm(cr.ones(2, 2), cr.eye(2), cr.full((2, 2), 3.0), beta=0.5).tolist()
    [[3.5, 3.5], [3.5, 3.5]]
    """
    product = scaled(mat1 @ mat2, alpha)
    return product if beta == 0 else scaled(x, beta) + product


@api(methods=("baddbmm",))
def baddbmm(x, batch1, batch2, *, beta=1, alpha=1):
    """``beta * x + alpha * (batch1 @ batch2)``, batched: a composition.

    >>> import chainrule as cr
    >>> cr.baddbmm(cr.zeros(1, 2, 2), cr.ones(1, 2, 3), cr.ones(1, 3, 2)).tolist()
    [[[3.0, 3.0], [3.0, 3.0]]]
    """
    return addmm(x, batch1, batch2, beta=beta, alpha=alpha)


@api(methods=("rsub",))
def rsub(x, other, alpha=1):
    """``other - alpha * x``.

    >>> import chainrule as cr
    >>> cr.rsub(cr.tensor([1.0, 2.0]), 10.0).tolist()
    [9.0, 8.0]
    """
    return other - scaled(x, alpha)


@api(name="true_divide")
def true_divide(x, other):
    """``x / other`` (``Div``).

    >>> import chainrule as cr
    >>> cr.true_divide(cr.tensor([3, 4]), 2).tolist()
    [1.5, 2.0]
    """
    return Div.apply(x, other)


@api(methods=("positive",))
def positive(x):
    """``x`` itself (``+x``).

    >>> import chainrule as cr
    >>> cr.positive(cr.tensor([-1.0, 2.0])).tolist()
    [-1.0, 2.0]
    """
    return x


@api(methods=("float_power",))
def float_power(x, exponent):
    """``x ** exponent`` computed in float64, as PyTorch's.

    >>> import chainrule as cr
    >>> cr.float_power(cr.tensor([2, 3]), 2).tolist(), cr.float_power(cr.tensor([2]), 2).dtype
    ([4.0, 9.0], chainrule.float64)
    """
    base = x.double() if isinstance(x, Tensor) else x
    power = exponent.double() if isinstance(exponent, Tensor) else exponent
    if not isinstance(base, Tensor):
        return Pow.apply(new_tensor(np.asarray(base, np.float64), None), power)
    return Pow.apply(base, power)


@api(methods=("xlogy",))
def xlogy(x, other):
    """``x * log(other)``, 0 where x is 0 (unless other is NaN), as PyTorch's: a
    composition with ``where``, so no NaN gradient comes from the zeros.

    >>> import chainrule as cr
    >>> cr.xlogy(cr.tensor([0.0, 2.0]), cr.tensor([0.0, 1.0])).tolist()
    [0.0, 0.0]
    """
    like = x if isinstance(x, Tensor) else other   # a number takes the tensor's float dtype
    kind = float_result(like._data.dtype)
    x_t = x if isinstance(x, Tensor) else new_tensor(np.asarray(x, kind), None)
    y_t = other if isinstance(other, Tensor) else new_tensor(np.asarray(other, kind), None)
    zero = (x_t == 0) & ~y_t.isnan()
    safe = y_t.where(~zero, 1.0)
    return (x_t * safe.log()).where(~zero, 0.0)
