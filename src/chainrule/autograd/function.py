"""Custom gates written by users, PyTorch's way: ``forward(ctx, ...)`` and ``backward(ctx, grad)``.

Forward may also be written without ``ctx`` when ``setup_context(ctx, inputs, output)`` is
defined (PyTorch 2's form), and may return several tensors: their values are joined into one
output of the gate, which each returned tensor is a piece of, so backward receives one
gradient per output (zeros, or None after ``ctx.set_materialize_grads(False)``, for those
that got none; always zeros for outputs marked non-differentiable or not float)."""
import functools

import numpy as np

from ..tensor import Tensor, alias, new_tensor
from .anomaly import note_creation
from .gate import Context, Gate
from .grad_mode import anomaly_mode, state
from .vocabulary import ARRAYS


class Function:
    """Subclass with static ``forward(ctx, *args)`` and ``backward(ctx, grad)``; call ``.apply``.

    >>> import chainrule as cr
    >>> class Cube(cr.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, grad):
    ...         (x,) = ctx.saved_tensors
    ...         return grad * 3 * x ** 2
    >>> x = cr.tensor(2.0, requires_grad=True)
    >>> Cube.apply(x).backward()
    >>> x.grad.item()
    12.0
    """

    formula = None          # optional: shown by explain and the graph pictures
    derivatives = {}

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("a Function subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Defined by a subclass whose ``forward`` takes no ``ctx`` (PyTorch 2's form)."""
        raise NotImplementedError("setup_context is not defined for this Function")

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = Context()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        prev, state.enabled = state.enabled, False
        try:
            if cls.setup_context is Function.setup_context:
                out = cls.forward(ctx, *args, **kwargs)
            else:
                out = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, out)
        finally:
            state.enabled = prev
        if isinstance(out, tuple) and any(isinstance(o, Tensor) for o in out):
            return several_outputs(cls, ctx, args, out)
        if not isinstance(out, Tensor):
            raise TypeError(f"{cls.__name__}.forward must return a Tensor or a tuple of "
                            f"them, got {type(out).__name__}")
        if not (any(ctx.needs_input_grad) and state.enabled):
            return out
        node = FunctionGate(cls, ctx, len(args))
        if anomaly_mode.enabled:
            note_creation(node)
        arrays = tuple(a._data if isinstance(a, Tensor) else a for a in args)
        # the graph's output is forward's tensor's memory: one version counter, so a change
        # of either is seen where ctx saved the other
        return alias(out, node.record(args, arrays, ctx.needs_input_grad, out._data))


def several_outputs(cls, ctx, args, out):
    """forward returned several tensors: one gate whose output joins the differentiable
    ones (float, not marked) flattened, each returned as its piece of it."""
    joined = [i for i, o in enumerate(out) if isinstance(o, Tensor)
              and o._data.dtype.kind == "f" and id(o) not in ctx.non_differentiable]
    if not (joined and any(ctx.needs_input_grad) and state.enabled):
        return out
    node = FunctionGate(cls, ctx, len(args))
    node.outputs = [o if isinstance(o, Tensor) else None for o in out]
    node.joined = joined
    if anomaly_mode.enabled:
        note_creation(node)
    arrays = tuple(a._data if isinstance(a, Tensor) else a for a in args)
    data = np.concatenate([out[i]._data.ravel() for i in joined])
    whole = node.record(args, arrays, ctx.needs_input_grad, data)
    results, start = list(out), 0
    for i in joined:
        size = out[i]._data.size
        piece = whole[start:start + size].reshape(out[i].shape)
        results[i] = piece if piece.dtype == out[i].dtype else piece.to(out[i].dtype)
        start += size
    return tuple(results)


def once_differentiable(backward):
    """PyTorch's decorator of a ``backward`` that is not itself differentiable: it runs
    without recording a graph."""
    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        prev, state.enabled = state.enabled, False
        try:
            return backward(ctx, *grads)
        finally:
            state.enabled = prev
    return wrapper


class FunctionGate(Gate, register=False):
    """The graph node of a custom ``Function``: its backward calls the user's."""

    saves = ("ctx",)   # released after backward when the user saved tensors in it
    reruns = True      # ... else kept: a second backward may call the user's again (PyTorch)
    outputs = None     # several outputs: forward's tensors (None for other values) ...
    joined = ()        # ... and which of them the gate's output joins

    def __init__(self, function, ctx, n_inputs):
        self.function = function
        self.ctx = ctx
        self.label = function.__name__
        self.inputs = tuple(f"x{i}" for i in range(n_inputs)) if n_inputs > 1 else ("x",)
        self.formula = function.formula or f"{function.__name__}({', '.join(self.inputs)})"
        self.derivatives = function.derivatives

    def saved_tensors_to_check(self):
        """What the user saved with ``ctx.save_for_backward``: its versions are checked."""
        ctx = self.__dict__.get("ctx")
        saved = ctx.saved_tensors if ctx is not None else ()
        return ((f"saved tensor {i} (ctx.saved_tensors[{i}])", t) for i, t in enumerate(saved))

    def name(self):
        """PyTorch's ``grad_fn.name()`` of a custom Function: ``CubeBackward``."""
        return f"{self.function.__name__}Backward"

    def backward(self, g, xp):
        fast = xp is ARRAYS
        if self.outputs is not None:
            grads = self.function.backward(self.ctx, *self.split(g, fast))
        else:
            grads = self.function.backward(self.ctx, new_tensor(g, None) if fast else g)
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) != len(self.tensors):
            raise RuntimeError(f"{self.label}.backward returned {len(grads)} gradients, but "
                               f"forward took {len(self.tensors)} inputs (return None for "
                               f"inputs without a gradient)")
        if fast:
            return tuple(borrowed(gi, g) for gi in grads)
        return grads


    def split(self, g, fast):
        """The joined output's gradient as one gradient per output of forward."""
        grads, start = [], 0
        for i, out in enumerate(self.outputs):
            if i not in self.joined:
                grads.append(None if out is None or not self.ctx.materialize_grads
                             else new_tensor(np.zeros_like(out._data), None))
                continue
            size = out._data.size
            piece = g[start:start + size].reshape(out.shape)
            start += size
            grads.append(new_tensor(piece.astype(out._data.dtype, copy=False), None)
                         if fast else piece.to(out.dtype))
        return grads


def borrowed(gi, g):
    """A gradient the user's backward returned, as an array: one its code may hold goes on
    as a view, which no leaf adopts as ``.grad`` (engine.py); ``g`` itself is the engine's."""
    if isinstance(gi, Tensor):
        gi = gi._data
    return gi if gi is None or gi is g or not hasattr(gi, "view") else gi.view()

