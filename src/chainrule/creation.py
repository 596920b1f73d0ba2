"""Making tensors: from data, filled, ranges, random (PyTorch's names and defaults).

Every function takes PyTorch's ``device=`` too: the CPU ('cpu', 'cpu:0' or a device object
of that type), the one device chainrule computes on; another device is refused.
"""
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


def is_cpu(device):
    """Whether ``device`` names the CPU: True for 'cpu', 'cpu:0' and device objects of type
    'cpu'; False for what is not a device at all; a RuntimeError for another device."""
    name = device if isinstance(device, str) else getattr(device, "type", None)
    if not isinstance(name, str):
        return False
    if name.split(":")[0] != "cpu":
        raise RuntimeError(f"device {device!r}: chainrule computes on the CPU only ('cpu')")
    return True


def check_device(device):
    if device is not None and not is_cpu(device):
        raise TypeError(f"device must be a device ('cpu'), got {device!r}")


def number(value):
    """A Python number from a number or a one-element tensor (PyTorch's Scalar)."""
    return value.item() if isinstance(value, Tensor) else value


def sizes(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size


def filled(array, requires_grad):
    t = new_tensor(array, None)
    return t.requires_grad_() if requires_grad else t


def zeros(*size, dtype=None, device=None, requires_grad=False):
    check_device(device)
    return filled(np.zeros(sizes(size), float_default(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    check_device(device)
    return filled(np.ones(sizes(size), float_default(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """``size`` filled with ``fill_value``: of its kind (bool, int64, the default float)
    unless ``dtype`` says otherwise."""
    check_device(device)
    fill_value = number(fill_value)
    if dtype is None:
        dtype = np.asarray(fill_value).dtype if not isinstance(fill_value, float) else None
    return filled(np.full(tuple(size), fill_value, float_default(dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Like ``torch.arange``: int64 for integer arguments, float32 otherwise."""
    check_device(device)
    start, end, step = number(start), number(end), number(step)
    if end is None:
        start, end = 0, start
    if dtype is None:
        whole = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if whole else dtypes.default_float
    return filled(np.arange(start, end, step, dtype=dtypes.resolve(dtype)), requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end``, computed in ``dtype`` (the
    default float unless given); ``start`` and ``end`` may be one-element tensors, whose
    values count, not their dtype (as in PyTorch).

    >>> import chainrule as cr
    >>> cr.linspace(cr.tensor(0.0), cr.tensor(1.0), 3, dtype=cr.float64).tolist()
    [0.0, 0.5, 1.0]
    """
    check_device(device)
    start, end = number(start), number(end)
    if steps < 0:
        raise ValueError(f"linspace: number of steps must be non-negative, got {steps}")
    dtype = float_default(dtype)
    if dtype.kind == "f":
        return filled(np.linspace(start, end, steps, dtype=np.float64).astype(dtype),
                      requires_grad)
    values = np.trunc(np.linspace(start, end, steps))   # integers: toward zero, as PyTorch
    return filled(values.astype(dtype), requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    check_device(device)
    return filled(np.eye(n, m, dtype=float_default(dtype)), requires_grad)


def rand(*size, dtype=None, device=None, requires_grad=False, generator=None):
    check_device(device)
    array = numpy_generator(generator).random(sizes(size))
    return filled(array.astype(float_default(dtype)), requires_grad)


def randn(*size, dtype=None, device=None, requires_grad=False, generator=None):
    check_device(device)
    array = numpy_generator(generator).standard_normal(sizes(size))
    return filled(array.astype(float_default(dtype)), requires_grad)


def randint(low, high=None, size=(), dtype=None, device=None, generator=None):
    check_device(device)
    if high is None:
        low, high = 0, low
    array = numpy_generator(generator).integers(low, high, size=tuple(size))
    return new_tensor(array.astype(dtypes.resolve(dtype) or dtypes.int64), None)


def randperm(n, generator=None, device=None):
    check_device(device)
    return new_tensor(numpy_generator(generator).permutation(n).astype(np.int64), None)


def zeros_like(t, dtype=None, device=None, requires_grad=False):
    check_device(device)
    return filled(np.zeros(t.shape, dtypes.resolve(dtype) or t.dtype), requires_grad)


def ones_like(t, dtype=None, device=None, requires_grad=False):
    check_device(device)
    return filled(np.ones(t.shape, dtypes.resolve(dtype) or t.dtype), requires_grad)


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False):
    check_device(device)
    return filled(np.full(t.shape, number(fill_value), dtypes.resolve(dtype) or t.dtype),
                  requires_grad)


def rand_like(t, dtype=None, device=None, requires_grad=False):
    return rand(*t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


def randn_like(t, dtype=None, device=None, requires_grad=False):
    return randn(*t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


def float_default(dtype):
    return dtypes.resolve(dtype) or dtypes.default_float
