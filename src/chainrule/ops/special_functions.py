"""Special and less common elementwise functions: the inverse hyperbolic functions, hypot,
logaddexp(2), sinc, the SciPy-backed erfinv, lgamma, digamma and polygamma (gates with their
derivative rows), and compositions of other gates (deg2rad, rad2deg, sgn) or functions
without a gradient (signbit, heaviside, gcd, lcm), with their in-place forms."""
import numpy as np

from ..autograd.gate import Gate
from ..autograd.vocabulary import define
from ..kernels import special
from ..tensor import Tensor, api, new_tensor
from .arithmetic import where
from .inplace import composed_inplace


# ----- gates ------------------------------------------------------------------------------
# the names their formulas call (the gates themselves on tensors)
define("asinh", np.arcsinh, lambda x: x.asinh())
define("acosh", np.arccosh, lambda x: x.acosh())
define("atanh", np.arctanh, lambda x: x.atanh())
define("hypot", np.hypot, lambda x, y: Hypot.apply(x, y))
define("logaddexp", np.logaddexp, lambda x, y: Logaddexp.apply(x, y))
define("logaddexp2", np.logaddexp2, lambda x, y: Logaddexp2.apply(x, y))
define("lgamma", special.lgamma, lambda x: x.lgamma())
define("sinc", np.sinc, lambda x: x.sinc())


class Asinh(Gate):
    """``asinh(x)``: d/dx = 1 / sqrt(x^2 + 1).

    >>> import chainrule as cr
    >>> x = cr.tensor(0.75, requires_grad=True)
    >>> x.asinh().backward()
    >>> round(x.grad.item(), 6)
    0.8
    """

    label = "asinh"
    ufunc = np.arcsinh
    formula = "asinh(x)"
    derivatives = {"x": "1 / sqrt(x * x + 1)"}
    elementwise = True
    methods = ("asinh", "arcsinh")
    function = "asinh"


class Acosh(Gate):
    """``acosh(x)`` on [1, inf) (NaN below, as in PyTorch): d/dx = 1 / sqrt(x^2 - 1).

    >>> import chainrule as cr
    >>> x = cr.tensor(1.25, requires_grad=True)
    >>> x.acosh().backward()
    >>> round(x.grad.item(), 6)
    1.333333
    """

    label = "acosh"
    ufunc = np.arccosh
    formula = "acosh(x)"
    derivatives = {"x": "1 / sqrt(x * x - 1)"}
    elementwise = True
    methods = ("acosh", "arccosh")
    function = "acosh"


class Atanh(Gate):
    """``atanh(x)`` on [-1, 1] (NaN outside): d/dx = 1 / (1 - x^2).

    >>> import chainrule as cr
    >>> x = cr.tensor(0.5, requires_grad=True)
    >>> x.atanh().backward()
    >>> round(x.grad.item(), 6)
    1.333333
    """

    label = "atanh"
    ufunc = np.arctanh
    formula = "atanh(x)"
    derivatives = {"x": "1 / (1 - x * x)"}
    elementwise = True
    methods = ("atanh", "arctanh")
    function = "atanh"


class Hypot(Gate):
    """``sqrt(x^2 + y^2)`` without overflow at large x or y: d/dx = x / out, d/dy = y / out
    (NaN at the origin, as in PyTorch).

    >>> import chainrule as cr
    >>> x = cr.tensor(3.0, requires_grad=True)
    >>> h = cr.hypot(x, cr.tensor(4.0))
    >>> h.backward()
    >>> h.item(), round(x.grad.item(), 6)
    (5.0, 0.6)
    """

    label = "hypot"
    inputs = ("x", "y")
    ufunc = np.hypot
    formula = "hypot(x, y)"
    derivatives = {"x": "x / out", "y": "y / out"}
    elementwise = True
    methods = ("hypot",)
    function = "hypot"


class Logaddexp(Gate):
    """``log(exp(x) + exp(y))``, stable at any x and y: d/dx = 1 / (1 + exp(y - x)).

    >>> import chainrule as cr
    >>> x = cr.tensor(1000.0, requires_grad=True)
    >>> z = cr.logaddexp(x, cr.tensor(1000.0))
    >>> z.backward()
    >>> round(z.item(), 3), x.grad.item()
    (1000.693, 0.5)
    """

    label = "logaddexp"
    inputs = ("x", "y")
    ufunc = np.logaddexp
    formula = "logaddexp(x, y)"
    derivatives = {"x": "1 / (1 + exp(y - x))", "y": "1 / (1 + exp(x - y))"}
    elementwise = True
    methods = ("logaddexp",)
    function = "logaddexp"


