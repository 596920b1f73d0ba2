"""Module calls, recorded while a model runs: which module made which tensor.

``record_modules()`` is a context manager built on PyTorch's global module hooks
(``register_module_forward_pre_hook`` / ``register_module_forward_hook``). While it is open,
every module call is noted: the module, its tensor inputs, its tensor outputs, how deep it
was nested, and the range of gate creation numbers (``gate.seq``) its forward used, which
says exactly which gates it made. Explain reads the notes to name a module's output after
the module (``fc1``, ``blocks.0.attn``) and to group the gates of one call into one row of
the layer view.

The notes hold weak references only, so recording keeps no graph alive; a note goes when
its tensor goes. Outside the block no hook is installed and a module call costs nothing.

>>> import chainrule as cr
>>> net = cr.nn.Sequential(cr.nn.Linear(2, 3), cr.nn.ReLU())
>>> with cr.explain.record_modules() as calls:
...     out = net(cr.ones(1, 2))
>>> [type(c.module).__name__ for c in calls]
['Linear', 'ReLU', 'Sequential']
>>> call_of(out).module is net[1]     # the innermost call that returned ``out``
True
"""
import weakref
from dataclasses import dataclass, field

from ..autograd.fast_paths import SEQUENCE
from ..nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook
from ..tensor import Tensor

OUTPUTS = {}   # id(tensor) -> (weak reference, the innermost Call that returned it)


@dataclass(eq=False)
class Call:
    """One module call: ``inputs`` and ``outputs`` are weak references to its tensors."""

    module: object
    depth: int
    index: int
    inputs: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    recording: list = field(default_factory=list, repr=False)   # every call of its block
    start: int = 0      # gates made by this call (and the calls inside it) have creation
    end: int = 0        # numbers between start and end

    def input_tensors(self):
        return [t for t in (r() for r in self.inputs) if t is not None]

    def output_tensors(self):
        return [t for t in (r() for r in self.outputs) if t is not None]


class record_modules:   # noqa: N801  (a context manager used like a function, as no_grad)
    """Note every module call made inside the ``with`` block (a list of :class:`Call`, in the
    order the calls returned: inner modules before the module that called them)."""

    def __init__(self):
        self.calls = []
        self.depth = 0
        self.handles = []
        self.starts = []

    def __enter__(self):
        # always_call: a forward that raises still closes its call, so the nesting stays right
        self.handles = [register_module_forward_pre_hook(self.before),
                        register_module_forward_hook(self.after, always_call=True)]
        return self.calls

    def __exit__(self, *exc):
        for handle in self.handles:
            handle.remove()
        self.handles = []

    def before(self, module, args):
        self.depth += 1
        self.starts.append(next(SEQUENCE))   # a creation number of its own: only order counts

    def after(self, module, args, output):   # output is None when forward raised
        self.depth -= 1
        call = Call(module, self.depth, len(self.calls),
                    [weakref.ref(t) for t in tensors_in(args)],
                    [weakref.ref(t) for t in tensors_in(output)], self.calls,
                    self.starts.pop(), next(SEQUENCE))
        self.calls.append(call)
        for t in tensors_in(output):
            if id(t) not in OUTPUTS:     # an inner call returned it first: the inner one names it
                OUTPUTS[id(t)] = (weakref.ref(t, forget(id(t))), call)


def forget(key):
    return lambda _ref: OUTPUTS.pop(key, None)


def tensors_in(value):
    """The tensors in a module's arguments or output (a tensor, or tuples and lists of them)."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in tensors_in(v)]
    return []


def call_of(tensor):
    """The innermost recorded module call that returned ``tensor``, or None."""
    entry = OUTPUTS.get(id(tensor))
    return entry[1] if entry is not None and entry[0]() is tensor else None
