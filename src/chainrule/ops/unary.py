"""Elementwise functions of one input: exp log sqrt abs sin cos tan tanh sigmoid relu clamp,
casts."""
import numpy as np

from .. import dtypes
from ..device import as_device, is_device
from ..autograd.gate import Gate
from ..autograd.vocabulary import TENSORS, define
from ..kernels import special
from ..tensor import Tensor, api, new_tensor
from .masks import MaskGate, Masks, in_graph, record_mask


class Exp(Gate):
    """``e ** x``.

    >>> import chainrule as cr
    >>> round(cr.exp(cr.tensor(1.0)).item(), 4)
    2.7183
    """

    label = "exp"
    ufunc = np.exp
    formula = "exp(x)"
    derivatives = {"x": "out"}
    elementwise = True
    methods = ("exp",)
    function = "exp"


class Log(Gate):
    """``log(x)``, the natural logarithm: d/dx = 1 / x.

    >>> import chainrule as cr
    >>> cr.log(cr.tensor([1.0, 4.0])).tolist()[0]
    0.0
    """

    label = "log"
    ufunc = np.log
    formula = "log(x)"
    derivatives = {"x": "1 / x"}
    elementwise = True
    methods = ("log",)
    function = "log"


class Sqrt(Gate):
    """``sqrt(x)``: d/dx = 1 / (2 sqrt(x)).

    >>> import chainrule as cr
    >>> cr.sqrt(cr.tensor([4.0, 9.0])).tolist()
    [2.0, 3.0]
    """

    label = "sqrt"
    ufunc = np.sqrt
    formula = "sqrt(x)"
    derivatives = {"x": "0.5 / out"}
    elementwise = True
    methods = ("sqrt",)
    function = "sqrt"


class Abs(Gate):
    """``|x|``; the derivative is sign(x): 0 at 0 and at NaN, as in PyTorch.

    >>> import chainrule as cr
    >>> cr.abs(cr.tensor([-1.5, 2.0])).tolist()
    [1.5, 2.0]
    """

    label = "abs"
    ufunc = np.abs
    formula = "abs(x)"
    derivatives = {"x": "sign(x)"}
    elementwise = True
    methods = ("__abs__", "abs")
    function = "abs"


class Sin(Gate):
    """``sin(x)``: d/dx = cos(x).

    >>> import chainrule as cr
    >>> cr.sin(cr.tensor([0.0])).tolist()
    [0.0]
    """

    label = "sin"
    ufunc = np.sin
    formula = "sin(x)"
    derivatives = {"x": "cos(x)"}
    elementwise = True
    methods = ("sin",)
    function = "sin"


class Cos(Gate):
    """``cos(x)``: d/dx = -sin(x).

    >>> import chainrule as cr
    >>> cr.cos(cr.tensor([0.0])).tolist()
    [1.0]
    """

    label = "cos"
    ufunc = np.cos
    formula = "cos(x)"
    derivatives = {"x": "-sin(x)"}
    elementwise = True
    methods = ("cos",)
    function = "cos"


class Tanh(Gate):
    """``tanh(x)``: d/dx = 1 - tanh(x)^2.

    >>> import chainrule as cr
    >>> cr.tanh(cr.tensor([0.0])).tolist()
    [0.0]
    """

    label = "tanh"
    ufunc = np.tanh
    formula = "tanh(x)"
    derivatives = {"x": "1 - out * out"}
    elementwise = True
    methods = ("tanh",)
    function = "tanh"


class Sigmoid(Gate):
    """The logistic function, stable for large |x|; fused: its local derivative
    out * (1 - out) needs only the output.

    >>> import chainrule as cr
    >>> cr.sigmoid(cr.tensor([0.0, 1e4, -1e4])).tolist()
    [0.5, 1.0, 0.0]
    """

    label = "sigmoid"
    formula = "1 / (1 + exp(-x))"
    derivatives = {"x": "out * (1 - out)"}
    elementwise = True
    methods = ("sigmoid",)
    function = "sigmoid"

    def forward(self, x):
        return special.sigmoid(x)


