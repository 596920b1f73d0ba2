"""Module hooks, PyTorch's way: per-module and global forward, forward pre and full backward
hooks, each registration returning a ``RemovableHandle``.

Forward hooks run around ``Module.__call__`` in PyTorch's order: the global pre hooks, then
the module's; ``forward``; the global forward hooks, then the module's. A pre hook may
return new positional arguments (a single value is wrapped in a tuple), a forward hook a new
output.

Full backward hooks see ``(module, grad_input, grad_output)`` once per backward: the module's
tensor outputs are packed into one tensor (``cat`` of their flattened values) whose hook sees
every output gradient at once, and so are the inputs that require grad, so a hook may replace
all of them together, as PyTorch's identity node lets it.

>>> import chainrule as cr
>>> seen = []
>>> layer = cr.nn.Linear(2, 1)
>>> handle = layer.register_forward_hook(lambda m, args, out: seen.append(tuple(out.shape)))
>>> _ = layer(cr.ones(3, 2)); handle.remove(); _ = layer(cr.ones(1, 2))
>>> seen
[(3, 1)]
"""
import itertools
import warnings

from ..autograd.grad_mode import state as grad_mode
from ..ops import cat
from ..tensor import Tensor

# False until a hook is first registered anywhere: until then Module.__call__ reads this one
# flag and calls forward (a module call costs one attribute read more, not four dict reads)
EVER = False

# the global hooks (PyTorch's torch.nn.modules.module._global_*), keyed by handle id
GLOBAL_FORWARD_PRE_HOOKS = {}
GLOBAL_FORWARD_HOOKS = {}
GLOBAL_FORWARD_HOOKS_WITH_KWARGS = {}
GLOBAL_FORWARD_HOOKS_ALWAYS_CALLED = {}
GLOBAL_BACKWARD_PRE_HOOKS = {}
GLOBAL_BACKWARD_HOOKS = {}


class RemovableHandle:
    """What a hook registration returns: ``remove()`` (or leaving a ``with`` block) takes the
    hook out of its table and of the tables that note its flags."""

    next_id = itertools.count()

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict = hooks_dict
        self.id = next(RemovableHandle.next_id)
        extra = extra_dict if isinstance(extra_dict, (list, tuple)) else [extra_dict]
        self.extra_dicts = [d for d in extra if d is not None]

    def remove(self):
        for table in [self.hooks_dict] + self.extra_dicts:
            table.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def add_hook(table, hook, prepend=False, flags=()):
    """Put ``hook`` in ``table`` (first when ``prepend``); ``flags``: (table, on) pairs noting
    a flag such as with_kwargs by the handle's id."""
    global EVER
    EVER = True
    handle = RemovableHandle(table, extra_dict=[t for t, _ in flags])
    table[handle.id] = hook
    if prepend:
        items = list(table.items())
        table.clear()
        table.update(items[-1:] + items[:-1])
    for flag_table, on in flags:
        if on:
            flag_table[handle.id] = True
    return handle


def register_module_forward_pre_hook(hook):
    """A pre hook for every module: ``hook(module, args)`` before each ``forward``; it runs
    before the module's own pre hooks.

    >>> import chainrule as cr
    >>> h = register_module_forward_pre_hook(lambda m, args: (args[0] * 2,))
    >>> cr.nn.Identity()(cr.tensor(1.5)).item()
    3.0
    >>> h.remove()
    """
    return add_hook(GLOBAL_FORWARD_PRE_HOOKS, hook)


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    """A forward hook for every module: ``hook(module, args, output)`` (with ``kwargs`` before
    ``output`` when ``with_kwargs``) after each ``forward``, before the module's own hooks.

    >>> import chainrule as cr
    >>> names = []
    >>> with register_module_forward_hook(lambda m, args, out: names.append(type(m).__name__)):
    ...     _ = cr.nn.Sequential(cr.nn.Identity())(cr.ones(1))
    >>> names
    ['Identity', 'Sequential']
    """
    return add_hook(GLOBAL_FORWARD_HOOKS, hook,
                    flags=[(GLOBAL_FORWARD_HOOKS_WITH_KWARGS, with_kwargs),
                           (GLOBAL_FORWARD_HOOKS_ALWAYS_CALLED, always_call)])


