"""Making tensors: from data, filled, ranges, random (PyTorch's names and defaults).

Every function takes PyTorch's ``device=`` too: the CPU ('cpu', 'cpu:0' or a device object
of that type), the one device chainrule computes on; another device raises ``DeviceError``
(``device.py``). ``out=`` is refused with a clear error.
"""
import math

import numpy as np

from . import dtypes
from .device import as_device, is_device
from .random import numpy_generator
from .tensor import Tensor, api, legacy_array, new_tensor


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False, name=None):
    """A new tensor holding a copy of ``data``; ``name`` labels it in explain tables and graphs.

    >>> import chainrule as cr
    >>> cr.tensor([1, 2]).dtype, cr.tensor([1.0, 2.0]).dtype
    (chainrule.int64, chainrule.float32)
    >>> cr.tensor(-2.0, requires_grad=True, name="x")
    tensor(-2., requires_grad=True, name='x')
    """
    as_device(device, "tensor")
    return Tensor.of(data, requires_grad=requires_grad, dtype=dtype, name=name)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor: the tensor itself when it already is one of ``dtype``.

    >>> import chainrule as cr
    >>> cr.as_tensor([1, 2]).dtype, cr.as_tensor([1.5]).tolist()
    (chainrule.int64, [1.5])
    """
    as_device(device, "as_tensor")
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtypes.resolve(dtype)):
        return data
    return Tensor.of(data, dtype=dtype)


def from_numpy(array):
    """A tensor that shares memory with ``array`` (no copy).

    >>> import chainrule as cr
    >>> import numpy as np
    >>> a = np.array([1.0, 2.0])
    >>> t = cr.from_numpy(a)
    >>> a[0] = 5.0
    >>> t.tolist()
    [5.0, 2.0]
    """
    return new_tensor(np.asarray(array), None)


def is_cpu(value):
    """Whether ``value`` names a device: True for the CPU ('cpu', 'cpu:0', a device object);
    False for what is not a device (a dtype, a tensor); DeviceError for another device."""
    if not is_device(value):
        return False
    as_device(value)
    return True


def no_out(out, op):
    if out is not None:
        raise NotImplementedError(f"{op}: out= is not supported; assign the result instead "
                                  f"(y = cr.{op}(...)) or copy it in with y.copy_(...)")


def number(value):
    """A Python number from a number or a one-element tensor (PyTorch's Scalar)."""
    return value.item() if isinstance(value, Tensor) else value


def sizes(size, keyword=None, op="tensor"):
    """The shape from ``f(2, 3)``, ``f((2, 3))`` or PyTorch's keyword form ``f(size=(2, 3))``."""
    if keyword is not None:
        if size:
            raise TypeError(f"{op}(): the size is given both positionally and as size=")
        if not isinstance(keyword, (tuple, list)):
            raise TypeError(f"{op}(): argument 'size' must be a tuple of ints, not "
                            f"{type(keyword).__name__}")
        return tuple(keyword)
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size


def filled(array, requires_grad):
    t = new_tensor(array, None)
    return t.requires_grad_() if requires_grad else t


def made(op, array, device, requires_grad, out=None, **ignored):
    """The new leaf of a creation function, its keywords checked: ``device`` the CPU,
    ``out`` refused; ``layout`` and ``pin_memory`` have one meaning here (strided, pageable)."""
    as_device(device, op)
    no_out(out, op)
    return filled(array, requires_grad)


def zeros(*dims, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Zeros of ``size`` (``zeros(2, 3)`` or ``zeros((2, 3))``), in the default float.

    >>> import chainrule as cr
    >>> cr.zeros(2, 3).shape, cr.zeros((2,)).tolist()
    (chainrule.Size([2, 3]), [0.0, 0.0])
    """
    return made("zeros", np.zeros(sizes(dims, size, "zeros"), float_default(dtype)), device, requires_grad, out)


def ones(*dims, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """Ones of ``size``, in the default float unless ``dtype`` says otherwise.

    >>> import chainrule as cr
    >>> cr.ones(2, dtype=cr.int64).tolist()
    [1, 1]
    """
    return made("ones", np.ones(sizes(dims, size, "ones"), float_default(dtype)), device, requires_grad, out)


def empty(*dims, size=None, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    """A tensor of ``size``; its values are zeros here (PyTorch leaves them unset).

    >>> import chainrule as cr
    >>> cr.empty(2, 3).shape
    chainrule.Size([2, 3])
    """
    return made("empty", np.zeros(sizes(dims, size, "empty"), float_default(dtype)), device, requires_grad,
                out)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False):
    """``size`` filled with ``fill_value``: of its kind (bool, int64, the default float)
    unless ``dtype`` says otherwise.

    >>> import chainrule as cr
    >>> cr.full((2, 2), 7.0).tolist()
    [[7.0, 7.0], [7.0, 7.0]]
    """
    fill_value = number(fill_value)
    if dtype is None:
        dtype = np.asarray(fill_value).dtype if not isinstance(fill_value, float) else None
    return made("full", np.full(tuple(size), fill_value, float_default(dtype)), device,
                requires_grad, out)


def arange(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Like ``torch.arange``: int64 for integer arguments, the default float otherwise.

    >>> import chainrule as cr
    >>> cr.arange(4).tolist(), cr.arange(1, 2, 0.25).tolist()
    ([0, 1, 2, 3], [1.0, 1.25, 1.5, 1.75])
    """
    start, end, step = number(start), number(end), number(step)
    if end is None:
        start, end = 0, start
    if dtype is None:
        whole = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if whole else dtypes.default_float
    dtype = dtypes.resolve(dtype)
    values = (float_range(start, end, step, dtype) if dtype.kind == "f"
              else np.arange(start, end, step, dtype=dtype))
    return made("arange", values, device, requires_grad, out)


def float_range(start, end, step, dtype):
    """PyTorch's float arange on the CPU, value for value: ``start + step * i`` computed in
    double (not NumPy's float32 accumulation, which drifts by 1e-5 over 160 steps of 0.1),
    and, as its vectorised kernel does, each run of 32 bytes of output from the run's first
    value rounded to ``dtype`` plus ``j * step`` (the runs cover a multiple of 64 bytes; the
    rest is computed one by one). Extended precision stands in for the kernel's fused
    multiply-adds."""
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    n = max(0, math.ceil((end - start) / step))
    wide, lanes = np.longdouble, 32 // dtype.itemsize
    runs = n // (2 * lanes) * 2 * lanes
    first = (wide(start) + wide(step) * np.arange(0, runs, lanes).astype(wide)).astype(dtype)
    lane = np.float64 if dtype.itemsize < 8 else wide
    values = np.empty(n, dtype)
    values[:runs] = (first.astype(lane)[:, None]
                     + np.arange(lanes).astype(lane) * lane(step)).astype(dtype).ravel()
    values[runs:] = (wide(start) + wide(step) * np.arange(runs, n).astype(wide)).astype(dtype)
    return values


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end``, computed in ``dtype`` (the
    default float unless given); ``start`` and ``end`` may be one-element tensors, whose
    values count, not their dtype (as in PyTorch).

    >>> import chainrule as cr
    >>> cr.linspace(cr.tensor(0.0), cr.tensor(1.0), 3, dtype=cr.float64).tolist()
    [0.0, 0.5, 1.0]
    """
    start, end = number(start), number(end)
    if steps < 0:
        raise ValueError(f"linspace: number of steps must be non-negative, got {steps}")
    dtype = float_default(dtype)
    if dtype.kind == "f":
        values = float_linspace(start, end, steps, dtype)
    else:   # integers: toward zero, as PyTorch
        values = np.trunc(np.linspace(start, end, steps)).astype(dtype)
    return made("linspace", values, device, requires_grad, out)


def float_linspace(start, end, steps, dtype):
    """PyTorch's float linspace on the CPU, value for value: the step in ``dtype``, the first
    half counted up from ``start`` and the second down from ``end`` (so both ends are exact),
    each value ``start + step * i`` rounded once (extended precision stands in for the
    kernel's fused multiply-add)."""
    if steps == 1:
        return np.array([start], dtype)
    first, last = dtype.type(start), dtype.type(end)
    step = dtype.type((last - first) / dtype.type(max(steps - 1, 1)))
    wide, half, i = np.longdouble, steps // 2, np.arange(steps)
    up = wide(first) + wide(step) * i[:half].astype(wide)
    down = wide(last) - wide(step) * (steps - 1 - i[half:]).astype(wide)
    return np.concatenate([up, down]).astype(dtype)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """The ``n`` x ``m`` identity matrix (square when ``m`` is None).

    >>> import chainrule as cr
    >>> cr.eye(2, 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    return made("eye", np.eye(n, m, dtype=float_default(dtype)), device, requires_grad, out)


def rand(*dims, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    """Uniform random numbers in [0, 1) of ``size``.

    >>> import chainrule as cr
    >>> x = cr.rand(1000)
    >>> bool((x >= 0).all() and (x < 1).all()), x.shape
    (True, chainrule.Size([1000]))
    """
    array = numpy_generator(generator).random(sizes(dims, size, "rand"))
    return made("rand", array.astype(float_default(dtype)), device, requires_grad, out)


def randn(*dims, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False):
    """Standard normal random numbers of ``size``.

    >>> import chainrule as cr
    >>> cr.randn(2, 3).shape, cr.randn(5).dtype
    (chainrule.Size([2, 3]), chainrule.float32)
    """
    array = numpy_generator(generator).standard_normal(sizes(dims, size, "randn"))
    return made("randn", array.astype(float_default(dtype)), device, requires_grad, out)


def randint(*args, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False, pin_memory=False, **bounds):
    """Random integers in [low, high), PyTorch's two forms: ``randint(high, size)`` and
    ``randint(low, high, size)`` (or by keyword: ``low=``, ``high=``, ``size=``); int64.

    >>> import chainrule as cr
    >>> x = cr.randint(10, (2, 3)); x.shape, x.dtype, bool(((0 <= x) & (x < 10)).all())
    (chainrule.Size([2, 3]), chainrule.int64, True)
    >>> bool((cr.randint(5, 7, (4,)) >= 5).all())
    True
    """
    low, high, size = randint_bounds(args, bounds)
    array = numpy_generator(generator).integers(low, high, size=tuple(size))
    return made("randint", array.astype(dtypes.resolve(dtype) or dtypes.int64), device,
                requires_grad, out)


def randint_bounds(args, bounds):
    """(low, high, size) from randint's positional and keyword arguments."""
    unknown = set(bounds) - {"low", "high", "size"}
    if unknown:
        raise TypeError(f"randint: unexpected keyword argument {sorted(unknown)[0]!r}")
    two = len(args) + len(bounds) == 2 and "low" not in bounds
    names = ("high", "size") if two else ("low", "high", "size")
    if len(args) > len(names):
        raise TypeError(f"randint: takes (high, size) or (low, high, size), got "
                        f"{len(args)} positional arguments")
    given = dict(zip(names, args))
    for name, value in bounds.items():
        if name in given:
            raise TypeError(f"randint: got {name} both by position and by keyword")
        given[name] = value
    if "high" not in given or "size" not in given:
        raise TypeError("randint: needs high and size: randint(high, size) or "
                        "randint(low, high, size), size a tuple such as (3,)")
    low, high = number(given.get("low", 0)), number(given["high"])
    if low >= high:
        raise RuntimeError(f"randint: low must be below high, got low={low}, high={high}")
    return low, high, given["size"]


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """A random permutation of 0 .. n - 1 (int64 unless ``dtype`` says otherwise).

    >>> import chainrule as cr
    >>> sorted(cr.randperm(5).tolist())
    [0, 1, 2, 3, 4]
    """
    array = numpy_generator(generator).permutation(n)
    return made("randperm", array.astype(dtypes.resolve(dtype) or np.int64), device,
                requires_grad, out)


def like(op, t, array, dtype, device, requires_grad, memory_format):
    """The result of a ``*_like`` function: ``t``'s shape, ``t``'s dtype unless ``dtype``."""
    return made(op, array.astype(dtypes.resolve(dtype) or t.dtype, copy=False), device,
                requires_grad)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """Zeros of ``input``'s shape and dtype.

    >>> import chainrule as cr
    >>> cr.zeros_like(cr.tensor([[1, 2]])).tolist()
    [[0, 0]]
    """
    return like("zeros_like", input, np.zeros(input.shape), dtype, device, requires_grad,
                memory_format)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """Ones of ``input``'s shape and dtype.

    >>> import chainrule as cr
    >>> cr.ones_like(cr.tensor([1.5, 2.5])).tolist()
    [1.0, 1.0]
    """
    return like("ones_like", input, np.ones(input.shape), dtype, device, requires_grad,
                memory_format)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """A tensor of ``input``'s shape and dtype (zeros here; PyTorch leaves them unset).

    >>> import chainrule as cr
    >>> cr.empty_like(cr.tensor([[1, 2, 3]])).shape
    chainrule.Size([1, 3])
    """
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """``fill_value`` in ``input``'s shape and dtype.

    >>> import chainrule as cr
    >>> cr.full_like(cr.tensor([1.0, 2.0]), 3.0).tolist()
    [3.0, 3.0]
    """
    array = np.full(input.shape, number(fill_value), dtypes.resolve(dtype) or input.dtype)
    return like("full_like", input, array, dtype, device, requires_grad, memory_format)


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None, generator=None):
    """Uniform random numbers in [0, 1) of ``input``'s shape and dtype.

    >>> import chainrule as cr
    >>> cr.rand_like(cr.tensor([[1.0, 2.0]])).shape
    chainrule.Size([1, 2])
    """
    return rand(*input.shape, dtype=dtype or input.dtype, device=device,
                requires_grad=requires_grad, generator=generator)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None, generator=None):
    """Standard normal random numbers of ``input``'s shape and dtype.

    >>> import chainrule as cr
    >>> cr.randn_like(cr.tensor([1.0, 2.0], dtype=cr.float64)).dtype
    chainrule.float64
    """
    return randn(*input.shape, dtype=dtype or input.dtype, device=device,
                 requires_grad=requires_grad, generator=generator)


def randint_like(input, *args, dtype=None, layout=None, device=None, requires_grad=False,
                 memory_format=None, generator=None, **bounds):
    """Random integers of ``input``'s shape and dtype: ``randint_like(input, high)`` or
    ``randint_like(input, low, high)``.

    >>> import chainrule as cr
    >>> x = cr.randint_like(cr.zeros(100), 3)
    >>> sorted(set(x.tolist())) <= [0.0, 1.0, 2.0], x.dtype
    (True, chainrule.float32)
    """
    names = ("high",) if len(args) + len(bounds) == 1 else ("low", "high")
    given = dict(zip(names, args), **bounds)
    return randint(given.get("low", 0), given["high"], input.shape,
                   dtype=dtype or input.dtype, device=device, requires_grad=requires_grad,
                   generator=generator)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None,
           layout=None, device=None, requires_grad=False, pin_memory=False):
    """Samples of N(mean, std ** 2), PyTorch's forms: ``normal(mean, std, size)`` with
    numbers, or ``mean`` and/or ``std`` tensors (broadcast; the result's shape). With
    tensors it is the composition ``mean + std * eps``, ``eps`` standard normal, so
    gradients reach ``mean`` (1) and ``std`` (``eps``), as PyTorch's.

    >>> import chainrule as cr
    >>> cr.normal(0.0, 1.0, (2, 3)).shape, cr.normal(cr.zeros(4), 2.0).shape
    (chainrule.Size([2, 3]), chainrule.Size([4]))
    """
    as_device(device, "normal")
    no_out(out, "normal")
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal: with a number mean and std, give size (a tuple)")
        eps = numpy_generator(generator).standard_normal(tuple(size))
        return filled((mean + std * eps).astype(float_default(dtype)), requires_grad)
    if size is not None:
        raise TypeError("normal: size is only for a number mean and std; a tensor's shape "
                        "gives the result's")
    shape = np.broadcast_shapes(*(t.shape for t in tensors))
    kind = tensors[0].dtype if tensors[0].dtype.kind == "f" else dtypes.default_float
    eps = new_tensor(numpy_generator(generator).standard_normal(shape).astype(kind), None)
    return mean + std * eps