class Relu(Gate):
    """``max(0, x)``; as in PyTorch the gradient passes where the output is not 0: not at
    x <= 0 (the derivative at 0 is 0), and at x = NaN (the output is NaN).

    >>> import chainrule as cr
    >>> cr.relu(cr.tensor([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """

    label = "relu"
    formula = "maximum(x, 0)"
    derivatives = {"x": "out != 0"}
    elementwise = True
    methods = ("relu",)
    function = "relu"

    def forward(self, x):
        return np.maximum(x, 0)


class Clamp(Gate):
    """``x`` limited to [min, max]; gradient 1 inside the range, ends included (PyTorch)."""

    label = "clamp"
    formula = "clip(x, min, max)"
    derivatives = {"x": "(x >= min) & (x <= max)"}
    elementwise = True
    saves = ("min", "max")

    def forward(self, x, min=None, max=None):  # noqa: A002  (PyTorch's argument names)
        self.min = -np.inf if min is None else min
        self.max = np.inf if max is None else max
        return np.clip(x, min, max)


class Cast(Gate):
    """A change of floating dtype; the gradient goes back in the input's dtype."""

    label = "cast"
    formula = "x"
    derivatives = {"x": "1"}
    elementwise = True

    def forward(self, x, dtype):
        return x.astype(dtype)


@api(name="clamp", methods=("clamp", "clip"))
def clamp(x, min=None, max=None):  # noqa: A002
    """``x`` limited to [min, max]; the bounds are numbers (the ``Clamp`` gate) or tensors
    that broadcast (a composition of ``where``: x where it is at least min, min where it is
    below, NaN where a NaN makes neither hold; then the same against max). The gradient goes
    to x inside the bounds, ends included, to min below it and to max above it, and to none
    of them at a NaN, as PyTorch's.

    >>> import chainrule as cr
    >>> cr.clamp(cr.tensor([0.5, 2.0, 3.0]), cr.tensor(1.0), cr.tensor([0.0, 2.5, 2.5])).tolist()
    [0.0, 2.0, 2.5]
    """
    if min is None and max is None:
        raise ValueError("clamp: give at least one of min= and max=")
    if not isinstance(min, Tensor) and not isinstance(max, Tensor):
        return Clamp.apply(x, min=min, max=max)
    out = x
    if min is not None:
        out = bounded(out, out >= min, out < min, min)
    if max is not None:
        out = bounded(out, out <= max, out > max, max)
    return out


def bounded(x, inside, outside, bound):
    """``x`` where ``inside``, ``bound`` where ``outside``, NaN where neither holds (a NaN
    in x or the bound), so that no gradient flows there."""
    if x._data.dtype.kind == "f" or isinstance(bound, Tensor) and bound._data.dtype.kind == "f":
        bound = Tensor.where(bound if isinstance(bound, Tensor) else x.new_full((), bound),
                             outside, np.nan)
    return x.where(inside, bound)


@api(methods=("clamp_min",))
def clamp_min(x, min):  # noqa: A002
    """``clamp(x, min=min)``.

    >>> import chainrule as cr
    >>> cr.clamp_min(cr.tensor([-1.0, 2.0]), 0.5).tolist()
    [0.5, 2.0]
    """
    return clamp(x, min=min)


@api(methods=("clamp_max",))
def clamp_max(x, max):  # noqa: A002
    """``clamp(x, max=max)``.

    >>> import chainrule as cr
    >>> cr.clamp_max(cr.tensor([-1.0, 2.0]), 0.5).tolist()
    [-1.0, 0.5]
    """
    return clamp(x, max=max)


