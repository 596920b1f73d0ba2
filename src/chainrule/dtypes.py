"""Dtypes and turning user data into arrays, with PyTorch's defaults.

Python floats give float32, Python ints int64, bools bool; NumPy arrays keep their dtype
(float64 stays float64). Inside chainrule a dtype is NumPy's (``dtypes.float32``, an
array's ``.dtype``); what users see (``cr.float32``, ``t.dtype``) is a ``dtype`` standing for
it, printed as PyTorch prints its own (``chainrule.float32``), equal to NumPy's and taken by
every NumPy function (``np.zeros(2, cr.float32)``).
"""
import builtins

import numpy as np

ndarray = np.ndarray

float16 = half = np.dtype("float16")
float32 = float = np.dtype("float32")  # noqa: A001  (PyTorch's names)
float64 = double = np.dtype("float64")
int8 = np.dtype("int8")
int16 = short = np.dtype("int16")
int32 = int = np.dtype("int32")  # noqa: A001
int64 = long = np.dtype("int64")
uint8 = np.dtype("uint8")
bool = np.dtype("bool")  # noqa: A001

SUPPORTED = {float16, float32, float64, int8, int16, int32, int64, uint8, bool}
default_float = float32


class dtype:  # noqa: N801  (PyTorch's name)
    """A dtype as users see it (``cr.float32``, ``t.dtype``): printed ``chainrule.float32``
    as PyTorch prints ``torch.float32``, equal to and hashed as the NumPy dtype it stands for
    (``t.dtype == np.float32``, a dict key either way), and handed to NumPy as that dtype
    (NumPy reads its ``dtype`` attribute). Other attributes are NumPy's (``.kind``,
    ``.itemsize``), plus PyTorch's ``is_floating_point``, ``is_complex``, ``is_signed``.

    >>> import chainrule as cr, numpy as np
    >>> cr.float32, cr.tensor([1]).dtype, cr.float32 == np.float32, np.zeros(1, cr.float64).dtype
    (chainrule.float32, chainrule.int64, True, dtype('float64'))
    """

    __slots__ = ("dtype",)

    def __init__(self, numpy_dtype):
        object.__setattr__(self, "dtype", np.dtype(numpy_dtype))

    def __getattr__(self, name):
        if name == "dtype":   # not set yet (a copy being made): no recursion
            raise AttributeError(name)
        return getattr(self.dtype, name)

    def __setattr__(self, name, value):
        raise AttributeError("dtype objects are immutable")

    def __repr__(self):
        return f"chainrule.{self.dtype.name}"

    __str__ = __repr__

    def __eq__(self, other):
        if isinstance(other, dtype):
            return self.dtype == other.dtype
        if isinstance(other, (np.dtype, str)) or isinstance(other, type) and \
                issubclass(other, np.generic):
            try:
                return self.dtype == np.dtype(other)
            except TypeError:
                return False
        return NotImplemented

    def __hash__(self):
        return hash(self.dtype)

    def __reduce__(self):
        return as_public, (self.dtype.name,)

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    is_floating_point = property(lambda self: self.dtype.kind == "f")
    is_complex = property(lambda self: self.dtype.kind == "c")
    is_signed = property(lambda self: self.dtype.kind in "fic")


class PublicDtypes(dict):
    """NumPy dtype -> the one ``dtype`` standing for it (made on first use for a dtype
    outside SUPPORTED, such as an array given to ``from_numpy``)."""

    def __missing__(self, numpy_dtype):
        public = self[numpy_dtype] = dtype(numpy_dtype)
        return public


PUBLIC_DTYPES = PublicDtypes()


def as_public(name):
    """The public ``dtype`` of a NumPy dtype or its name (``t.dtype``, pickling)."""
    return PUBLIC_DTYPES[np.dtype(name)]


# cr.float32, cr.half, ...: PyTorch's names, each the one public dtype of its NumPy dtype
NAMES = {"float16": float16, "half": float16, "float32": float32, "float": float32,
         "float64": float64, "double": float64, "int8": int8, "int16": int16,
         "short": int16, "int32": int32, "int": int32, "int64": int64, "long": int64,
         "uint8": uint8, "bool": bool}
BY_NAME = {name: PUBLIC_DTYPES[numpy_dtype] for name, numpy_dtype in NAMES.items()}