def register_module_full_backward_pre_hook(hook):
    """A backward pre hook for every module: ``hook(module, grad_output)``."""
    return add_hook(GLOBAL_BACKWARD_PRE_HOOKS, hook)


def register_module_full_backward_hook(hook):
    """A full backward hook for every module: ``hook(module, grad_input, grad_output)``."""
    return add_hook(GLOBAL_BACKWARD_HOOKS, hook)


def any_global_hooks():
    return bool(GLOBAL_FORWARD_PRE_HOOKS or GLOBAL_FORWARD_HOOKS or GLOBAL_BACKWARD_PRE_HOOKS
                or GLOBAL_BACKWARD_HOOKS)


# ----- the call ---------------------------------------------------------------------------
def call_with_hooks(module, args, kwargs):
    """``module.forward(*args, **kwargs)`` with every hook that applies, in PyTorch's order;
    hooks marked ``always_call`` run even when forward raises."""
    state = module.__dict__
    called = set()
    result = None
    try:
        args, kwargs = run_pre_hooks(module, args, kwargs)
        backward = BackwardHooks.for_module(module)
        if backward is not None:
            args = backward.wrap_inputs(args)
        result = module.forward(*args, **kwargs)
        for key, hook, with_kwargs in forward_hooks(state):
            called.add(key)
            out = hook(module, args, kwargs, result) if with_kwargs else hook(module, args, result)
            if out is not None:
                result = out
        if backward is not None:
            result = backward.wrap_outputs(result)
        return result
    except Exception:
        always = {**GLOBAL_FORWARD_HOOKS_ALWAYS_CALLED, **state["_forward_hooks_always_called"]}
        for key, hook, with_kwargs in forward_hooks(state):
            if key in always and key not in called:
                try:
                    out = (hook(module, args, kwargs, result) if with_kwargs
                           else hook(module, args, result))
                    result = result if out is None else out
                except Exception as error:   # PyTorch warns and re-raises forward's error
                    warnings.warn(f"forward hook with always_call=True raised an exception "
                                  f"that was silenced as another error was raised in "
                                  f"forward: {error}")
        raise


def run_pre_hooks(module, args, kwargs):
    state = module.__dict__
    hooks = list(GLOBAL_FORWARD_PRE_HOOKS.items()) + list(state["_forward_pre_hooks"].items())
    for key, hook in hooks:
        if key in state["_forward_pre_hooks_with_kwargs"]:
            out = hook(module, args, kwargs)
            if out is not None:
                if not (isinstance(out, tuple) and len(out) == 2):
                    raise RuntimeError(f"forward pre-hook must return None or a tuple of "
                                       f"(new_args, new_kwargs), but got {out}.")
                args, kwargs = out
        else:
            out = hook(module, args)
            if out is not None:
                args = out if isinstance(out, tuple) else (out,)
    return args, kwargs


def forward_hooks(state):
    """(id, hook, with_kwargs) of the global forward hooks, then the module's."""
    with_kwargs = {**GLOBAL_FORWARD_HOOKS_WITH_KWARGS, **state["_forward_hooks_with_kwargs"]}
    hooks = list(GLOBAL_FORWARD_HOOKS.items()) + list(state["_forward_hooks"].items())
    return [(key, hook, key in with_kwargs) for key, hook in hooks]