@api
def cast(x, dtype):
    """``x`` in another dtype; only a float-to-float cast keeps the graph.

    >>> import chainrule as cr
    >>> x = cr.tensor([1.5, 2.5], requires_grad=True)
    >>> y = cr.cast(x, cr.float64)
    >>> y.dtype, y.requires_grad, cr.cast(x, cr.int64).tolist()
    (chainrule.float64, True, [1, 2])
    """
    if x._data.dtype == dtype:
        return x
    if Masks.recording and not x.requires_grad and in_graph(x):   # onnx.export: an integer
        return record_mask(CastInteger, x, dtype=dtype)              # input (ops/masks.py)
    if dtype.kind == "f":
        return Cast.apply(x, dtype=dtype)
    if Masks.recording and in_graph(x):   # a mask or a float value of the graph, to integers
        return record_mask(CastInteger, x, dtype=dtype)
    return new_tensor(x._data.astype(dtype), None)


class CastInteger(MaskGate):
    """A cast to an integer or bool dtype, or of an integer input, recorded for onnx.export:
    no gradient."""

    label, formula, inputs = "cast", "cast(x, dtype)", ("x",)

    def forward(self, x, dtype):
        return x.astype(dtype)


@api(methods=("sign",))
def sign(x):
    """Sign of each element (-1, 0, 1; 0 at NaN, as PyTorch's); its gradient is zero, so it
    records no graph.

    >>> import chainrule as cr
    >>> cr.sign(cr.tensor([-2.0, 0.0, 3.0])).tolist()
    [-1.0, 0.0, 1.0]
    """
    if Masks.recording and in_graph(x):
        return record_mask(Sign, x)
    return new_tensor(special.sign(x._data if isinstance(x, Tensor) else x), None)


class Sign(MaskGate):
    """``sign`` recorded for onnx.export (0 at NaN): no gradient."""

    label, formula, inputs = "sign", "sign(x)", ("x",)

    def forward(self, x):
        return special.sign(x)


@api(name=False, methods=("to",))
def to(x, *args, **kwargs):
    """``x.to(dtype)``, ``x.to(device)``, ``x.to(device, dtype)``, ``x.to(other)`` (its
    dtype and device), with PyTorch's keywords ``dtype``, ``device``, ``non_blocking``,
    ``copy`` and ``memory_format`` (one layout here: any is accepted). The one device is the
    CPU ('cpu', 'cpu:0', ``cr.device("cpu")``); another raises ``DeviceError``.
    ``copy=True`` returns a new tensor even when nothing changes.

    >>> import chainrule as cr
    >>> cr.tensor([1.0]).to("cpu", cr.float64).dtype
    chainrule.float64
    """
    device, dtype, copy = to_arguments(args, kwargs)
    as_device(device, "to")
    out = x if dtype is None else cast(x, dtype)
    return clone(out) if copy and out is x else out


TO_FORMS = (("device", "dtype", "non_blocking", "copy", "memory_format"),   # to(device, ...)
            ("dtype", "non_blocking", "copy", "memory_format"),             # to(dtype, ...)
            ("non_blocking", "copy", "memory_format"))                      # to(other, ...)


def to_arguments(args, kwargs):
    """(device, dtype, copy) from the forms of ``Tensor.to`` (and ``Module.to``)."""
    given = dict(kwargs)
    rest = list(args)
    if rest and isinstance(rest[0], Tensor):   # x.to(other, non_blocking, copy)
        other = rest.pop(0)
        given.setdefault("dtype", other.dtype)
        names = TO_FORMS[2]
    elif rest and not is_device(rest[0]):       # x.to(dtype, non_blocking, copy)
        names = TO_FORMS[1]
    else:
        names = TO_FORMS[0]
    if len(rest) > len(names):
        raise TypeError(f"to: takes at most {len(names)} positional arguments after the "
                        f"tensor, got {len(rest)}")
    for name, value in zip(names, rest):
        if name in given:
            raise TypeError(f"to: got {name} both by position and by keyword")
        given[name] = value
    unknown = sorted(set(given) - set(TO_FORMS[0]))
    if unknown:
        raise TypeError(f"to: unexpected keyword argument {unknown[0]!r}")
    device = given.get("device")
    if device is not None and not is_device(device):
        raise TypeError(f"to: {device!r} is not a device or dtype")
    return device, dtypes.resolve(given.get("dtype")), given.get("copy", False)


