"""Activation layers: each calls one gate or its functional form; ``inplace=True`` calls the
in-place form, which changes the input as PyTorch's does (nn/in_place.py)."""
from .. import ops
from . import functional as F
from .init import constant_
from .linear import empty_parameter
from .module import Module

RELU = ops.Relu.apply
SIGMOID = ops.Sigmoid.apply
TANH = ops.Tanh.apply


class ReLU(Module):
    """``max(0, x)``.

    >>> import chainrule as cr
    >>> cr.nn.ReLU()(cr.tensor([-2.0, 3.0])).tolist()
    [0.0, 3.0]
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu_(input) if self.inplace else RELU(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """``x`` for x > 0, ``negative_slope * x`` otherwise.

    >>> import chainrule as cr
    >>> cr.nn.LeakyReLU(0.5)(cr.tensor([-2.0, 3.0])).tolist()
    [-1.0, 3.0]
    """

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class GELU(Module):
    """``x * Phi(x)`` (``approximate="tanh"``: the tanh approximation).

    >>> import chainrule as cr
    >>> gelu = cr.nn.GELU(approximate='tanh')
    >>> gelu, round(gelu(cr.tensor(1.0)).item(), 4)
    (GELU(approximate='tanh'), 0.8412)
    """

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Sigmoid(Module):
    """``1 / (1 + exp(-x))``, stable at any x.

    >>> import chainrule as cr
    >>> cr.nn.Sigmoid()(cr.tensor([0.0])).tolist()
    [0.5]
    """

    def forward(self, input):
        return SIGMOID(input)


class Tanh(Module):
    """``tanh(x)``.

    >>> import chainrule as cr
    >>> cr.nn.Tanh()(cr.tensor([0.0])).tolist()
    [0.0]
    """

    def forward(self, input):
        return TANH(input)


class Softmax(Module):
    """``exp(x) / sum(exp(x), dim)``, stable at any logit.

    >>> import chainrule as cr
    >>> cr.nn.Softmax(dim=1)(cr.zeros(1, 4)).tolist()
    [[0.25, 0.25, 0.25, 0.25]]
    """

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return ops.softmax(input, F.implicit_dim(self.dim, input, "softmax"))

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``x - logsumexp(x, dim)``, stable at any logit.

    >>> import chainrule as cr
    >>> [round(v, 4) for v in cr.nn.LogSoftmax(dim=0)(cr.zeros(2)).tolist()]
    [-0.6931, -0.6931]
    """

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return ops.log_softmax(input, F.implicit_dim(self.dim, input, "log_softmax"))

    def extra_repr(self):
        return f"dim={self.dim}"


def inplace_text(module, lead=", "):
    """PyTorch's ``inplace=True`` note in a repr ("" when False)."""
    return f"{lead}inplace=True" if module.inplace else ""


class Elementwise(Module):
    """An activation without parameters: ``fn(input, **options, inplace=inplace)``.
    Subclasses name ``fn`` and the options they keep."""

    fn = None
    options = ()

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        options = {name: getattr(self, name) for name in self.options}
        return type(self).fn(input, inplace=self.inplace, **options)

    def extra_repr(self):
        return inplace_text(self, "")


class SiLU(Elementwise):
    """``x * sigmoid(x)``.

    >>> import chainrule as cr
    >>> round(cr.nn.SiLU()(cr.tensor(1.0)).item(), 4)
    0.7311
    """

    fn = staticmethod(F.silu)


class Mish(Elementwise):
    """``x * tanh(softplus(x))``.

    >>> import chainrule as cr
    >>> tuple(cr.nn.Mish()(cr.ones(2, 3)).shape)
    (2, 3)
    """

    fn = staticmethod(F.mish)


class SELU(Elementwise):
    """``scale * elu(x, alpha)`` with PyTorch's constants.

    >>> import chainrule as cr
    >>> cr.nn.SELU()(cr.tensor([0.0, 2.0])).tolist()
    [0.0, 2.1014020442962646]
    """

    fn = staticmethod(F.selu)


class Hardswish(Elementwise):
    """``x * relu6(x + 3) / 6``.

    >>> import chainrule as cr
    >>> cr.nn.Hardswish()(cr.tensor([-4.0, 0.0, 4.0])).tolist()
    [-0.0, 0.0, 4.0]
    """

    fn = staticmethod(F.hardswish)

    def extra_repr(self):
        return ""


class Hardsigmoid(Elementwise):
    """``relu6(x + 3) / 6``.

    >>> import chainrule as cr
    >>> cr.nn.Hardsigmoid()(cr.tensor([-4.0, 0.0, 4.0])).tolist()
    [0.0, 0.5, 1.0]
    """

    fn = staticmethod(F.hardsigmoid)

    def extra_repr(self):
        return ""


class ELU(Elementwise):
    """``x`` for x > 0, ``alpha * (exp(x) - 1)`` otherwise.

    >>> import chainrule as cr
    >>> cr.nn.ELU(alpha=0.5)
    ELU(alpha=0.5)
    """

    fn = staticmethod(F.elu)
    options = ("alpha",)

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__(inplace)
        self.alpha = alpha

    def extra_repr(self):
        return f"alpha={self.alpha}" + inplace_text(self)


class CELU(ELU):
    """``x`` for x > 0, ``alpha * (exp(x / alpha) - 1)`` otherwise.

    >>> import chainrule as cr
    >>> cr.nn.CELU(2.0)
    CELU(alpha=2.0)
    """

    fn = staticmethod(F.celu)


