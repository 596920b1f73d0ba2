"""Elementwise functions of one input: exp log sqrt abs sin cos tanh sigmoid relu clamp."""
import numpy as np

from ..autograd.gate import Gate
from ..tensor import new_tensor


class Exp(Gate):
    label = "exp"
    ufunc = np.exp
    saves_inputs = False
    formula = "exp(x)"
    derivatives = {"x": "out"}
    elementwise = True
    saves_output = True

    def backward(self, g, xp):
        return (g * xp.output(self),)


class Log(Gate):
    label = "log"
    ufunc = np.log
    formula = "log(x)"
    derivatives = {"x": "1 / x"}
    elementwise = True

    def backward(self, g, xp):
        (x,) = xp.values(self)
        return (g / x,)


class Sqrt(Gate):
    label = "sqrt"
    ufunc = np.sqrt
    saves_inputs = False
    formula = "sqrt(x)"
    derivatives = {"x": "1 / (2 * out)"}
    elementwise = True
    saves_output = True

    def backward(self, g, xp):
        return (g / (2 * xp.output(self)),)


class Abs(Gate):
    """``|x|``; the derivative at 0 is 0 (sign(0)), as in PyTorch."""

    label = "abs"
    ufunc = np.abs
    formula = "abs(x)"
    derivatives = {"x": "sign(x)"}
    elementwise = True

    def backward(self, g, xp):
        return (g * np.sign(self.arrays[0]),)


class Sin(Gate):
    label = "sin"
    ufunc = np.sin
    formula = "sin(x)"
    derivatives = {"x": "cos(x)"}
    elementwise = True

    def backward(self, g, xp):
        (x,) = xp.values(self)
        return (g * xp.cos(x),)


class Cos(Gate):
    label = "cos"
    ufunc = np.cos
    formula = "cos(x)"
    derivatives = {"x": "-sin(x)"}
    elementwise = True

    def backward(self, g, xp):
        (x,) = xp.values(self)
        return (-g * xp.sin(x),)


class Tanh(Gate):
    label = "tanh"
    ufunc = np.tanh
    saves_inputs = False
    formula = "tanh(x)"
    derivatives = {"x": "1 - out**2"}
    elementwise = True
    saves_output = True

    def backward(self, g, xp):
        out = xp.output(self)
        return (g - g * out * out,)   # g * (1 - out**2), one array op fewer


class Sigmoid(Gate):
    """The logistic function, fused: its local derivative out * (1 - out) needs only the output."""

    label = "sigmoid"
    saves_inputs = False
    formula = "1 / (1 + exp(-x))"
    derivatives = {"x": "out * (1 - out)"}
    elementwise = True
    saves_output = True

    def forward(self, x):
        return sigmoid_array(x)

    def backward(self, g, xp):
        out = xp.output(self)
        g_out = g * out
        return (g_out - g_out * out,)   # g * out * (1 - out), one array op fewer


class Relu(Gate):
    """``max(0, x)``; the derivative at 0 is 0, as in PyTorch."""

    label = "relu"
    formula = "maximum(x, 0)"
    derivatives = {"x": "where(x > 0, 1, 0)"}
    elementwise = True

    def forward(self, x):
        return np.maximum(x, 0)

    def backward(self, g, xp):
        return (g * (self.arrays[0] > 0),)


class Clamp(Gate):
    """``x`` limited to [min, max]; gradient 1 inside the range, ends included (PyTorch)."""

    label = "clamp"
    formula = "clip(x, min, max)"
    derivatives = {"x": "where((x >= min) & (x <= max), 1, 0)"}
    elementwise = True

    def forward(self, x, min=None, max=None):  # noqa: A002  (PyTorch's argument names)
        self.min = -np.inf if min is None else min
        self.max = np.inf if max is None else max
        return np.clip(x, min, max)

    def backward(self, g, xp):
        x = self.arrays[0]
        return (g * ((x >= self.min) & (x <= self.max)),)


class Cast(Gate):
    """A change of floating dtype; the gradient goes back in the input's dtype."""

    label = "cast"
    saves_inputs = False
    formula = "x"
    derivatives = {"x": "1"}
    elementwise = True

    def forward(self, x, dtype):
        return x.astype(dtype)

    def backward(self, g, xp):
        return (g,)


def sigmoid_array(x):
    """Stable logistic on arrays: never exponentiates a large positive number."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def exp(x):
    """``e ** x``.

    >>> import chainrule as cr
    >>> round(cr.exp(cr.tensor(1.0)).item(), 4)
    2.7183
    """
    return Exp.apply(x)


def log(x):
    return Log.apply(x)


def sqrt(x):
    return Sqrt.apply(x)


def abs(x):  # noqa: A001  (PyTorch's name)
    return Abs.apply(x)


def sin(x):
    return Sin.apply(x)


def cos(x):
    return Cos.apply(x)


def tanh(x):
    return Tanh.apply(x)


def sigmoid(x):
    """``1 / (1 + e ** -x)``, stable for large |x|.

    >>> import chainrule as cr
    >>> cr.sigmoid(cr.tensor([0.0, 1e4, -1e4])).tolist()
    [0.5, 1.0, 0.0]
    """
    return Sigmoid.apply(x)


def relu(x):
    return Relu.apply(x)


def clamp(x, min=None, max=None):  # noqa: A002
    if min is None and max is None:
        raise ValueError("clamp: give at least one of min= and max=")
    return Clamp.apply(x, min=min, max=max)


def cast(x, dtype):
    """``x`` in another dtype; only a float-to-float cast keeps the graph."""
    if dtype.kind == "f":
        return Cast.apply(x, dtype=dtype)
    return new_tensor(x.data.astype(dtype), None)


def sign(x):
    """Sign of each element (-1, 0, 1); its gradient is zero, so it records no graph."""
    return new_tensor(np.sign(x.data if hasattr(x, "data") else x), None)