def caster(dtype):
    def convert(x, memory_format=None):
        return cast(x, dtype)
    convert.__doc__ = f"``x`` cast to {dtype} (``cast``)."
    return convert


for _method, _dtype in (("float", dtypes.float32), ("double", dtypes.float64),
                        ("half", dtypes.float16), ("long", dtypes.int64),
                        ("int", dtypes.int32), ("bool", dtypes.bool), ("short", dtypes.int16),
                        ("char", dtypes.int8), ("byte", dtypes.uint8)):
    api(caster(_dtype), name=False, methods=(_method,))


TYPE_NAMES = {"FloatTensor": dtypes.float32, "DoubleTensor": dtypes.float64,
              "HalfTensor": dtypes.float16, "LongTensor": dtypes.int64,
              "IntTensor": dtypes.int32, "ShortTensor": dtypes.int16, "CharTensor": dtypes.int8,
              "ByteTensor": dtypes.uint8, "BoolTensor": dtypes.bool}


@api(name=False, methods=("type",))
def tensor_type(x, dtype=None, non_blocking=False):
    """PyTorch's ``x.type()``: without ``dtype`` the type's name (``'chainrule.FloatTensor'``);
    with one (a dtype, a legacy type such as ``cr.DoubleTensor`` or a name such as
    ``'torch.DoubleTensor'``), ``x`` cast to it.

    >>> import chainrule as cr
    >>> cr.tensor([1.0]).type(), cr.tensor([1]).type(cr.float64).dtype
    ('chainrule.FloatTensor', chainrule.float64)
    """
    if dtype is None:
        name = next(n for n, d in TYPE_NAMES.items() if d == x._data.dtype)
        return f"chainrule.{name}"
    if isinstance(dtype, str):
        name = dtype.rpartition(".")[2]
        if name not in TYPE_NAMES:
            raise TypeError(f"type: unknown tensor type {dtype!r}; give a dtype (cr.float64) "
                            f"or one of {sorted(TYPE_NAMES)}")
        dtype = TYPE_NAMES[name]
    if getattr(dtype, "legacy", False):   # a legacy type: x.type(cr.LongTensor)
        dtype = dtype.dtype
    return cast(x, dtypes.resolve(dtype))


@api(name=False, methods=("type_as",))
def type_as(x, other):
    """``x`` cast to ``other``'s dtype."""
    return cast(x, other.dtype)


@api(methods=("clone",))
def clone(x, *, memory_format=None):
    """A copy of ``x`` that stays in the graph (its gradient flows back to ``x``).

    >>> import chainrule as cr
    >>> x = cr.tensor([1.0, 2.0])
    >>> y = cr.clone(x)
    >>> y[0] = 5.0
    >>> x.tolist(), y.tolist()
    ([1.0, 2.0], [5.0, 2.0])
    """
    return x * 1 if x.requires_grad else new_tensor(x._data.copy(), None)


define("tan", np.tan, lambda x: x.tan())   # for Tan's formula, and rows that call tan()


class Tan(Gate):
    """``tan(x)``; its local derivative 1 + tan(x) ** 2 needs only the output.

    >>> import chainrule as cr
    >>> x = cr.tensor(0.5, requires_grad=True)
    >>> x.tan().backward()
    >>> round(x.grad.item(), 4), round(1 / cr.cos(x).item() ** 2, 4)
    (1.2984, 1.2984)
    """

    label = "tan"
    ufunc = np.tan
    formula = "tan(x)"
    derivatives = {"x": "1 + out * out"}
    elementwise = True
    methods = ("tan",)
    function = "tan"