class Hardtanh(Elementwise):
    """``x`` clipped to [min_val, max_val] (gradient 0 at both ends, as PyTorch's).

    >>> import chainrule as cr
    >>> m = cr.nn.Hardtanh(-2.0, 2.0)
    >>> m
    Hardtanh(min_val=-2.0, max_val=2.0)
    >>> m(cr.tensor([-3.0, 1.0, 3.0])).tolist()
    [-2.0, 1.0, 2.0]
    """

    fn = staticmethod(F.hardtanh)
    options = ("min_val", "max_val")

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__(inplace)
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) cannot be greater than max_val "
                             f"({max_val})")
        self.min_val, self.max_val = min_val, max_val

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + inplace_text(self)


class ReLU6(Hardtanh):
    """``min(max(0, x), 6)``.

    >>> import chainrule as cr
    >>> cr.nn.ReLU6()(cr.tensor([-1.0, 7.0])).tolist()
    [0.0, 6.0]
    """

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return inplace_text(self, "")


class Threshold(Elementwise):
    """``x`` where x > threshold, else ``value``.

    >>> import chainrule as cr
    >>> cr.nn.Threshold(0.5, -1.0)(cr.tensor([0.25, 2.0])).tolist()
    [-1.0, 2.0]
    """

    fn = staticmethod(F.threshold)
    options = ("threshold", "value")

    def __init__(self, threshold, value, inplace=False):
        super().__init__(inplace)
        self.threshold, self.value = threshold, value

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + inplace_text(self)


class Stateless(Module):
    """An activation without ``inplace``: ``fn(input, **options)``."""

    fn = None
    options = ()

    def forward(self, input):
        return type(self).fn(input, **{name: getattr(self, name) for name in self.options})


class LogSigmoid(Stateless):
    """``log(sigmoid(x))``, stable at any x.

    >>> import chainrule as cr
    >>> [round(v, 4) for v in cr.nn.LogSigmoid()(cr.tensor([0.0, -1.0])).tolist()]
    [-0.6931, -1.3133]
    """

    fn = staticmethod(F.logsigmoid)


class Softsign(Stateless):
    """``x / (1 + |x|)``.

    >>> import chainrule as cr
    >>> cr.nn.Softsign()(cr.tensor([-1.0, 3.0])).tolist()
    [-0.5, 0.75]
    """

    fn = staticmethod(F.softsign)


class Tanhshrink(Stateless):
    """``x - tanh(x)``.

    >>> import chainrule as cr
    >>> cr.nn.Tanhshrink()(cr.tensor([0.0])).tolist()
    [0.0]
    """

    fn = staticmethod(F.tanhshrink)


class GLU(Stateless):
    """``a * sigmoid(b)``, a and b the halves of the input along ``dim``.

    >>> import chainrule as cr
    >>> cr.nn.GLU()(cr.tensor([[2.0, 4.0, 0.0, 0.0]])).tolist()
    [[1.0, 2.0]]
    """

    fn = staticmethod(F.glu)
    options = ("dim",)

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def extra_repr(self):
        return f"dim={self.dim}"


class Softplus(Stateless):
    """``log(1 + exp(beta x)) / beta``, linear above ``threshold``.

    >>> import chainrule as cr
    >>> cr.nn.Softplus(beta=2.0)(cr.tensor([20.0])).tolist()
    [20.0]
    """

    fn = staticmethod(F.softplus)
    options = ("beta", "threshold")

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Softshrink(Stateless):
    """``x -+ lambd`` outside [-lambd, lambd], 0 inside.

    >>> import chainrule as cr
    >>> cr.nn.Softshrink(1.0)(cr.tensor([-3.0, 0.5, 2.0])).tolist()
    [-2.0, 0.0, 1.0]
    """

    fn = staticmethod(F.softshrink)
    options = ("lambd",)

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def extra_repr(self):
        return str(self.lambd)


class Hardshrink(Softshrink):
    """``x`` outside [-lambd, lambd], 0 inside.

    >>> import chainrule as cr
    >>> cr.nn.Hardshrink(1.0)(cr.tensor([-3.0, 0.5, 2.0])).tolist()
    [-3.0, 0.0, 2.0]
    """

    fn = staticmethod(F.hardshrink)


class PReLU(Module):
    """``x`` for x > 0, ``weight * x`` otherwise, the slope learned: one, or one per channel
    (``num_parameters``), starting at ``init``.

    >>> import chainrule as cr
    >>> cr.nn.PReLU(3)
    PReLU(num_parameters=3)
    """

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = empty_parameter((num_parameters,), dtype, device, "PReLU")
        self.reset_parameters()

    def reset_parameters(self):
        constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class Softmin(Module):
    """``softmax(-x, dim)``.

    >>> import chainrule as cr
    >>> cr.nn.Softmin(dim=0)(cr.tensor([0.0, 0.0])).tolist()
    [0.5, 0.5]
    """

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmin(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax2d(Module):
    """Softmax over the channels (dim -3) of (N, C, H, W) or (C, H, W) images.

    >>> import chainrule as cr
    >>> cr.nn.Softmax2d()(cr.zeros(1, 2, 1, 1)).flatten().tolist()
    [0.5, 0.5]
    """

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected a 3-D or 4-D input, got shape "
                             f"{tuple(input.shape)}")
        return ops.softmax(input, -3)


class RReLU(Module):
    """Randomized leaky ReLU: in training each negative element is scaled by a slope drawn
    from U(lower, upper), in evaluation by (lower + upper) / 2 (``F.rrelu``).

    >>> import chainrule as cr
    >>> m = cr.nn.RReLU(0.25, 0.75).eval()
    >>> m, m(cr.tensor([-2.0, 1.0])).tolist()
    (RReLU(lower=0.25, upper=0.75), [-1.0, 1.0])
    """

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}" + inplace_text(self)
