"""Dtypes and turning user data into arrays, with PyTorch's defaults.

Python floats give float32, Python ints int64, bools bool; NumPy arrays keep their dtype
(float64 stays float64). The dtype objects are NumPy's, so ``t.dtype == cr.float32`` holds.
"""
import builtins

import numpy as np

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


def as_array(data, dtype=None):
    """A fresh array from numbers, nested lists, NumPy arrays or Tensors, PyTorch's way."""
    if hasattr(data, "grad_fn"):
        data = data.data
    if isinstance(data, np.ndarray):
        array = np.array(data, dtype=dtype, copy=True)
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
    """``out`` of an operation in PyTorch's dtype where NumPy's differs: a float64 result that
    no float64 array asked for (integers divided, an int tensor times 1.5, the exp of an int
    tensor, a float32 tensor times a NumPy float64 scalar) is float32, the default float.

    >>> import numpy as np
    >>> as_torch_promotes(np.true_divide(np.array([1, 2]), 2), np.array([1, 2]), 2).dtype
    dtype('float32')
    """
    if out.dtype is not float64 or any(is_float64_array(x) for x in inputs):
        return out
    return out.astype(default_float)


# Python numbers met beside a float array, as read-only 0-d arrays of the array's dtype. NumPy
# casts the number to that dtype anyway (NEP 50, the same rule as PyTorch's), but working that
# out costs it about 250 ns per call, as much as the arithmetic on a small array; the cached
# 0-d array gives the same bits at array speed, in forward and again in backward.
SCALAR_OPERANDS = {float16: {}, float32: {}, float64: {}}
SCALAR_CACHE_SIZE = 4096   # emptied when full: a loop over many distinct numbers stays bounded


def scalar_operand(value, array):
    """``value`` as the operand NumPy would make of it beside ``array``.

    >>> import numpy as np
    >>> scalar_operand(0.5, np.ones(2, np.float32))
    array(0.5, dtype=float32)
    >>> scalar_operand(0.5, np.ones(2, np.int64))   # no float to cast to: left to NumPy
    0.5
    """
    kind = type(value)
    if kind is not builtins.float and kind is not builtins.int:
        return value   # bools, NumPy scalars, arrays, other objects: NumPy's own rules
    cache = SCALAR_OPERANDS.get(array.dtype)
    if cache is None or not value:   # 0.0 and -0.0 are one dict key but differ (1 / -0.0)
        return value
    operand = cache.get(value)
    if operand is None:
        try:
            operand = np.array(value, array.dtype)
        except OverflowError:   # an int beyond the dtype's range: NumPy says so itself
            return value
        operand.flags.writeable = False
        if len(cache) >= SCALAR_CACHE_SIZE:
            cache.clear()
        cache[value] = operand
    return operand


def is_float64_array(x):
    return isinstance(x, np.ndarray) and x.dtype is float64


def resolve(dtype):
    """``cr.float64``, ``np.float64``, ``"float64"`` or ``float`` as a NumPy dtype."""
    if dtype is None:
        return None
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