define("sinh", np.sinh, lambda x: x.sinh())   # each is the other's derivative
define("cosh", np.cosh, lambda x: x.cosh())
define("asin", np.arcsin, lambda x: x.asin())   # for the formulas below
define("acos", np.arccos, lambda x: x.acos())
define("atan", np.arctan, lambda x: x.atan())


class Asin(Gate):
    """``asin(x)`` on [-1, 1] (NaN outside, as in PyTorch): d/dx = 1 / sqrt(1 - x^2).

    >>> import chainrule as cr
    >>> x = cr.tensor(0.6, requires_grad=True)
    >>> x.asin().backward()
    >>> round(x.grad.item(), 4)
    1.25
    """

    label = "asin"
    ufunc = np.arcsin
    formula = "asin(x)"
    derivatives = {"x": "1 / sqrt(1 - x * x)"}
    elementwise = True
    methods = ("asin", "arcsin")
    function = "asin"


class Acos(Gate):
    """``acos(x)`` on [-1, 1]: d/dx = -1 / sqrt(1 - x^2).

    >>> import chainrule as cr
    >>> x = cr.tensor(0.6, requires_grad=True)
    >>> x.acos().backward()
    >>> round(x.grad.item(), 4)
    -1.25
    """

    label = "acos"
    ufunc = np.arccos
    formula = "acos(x)"
    derivatives = {"x": "-1 / sqrt(1 - x * x)"}
    elementwise = True
    methods = ("acos", "arccos")
    function = "acos"


class Atan(Gate):
    """``atan(x)``: d/dx = 1 / (1 + x^2).

    >>> import chainrule as cr
    >>> x = cr.tensor(2.0, requires_grad=True)
    >>> x.atan().backward()
    >>> round(x.grad.item(), 6)
    0.2
    """

    label = "atan"
    ufunc = np.arctan
    formula = "atan(x)"
    derivatives = {"x": "1 / (1 + x * x)"}
    elementwise = True
    methods = ("atan", "arctan")
    function = "atan"


class Sinh(Gate):
    """``sinh(x)``: d/dx = cosh(x).

    >>> import chainrule as cr
    >>> x = cr.tensor(0.0, requires_grad=True)
    >>> x.sinh().backward()
    >>> x.grad.item()
    1.0
    """

    label = "sinh"
    ufunc = np.sinh
    formula = "sinh(x)"
    derivatives = {"x": "cosh(x)"}
    elementwise = True
    methods = ("sinh",)
    function = "sinh"


class Cosh(Gate):
    """``cosh(x)``: d/dx = sinh(x).

    >>> import chainrule as cr
    >>> x = cr.tensor(0.0, requires_grad=True)
    >>> x.cosh().backward()
    >>> x.grad.item()
    0.0
    """

    label = "cosh"
    ufunc = np.cosh
    formula = "cosh(x)"
    derivatives = {"x": "sinh(x)"}
    elementwise = True
    methods = ("cosh",)
    function = "cosh"


class Log1p(Gate):
    """``log(1 + x)``, exact for tiny x (a composition through log would round 1 + x).

    >>> import chainrule as cr
    >>> cr.log1p(cr.tensor([0.0])).tolist()
    [0.0]
    """

    label = "log1p"
    ufunc = np.log1p
    formula = "log(1 + x)"
    derivatives = {"x": "1 / (1 + x)"}
    elementwise = True
    methods = ("log1p",)
    function = "log1p"


class Expm1(Gate):
    """``exp(x) - 1``, exact for tiny x; its derivative ``exp(x)`` is ``out + 1``.

    >>> import chainrule as cr
    >>> cr.expm1(cr.tensor([0.0])).tolist()
    [0.0]
    """

    label = "expm1"
    ufunc = np.expm1
    formula = "exp(x) - 1"
    derivatives = {"x": "out + 1"}
    elementwise = True
    methods = ("expm1",)
    function = "expm1"