# ----- full backward hooks ----------------------------------------------------------------
class BackwardHooks:
    """One call's backward hooks: packs the inputs and the outputs so that one tensor hook
    sees all their gradients together."""

    def __init__(self, module, hooks, pre_hooks):
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.n_inputs = 0
        self.input_slots = None   # positions of the inputs packed (those requiring grad)
        self.grad_outputs = None

    @classmethod
    def for_module(cls, module):
        if not grad_mode.enabled:   # no graph, no backward: nothing to wrap (as PyTorch)
            return None
        state = module.__dict__
        hooks = list(GLOBAL_BACKWARD_HOOKS.values()) + list(state["_backward_hooks"].values())
        pre_hooks = (list(GLOBAL_BACKWARD_PRE_HOOKS.values())
                     + list(state["_backward_pre_hooks"].values()))
        return cls(module, hooks, pre_hooks) if hooks or pre_hooks else None

    def wrap_inputs(self, args):
        self.n_inputs = len(args)
        slots = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        if not slots or not self.hooks:
            return args
        self.input_slots = slots
        unpacked = pack(self, [args[i] for i in slots], self.on_grad_inputs)
        args = list(args)
        for i, tensor in zip(slots, unpacked):
            args[i] = tensor
        return tuple(args)

    def wrap_outputs(self, result):
        single = not isinstance(result, tuple)
        outputs = (result,) if single else result
        self.n_outputs = len(outputs)
        slots = [i for i, o in enumerate(outputs) if isinstance(o, Tensor) and o.requires_grad]
        if not slots:
            return result
        self.output_slots = slots
        unpacked = pack(self, [outputs[i] for i in slots], self.on_grad_outputs)
        outputs = list(outputs)
        for i, tensor in zip(slots, unpacked):
            outputs[i] = tensor
        return outputs[0] if single else tuple(outputs)

    def on_grad_outputs(self, grads):
        grad_outputs = spread(grads, self.output_slots, self.n_outputs)
        for hook in self.pre_hooks:
            out = hook(self.module, grad_outputs)
            if out is not None:
                check_length(out, grad_outputs, "backward pre hook", "grad_output")
                grad_outputs = tuple(out)
        self.grad_outputs = grad_outputs
        if self.input_slots is None:   # no input needs a gradient: the hooks run now
            grad_inputs = (None,) * self.n_inputs
            for hook in self.hooks:
                out = hook(self.module, grad_inputs, grad_outputs)
                if out is not None and any(v is not None for v in out):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
            self.grad_outputs = None
        return [grad_outputs[i] for i in self.output_slots]

    def on_grad_inputs(self, grads):
        if self.grad_outputs is None:
            return grads
        grad_inputs = spread(grads, self.input_slots, self.n_inputs)
        for hook in self.hooks:
            out = hook(self.module, grad_inputs, self.grad_outputs)
            if out is not None:
                check_length(out, grad_inputs, "backward hook", "grad_input")
                grad_inputs = tuple(out)
        self.grad_outputs = None
        return [grad_inputs[i] for i in self.input_slots]


def spread(grads, slots, n):
    """The gradients of the packed tensors at their positions, None elsewhere."""
    full = [None] * n
    for i, g in zip(slots, grads):
        full[i] = g
    return tuple(full)


def check_length(out, expected, what, name):
    if not isinstance(out, (tuple, list)) or len(out) != len(expected):
        got = len(out) if isinstance(out, (tuple, list)) else type(out).__name__
        raise RuntimeError(f"Module {what} returned an invalid number of {name}, got {got}, "
                           f"but expected {len(expected)}")


def pack(owner, tensors, on_grads):
    """``tensors`` through one packed tensor whose hook calls ``on_grads(list of gradients)``
    and may replace them; returns the unpacked tensors (views of the packed one) to use."""
    shapes = [tuple(t.shape) for t in tensors]
    dtypes = [t.dtype for t in tensors]
    sizes = [t.numel() for t in tensors]
    packed = cat([t.reshape(-1) for t in tensors])
    bounds = list(itertools.accumulate([0] + sizes))

    def hook(grad):
        grads = [grad[a:b].reshape(s).to(d)
                 for a, b, s, d in zip(bounds, bounds[1:], shapes, dtypes)]
        new = on_grads(grads)
        if all(n is g for n, g in zip(new, grads)):
            return None
        filled = [g * 0 if n is None else n for n, g in zip(new, grads)]   # None: no gradient
        return cat([n.reshape(-1).to(grad.dtype) for n in filled])

    packed.register_hook(hook)
    return [packed[a:b].reshape(s).to(d)
            for a, b, s, d in zip(bounds, bounds[1:], shapes, dtypes)]
