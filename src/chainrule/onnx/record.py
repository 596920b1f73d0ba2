"""Running the model so that its gates can be read: one ``Run`` per call.

A forward under ``no_grad`` records no graph, so export runs the model in eval mode with
gradients enabled instead, on copies of the inputs that require a gradient (float inputs;
integer inputs stay plain and are recognised where a gate reads them as an index). Every
gate that depends on an input or a parameter then joins the graph, and nothing calls
backward, so no ``.grad`` changes. Values computed from buffers and constants alone never
enter the graph: they reach it as constant operands, already folded. Comparisons, logical
operations and predicates of graph values (and of integer inputs) record mask gates while
the model runs (``ops.masks.recording_masks``), so a mask computed from the inputs is
part of the graph rather than a constant.

Module forward hooks note which module each gate ran in (each call takes two numbers of
the gates' creation counter, so a gate belongs to the innermost call around its number),
for node names and for errors that name the module.
"""
import numpy as np

from ..autograd import fast_paths, graph
from ..autograd.engine import follow_rebased
from ..autograd.grad_mode import enable_grad
from ..autograd.graph import key_of
from ..ops.masks import recording_masks
from ..tensor import Tensor, new_tensor


class Run:
    """One call of the model: its input tensors, outputs, every tensor of the graph in
    evaluation order (inputs before users), and the module calls' creation-number spans."""

    def __init__(self, inputs, outputs, order, spans):
        self.inputs, self.outputs, self.order, self.spans = inputs, outputs, order, spans

    def module_of(self, node):
        """The module path of the innermost module call that ran ``node`` ('' for none)."""
        best = None
        for start, end, path in self.spans:
            if start < node.seq < end and (best is None or start > best[0]):
                best = (start, path)
        return best[1] if best else ""


def record(model, args, kwargs=None):
    """Call ``model(*args, **kwargs)`` with its gates recorded; returns the Run."""
    inputs = tuple(recordable(a) for a in args)
    spans, handles = [], []
    for path, module in model.named_modules():
        handles.append(module.register_forward_pre_hook(enter(spans, path)))
        handles.append(module.register_forward_hook(leave(spans, path)))
    try:
        with enable_grad(), recording_masks(inputs):   # masks from the inputs become gates
            result = model(*inputs, **(kwargs or {}))
    finally:
        for handle in handles:
            handle.remove()
    outputs = flatten(result)
    return Run(inputs, outputs, evaluation_order(outputs), closed(spans))


def enter(spans, path):
    def hook(module, args):
        spans.append([next(fast_paths.SEQUENCE), None, path])
    return hook


def leave(spans, path):
    def hook(module, args, output):
        for span in reversed(spans):
            if span[2] == path and span[1] is None:
                span[1] = next(fast_paths.SEQUENCE)
                break
    return hook


def closed(spans):
    return [tuple(s) for s in spans if s[1] is not None]


def recordable(value):
    """A copy of an input tensor to run on: a float one requires grad, so its gates record."""
    if not isinstance(value, Tensor):
        return value
    copy = new_tensor(np.array(value._data), None)
    if copy._data.dtype.kind == "f":
        copy.requires_grad_(True)
    return copy


def flatten(result):
    """The output tensors of a model's result: a tensor, or tuples, lists and dicts (their
    values, in order) of them, as PyTorch flattens them."""
    if isinstance(result, Tensor):
        return [result]
    if isinstance(result, dict):
        result = list(result.values())
    if isinstance(result, (tuple, list)):
        return [t for item in result for t in flatten(item)]
    raise TypeError(f"onnx.export: the model returned {type(result).__name__}; export needs "
                    f"a Tensor, or tuples, lists or dicts of Tensors")


def evaluation_order(outputs):
    """Every tensor reachable from the outputs, each once, inputs before their users: the
    one graph walk (autograd/graph.py) from each output in turn. After an in-place
    operation, a gate that read the tensor before it was changed is pointed at the value it
    read (the engine's follow_rebased), and the walk is made again."""
    order = walk(outputs)
    if any(getattr(t.grad_fn, "rebased", None) is not None for t in order):
        for t in order:
            if t.grad_fn is not None:
                follow_rebased(t.grad_fn)
        order = walk(outputs)
    return order


def walk(outputs):
    order, seen = [], set()
    for out in outputs:
        for t in graph.evaluation_order(out, "onnx.export"):
            if id(key_of(t)) not in seen:
                seen.add(id(key_of(t)))
                order.append(t)
    return order


def changed_in_place(run):
    """Whether the run changed a tensor of its graph in place (then the values of gates
    before the change are no longer all there to fold)."""
    return any(getattr(t.grad_fn, "rebased", None) is not None for t in run.order)


def second_inputs(args, dynamic):
    """The inputs of the check run: each dynamic axis one longer (its last slice repeated),
    float values moved and their signs flipped (0.5 - 1.25 x: a mask such as x > 0 made
    outside the graph changes) and integer values rotated, so that a value or size the
    graph does not compute from the inputs shows up as a difference.

    ``dynamic`` is {input position: set of axes}."""
    out = []
    for i, a in enumerate(args):
        if not isinstance(a, Tensor):
            out.append(a)
            continue
        data = np.array(a._data)
        for axis in sorted(dynamic.get(i, ())):
            n = data.shape[axis]
            if n == 0:
                raise ValueError(f"onnx.export: input {i} has size 0 on dynamic axis {axis}; "
                                 f"export with an example of size 1 or more")
            data = np.take(data, list(range(n)) + [n - 1], axis=axis)
        if data.dtype.kind == "f":
            data = np.asarray(0.5, data.dtype) - data * np.asarray(1.25, data.dtype)
        elif data.size:
            data = np.roll(data.reshape(-1), 1).reshape(data.shape)
        out.append(new_tensor(data, None))
    return tuple(out)