class Log2(Gate):
    """``log2(x)``: d/dx = 1 / (x log 2).

    >>> import chainrule as cr
    >>> cr.log2(cr.tensor([1.0, 8.0])).tolist()
    [0.0, 3.0]
    """

    label = "log2"
    ufunc = np.log2
    formula = "log(x) / log(2)"
    derivatives = {"x": "1 / (x * 0.6931471805599453)"}
    elementwise = True
    methods = ("log2",)
    function = "log2"


class Log10(Gate):
    """``log10(x)``: d/dx = 1 / (x log 10).

    >>> import chainrule as cr
    >>> cr.log10(cr.tensor([1.0, 10.0])).tolist()
    [0.0, 1.0]
    """

    label = "log10"
    ufunc = np.log10
    formula = "log(x) / log(10)"
    derivatives = {"x": "1 / (x * 2.302585092994046)"}
    elementwise = True
    methods = ("log10",)
    function = "log10"


class Exp2(Gate):
    """``2 ** x``; its derivative is ``out * log(2)``.

    >>> import chainrule as cr
    >>> cr.exp2(cr.tensor([0.0, 3.0])).tolist()
    [1.0, 8.0]
    """

    label = "exp2"
    ufunc = np.exp2
    formula = "2 ** x"
    derivatives = {"x": "out * 0.6931471805599453"}
    elementwise = True
    methods = ("exp2",)
    function = "exp2"


@api(methods=("rsqrt",))
def rsqrt(x):
    """``1 / sqrt(x)``, the composition of ``Sqrt`` and ``Div`` (-inf at -0, NaN at -inf,
    as PyTorch's).

    >>> import chainrule as cr
    >>> cr.rsqrt(cr.tensor([4.0, 0.25])).tolist()
    [0.5, 2.0]
    """
    return 1 / x.sqrt()


@api(methods=("reciprocal",))
def reciprocal(x):
    """``1 / x`` (the ``Div`` gate); an integer tensor gives the default float.

    >>> import chainrule as cr
    >>> cr.reciprocal(cr.tensor([4.0, -0.5])).tolist()
    [0.25, -2.0]
    """
    return 1 / x


@api(methods=("square",))
def square(x):
    """``x * x`` (the ``Mul`` gate): an integer tensor stays integer, as in PyTorch.

    >>> import chainrule as cr
    >>> cr.square(cr.tensor([-3, 2])).tolist()
    [9, 4]
    """
    return x * x


class Floor(MaskGate):
    """Rounding recorded for onnx.export (``floor``, ``ceil``, ``trunc``): no gradient."""

    label, formula, inputs, ufunc = "floor", "floor(x)", ("x",), np.floor


class Ceil(Floor):
    label, formula, ufunc = "ceil", "ceil(x)", np.ceil


class Trunc(Floor):
    label, formula, ufunc = "trunc", "trunc(x)", np.trunc


def rounding(gate, name, meaning, example=None):
    ufunc = gate.ufunc

    def round_values(x):
        data = x._data
        if Masks.recording and data.dtype.kind == "f" and in_graph(x):
            return record_mask(gate, x)
        return new_tensor(data.copy() if data.dtype.kind in "iub" else ufunc(data), None)
    round_values.__name__ = name
    round_values.__doc__ = (f"``x`` {meaning}; no gradient (PyTorch's is zero), so it records "
                            f"no graph. Integer tensors are returned as they are.")
    return api(round_values, name=name, methods=(name,), example=example)


HALVES = "cr.tensor([-1.5, -0.5, 0.5, 1.5])"
floor = rounding(Floor, "floor", "rounded down",
                 example=(f"cr.floor({HALVES}).tolist()", "[-2.0, -1.0, 0.0, 1.0]"))
