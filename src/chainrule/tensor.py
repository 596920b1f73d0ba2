"""``Tensor``: a NumPy array, its gradient, and the gate that made it.

Methods are one-line dispatches to the gates in ``ops``; no math lives here.
"""
import copy
import weakref

import numpy as np

from . import dtypes
from .autograd.grad_mode import inplace_clock, state


class Tensor:
    """An n-dimensional array that remembers how it was computed.

    >>> import chainrule as cr
    >>> x = cr.tensor(3.0, requires_grad=True)
    >>> y = x * x + 2 * x
    >>> y.backward()
    >>> x.grad.item()
    8.0
    """

    __slots__ = ("data", "grad", "grad_fn", "requires_grad", "name", "_hooks", "_version",
                 "_changed_at", "__weakref__")
    __array_ufunc__ = None       # NumPy defers to our reflected operators: array * tensor works
    __hash__ = object.__hash__   # tensors are dict keys by identity, as in PyTorch

    def __init__(self, data, requires_grad=False, dtype=None, name=None):
        self._init_leaf(dtypes.as_array(data, dtypes.resolve(dtype)), name)
        if requires_grad:
            self.requires_grad_(True)

    def _init_leaf(self, array, name=None):
        """Fill every slot for a fresh leaf holding ``array`` (new_tensor does the same
        inline, because it runs for every operation)."""
        self.data = array
        self.grad = None
        self.grad_fn = None
        self.requires_grad = False
        self.name = name
        self._hooks = None
        self._version = 0
        self._changed_at = 0

    # ----- attributes -------------------------------------------------------------------
    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    dtype = property(lambda self: self.data.dtype)
    is_leaf = property(lambda self: self.grad_fn is None)
    device = property(lambda self: "cpu")
    T = property(lambda self: ops.permute(self, tuple(range(self.ndim - 1, -1, -1))))
    mT = property(lambda self: ops.transpose(self, -2, -1))

    def size(self, dim=None):
        return self.data.shape if dim is None else self.data.shape[dim]

    def dim(self):
        return self.data.ndim

    def numel(self):
        return self.data.size

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item: only a tensor with one element can be converted to a "
                             f"Python number, this one has shape {self.shape}")
        return self.data.item()

    def numpy(self):
        return self.data

    def tolist(self):
        return self.data.tolist()

    # ----- autograd ---------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        engine.backward(self, gradient, retain_graph, create_graph)

    def detach(self):
        return new_tensor(self.data, None)

    def requires_grad_(self, requires_grad=True):
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError("requires_grad_: you can only change requires_grad of leaf "
                               "tensors; use detach() to get a tensor without a graph")
        if requires_grad and self.data.dtype.kind not in "fc":
            raise RuntimeError(f"only floating point tensors can require gradients, this one is "
                               f"{self.dtype}; convert it with .float() first")
        self.requires_grad = requires_grad or self.grad_fn is not None
        return self

    def retain_grad(self):
        """Keep ``.grad`` on a non-leaf tensor too (leaves always keep theirs)."""
        if self.grad_fn is not None:
            self.grad_fn.retained = weakref.ref(self)
            self.grad_fn.observe()

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle with ``.remove()``."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that "
                               "doesn't require gradient")
        if self.grad_fn is not None:
            if self.grad_fn.hooks is None:
                self.grad_fn.hooks = {}
                self.grad_fn.observe()
            hooks = self.grad_fn.hooks
        else:
            if self._hooks is None:
                self._hooks = {}
            hooks = self._hooks
        return HookHandle(hooks, hook)

    # ----- conversion -------------------------------------------------------------------
    def to(self, dtype=None, *args, **kwargs):
        dtype = kwargs.get("dtype", dtype)
        if dtype is None or isinstance(dtype, str) and dtype in ("cpu",):
            return self
        return ops_cast(self, dtypes.resolve(dtype))

    def float(self):
        return ops_cast(self, dtypes.float32)

    def double(self):
        return ops_cast(self, dtypes.float64)

    def half(self):
        return ops_cast(self, dtypes.float16)

    def long(self):
        return ops_cast(self, dtypes.int64)

    def int(self):
        return ops_cast(self, dtypes.int32)

    def bool(self):
        return ops_cast(self, dtypes.bool)

    def type_as(self, other):
        return ops_cast(self, other.dtype)

    def cpu(self):
        return self

    def clone(self):
        return ops.mul(self, 1) if self.requires_grad else new_tensor(self.data.copy(), None)

    def contiguous(self):
        return self

    # ----- arithmetic -------------------------------------------------------------------
    # __add__, __sub__, __mul__, __truediv__, __pow__, __matmul__, __neg__, __abs__ and the
    # unary methods (exp, tanh, ...) are the gates' fast paths themselves, set after the
    # class (see the end of this file): one Python call fewer on every operation.
    def __radd__(self, other): return ops.Add.binary(other, self)
    def __rsub__(self, other): return ops.Sub.binary(other, self)
    def __rmul__(self, other): return ops.Mul.binary(other, self)
    def __rtruediv__(self, other): return ops.Div.binary(other, self)
    def __rpow__(self, other): return ops.Pow.binary(other, self)
    def __rmatmul__(self, other): return ops.MatMul.binary(other, self)
    def __pos__(self): return self
    # the named forms take PyTorch's keywords: x.add(y, alpha=2), x.pow(exponent=3)
    def add(self, other, alpha=1): return ops.Add.binary(self, scaled(other, alpha))
    def sub(self, other, alpha=1): return ops.Sub.binary(self, scaled(other, alpha))
    def pow(self, exponent): return ops.Pow.binary(self, exponent)

    def sign(self): return ops.sign(self)
    def clamp(self, min=None, max=None): return ops.clamp(self, min, max)  # noqa: A002
    clip = clamp

    # ----- comparisons (no gradient) ----------------------------------------------------
    def __lt__(self, other): return compare(np.less, self, other)
    def __le__(self, other): return compare(np.less_equal, self, other)
    def __gt__(self, other): return compare(np.greater, self, other)
    def __ge__(self, other): return compare(np.greater_equal, self, other)
    def __eq__(self, other): return compare(np.equal, self, other)
    def __ne__(self, other): return compare(np.not_equal, self, other)
    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    # ----- reductions -------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False): return ops.sum(self, dim, keepdim)
    def mean(self, dim=None, keepdim=False): return ops.mean(self, dim, keepdim)
    def max(self, dim=None, keepdim=False): return ops.max(self, dim, keepdim)
    def min(self, dim=None, keepdim=False): return ops.min(self, dim, keepdim)
    def logsumexp(self, dim, keepdim=False): return ops.logsumexp(self, dim, keepdim)
    def argmax(self, dim=None, keepdim=False): return ops.argmax(self, dim, keepdim)
    def argmin(self, dim=None, keepdim=False): return ops.argmin(self, dim, keepdim)
    def var(self, dim=None, unbiased=True, keepdim=False, correction=None):
        return ops.var(self, dim, unbiased, keepdim, correction)
    def std(self, dim=None, unbiased=True, keepdim=False, correction=None):
        return ops.std(self, dim, unbiased, keepdim, correction)
    def softmax(self, dim): return ops.softmax(self, dim)
    def log_softmax(self, dim): return ops.log_softmax(self, dim)

    # ----- shape ------------------------------------------------------------------------
    def reshape(self, *shape): return ops.reshape(self, *shape)
    view = reshape
    def view_as(self, other): return ops.reshape(self, other.shape)
    def flatten(self, start_dim=0, end_dim=-1): return ops.flatten(self, start_dim, end_dim)
    def transpose(self, dim0, dim1): return ops.transpose(self, dim0, dim1)
    def t(self): return ops.transpose(self, 0, 1) if self.ndim == 2 else self
    def permute(self, *dims): return ops.permute(self, *dims)
    def squeeze(self, dim=None): return ops.squeeze(self, dim)
    def unsqueeze(self, dim): return ops.unsqueeze(self, dim)
    def expand(self, *shape): return ops.expand(self, *shape)
    def expand_as(self, other): return ops.expand(self, other.shape)
    def split(self, split_size, dim=0): return ops.split(self, split_size, dim)
    def chunk(self, chunks, dim=0): return ops.chunk(self, chunks, dim)
    def __getitem__(self, index): return ops.getitem(self, index)

    # ----- in-place (no graph: for updates under no_grad and for plain data) ------------
    def _inplace(self, fn, *args):
        """``fn(data, *args)`` changes the data in place (args as arrays)."""
        self._check_inplace()
        fn(self.data, *[a.data if isinstance(a, Tensor) else a for a in args])
        return self._mark_changed()

    def _update(self, ufunc, *operands):
        """``data = ufunc(data, *operands)``, written into the data itself."""
        self._check_inplace()
        ufunc(self.data, *[a.data if isinstance(a, Tensor) else a for a in operands],
              out=self.data, casting="unsafe")
        return self._mark_changed()

    def _check_inplace(self):
        if self.requires_grad and state.enabled:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation; "
                "do the update inside `with cr.no_grad():`" if self.grad_fn is None else
                "in-place operations on tensors that are part of a graph are not supported; "
                "use the out-of-place form (x = x + y)")

    def _mark_changed(self):
        """Record an in-place change: backward refuses values that gates saved before it."""
        inplace_clock.now += 1
        self._version += 1
        self._changed_at = inplace_clock.now
        if self.grad_fn is not None:
            self.grad_fn.output_changed = True
        return self

    def add_(self, other, alpha=1): return self._update(np.add, scaled(other, alpha))
    def sub_(self, other, alpha=1): return self._update(np.subtract, scaled(other, alpha))
    def mul_(self, other): return self._update(np.multiply, other)
    def div_(self, other): return self._update(np.divide, other)
    def clamp_(self, min=None, max=None): return self._update(np.clip, min, max)  # noqa: A002
    def zero_(self): return self._inplace(copy_into, 0)
    def fill_(self, value): return self._inplace(copy_into, value)
    def copy_(self, src): return self._inplace(copy_into, src)

    def __iadd__(self, other): return self._update(np.add, other) if can_update(self) else self + other
    def __isub__(self, other): return self._update(np.subtract, other) if can_update(self) else self - other
    def __imul__(self, other): return self._update(np.multiply, other) if can_update(self) else self * other
    def __itruediv__(self, other): return self._update(np.divide, other) if can_update(self) else self / other

    def __setitem__(self, index, value):
        self._inplace(lambda d, v: d.__setitem__(ops.shape.normalize_index(index), v), value)

    # ----- Python protocol --------------------------------------------------------------
    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self):
        if self.data.size != 1:
            raise RuntimeError(f"Boolean value of a tensor of shape {self.shape} with more than "
                               f"one value is ambiguous; use .any() or .all()")
        return bool(self.data)

    def __float__(self): return float(self.item())
    def __int__(self): return int(self.item())
    def __index__(self): return int(self.item())

    def __reduce_ex__(self, protocol):
        """Pickling and ``copy.copy``, as in PyTorch: the data (shared by ``copy.copy``),
        ``requires_grad`` and the name; never the graph, which cannot leave its process, nor
        ``.grad``. A tensor made by a gate comes back as a leaf."""
        return rebuild_tensor, (type(self), self.data, self.requires_grad, self.name)

    def __deepcopy__(self, memo):
        """``copy.deepcopy`` of a leaf: its data, ``requires_grad``, name and ``.grad`` copied.
        As in PyTorch, a tensor made by a gate is refused: a copy of its graph would break
        the creation order backward runs in."""
        if self.grad_fn is not None:
            raise RuntimeError(
                f"deepcopy: only leaf tensors (made by you, not by a gate) can be deep-copied; "
                f"this one comes from gate '{self.grad_fn.label}' "
                f"({type(self.grad_fn).__name__}). Copy .detach() to keep the values.")
        clone = rebuild_tensor(type(self), self.data.copy(), self.requires_grad, self.name)
        memo[id(self)] = clone
        clone.grad = copy.deepcopy(self.grad, memo)
        return clone

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    def any(self): return new_tensor(np.asarray(self.data.any()), None)
    def all(self): return new_tensor(np.asarray(self.data.all()), None)

    def __repr__(self):
        body = np.array2string(self.data, separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self.data.dtype not in (dtypes.float32, dtypes.int64, dtypes.bool):
            extras.append(f"dtype={self.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{type(self.grad_fn).__name__}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return "tensor(" + ", ".join([body] + extras) + ")"


def new_tensor(data, node):
    """The engine's fast constructor: wrap an array (no copy, no checks); Tensor._init_leaf's
    slots, written out here to save a call on every operation."""
    t = Tensor.__new__(Tensor)
    t.data = data if type(data) is np.ndarray else np.asarray(data)
    t.grad = None
    t.grad_fn = node
    t.requires_grad = node is not None
    t.name = None
    t._hooks = None
    t._version = 0
    t._changed_at = 0
    return t


def rebuild_tensor(cls, data, requires_grad, name):
    """A leaf of class ``cls`` (Tensor or Parameter) around ``data``: pickle's constructor."""
    t = cls.__new__(cls)
    t._init_leaf(data, name)
    t.requires_grad = requires_grad
    return t


def compare(fn, x, y):
    return new_tensor(fn(x.data, y.data if isinstance(y, Tensor) else y), None)


def copy_into(array, values):
    """Values written into ``array`` (broadcast, cast as PyTorch does: 2.7 into int gives 2)."""
    np.copyto(array, values, casting="unsafe")


def scaled(other, alpha):
    return other if alpha == 1 else other * alpha


def can_update(t):
    """``x += y`` updates in place, except on a non-leaf while the graph records: there it
    rebinds (``x = x + y``, the graph stays correct). On a leaf that requires grad outside
    ``no_grad`` the in-place update raises, as in PyTorch."""
    return t.grad_fn is None or not state.enabled


def ops_cast(t, dtype):
    if t.data.dtype == dtype:
        return t
    return ops.cast(t, dtype)


class HookHandle:
    """What ``register_hook`` returns: ``.remove()`` takes the hook away."""

    _next_id = 0

    def __init__(self, hooks, hook):
        HookHandle._next_id += 1
        self.key = HookHandle._next_id
        self.hooks = hooks
        hooks[self.key] = hook

    def remove(self):
        self.hooks.pop(self.key, None)


from . import ops  # noqa: E402  (the gates need Tensor, so they come after it)
from .autograd import engine  # noqa: E402

Tensor.__add__ = ops.Add.binary
Tensor.__sub__ = ops.Sub.binary
Tensor.__mul__ = Tensor.mul = ops.Mul.binary
Tensor.__truediv__ = Tensor.div = ops.Div.binary
Tensor.__pow__ = ops.Pow.binary
Tensor.__matmul__ = Tensor.matmul = Tensor.mm = ops.MatMul.binary
Tensor.maximum = ops.Maximum.binary
Tensor.minimum = ops.Minimum.binary
Tensor.__neg__ = Tensor.neg = ops.Neg.unary
Tensor.__abs__ = Tensor.abs = ops.Abs.unary
Tensor.exp = ops.Exp.unary
Tensor.log = ops.Log.unary
Tensor.sqrt = ops.Sqrt.unary
Tensor.sin = ops.Sin.unary
Tensor.cos = ops.Cos.unary
Tensor.tanh = ops.Tanh.unary
Tensor.sigmoid = ops.Sigmoid.unary
Tensor.relu = ops.Relu.unary
