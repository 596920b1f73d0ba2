"""The engine: the chain rule applied node by node, from the output back to the leaves.

1. Walk the graph once (iteratively, so depth is unlimited) and count, for each gate, how
   many consumers will send it a gradient.
2. Start from the output with ``dL/dL = 1`` and process gates whose gradient is complete:
   call the gate's backward, then *add* each input's gradient to what that input has
   received so far (several paths add up). Pending gradients live in one dict and are
   popped as soon as they are used.
3. Leaves accumulate into ``.grad`` (added across ``backward`` calls); with
   ``retain_graph=False`` each gate drops its saved arrays once it has run.
"""
import numpy as np

from .gate import check_unchanged
from .grad_mode import inplace_clock, state
from .xp import ARRAYS, TENSORS


def backward(tensor, gradient=None, retain_graph=None, create_graph=False):
    """``tensor.backward()``: accumulate d tensor / d leaf into every leaf's ``.grad``."""
    run([(tensor, initial_gradient(tensor, gradient, "backward"))], retain_graph, create_graph,
        targets=None)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned instead of accumulated.

    >>> import chainrule as cr
    >>> x = cr.tensor(3.0, requires_grad=True)
    >>> (dx,) = cr.autograd.grad(x ** 3, x, create_graph=True)
    >>> dx.item(), cr.autograd.grad(dx, x)[0].item()
    (27.0, 18.0)
    """
    outputs = as_tuple(outputs)
    inputs = as_tuple(inputs)
    grad_outputs = as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: got {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("grad: one of the inputs does not require grad; "
                               "call requires_grad_() on it or leave it out")
    targets = {id(key_of(t)): None for t in inputs}
    seeds = [(out, initial_gradient(out, g, "grad")) for out, g in zip(outputs, grad_outputs)]
    run(seeds, retain_graph, create_graph, targets)
    results = tuple(as_tensor(targets[id(key_of(t))]) for t in inputs)
    if not allow_unused and any(g is None for g in results):
        raise RuntimeError("grad: one of the inputs was not used to compute the outputs; "
                           "pass allow_unused=True to get None for it")
    return results


def as_tensor(g):
    return g if g is None or isinstance(g, Tensor) else new_tensor(g, None)


def key_of(tensor):
    """What identifies a tensor in the graph: its gate, or itself for a leaf."""
    return tensor.grad_fn if tensor.grad_fn is not None else tensor


def as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def initial_gradient(tensor, gradient, where):
    if not tensor.requires_grad:
        raise RuntimeError(
            f"{where}: the tensor does not require grad and has no grad_fn; create its inputs "
            f"with requires_grad=True (and outside no_grad) to differentiate it")
    if gradient is None:
        if tensor.data.size != 1:
            raise RuntimeError(
                f"{where}: gradient can be implicitly created only for scalar outputs, but the "
                f"output has shape {tuple(tensor.shape)}; reduce it first (e.g. .sum()) or pass "
                f"gradient= a tensor of that shape")
        return np.ones(tensor.data.shape, tensor.data.dtype)
    g = gradient.data if isinstance(gradient, Tensor) else np.asarray(gradient, tensor.dtype)
    if g.shape != tensor.data.shape:
        raise RuntimeError(f"{where}: gradient has shape {tuple(g.shape)} but the output has "
                           f"shape {tuple(tensor.shape)}")
    return gradient if isinstance(gradient, Tensor) else g


def run(seeds, retain_graph, create_graph, targets):
    """Propagate each seed's gradient from its output tensor to the leaves (or to the
    requested inputs), all in one pass: outputs that share a graph walk it once."""
    if retain_graph is None:
        retain_graph = create_graph
    xp = TENSORS if create_graph else ARRAYS
    pending = {}
    for tensor, g in seeds:
        if create_graph and not isinstance(g, Tensor):
            g = new_tensor(g, None)
        elif not create_graph and isinstance(g, Tensor):
            g = g.data
        node = tensor.grad_fn
        if node is None:
            deliver_to_leaf(tensor, g, xp, targets)
        else:
            pending[node] = pending[node] + g if node in pending else g
    if not pending:
        return
    consumers = count_consumers(pending)
    ready = [node for node in pending if not consumers[node]]
    prev_mode = state.enabled
    state.enabled = create_graph
    try:
        propagate(pending, ready, xp, consumers, retain_graph, targets)
    finally:
        state.enabled = prev_mode


def count_consumers(roots):
    """For each gate reachable from ``roots``: how many gradients it will receive."""
    consumers = dict.fromkeys(roots, 0)
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node.released:
            raise_released(node)
        for t in node.tensors:
            if isinstance(t, Tensor):
                parent = t.grad_fn
                if parent is not None:
                    if parent in consumers:
                        consumers[parent] += 1
                    else:
                        consumers[parent] = 1
                        stack.append(parent)
    return consumers


def propagate(pending, ready, xp, consumers, retain_graph, targets):
    anomaly = state.anomaly
    clock = inplace_clock
    while ready:
        node = ready.pop()
        g = pending.pop(node)
        if node.observed:
            g = observe(node, g, xp)
        if targets is not None and id(node) in targets:
            remember(targets, node, g)
        if node.clock != clock.now:
            check_unchanged(node)
        grads = node.backward(g, xp)
        if anomaly:
            check_backward(node, grads)
        for t, gi, wanted in zip(node.tensors, grads, node.needs_input_grad):
            if gi is None or not wanted:
                continue
            if gi.shape != t.data.shape:
                gi = xp.sum_to(gi, t.data.shape, node)
            parent = t.grad_fn
            if parent is None:
                deliver_to_leaf(t, gi if gi is not g else copy(gi, xp), xp, targets)
                continue
            if parent in pending:
                pending[parent] = pending[parent] + gi
            else:
                pending[parent] = gi
            left = consumers[parent] - 1
            consumers[parent] = left
            if not left:
                ready.append(parent)
        if not retain_graph:
            release(node)


def observe(node, g, xp):
    """The output's hooks (which may replace g) and retain_grad, before the gate runs."""
    if node.hooks:
        g = run_hooks(node.hooks, g, xp)
    if node.retained is not None:
        store_retained(node.retained, g, xp)
    return g