class MissingDtype:
    """A PyTorch dtype that chainrule has no tensors of (NumPy has no such type, or chainrule
    does not compute in it): the name exists, so programs that only name it run (nanoGPT's
    ``{'bfloat16': torch.bfloat16, 'float16': torch.float16}[dtype]``); making a tensor of it
    or casting to it raises a TypeError naming it.

    >>> import chainrule as cr
    >>> cr.bfloat16, cr.bfloat16.is_floating_point
    (chainrule.bfloat16, True)
    >>> cr.zeros(2, dtype=cr.bfloat16)
    Traceback (most recent call last):
    ...
    TypeError: chainrule.bfloat16: chainrule has no bfloat16 tensors; use chainrule.float32 or chainrule.float16
    """

    __slots__ = ("name", "is_floating_point", "is_complex", "itemsize")

    def __init__(self, name, is_floating_point, is_complex, itemsize):
        for slot, value in zip(self.__slots__, (name, is_floating_point, is_complex, itemsize)):
            object.__setattr__(self, slot, value)

    def __setattr__(self, name, value):
        raise AttributeError("dtype objects are immutable")

    def __repr__(self):
        return f"chainrule.{self.name}"

    __str__ = __repr__
    is_signed = True

    def refuse(self):
        other = "float32 or chainrule.float16" if self.is_floating_point else "float32"
        raise TypeError(f"{self}: chainrule has no {self.name} tensors; use chainrule.{other}")


MISSING = {"bfloat16": MissingDtype("bfloat16", True, False, 2),
           "complex64": MissingDtype("complex64", False, True, 8),
           "complex128": MissingDtype("complex128", False, True, 16)}
MISSING.update(cfloat=MISSING["complex64"], cdouble=MISSING["complex128"])
BY_NAME.update(MISSING)


def as_array(data, dtype=None):
    """A fresh array from numbers, nested lists, NumPy arrays or Tensors, PyTorch's way; an
    array of another library (CuPy's) is copied where it lives, never through the host."""
    if hasattr(data, "grad_fn"):
        data = data._data
    if isinstance(data, np.ndarray):
        array = np.array(data, dtype=dtype, copy=True)
    elif is_foreign(data):
        array = data.astype(data.dtype if dtype is None else dtype, copy=True)
    else:
        array = from_python(data, dtype)
    if array.dtype not in SUPPORTED:
        raise TypeError(f"tensor: unsupported dtype {array.dtype}; use one of "
                        f"{sorted(str(d) for d in SUPPORTED)}")
    return array


def from_python(data, dtype):
    try:
        array = np.array(data)
    except ValueError:
        raise ValueError("tensor: the nested lists are ragged (rows of different lengths): "
                         "every row at one depth must have the same length") from None
    if array.dtype == object:
        raise TypeError(f"tensor: could not make a numeric tensor from {type(data).__name__} "
                        f"(ragged lists or non-numeric items?)")
    if array.dtype.kind in "US":
        raise TypeError(f"tensor: expected numbers, got text {str(data)[:40]!r}")
    if dtype is not None:
        return array.astype(dtype)
    if array.dtype == np.float64 and not isinstance(data, np.generic):
        return array.astype(default_float)
    return array


def as_torch_promotes(out, *inputs):
    """``out`` of an operation on ``inputs`` in PyTorch's dtype where NumPy's differs
    (``result_type``): a 0-d tensor or a number does not widen a tensor of its category
    (a float32 tensor times a 0-d float64 tensor or a NumPy float64 scalar is float32),
    float16 times an int tensor is float16, and a float result that no float operand asked
    for (integers divided, the exp of an int tensor) is float32, the default float.

    >>> import numpy as np
    >>> as_torch_promotes(np.true_divide(np.array([1, 2]), 2), np.array([1, 2]), 2).dtype
    dtype('float32')
    >>> as_torch_promotes(np.ones(2, "float16") * np.ones(2, "int64"), np.ones(2, "float16"),
    ...                   np.ones(2, "int64")).dtype
    dtype('float16')
    """
    dtype = out.dtype
    arrays = False
    for x in inputs:   # arrays of out's dtype, and numbers beside a float: NumPy agrees
        if type(x) is ndarray:
            if x.dtype is not dtype:
                break
            arrays = True
        elif type(x) not in PYTHON_NUMBERS or dtype.kind != "f":
            break
    else:
        if arrays:
            return out
    dtype = result_type(*inputs)
    if out.dtype.kind == "f" and dtype.kind != "f":
        dtype = default_float   # integers to a float result: the default float
    return out if out.dtype == dtype else out.astype(dtype)