@api(methods=("bernoulli",))
def bernoulli(input, p=None, *, generator=None, out=None):
    """1 with probability ``input`` (or ``p``), else 0, in ``input``'s shape and dtype; no
    gradient.

    >>> import chainrule as cr
    >>> cr.bernoulli(cr.tensor([0.0, 1.0, 1.0])).tolist()
    [0.0, 1.0, 1.0]
    """
    no_out(out, "bernoulli")
    probs = input._data if p is None else np.broadcast_to(number(p), input.shape)
    if np.any((probs < 0) | (probs > 1)):
        raise ValueError("bernoulli: probabilities must be in [0, 1]")
    draws = numpy_generator(generator).random(input.shape) < probs
    return new_tensor(draws.astype(input._data.dtype), None)


@api(methods=("multinomial",))
def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """``num_samples`` indices drawn from each row of ``input`` (weights, not necessarily
    normalised), with or without replacement: int64, no gradient.

    >>> import chainrule as cr
    >>> cr.multinomial(cr.tensor([0.0, 1.0, 0.0]), 2, replacement=True).tolist()
    [1, 1]
    """
    no_out(out, "multinomial")
    weights = np.asarray(input._data, np.float64)
    if weights.ndim not in (1, 2):
        raise ValueError(f"multinomial: input must be 1-D or 2-D, got shape {tuple(input.shape)}")
    rows = np.atleast_2d(weights)
    if (rows < 0).any() or not np.isfinite(rows).all():
        raise RuntimeError("multinomial: probabilities must be finite and non-negative")
    if (rows.sum(-1) <= 0).any():
        raise RuntimeError("multinomial: invalid distribution (sum of probabilities <= 0)")
    if not replacement and num_samples > (rows > 0).sum(-1).min():
        raise RuntimeError(f"multinomial: cannot draw {num_samples} samples without "
                           f"replacement from {int((rows > 0).sum(-1).min())} nonzero weights")
    rng = numpy_generator(generator)
    picks = np.stack([rng.choice(len(row), num_samples, replace=replacement, p=row / row.sum())
                      for row in rows])
    return new_tensor(picks.reshape(weights.shape[:-1] + (num_samples,)).astype(np.int64), None)


