"""Making tensors: from data, filled, ranges, random (PyTorch's names and defaults)."""
import numpy as np

from . import dtypes
from .random import numpy_generator
from .tensor import Tensor, new_tensor


def tensor(data, dtype=None, requires_grad=False, name=None):
    """A new tensor holding a copy of ``data``; ``name`` labels it in explain tables and graphs.

    >>> import chainrule as cr
    >>> cr.tensor([1, 2]).dtype, cr.tensor([1.0, 2.0]).dtype
    (dtype('int64'), dtype('float32'))
    >>> cr.tensor(-2.0, requires_grad=True, name="x")
    tensor(-2., requires_grad=True, name='x')
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def as_tensor(data, dtype=None):
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtypes.resolve(dtype)):
        return data
    return Tensor(data, dtype=dtype)


def from_numpy(array):
    """A tensor that shares memory with ``array`` (no copy)."""
    return new_tensor(np.asarray(array), None)


def sizes(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size


def filled(array, requires_grad):
    t = new_tensor(array, None)
    return t.requires_grad_() if requires_grad else t


def zeros(*size, dtype=None, requires_grad=False):
    return filled(np.zeros(sizes(size), float_default(dtype)), requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    return filled(np.ones(sizes(size), float_default(dtype)), requires_grad)


def empty(*size, dtype=None, requires_grad=False):
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    if dtype is None:
        dtype = np.asarray(fill_value).dtype if not isinstance(fill_value, float) else None
    return filled(np.full(tuple(size), fill_value, float_default(dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    """Like ``torch.arange``: int64 for integer arguments, float32 otherwise."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        whole = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if whole else dtypes.default_float
    return filled(np.arange(start, end, step, dtype=dtypes.resolve(dtype)), requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    return filled(np.linspace(start, end, steps, dtype=float_default(dtype)), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    return filled(np.eye(n, m, dtype=float_default(dtype)), requires_grad)


def rand(*size, dtype=None, requires_grad=False, generator=None):
    array = numpy_generator(generator).random(sizes(size))
    return filled(array.astype(float_default(dtype)), requires_grad)


def randn(*size, dtype=None, requires_grad=False, generator=None):
    array = numpy_generator(generator).standard_normal(sizes(size))
    return filled(array.astype(float_default(dtype)), requires_grad)


def randint(low, high=None, size=(), dtype=None, generator=None):
    if high is None:
        low, high = 0, low
    array = numpy_generator(generator).integers(low, high, size=tuple(size))
    return new_tensor(array.astype(dtypes.resolve(dtype) or dtypes.int64), None)


def randperm(n, generator=None):
    return new_tensor(numpy_generator(generator).permutation(n).astype(np.int64), None)


def zeros_like(t, dtype=None, requires_grad=False):
    return filled(np.zeros(t.shape, dtypes.resolve(dtype) or t.dtype), requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return filled(np.ones(t.shape, dtypes.resolve(dtype) or t.dtype), requires_grad)


def full_like(t, fill_value, dtype=None, requires_grad=False):
    return filled(np.full(t.shape, fill_value, dtypes.resolve(dtype) or t.dtype), requires_grad)


def rand_like(t, dtype=None, requires_grad=False):
    return rand(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def randn_like(t, dtype=None, requires_grad=False):
    return randn(*t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def float_default(dtype):
    return dtypes.resolve(dtype) or dtypes.default_float