class Logaddexp2(Gate):
    """``log2(2^x + 2^y)``: d/dx = 1 / (1 + 2^(y - x)).

    >>> import chainrule as cr
    >>> x = cr.tensor(3.0, requires_grad=True)
    >>> z = cr.logaddexp2(x, cr.tensor(3.0))
    >>> z.backward()
    >>> z.item(), x.grad.item()
    (4.0, 0.5)
    """

    label = "logaddexp2"
    inputs = ("x", "y")
    ufunc = np.logaddexp2
    formula = "logaddexp2(x, y)"
    derivatives = {"x": "1 / (1 + 2 ** (y - x))", "y": "1 / (1 + 2 ** (x - y))"}
    elementwise = True
    methods = ("logaddexp2",)
    function = "logaddexp2"


def sinc_slope_of_arrays(x):
    """d sinc / dx on arrays: PyTorch's expression (below), in float64 for float32 input:
    its two terms cancel near 0, where float32 keeps few right digits."""
    x64 = np.asarray(x, np.float64)
    with np.errstate(all="ignore"):   # 0 / 0 where x^2 pi is 0, replaced by 0
        square = x64 * x64 * np.pi
        slope = (x64 * np.pi * np.cos(x64 * np.pi) - np.sin(x64 * np.pi)) / square
        return np.where(square == 0, 0.0, slope).astype(np.result_type(x, np.float32))


def sinc_slope_of_tensors(x):
    """d sinc / dx through gates (for second derivatives), in ``x``'s dtype."""
    square = x * x * np.pi
    safe = where(square == 0, 1.0, x)   # keeps 0 / 0 out of the second derivative too
    slope = (safe * np.pi * (safe * np.pi).cos() - (safe * np.pi).sin()) / (safe * safe * np.pi)
    return where(square == 0, 0.0, slope)


# PyTorch's derivative, (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 where pi x^2 is 0 (not
# only at 0: also where it underflows)
define("sinc_slope", sinc_slope_of_arrays, sinc_slope_of_tensors,
       "sinc_slope(x): d sinc(x) / dx, (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 where "
       "pi x^2 is 0")


class Sinc(Gate):
    """The normalized sinc, ``sin(pi x) / (pi x)``, 1 at 0. A gate, not a composition:
    its derivative's two terms cancel near 0, so it is computed in float64 for float32
    (``sinc_slope``), where a composition through Sin and Div would lose the digits.

    >>> import chainrule as cr
    >>> x = cr.tensor([0.0, 0.5], requires_grad=True)
    >>> y = cr.sinc(x)
    >>> y.sum().backward()
    >>> [round(v, 6) for v in y.tolist()], round(x.grad.tolist()[0], 6)
    ([1.0, 0.63662], 0.0)
    """

    label = "sinc"
    formula = "sinc(x)"
    derivatives = {"x": "sinc_slope(x)"}
    elementwise = True
    methods = ("sinc",)
    function = "sinc"

    def forward(self, x):
        if x.dtype.kind != "f":   # integers and bools give the default float
            x = x.astype(np.float32)
        with np.errstate(all="ignore"):   # 0 / 0 at 0, replaced by 1
            scaled = x * x.dtype.type(np.pi)
            return np.where(x == 0, x.dtype.type(1), np.sin(scaled) / scaled)


# the SciPy-backed functions, for the rows below (the rows of each one's derivative)
define("erfinv", special.erfinv, lambda x: x.erfinv())
define("digamma", lambda x: special.polygamma(0, x), lambda x: x.digamma())
define("polygamma", special.polygamma, lambda n, x: Polygamma.apply(x, n=n),
       "polygamma(n, x): the n-th derivative of digamma at x")


class Erfinv(Gate):
    """The inverse error function on (-1, 1) (±inf at ±1, NaN outside):
    d/dx = sqrt(pi) / 2 * exp(erfinv(x)^2).

    >>> import chainrule as cr
    >>> x = cr.tensor(0.0, requires_grad=True)
    >>> x.erfinv().backward()
    >>> round(x.grad.item(), 6)
    0.886227
    """

    label = "erfinv"
    formula = "erfinv(x)"
    derivatives = {"x": "pi ** 0.5 / 2 * exp(out * out)"}
    elementwise = True
    methods = ("erfinv",)
    function = "erfinv"

    def forward(self, x):
        return special.erfinv(x)