def new_like(op, t, array, dtype, device, requires_grad):
    return made(op, array.astype(dtypes.resolve(dtype) or t.dtype, copy=False), device,
                requires_grad)


@api(name=False, methods=("new_zeros",))
def new_zeros(self, *dims, size=None, dtype=None, layout=None, device=None, requires_grad=False,
              pin_memory=False):
    """Zeros of ``size`` in this tensor's dtype (unless ``dtype``)."""
    return new_like("new_zeros", self, np.zeros(sizes(dims, size, "new_zeros")), dtype, device, requires_grad)


@api(name=False, methods=("new_ones",))
def new_ones(self, *dims, size=None, dtype=None, layout=None, device=None, requires_grad=False,
             pin_memory=False):
    """Ones of ``size`` in this tensor's dtype (unless ``dtype``)."""
    return new_like("new_ones", self, np.ones(sizes(dims, size, "new_ones")), dtype, device, requires_grad)


@api(name=False, methods=("new_empty",))
def new_empty(self, *dims, size=None, dtype=None, layout=None, device=None, requires_grad=False,
              pin_memory=False):
    """A tensor of ``size`` in this tensor's dtype (zeros here)."""
    return new_like("new_empty", self, np.zeros(sizes(dims, size, "new_empty")), dtype, device, requires_grad)


