"""``Tensor``: a NumPy array, its gradient, and the gate that made it.

This module is the bottom of the package (it imports only ``dtypes``, ``device`` and
``printing``, which import nothing of chainrule's): the Tensor's storage,
its attributes and the Python protocol. Its operations are not written here. Each gate
installs the methods it computes when its class is defined (``Gate.methods``: ``x.exp()``,
``x * y`` are the gates' fast paths themselves), and each composition or engine entry point
is installed by ``api`` where it is written (``ops/reduce.py`` gives ``Tensor.var``,
``autograd/engine.py`` gives ``Tensor.backward``). ``PUBLIC`` collects the functions that
``chainrule`` exports (``cr.exp``, ``cr.var``). So one op is one place, and no module
below the gates needs to import them.
"""
import copy
import weakref

import numpy as np

from . import dtypes, printing
from .device import CPU, DeviceError, as_device

PUBLIC = {}   # name -> function: the public functions of chainrule (cr.exp, cr.var, ...)


class Tensor:
    """An n-dimensional array that remembers how it was computed.

    >>> import chainrule as cr
    >>> x = cr.tensor(3.0, requires_grad=True)
    >>> y = x * x + 2 * x
    >>> y.backward()
    >>> x.grad.item()
    8.0
    """

    # Every tensor sets its slots; the attributes a tensor rarely changes keep their value
    # here on the class until one sets its own (in its __dict__, made then): new_tensor, on
    # every operation, fills three fields instead of eight.
    __slots__ = ("_data", "grad_fn", "requires_grad", "__dict__", "__weakref__")
    grad = None
    name = None
    _hooks = None
    _post_hooks = None   # register_post_accumulate_grad_hook's, on a leaf
    _vc = None   # the Version it shares with its aliases; made on the first alias or change
    __array_ufunc__ = None       # NumPy defers to our reflected operators: array * tensor works
    __hash__ = object.__hash__   # tensors are dict keys by identity, as in PyTorch

    def __new__(cls, *args, device=None):
        """PyTorch's legacy constructor ``torch.Tensor(...)`` (``cr.tensor`` is the usual
        one): sizes give a tensor of that shape in the default float dtype (zeros here,
        uninitialised in PyTorch), data its values in that dtype, a tensor the same values.

        >>> import chainrule as cr
        >>> cr.Tensor(2, 3).shape, cr.Tensor([1, 2]), cr.Tensor()
        (chainrule.Size([2, 3]), tensor([1., 2.]), tensor([]))
        """
        as_device(device, "Tensor")
        return new_tensor(legacy_array(args, dtypes.default_float, "Tensor"), None, cls)

    @classmethod
    def of(cls, data, requires_grad=False, dtype=None, name=None):
        """A leaf holding a copy of ``data``, its dtype inferred unless given (``cr.tensor``)."""
        t = new_tensor(dtypes.as_array(data, dtypes.resolve(dtype)), None, cls)
        t.name = name
        return t.requires_grad_(True) if requires_grad else t

    # ----- attributes -------------------------------------------------------------------
    shape = property(lambda self: Size(self._data.shape),
                     doc="The sizes of the dimensions, a ``Size`` (a tuple), as ``size()``")
    ndim = property(lambda self: self._data.ndim)
    dtype = property(lambda self: dtypes.PUBLIC_DTYPES[self._data.dtype],
                     doc="The dtype, printed as PyTorch prints it (``chainrule.float32``)")
    is_leaf = property(lambda self: self.grad_fn is None)
    device = property(lambda self: CPU, doc="The device the tensor lives on: the CPU")
    is_cuda = property(lambda self: False, doc="Whether the tensor is on a CUDA GPU: never")
    is_cpu = property(lambda self: True, doc="Whether the tensor is on the CPU: always")
    _version = property(lambda self: 0 if self._vc is None else self._vc.count,
                        doc="PyTorch's ``t._version``: in-place changes made through any "
                            "tensor sharing this one's memory (views, detach(), .data)")
    _changed_at = property(lambda self: 0 if self._vc is None else self._vc.changed_at,
                           doc="The in-place clock's reading at the last change (0: none)")

    def size(self, dim=None):
        """The shape as a ``Size`` (a tuple), or the size of dimension ``dim``.

        >>> import chainrule as cr
        >>> x = cr.zeros(2, 3); x.size(), x.size(-1), x.shape == (2, 3)
        (chainrule.Size([2, 3]), 3, True)
        """
        if dim is None:
            return Size(self._data.shape)
        ndim = self._data.ndim
        if not -max(ndim, 1) <= dim < max(ndim, 1) or ndim == 0:
            raise IndexError(f"size: dim {dim} is out of range for a tensor with {ndim} "
                             f"dimensions")
        return self._data.shape[dim]

    def dim(self):
        return self._data.ndim

    def numel(self):
        """The number of elements."""
        return self._data.size

    nelement = numel

    def ndimension(self):
        """The number of dimensions (``dim()``)."""
        return self._data.ndim

    def element_size(self):
        """Bytes per element."""
        return self._data.dtype.itemsize

    def is_floating_point(self):
        """Whether the dtype is a float dtype."""
        return self._data.dtype.kind == "f"

    def is_complex(self):
        """Whether the dtype is complex: never, among chainrule's dtypes."""
        return self._data.dtype.kind == "c"

    def item(self):
        if self._data.size != 1:
            raise ValueError(f"item: only a tensor with one element can be converted to a "
                             f"Python number, this one has shape {tuple(self.shape)}")
        return self._data.item()

    def numpy(self):
        """The NumPy array itself (no copy: writes show in the tensor). Refused on a tensor
        that requires grad, as in PyTorch: a write there would bypass the graph."""
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        return self._data

    @property
    def data(self):
        """A tensor sharing this one's memory, detached from the graph (PyTorch's ``.data``):
        ``p.data.add_(u)`` or ``p.data -= lr * p.grad`` change ``p`` and record nothing."""
        return alias(self, new_tensor(self._data, None))

    @data.setter
    def data(self, value):
        """``t.data = other`` makes ``t`` hold ``other``'s values (its memory, for a tensor)."""
        self._data = value._data if isinstance(value, Tensor) else dtypes.array_of(value)

    def tolist(self):
        return self._data.tolist()

    def detach(self):
        return alias(self, new_tensor(self._data, None))

    def requires_grad_(self, requires_grad=True):
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError("requires_grad_: you can only change requires_grad of leaf "
                               "tensors; use detach() to get a tensor without a graph")
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError(f"only floating point tensors can require gradients, this one is "
                               f"{self.dtype}; convert it with .float() first")
        self.requires_grad = requires_grad or self.grad_fn is not None
        return self

    def retain_grad(self):
        """Keep ``.grad`` on a non-leaf tensor too (leaves always keep theirs)."""
        if self.grad_fn is not None:
            self.grad_fn.retain(self)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor
        replaces the gradient. Returns a handle with ``.remove()``."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that "
                               "doesn't require gradient")
        if self.grad_fn is not None:
            return HookHandle(self.grad_fn.hook_table(), hook)
        if self._hooks is None:
            self._hooks = {}
        return HookHandle(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(tensor)`` once this leaf's ``.grad`` holds its gradient from the
        running backward (PyTorch's name): right after the last gate that reads the leaf has
        run, so work on it (DistributedDataParallel's all-reduce) overlaps the rest of
        backward. Not run by ``autograd.grad``. Returns a handle with ``.remove()``."""
        if self.grad_fn is not None:
            raise RuntimeError("register_post_accumulate_grad_hook: post accumulate grad hooks "
                               "cannot be registered on non-leaf tensors; use register_hook")
        if not self.requires_grad:
            raise RuntimeError("register_post_accumulate_grad_hook: cannot register a hook on "
                               "a tensor that doesn't require gradient")
        if self._post_hooks is None:
            self._post_hooks = {}
        PostAccumulate.anywhere = True
        return HookHandle(self._post_hooks, hook)

    def cpu(self, memory_format=None):
        """The tensor itself: it is on the CPU already (the one device)."""
        return self

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        """Refused with a clear error: chainrule computes on the CPU only."""
        as_device("cuda" if device is None or isinstance(device, int) else device, "cuda")
        return self

    def get_device(self):
        """-1, PyTorch's answer for a tensor on the CPU."""
        return -1

    def share_memory_(self):
        """The tensor itself (no other process to share with here; see Module.share_memory)."""
        return self

    def is_shared(self):
        """False: the memory is this process's own."""
        return False

    def pin_memory(self, device=None):
        """Refused as PyTorch refuses it without an accelerator: pinned memory only speeds
        copies to a GPU (programs call it in their CUDA branch)."""
        raise DeviceError("pin_memory: Cannot access accelerator device when none is "
                          "available (chainrule computes on the CPU)")

    def is_pinned(self, device=None):
        """False (see ``pin_memory``)."""
        return False

    def detach_(self):
        """Detach in place: the tensor leaves the graph and no longer requires grad.

        >>> import chainrule as cr
        >>> y = cr.ones(2, requires_grad=True) * 2
        >>> y.detach_() is y, y.requires_grad, y.grad_fn
        (True, False, None)
        """
        self.grad_fn = None
        self.requires_grad = False
        return self

    def contiguous(self, memory_format=None):
        """The tensor itself: NumPy's C order is the one layout (see ``device.memory_format``)."""
        return self

    def is_contiguous(self, memory_format=None):
        """True: tensors are kept contiguous; a layout change changes no value here."""
        return True

    def __pos__(self):
        return self

    # ----- Python protocol --------------------------------------------------------------
    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of a tensor of shape {tuple(self.shape)} with more than "
                               f"one value is ambiguous; use .any() or .all()")
        return bool(self._data)

    def __format__(self, spec):
        """``f"{loss:.4f}"``: a 0-d tensor formats as its number (PyTorch's rule); any other
        tensor formats as its repr, and only without a format spec (as Python objects do)."""
        if self._data.ndim == 0:
            return format(self._data.item(), spec)
        if spec:
            raise TypeError(f"unsupported format string {spec!r} passed to Tensor.__format__ "
                            f"for a tensor of shape {tuple(self._data.shape)}; format "
                            f"t.item() of a one-element tensor")
        return repr(self)

    def __float__(self): return float(self.item())
    def __int__(self): return int(self.item())
    def __index__(self): return int(self.item())

    def __reduce_ex__(self, protocol):
        """Pickling and ``copy.copy``, as in PyTorch: the data (shared by ``copy.copy``),
        ``requires_grad`` and the name; never the graph, which cannot leave its process, nor
        ``.grad``. A tensor made by a gate comes back as a leaf."""
        return rebuild_tensor, (type(self), self._data, self.requires_grad, self.name)

    def __deepcopy__(self, memo):
        """``copy.deepcopy`` of a leaf: its data, ``requires_grad``, name and ``.grad`` copied.
        As in PyTorch, a tensor made by a gate is refused: a copy of its graph would break
        the creation order backward runs in."""
        if self.grad_fn is not None:
            raise RuntimeError(
                f"deepcopy: only leaf tensors (made by you, not by a gate) can be deep-copied; "
                f"this one comes from gate '{self.grad_fn.label}' "
                f"({type(self.grad_fn).__name__}). Copy .detach() to keep the values.")
        clone = rebuild_tensor(type(self), self._data.copy(), self.requires_grad, self.name)
        memo[id(self)] = clone
        clone.grad = copy.deepcopy(self.grad, memo)
        return clone

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def __repr__(self):
        """PyTorch's form (``printing.py``): ``tensor([1.5000, 2.2500], requires_grad=True)``,
        ``dtype=`` when not the default float, int64 or bool, the gate as ``grad_fn=``."""
        extras = []
        if self._data.dtype not in (dtypes.default_float, dtypes.int64, dtypes.bool):
            extras.append(f"dtype=chainrule.{self._data.dtype.name}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{backward_name(self.grad_fn)}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return printing.tensor_repr(np.asarray(self._data), extras)


class Size(tuple):
    """A tensor's shape: a tuple, printed as PyTorch prints ``torch.Size``.

    >>> import chainrule as cr
    >>> cr.ones(2, 3).shape, cr.ones(2, 3).shape.numel()
    (chainrule.Size([2, 3]), 6)
    """

    __slots__ = ()

    def __repr__(self):
        return f"chainrule.Size({list(self)})"

    __str__ = __repr__

    def numel(self):
        """The number of elements a tensor of this shape holds."""
        n = 1
        for size in self:
            n *= size
        return n


# PyTorch's node names where they are not the gate's name plus Backward0 (a sum over
# dims is SumBackward1: its second overload)
BACKWARD_NAMES = {"MatMul": "MmBackward0", "Linear": "AddmmBackward0", "Cast": "ToCopyBackward0",
                  "Reshape": "ViewBackward0", "CrossEntropy": "NllLossBackward0",
                  "SoftmaxCrossEntropy": "NllLossBackward0", "Clamp": "ClampBackward1",
                  "GetItem": "IndexBackward0", "Max": "MaxBackward1", "Min": "MinBackward1",
                  "MaxDim": "MaxBackward0", "MinDim": "MinBackward0"}


def backward_name(node):
    """The name PyTorch gives the gate's node: ``MulBackward0`` for ``Mul``."""
    name = type(node).__name__
    if name in ("Sum", "Mean") and getattr(node, "dims", None) is not None:
        return f"{name}Backward1"
    return BACKWARD_NAMES.get(name) or f"{name}Backward0"


# The one place a Tensor's slots are filled. new_tensor runs it; the gates' fast paths
# (autograd/fast_paths.py) splice the same lines into the code they compile, which saves a
# call on every operation (0.05 us, 6% of benchmarks/engine_speed.py c's forward).
FILL_SLOTS = """\
    t = NEW(cls)
    t._data = data if type(data) is ndarray else array_of(data)
    t.grad_fn = node
    t.requires_grad = node is not None
"""
NEW, ndarray, array_of = object.__new__, np.ndarray, dtypes.array_of
exec(compile("def new_tensor(data, node, cls=Tensor):\n" + FILL_SLOTS + "    return t\n",
             "<new_tensor>", "exec"))
new_tensor.__doc__ = """The one constructor: wrap an array (no copy, no checks) and fill every
    slot (FILL_SLOTS; a new slot is set there only). ``node`` is the gate that made it,
    None for a leaf."""


class Version:
    """The version counter that tensors sharing memory share (PyTorch's): ``count`` in-place
    changes so far, ``changed_at`` the in-place clock's reading at the last one. Made lazily:
    a tensor that is never aliased nor changed has none (the class default None), so an
    operation costs nothing for it. ``output_of`` is a weak reference to the gate that made
    the memory's first tensor when that gate saved its output: a change through any alias
    marks that output changed (weak: a kept ``loss.detach()`` must not keep the graph)."""

    __slots__ = ("count", "changed_at", "output_of")

    def __init__(self, t):
        self.count = 0
        self.changed_at = 0
        node = t.grad_fn
        self.output_of = weakref.ref(node) if node is not None and node.saves_output else None


def version_of(t):
    """``t``'s Version, made now if it has none."""
    vc = t._vc
    if vc is None:
        vc = t._vc = Version(t)
    return vc


def legacy_array(args, dtype, op):
    """The array of PyTorch's legacy constructors (``Tensor(2, 3)``, ``FloatTensor([1, 2])``):
    nothing, an empty tensor; integers or a Size, that shape (zeros); one sequence or array,
    its values in ``dtype``; a tensor, its values in its own dtype, as PyTorch keeps it."""
    if not args:
        return np.zeros(0, dtype)
    if isinstance(args[0], Size) and len(args) == 1:
        args = tuple(args[0])
    if all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
        return np.zeros(args, dtype)
    if len(args) == 1 and isinstance(args[0], Tensor):
        return args[0]._data.copy()
    if len(args) == 1 and not isinstance(args[0], (bool, int, float, np.generic)):
        return dtypes.as_array(args[0], dtype)
    raise TypeError(f"{op}(): takes sizes (2, 3), a Size or one sequence of data, not "
                    f"{', '.join(type(a).__name__ for a in args)}; for a number use "
                    f"cr.tensor(value)")


def alias(base, t):
    """``t`` shares ``base``'s memory: from now on they share one version counter."""
    t._vc = version_of(base)
    return t


def rebuild_tensor(cls, data, requires_grad, name):
    """A leaf of class ``cls`` (Tensor or Parameter) around ``data``: pickle's constructor."""
    t = new_tensor(data, None, cls)
    t.name = name
    t.requires_grad = requires_grad
    return t


def api(fn=None, *, name=None, methods=(), example=None):
    """Publish ``fn``: as ``chainrule.<name>`` (its own name by default; ``name=False`` for
    none) and as the Tensor methods ``methods``. Usable bare (``@api``) or with arguments.
    ``example``: ``(call, output)``, a doctest added to the docstring of a function that a
    factory makes (a written docstring holds its own)."""
    def publish(fn):
        if example is not None:
            fn.__doc__ = (f"{fn.__doc__ or ''}\n\n    >>> import chainrule as cr\n"
                          f"    >>> {example[0]}\n    {example[1]}\n    ")
        if name is not False:
            PUBLIC[name or fn.__name__] = fn
        for method in methods:
            setattr(Tensor, method, fn)
        return fn
    return publish(fn) if fn is not None else publish


class PostAccumulate:
    """Whether any leaf has had a post accumulate grad hook: until one has, backward does
    not look for the gate after which each leaf's gradient is complete."""

    anywhere = False


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
