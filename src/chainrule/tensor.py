"""``Tensor``: a NumPy array, its gradient, and the gate that made it.

This module is the bottom of the package (it imports only ``dtypes``): the Tensor's storage,
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

from . import dtypes

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

    def __new__(cls, data, requires_grad=False, dtype=None, name=None):
        t = new_tensor(dtypes.as_array(data, dtypes.resolve(dtype)), None, cls)
        t.name = name
        return t.requires_grad_(True) if requires_grad else t

    # ----- attributes -------------------------------------------------------------------
    shape = property(lambda self: self._data.shape)
    ndim = property(lambda self: self._data.ndim)
    dtype = property(lambda self: self._data.dtype)
    is_leaf = property(lambda self: self.grad_fn is None)
    device = property(lambda self: "cpu")
    _version = property(lambda self: 0 if self._vc is None else self._vc.count,
                        doc="PyTorch's ``t._version``: in-place changes made through any "
                            "tensor sharing this one's memory (views, detach(), .data)")
    _changed_at = property(lambda self: 0 if self._vc is None else self._vc.changed_at,
                           doc="The in-place clock's reading at the last change (0: none)")

    def size(self, dim=None):
        return self._data.shape if dim is None else self._data.shape[dim]

    def dim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    def item(self):
        if self._data.size != 1:
            raise ValueError(f"item: only a tensor with one element can be converted to a "
                             f"Python number, this one has shape {self.shape}")
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

    def cpu(self):
        return self

    def contiguous(self):
        return self

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
            raise RuntimeError(f"Boolean value of a tensor of shape {self.shape} with more than "
                               f"one value is ambiguous; use .any() or .all()")
        return bool(self._data)

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
        body = np.array2string(self._data, separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self._data.dtype not in (dtypes.float32, dtypes.int64, dtypes.bool):
            extras.append(f"dtype={self.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{type(self.grad_fn).__name__}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return "tensor(" + ", ".join([body] + extras) + ")"


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


def api(fn=None, *, name=None, methods=()):
    """Publish ``fn``: as ``chainrule.<name>`` (its own name by default; ``name=False`` for
    none) and as the Tensor methods ``methods``. Usable bare (``@api``) or with arguments."""
    def publish(fn):
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