@api(name=False, methods=("new",))
def new_legacy(self, *args, device=None):
    """PyTorch's legacy ``x.new(...)``: ``Tensor(...)``'s forms (sizes, data or nothing) in
    this tensor's dtype (``weight.new(3, 4).normal_()`` in older code).

    >>> import chainrule as cr
    >>> x = cr.zeros(2, dtype=cr.float64)
    >>> x.new(2, 3).shape, x.new([1, 2]).dtype, x.new().shape
    (chainrule.Size([2, 3]), chainrule.float64, chainrule.Size([0]))
    """
    as_device(device, "new")
    if len(args) == 1 and isinstance(args[0], Tensor) and args[0].dtype != self.dtype:
        raise TypeError(f"new: expected a {self.dtype} tensor, got {args[0].dtype}; convert "
                        f"it with .to({self.dtype})")
    return new_tensor(legacy_array(args, self._data.dtype, "new"), None)


@api(name=False, methods=("new_full",))
def new_full(self, size, fill_value, *, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """``size`` filled with ``fill_value``, in this tensor's dtype (unless ``dtype``)."""
    array = np.full(tuple(size), number(fill_value), dtypes.resolve(dtype) or self.dtype)
    return new_like("new_full", self, array, dtype, device, requires_grad)


@api(name=False, methods=("new_tensor",))
def new_tensor_method(self, data, *, dtype=None, layout=None, device=None,
                      requires_grad=False, pin_memory=False):
    """A copy of ``data`` as a leaf in this tensor's dtype (unless ``dtype``)."""
    as_device(device, "new_tensor")
    return Tensor.of(data, dtype=dtype or self.dtype, requires_grad=requires_grad)


def float_default(dtype):
    return dtypes.resolve(dtype) or dtypes.default_float