class Lgamma(Gate):
    """``log |gamma(x)|``: d/dx = digamma(x).

    >>> import chainrule as cr
    >>> x = cr.tensor(1.0, requires_grad=True)
    >>> x.lgamma().backward()
    >>> round(x.grad.item(), 6)
    -0.577216
    """

    label = "lgamma"
    formula = "lgamma(x)"
    derivatives = {"x": "digamma(x)"}
    elementwise = True
    methods = ("lgamma",)
    function = "lgamma"

    def forward(self, x):
        return special.lgamma(x)


class Digamma(Gate):
    """The derivative of lgamma: d/dx = polygamma(1, x).

    >>> import chainrule as cr
    >>> x = cr.tensor(1.0, requires_grad=True)
    >>> y = x.digamma()
    >>> y.backward()
    >>> round(y.item(), 6), round(x.grad.item(), 6)
    (-0.577216, 1.644934)
    """

    label = "digamma"
    formula = "digamma(x)"
    derivatives = {"x": "polygamma(1, x)"}
    elementwise = True
    methods = ("digamma",)
    function = "digamma"

    def forward(self, x):
        return special.polygamma(0, x)


class Polygamma(Gate):
    """The ``n``-th derivative of digamma (n >= 0): d/dx = polygamma(n + 1, x). Published
    as PyTorch's ``polygamma(n, x)`` and ``x.polygamma(n)``."""

    label = "polygamma"
    formula = "polygamma(n, x)"
    derivatives = {"x": "polygamma(n + 1, x)"}
    elementwise = True
    saves = ("n",)

    def forward(self, x, n):
        self.n = n
        return special.polygamma(n, x)


