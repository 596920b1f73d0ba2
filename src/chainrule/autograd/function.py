"""Custom gates written by users, PyTorch's way: ``forward(ctx, ...)`` and ``backward(ctx, grad)``."""
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

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = Context()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        prev, state.enabled = state.enabled, False
        try:
            out = cls.forward(ctx, *args, **kwargs)
        finally:
            state.enabled = prev
        if not isinstance(out, Tensor):
            raise TypeError(f"{cls.__name__}.forward must return one Tensor, got "
                            f"{type(out).__name__} (several outputs are not supported)")
        if not (any(ctx.needs_input_grad) and state.enabled):
            return out
        node = FunctionGate(cls, ctx, len(args))
        if anomaly_mode.enabled:
            note_creation(node)
        arrays = tuple(a._data if isinstance(a, Tensor) else a for a in args)
        # the graph's output is forward's tensor's memory: one version counter, so a change
        # of either is seen where ctx saved the other
        return alias(out, node.record(args, arrays, ctx.needs_input_grad, out._data))


class FunctionGate(Gate, register=False):
    """The graph node of a custom ``Function``: its backward calls the user's."""

    saves = ("ctx",)   # released after backward when the user saved tensors in it
    reruns = True      # ... else kept: a second backward may call the user's again (PyTorch)

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
        grads = self.function.backward(self.ctx, new_tensor(g, None) if fast else g)
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) != len(self.tensors):
            raise RuntimeError(f"{self.label}.backward returned {len(grads)} gradients, but "
                               f"forward took {len(self.tensors)} inputs (return None for "
                               f"inputs without a gradient)")
        if fast:
            return tuple(borrowed(gi, g) for gi in grads)
        return grads


def borrowed(gi, g):
    """A gradient the user's backward returned, as an array: one its code may hold goes on
    as a view, which no leaf adopts as ``.grad`` (engine.py); ``g`` itself is the engine's."""
    if isinstance(gi, Tensor):
        gi = gi._data
    return gi if gi is None or gi is g or not hasattr(gi, "view") else gi.view()