ceil = rounding(Ceil, "ceil", "rounded up",
                example=(f"cr.ceil({HALVES}).tolist()", "[-1.0, -0.0, 1.0, 2.0]"))
trunc = rounding(Trunc, "trunc", "rounded toward zero",
                 example=(f"cr.trunc({HALVES}).tolist()", "[-1.0, -0.0, 0.0, 1.0]"))
fix = rounding(Trunc, "fix", "rounded toward zero (trunc)",
               example=(f"cr.fix({HALVES}).tolist()", "[-1.0, -0.0, 0.0, 1.0]"))


@api(name="round", methods=("round",))
def round_(x, decimals=0):
    """``x`` rounded to ``decimals`` places, half to even as PyTorch; no gradient.

    >>> import chainrule as cr
    >>> cr.round(cr.tensor([2.5, 3.5, 1.2345]), decimals=0).tolist()
    [2.0, 4.0, 1.0]
    """
    data = x._data
    if data.dtype.kind in "iub":
        return new_tensor(data.copy(), None)
    if Masks.recording and in_graph(x):
        return record_mask(Round, x, decimals=decimals)
    return new_tensor(rounded(data, decimals), None)


def rounded(data, decimals):
    if decimals == 0:
        return np.round(data)
    scale = np.asarray(10.0 ** decimals, data.dtype)   # PyTorch's: round(x * 10^d) / 10^d
    return np.round(data * scale) / scale


class Round(MaskGate):
    """``round`` recorded for onnx.export: no gradient."""

    label, formula, inputs = "round", "round(x, decimals)", ("x",)

    def forward(self, x, decimals=0):
        self.decimals = decimals
        return rounded(x, decimals)


@api(methods=("frac",))
def frac(x):
    """``x - trunc(x)``, the fractional part: a composition whose gradient is 1.

    >>> import chainrule as cr
    >>> cr.frac(cr.tensor([1.5, -2.25])).tolist()
    [0.5, -0.25]
    """
    return x - trunc(x)


@api(methods=("erf",))
def erf(x):
    """The error function: the ``Erf`` gate (defined with the layers, reached through the
    vocabulary), published as ``cr.erf`` and ``x.erf()``.

    >>> import chainrule as cr
    >>> round(cr.erf(cr.tensor(0.5, dtype=cr.float64)).item(), 10)
    0.5204998778
    """
    return TENSORS.erf(x)


@api(methods=("nan_to_num",))
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """``x`` with NaN, +inf and -inf replaced (by 0 and the dtype's largest and smallest
    finite values unless given): ``where``, so the gradient reaches the finite elements.

    >>> import chainrule as cr
    >>> cr.nan_to_num(cr.tensor([float('nan'), float('inf'), 1.0]), posinf=9.0).tolist()
    [0.0, 9.0, 1.0]
    """
    if x._data.dtype.kind != "f":
        return x.clone()
    info = np.finfo(x._data.dtype)
    out = x.where(~x.isnan(), nan)
    out = out.where(~x.isposinf(), info.max if posinf is None else posinf)
    return out.where(~x.isneginf(), info.min if neginf is None else neginf)


@api(methods=("logit",))
def logit(x, eps=None):
    """``log(x / (1 - x))``, with x clamped to [eps, 1 - eps] first when ``eps`` is given:
    a composition. Without eps, x outside [0, 1] gives NaN and a NaN gradient, as PyTorch's
    (x is multiplied by a constant that is NaN there).

    >>> import chainrule as cr
    >>> cr.logit(cr.tensor([0.5])).tolist()
    [0.0]
    """
    if eps is not None:
        x = clamp(x, eps, 1 - eps)
    else:
        data = x._data
        outside = (data < 0) | (data > 1)
        if outside.any():
            x = x * new_tensor(np.where(outside, np.nan, 1).astype(dtypes.float_result(
                data.dtype)), None)
    return (x / (1 - x)).log()