@api(methods=())
def polygamma(n, input):  # noqa: A002  (PyTorch's names)
    """The ``n``-th derivative of digamma at ``input`` (the ``Polygamma`` gate); ``n`` is a
    non-negative integer.

    >>> import chainrule as cr
    >>> round(cr.polygamma(1, cr.tensor(1.0)).item(), 6)
    1.644934
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise RuntimeError(f"polygamma: n must be a non-negative integer, got {n!r}")
    return Polygamma.apply(input, n=int(n))


def polygamma_method(self, n):
    """``x.polygamma(n)``: ``polygamma(n, x)``."""
    return polygamma(n, self)


Tensor.polygamma = polygamma_method


define("erfc", special.erfc, lambda x: x.erfc())
define("erfcx", special.erfcx, lambda x: Erfcx.apply(x))
define("ndtri", special.ndtri, lambda x: Ndtri.apply(x))
define("log_ndtr", special.log_ndtr, lambda x: LogNdtr.apply(x))
define("entr", lambda x: np.where(x > 0, -x * np.log(x), 0.0), lambda x: Entr.apply(x),
       "entr(x): -x log x (0 at 0)")


class Erfc(Gate):
    """The complementary error function, ``1 - erf(x)`` without its cancellation for large
    x (SciPy's): d/dx = -2 / sqrt(pi) exp(-x^2).

    >>> import chainrule as cr
    >>> x = cr.tensor(0.0, requires_grad=True)
    >>> x.erfc().backward()
    >>> round(x.grad.item(), 6)
    -1.128379
    """

    label = "erfc"
    formula = "erfc(x)"
    derivatives = {"x": "-2 / pi ** 0.5 * exp(-x * x)"}
    elementwise = True
    methods = ("erfc",)
    function = "erfc"

    def forward(self, x):
        return special.erfc(x)


class Erfcx(Gate):
    """``torch.special.erfcx``, the scaled complementary error function exp(x^2) erfc(x):
    d/dx = 2 x out - 2 / sqrt(pi)."""

    label = "erfcx"
    formula = "erfcx(x)"
    derivatives = {"x": "2 * x * out - 2 / pi ** 0.5"}
    elementwise = True

    def forward(self, x):
        return special.erfcx(x)


class Ndtri(Gate):
    """``torch.special.ndtri``, the inverse of the standard normal CDF:
    d/dx = sqrt(2 pi) exp(out^2 / 2)."""

    label = "ndtri"
    formula = "ndtri(x)"
    derivatives = {"x": "(2 * pi) ** 0.5 * exp(out * out / 2)"}
    elementwise = True

    def forward(self, x):
        return special.ndtri(x)


class LogNdtr(Gate):
    """``torch.special.log_ndtr``, the log of the standard normal CDF, accurate far in the
    left tail (SciPy's): d/dx = exp(-(out + x^2 / 2)) / sqrt(2 pi)."""

    label = "log_ndtr"
    formula = "log_ndtr(x)"
    derivatives = {"x": "exp(-(out + x * x / 2)) / (2 * pi) ** 0.5"}
    elementwise = True

    def forward(self, x):
        return special.log_ndtr(x)


# the modified Bessel functions of the first kind, orders 0 and 1, plain and scaled by
# exp(-|x|); i1's and i1e's slopes are 0.5 where |x| <= eps (PyTorch's rows)
define("i0", special.i0, lambda x: x.i0())
define("i0e", special.i0e, lambda x: I0e.apply(x))
define("i1", special.i1, lambda x: I1.apply(x))
define("i1e", special.i1e, lambda x: I1e.apply(x))
define("tiny_to_eps", lambda x: np.where(np.abs(x) > np.finfo(x.dtype).eps, x,
                                         np.finfo(x.dtype).eps),
       lambda x: where(x.abs() > np.finfo(x._data.dtype).eps, x,
                       float(np.finfo(x._data.dtype).eps)),
       "tiny_to_eps(x): x, or the dtype's eps where |x| <= eps")
define("not_tiny", lambda x: np.abs(x) > np.finfo(x.dtype).eps,
       lambda x: x.abs() > float(np.finfo(x._data.dtype).eps),
       "not_tiny(x): |x| > the dtype's eps")


class I0(Gate):
    """The modified Bessel function of the first kind of order 0 (SciPy's ``i0``):
    d/dx = i1(x).

    >>> import chainrule as cr
    >>> round(cr.i0(cr.tensor(1.0, dtype=cr.float64)).item(), 6)
    1.266066
    """

    label = "i0"
    formula = "i0(x)"
    derivatives = {"x": "i1(x)"}
    elementwise = True
    methods = ("i0",)
    function = "i0"

    def forward(self, x):
        return special.i0(x)


class I0e(Gate):
    """``torch.special.i0e``, ``exp(-|x|) i0(x)``: d/dx = i1e(x) - sgn(x) out."""

    label = "i0e"
    formula = "i0e(x)"
    derivatives = {"x": "i1e(x) - sign(x) * out"}
    elementwise = True

    def forward(self, x):
        return special.i0e(x)


class I1(Gate):
    """``torch.special.i1``, order 1: d/dx = i0(x) - out / x, 0.5 where |x| <= eps."""

    label = "i1"
    formula = "i1(x)"
    derivatives = {"x": "where(not_tiny(x), i0(tiny_to_eps(x)) - out / tiny_to_eps(x), 0.5)"}
    elementwise = True

    def forward(self, x):
        return special.i1(x)


class I1e(Gate):
    """``torch.special.i1e``, ``exp(-|x|) i1(x)``: d/dx = i0e(x) - out (sgn(x) + 1 / x),
    0.5 where |x| <= eps."""

    label = "i1e"
    formula = "i1e(x)"
    derivatives = {"x": "where(not_tiny(x), i0e(tiny_to_eps(x)) - out * (sign(tiny_to_eps(x)) "
                        "+ 1 / tiny_to_eps(x)), 0.5)"}
    elementwise = True

    def forward(self, x):
        return special.i1e(x)


def i0e(input):  # noqa: A002
    """``torch.special.i0e`` (the ``I0e`` gate).

    >>> import chainrule as cr
    >>> round(cr.special.i0e(cr.tensor(1.0, dtype=cr.float64)).item(), 6)
    0.46576
    """
    return I0e.apply(input)


def i1(input):  # noqa: A002
    """``torch.special.i1`` (the ``I1`` gate)."""
    return I1.apply(input)


def i1e(input):  # noqa: A002
    """``torch.special.i1e`` (the ``I1e`` gate)."""
    return I1e.apply(input)


class Entr(Gate):
    """``torch.special.entr``: ``-x log x`` for x > 0, 0 at 0, -inf below (NaN stays NaN);
    d/dx = -(1 + log x), PyTorch's row (inf at 0, NaN below).

    >>> import chainrule as cr
    >>> cr.special.entr(cr.tensor([0.0, 1.0, -1.0])).tolist()
    [0.0, -0.0, -inf]
    """

    label = "entr"
    formula = "entr(x)"
    derivatives = {"x": "-(1 + log(x))"}
    elementwise = True

    def forward(self, x):
        if x.dtype.kind != "f":   # integers and bools give the default float
            x = x.astype(np.float32)
        with np.errstate(all="ignore"):   # log of 0 and below, replaced
            out = np.where(x > 0, -x * np.log(x), np.where(x == 0, x.dtype.type(0), -np.inf))
        return np.where(np.isnan(x), x, out).astype(x.dtype, copy=False)


def entr(input):  # noqa: A002
    """``torch.special.entr`` (the ``Entr`` gate)."""
    return Entr.apply(input)


def xlog1py(input, other):  # noqa: A002
    """``torch.special.xlog1py``: ``input * log1p(other)``, 0 where input is 0 (unless other
    is NaN), as PyTorch's: a composition with ``where``, as ``xlogy``.

    >>> import chainrule as cr
    >>> cr.special.xlog1py(cr.tensor([0.0, 2.0]), cr.tensor([-1.0, 0.0])).tolist()
    [0.0, 0.0]
    """
    like = input if isinstance(input, Tensor) else other   # a number: the tensor's float dtype
    kind = like._data.dtype if like._data.dtype.kind == "f" else np.dtype(np.float32)
    x = input if isinstance(input, Tensor) else new_tensor(np.asarray(input, kind), None)
    y = other if isinstance(other, Tensor) else new_tensor(np.asarray(other, kind), None)
    zero = (x == 0) & ~y.isnan()
    safe = y.where(~zero, 0.0)
    return (x * safe.log1p()).where(~zero, 0.0)


def erfcx(input):  # noqa: A002
    """``torch.special.erfcx``: ``exp(x^2) erfc(x)`` (the ``Erfcx`` gate).

    >>> import chainrule as cr
    >>> round(cr.special.erfcx(cr.tensor(30.0, dtype=cr.float64)).item(), 6)
    0.018796
    """
    return Erfcx.apply(input)


def ndtri(input):  # noqa: A002
    """``torch.special.ndtri``: the x where the standard normal CDF is ``input`` (``Ndtri``).

    >>> import chainrule as cr
    >>> round(cr.special.ndtri(cr.tensor(0.975, dtype=cr.float64)).item(), 4)
    1.96
    """
    return Ndtri.apply(input)


def log_ndtr(input):  # noqa: A002
    """``torch.special.log_ndtr``: log of the standard normal CDF (``LogNdtr``).

    >>> import chainrule as cr
    >>> round(cr.special.log_ndtr(cr.tensor(-40.0, dtype=cr.float64)).item(), 2)
    -804.61
    """
    return LogNdtr.apply(input)


def ndtr(input):  # noqa: A002
    """``torch.special.ndtr``, the standard normal CDF, PyTorch's composition
    ``(1 + erf(x / sqrt(2))) / 2``.

    >>> import chainrule as cr
    >>> cr.special.ndtr(cr.tensor([0.0])).tolist()
    [0.5]
    """
    x = input if input.dtype.is_floating_point else input.float()
    return (1 + (x * np.sqrt(0.5)).erf()) * 0.5


# ----- compositions -----------------------------------------------------------------------
@api(methods=("deg2rad",))
def deg2rad(input):  # noqa: A002
    """Degrees to radians, ``input * (pi / 180)`` (the ``Mul`` gate); integers give the
    default float.

    >>> import chainrule as cr
    >>> round(cr.deg2rad(cr.tensor(180.0)).item(), 5)
    3.14159
    """
    return as_float(input) * (np.pi / 180)


@api(methods=("rad2deg",))
def rad2deg(input):  # noqa: A002
    """Radians to degrees, ``input * (180 / pi)`` (the ``Mul`` gate).

    >>> import chainrule as cr
    >>> round(cr.rad2deg(cr.tensor(3.141592653589793, dtype=cr.float64)).item(), 6)
    180.0
    """
    return as_float(input) * (180 / np.pi)


def as_float(x):
    """``x`` itself when it is a float tensor, else the default float (as PyTorch promotes
    the integer input of deg2rad)."""
    return x if x.dtype.is_floating_point else x.float()


@api(methods=("sgn",))
def sgn(input):  # noqa: A002
    """PyTorch's ``sgn``: ``sign`` for real tensors (complex tensors do not exist here).

    >>> import chainrule as cr
    >>> cr.sgn(cr.tensor([-2.0, 0.0, 3.0])).tolist()
    [-1.0, 0.0, 1.0]
    """
    return input.sign()


@api(methods=("signbit",))
def signbit(input):  # noqa: A002
    """Whether the sign bit is set (True at -0.0 and negative NaN): a bool tensor, no
    gradient.

    >>> import chainrule as cr
    >>> cr.signbit(cr.tensor([-1.0, -0.0, 0.0, 2.0])).tolist()
    [True, True, False, False]
    """
    return new_tensor(np.signbit(input._data), None)


@api(methods=("heaviside",))
def heaviside(input, values):  # noqa: A002
    """The Heaviside step: 0 where ``input`` < 0, ``values`` where it is 0, 1 above (NaN
    stays NaN). No gradient, as in PyTorch; both tensors must have one dtype.

    >>> import chainrule as cr
    >>> cr.heaviside(cr.tensor([-1.0, 0.0, 2.0]), cr.tensor(0.5)).tolist()
    [0.0, 0.5, 1.0]
    """
    if not isinstance(values, Tensor):
        raise TypeError(f"heaviside(): argument 'values' must be a Tensor, not "
                        f"{type(values).__name__}")
    if values.dtype != input.dtype:
        raise RuntimeError(f"heaviside is not yet implemented for tensors with different "
                           f"dtypes ({input.dtype} and {values.dtype}); convert one first")
    x, at_zero = input._data, values._data
    # PyTorch's rule, x == 0 ? values : x > 0: NaN gives 0 (NumPy's heaviside gives NaN)
    return new_tensor(np.where(x == 0, at_zero, x > 0).astype(x.dtype), None)


@api(methods=("mvlgamma",))
def mvlgamma(input, p):  # noqa: A002
    """The multivariate log-gamma of dimension ``p``, ``sum over i < p of lgamma(x - i / 2)
    + p (p - 1) / 4 log(pi)``: a composition of the ``Lgamma`` gate. As in PyTorch 2.13,
    elements at or below (p - 1) / 2 are computed (inf at the poles), not refused.

    >>> import chainrule as cr
    >>> round(cr.mvlgamma(cr.tensor(2.5, dtype=cr.float64), 2).item(), 6)
    0.857048
    """
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 1:
        raise RuntimeError(f"mvlgamma: p has to be greater than or equal to 1, got {p!r}")
    x = input if input.dtype.is_floating_point else input.float()
    total = sum(Lgamma.apply(x - i / 2) for i in range(p))
    return total + p * (p - 1) / 4 * np.log(np.pi)


def integer_only(name, fn):
    """``gcd``/``lcm``: NumPy's on integer tensors (no gradient); floats are refused, as
    PyTorch refuses them."""
    def op(input, other):  # noqa: A002
        for t in (input, other):
            if not isinstance(t, Tensor):
                raise TypeError(f"{name}(): expected Tensors, got {type(t).__name__}")
            if t.dtype.is_floating_point or t._data.dtype == np.bool_:
                raise RuntimeError(f"{name}: not implemented for {t.dtype} tensors; it takes "
                                   f"integer tensors (convert with .long())")
        return new_tensor(fn(input._data, other._data), None)
    op.__name__ = name
    return op


gcd = api(integer_only("gcd", np.gcd), methods=("gcd",))
gcd.__doc__ = """The greatest common divisor of integer tensors, elementwise (no gradient).

    >>> import chainrule as cr
    >>> cr.gcd(cr.tensor([12, -8, 0]), cr.tensor([18, 12, 5])).tolist()
    [6, 4, 5]
    """
lcm = api(integer_only("lcm", np.lcm), methods=("lcm",))
lcm.__doc__ = """The least common multiple of integer tensors, elementwise (no gradient).

    >>> import chainrule as cr
    >>> cr.lcm(cr.tensor([4, -6, 0]), cr.tensor([6, 4, 5])).tolist()
    [12, 12, 0]
    """


# ----- in-place forms ---------------------------------------------------------------------
for _name, _fn in (("asinh", Asinh.apply), ("acosh", Acosh.apply), ("atanh", Atanh.apply),
                   ("hypot", Hypot.apply), ("erfinv", Erfinv.apply),
                   ("lgamma", Lgamma.apply), ("digamma", Digamma.apply),
                   ("polygamma", polygamma_method), ("deg2rad", deg2rad),
                   ("rad2deg", rad2deg), ("sgn", sgn), ("sinc", Sinc.apply),
                   ("heaviside", heaviside), ("gcd", gcd), ("lcm", lcm), ("erfc", Erfc.apply),
                   ("mvlgamma", mvlgamma), ("i0", I0.apply)):
    composed_inplace(_name, _fn)
for _name in ("arcsinh", "arccosh", "arctanh"):   # PyTorch's NumPy-named in-place forms
    composed_inplace(_name, getattr(Tensor, _name))
