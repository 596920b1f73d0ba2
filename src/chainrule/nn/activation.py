"""Activation layers: each calls one gate (``inplace=`` is accepted and ignored: chainrule
never overwrites a tensor that the graph may still need)."""
from .. import ops
from . import functional as F
from .module import Module

RELU = ops.Relu.apply
SIGMOID = ops.Sigmoid.apply
TANH = ops.Tanh.apply


class ReLU(Module):
    """``max(0, x)``."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return RELU(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """``x`` for x > 0, ``negative_slope * x`` otherwise."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return ops.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """``x * Phi(x)`` (``approximate="tanh"``: the tanh approximation)."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Sigmoid(Module):
    """``1 / (1 + exp(-x))``, stable at any x."""

    def forward(self, input):
        return SIGMOID(input)


class Tanh(Module):
    def forward(self, input):
        return TANH(input)


class Softmax(Module):
    """``exp(x) / sum(exp(x), dim)``, stable at any logit."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return ops.softmax(input, implicit_dim(self.dim, input))

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``x - logsumexp(x, dim)``, stable at any logit."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return ops.log_softmax(input, implicit_dim(self.dim, input))

    def extra_repr(self):
        return f"dim={self.dim}"


def implicit_dim(dim, input):
    """PyTorch's legacy choice when no dim is given: 0 for 0-, 1- and 3-D inputs, else 1."""
    if dim is not None:
        return dim
    return 0 if input.ndim in (0, 1, 3) else 1