def result_type(*operands):
    """PyTorch's result dtype of an operation on ``operands`` (arrays, Python and NumPy
    numbers): the highest category (bool < integer < float) wins; within it, arrays with
    dimensions decide first, then 0-d arrays, then numbers (a Python float counts as the
    default float, an int as int64), and a lower group only matters when it brings a higher
    category (``torch.result_type``).

    >>> import numpy as np
    >>> result_type(np.ones(2, "float32"), np.array(1.0))            # 0-d float64
    dtype('float32')
    >>> result_type(np.ones(2, "int8"), np.array(300), 2.5)
    dtype('float32')
    """
    dims = zeros = numbers = None
    for x in operands:
        if type(x) is ndarray or is_foreign(x):
            if x.ndim:
                dims = promote(dims, x.dtype)
            else:
                zeros = promote(zeros, x.dtype)
        elif isinstance(x, (builtins.bool, np.bool_)):
            numbers = promote(numbers, bool)
        elif isinstance(x, (builtins.int, np.integer)):
            numbers = promote(numbers, int64)
        elif isinstance(x, (builtins.float, np.floating)):
            numbers = promote(numbers, default_float)
        elif x is not None:
            x = np.asarray(x)
            return result_type(*[x if o is x else o for o in operands]) if x.dtype != object \
                else None
    return combine_categories(dims, combine_categories(zeros, numbers))


def promote(a, b):
    """PyTorch's ``promote_types`` on the supported dtypes: NumPy's, except that a float
    beside an integer keeps its own width (float16 and int64 give float16)."""
    if a is None or a == b:
        return b
    if b is None:
        return a
    if (a.kind == "f") != (b.kind == "f"):
        return a if a.kind == "f" else b
    return np.promote_types(a, b)


def combine_categories(higher, lower):
    """PyTorch's: the dtype of ``higher`` (the more important group of operands) unless
    ``lower`` brings a higher category."""
    if higher is None:
        return lower
    if higher.kind == "f":
        return higher
    if higher == bool or lower is not None and lower.kind == "f":
        return promote(higher, lower)
    return higher


def float_result(dtype):
    """The dtype of a float function of an array of ``dtype`` (exp, erf, mean): the dtype
    itself when it is a float, else the default float (PyTorch's int-to-float rule)."""
    return dtype if dtype.kind == "f" else default_float


class ScalarOperands(dict):
    """Python numbers met beside an array of one dtype, as read-only 0-d arrays of that dtype
    (for a float dtype; beside any other, numbers stay numbers and NumPy's rules apply).

    NumPy casts the number to the array's float dtype anyway (NEP 50, PyTorch's rule too),
    but working that out costs it about 250 ns per call, as much as the arithmetic on a small
    array; the cached 0-d array gives the same bits at array speed, in forward and again in
    backward (where the gradient arrives in the same dtype). Only for Python floats and ints:
    look up ``type(value) in PYTHON_NUMBERS`` first.

    >>> import numpy as np
    >>> SCALAR_OPERANDS[np.dtype("float32")][0.5]
    array(0.5, dtype=float32)
    >>> SCALAR_OPERANDS[np.dtype("int64")][0.5]
    0.5
    """

    size = 4096   # emptied when full: a loop over many distinct numbers stays bounded

    def __init__(self, dtype):
        super().__init__()
        self.dtype = dtype if dtype.kind == "f" else None

    def __missing__(self, value):
        if self.dtype is None or not value:   # 0.0 and -0.0: one dict key, two values
            return value
        try:
            operand = np.array(value, self.dtype)
        except OverflowError:   # an int beyond the dtype's range: NumPy reports it itself
            return value
        operand.flags.writeable = False
        if len(self) >= self.size:
            self.clear()
        self[value] = operand
        return operand


class OperandsByDtype(dict):
    """One `ScalarOperands` per array dtype, made when first needed."""

    def __missing__(self, dtype):
        operands = self[dtype] = ScalarOperands(dtype)
        return operands


PYTHON_NUMBERS = (builtins.float, builtins.int)   # exact types: bool and NumPy scalars differ
SCALAR_OPERANDS = OperandsByDtype()