def copy(g, xp):
    return g.copy() if xp is ARRAYS else g


def deliver_to_leaf(t, g, xp, targets):
    """A leaf's gradient: hooks first, then kept for ``grad()`` or added to ``.grad``."""
    if t._hooks:
        g = run_hooks(t._hooks, g, xp)
    if targets is not None:
        if id(t) in targets:
            remember(targets, t, g)
        return
    if xp is ARRAYS:
        if g.dtype != t.data.dtype:
            g = g.astype(t.data.dtype)
        elif g.base is not None:   # a view (of a broadcast, of another gradient): own it
            g = g.copy()
        if t.grad is None:
            t.grad = new_tensor(g, None)
        else:
            t.grad = new_tensor(t.grad.data + g, None)
    else:
        t.grad = g if t.grad is None else t.grad + g


def remember(targets, key, g):
    """``grad()``: keep the gradient that reached one of the requested inputs."""
    seen = targets[id(key)]
    targets[id(key)] = g if seen is None else seen + g


def run_hooks(hooks, g, xp):
    gt = g if xp is TENSORS else new_tensor(g, None)
    for hook in list(hooks.values()):
        result = hook(gt)
        if result is not None:
            gt = result
    return gt if xp is TENSORS else gt.data


def store_retained(ref, g, xp):
    tensor = ref()
    if tensor is not None:
        g = g if xp is TENSORS else new_tensor(g.copy(), None)
        tensor.grad = g if tensor.grad is None else tensor.grad + g


def release(node):
    """Drop everything the node kept for backward (inputs, arrays, masks); the graph
    cannot be walked again after this."""
    node.__dict__.clear()
    node.released = True


def raise_released(node):
    raise RuntimeError(
        f"Trying to backward through the graph a second time (gate '{node.label}', "
        f"{type(node).__name__}): its saved values were freed after the first backward. "
        f"Pass retain_graph=True to the first backward() if you need to call it again.")


def check_backward(node, grads):
    for name, gi in zip(node.inputs, grads):
        if gi is None:
            continue
        data = gi.data if isinstance(gi, Tensor) else gi
        if data.dtype.kind == "f" and not np.isfinite(data).all():
            raise FloatingPointError(
                f"anomaly: backward of gate '{node.label}' ({type(node).__name__}) produced "
                f"NaN or inf in the gradient for input '{name}' (input shapes "
                f"{', '.join(str(tuple(np.shape(a))) for a in node.arrays)})")


from ..tensor import Tensor, new_tensor  # noqa: E402