def set_default_dtype(dtype):
    """PyTorch's ``torch.set_default_dtype``: the float dtype that Python floats and the
    creation functions give (float32 to start with); float16, float32 or float64 only.

    >>> import chainrule as cr
    >>> cr.set_default_dtype(cr.float64); cr.tensor([1.5]).dtype
    chainrule.float64
    >>> cr.set_default_dtype(cr.float32); cr.get_default_dtype()
    chainrule.float32
    """
    global default_float
    resolved = resolve(dtype)
    if resolved is None or resolved.kind != "f":
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the "
                        f"default type, got {dtype!r}")
    default_float = resolved


def get_default_dtype():
    """The default float dtype (``set_default_dtype``): float32 unless changed.

    >>> import chainrule as cr
    >>> cr.get_default_dtype()
    chainrule.float32
    """
    return PUBLIC_DTYPES[default_float]


def resolve(dtype):
    """``cr.float64``, ``np.float64``, ``"float64"`` or ``float`` as a NumPy dtype."""
    if dtype is None:
        return None
    if isinstance(dtype, MissingDtype):
        dtype.refuse()
    for python_type, resolved in ((builtins.float, default_float), (builtins.int, int64),
                                  (builtins.bool, bool)):
        if dtype is python_type:
            return resolved
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved not in SUPPORTED:
        raise TypeError(f"unsupported dtype {dtype!r}; use one of "
                        f"{sorted(str(d) for d in SUPPORTED)} (as cr.float32, ...)")
    return resolved


# ----- arrays of other libraries (docs/engine.md, "Backends") ---------------------------
def is_foreign(x):
    """Whether ``x`` is an array of another library (a CuPy array): one that NumPy's
    functions reach through its dispatch protocols, and that must never be converted to a
    host NumPy array behind the user's back. NumPy's own arrays and scalars are not."""
    return (not isinstance(x, (np.ndarray, np.generic))
            and (hasattr(x, "__array_namespace__") or hasattr(x, "__array_function__")))


def array_of(x):
    """``x`` as an array, without a copy: another library's array as it is, anything else
    (numbers, lists, NumPy scalars) through ``np.asarray``."""
    return x if type(x) is np.ndarray or is_foreign(x) else np.asarray(x)


def namespace_of(x):
    """The module of functions that make arrays where ``x`` lives (``numpy``, ``cupy``): its
    ``__array_namespace__`` (the array API standard's), NumPy for everything else. For
    ``arange``, ``zeros`` and the like, which have no array argument to dispatch on."""
    if type(x) is np.ndarray or not hasattr(x, "__array_namespace__"):
        return np
    return x.__array_namespace__()


def finfo(dtype=None):
    """PyTorch's ``finfo``: the limits of a float dtype (the default one without an
    argument), as NumPy's ``finfo`` gives them (``eps``, ``max``, ``min``, ``tiny``, ``bits``,
    ``resolution``), with ``dtype`` its name as PyTorch gives it.

    >>> import chainrule as cr
    >>> cr.finfo(cr.float32).eps, cr.finfo(cr.float16).max, cr.finfo().dtype
    (1.1920928955078125e-07, 65504.0, 'float32')
    """
    resolved = resolve(dtype) if dtype is not None else default_float
    if resolved.kind != "f":
        raise TypeError(f"finfo: {PUBLIC_DTYPES[resolved]} is not a float dtype; use "
                        f"cr.iinfo for integers")
    return NamedLimits(np.finfo(resolved), resolved.name)


def iinfo(dtype):
    """PyTorch's ``iinfo``: the limits of an integer dtype (``max``, ``min``, ``bits``).

    >>> import chainrule as cr
    >>> cr.iinfo(cr.int64).max
    9223372036854775807
    """
    resolved = resolve(dtype)
    if resolved is None or resolved.kind not in "iub":
        raise TypeError(f"iinfo: {dtype} is not an integer dtype; use cr.finfo for floats")
    if resolved.kind == "b":
        raise TypeError("iinfo: bool has no integer limits")
    return NamedLimits(np.iinfo(resolved), resolved.name)


class NamedLimits:
    """NumPy's limits object with ``dtype`` as a name (PyTorch's ``finfo(...).dtype``)."""

    def __init__(self, limits, name):
        self._limits, self.dtype = limits, name

    def __getattr__(self, attribute):
        if attribute == "resolution":   # PyTorch's: exactly 10 ** -precision
            return 10.0 ** -self._limits.precision
        value = getattr(self._limits, attribute)   # NumPy scalars as Python numbers
        return value.item() if isinstance(value, np.generic) else value

    def __repr__(self):
        return repr(self._limits).replace(f"dtype={self._limits.dtype}", f"dtype={self.dtype}")
