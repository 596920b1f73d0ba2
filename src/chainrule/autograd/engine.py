"""The engine: the chain rule applied gate by gate, from the output back to the leaves.

1. Start from the output with ``dL/dL = 1``. Gates run newest first (each gate has a
   creation number, and all of a gate's consumers are newer than it), so when a gate's turn
   comes every path has delivered its gradient: no counting pass over the graph is needed.
2. A gate's turn: call its backward (its rows, compiled), then *add* each input's gradient
   to what that input has received so far (several paths add up). Pending gradients live
   in one dict and are popped as soon as they are used.
3. When every gate has run, each leaf gets its gradient summed over all its paths and
   accumulates it into ``.grad`` (added across ``backward`` calls); with
   ``retain_graph=False`` each gate drops its saved arrays once it has run.

Gradients own their memory: an array the user handed in (``gradient=``, ``grad_outputs``,
a hook's or a custom Function's return value) enters as a view of itself, and a leaf copies
a view before adopting it, so no ``.grad`` (and no ``grad()`` result) is the user's memory.
"""
import warnings
from heapq import heapify, heappop, heappush

import numpy as np

from ..dtypes import array_of, is_foreign
from ..tensor import PostAccumulate, Tensor, api, new_tensor
from .anomaly import attach_creation, check_nan
from .gate import Context, Gate, Observing, Rebased
from .graph import key_of
from .grad_mode import anomaly_mode, inplace_clock, state
from .pieces import Pieces
from .vocabulary import ARRAYS, TENSORS


@api(name=False, methods=("backward",))
def backward(tensor, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """``tensor.backward()``: accumulate d tensor / d leaf into every leaf's ``.grad``.

    >>> import chainrule as cr
    >>> x = cr.tensor([1.0, 2.0], requires_grad=True)
    >>> cr.autograd.backward((x * x).sum())
    >>> x.grad.tolist()
    [2.0, 4.0]
    """
    if inputs is not None:
        return backward_into(tensor, gradient, retain_graph, create_graph, as_tuple(inputs))
    run([(tensor, initial_gradient(tensor, gradient, "backward"))], retain_graph, create_graph,
        targets=None)


def backward_into(tensor, gradient, retain_graph, create_graph, inputs):
    """``backward(inputs=[...])``: the gradients accumulate into the ``.grad`` of those
    tensors only (leaves or not), as in PyTorch; other leaves are left alone."""
    if not inputs:
        raise RuntimeError("backward: inputs= was given but is empty; pass the tensors whose "
                           ".grad should accumulate, or leave inputs= out")
    grads = grad(tensor, inputs, gradient, retain_graph, create_graph, allow_unused=True)
    for t, g in zip(inputs, grads):
        if g is not None:
            t.grad = g if t.grad is None else t.grad + g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned instead of accumulated.

    >>> import chainrule as cr
    >>> x = cr.tensor(3.0, requires_grad=True)
    >>> (dx,) = cr.autograd.grad(x ** 3, x, create_graph=True)
    >>> dx.item(), cr.autograd.grad(dx, x)[0].item()
    (27.0, 18.0)
    """
    allow_unused = grad_options(only_inputs, allow_unused, is_grads_batched, materialize_grads)
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
    results = owned_results([targets[id(key_of(t))] for t in inputs])
    if not allow_unused and any(g is None for g in results):
        raise RuntimeError("grad: one of the inputs was not used to compute the outputs; "
                           "pass allow_unused=True to get None for it")
    if materialize_grads:   # PyTorch's zeros for the inputs the outputs do not reach
        results = tuple(new_tensor(np.zeros_like(t._data), None) if g is None else g
                        for g, t in zip(results, inputs))
    return results


def grad_options(only_inputs, allow_unused, is_grads_batched, materialize_grads):
    """``grad``'s other keywords checked as PyTorch checks them; ``allow_unused`` resolved
    (``materialize_grads`` implies it)."""
    if not only_inputs:
        warnings.warn("grad: only_inputs argument is deprecated and is ignored now (defaults "
                      "to True); to accumulate gradients elsewhere use backward()",
                      FutureWarning, stacklevel=3)
    if is_grads_batched:
        raise NotImplementedError("grad: is_grads_batched=True (vmap over grad_outputs) is "
                                  "not supported; call grad once per row of grad_outputs")
    if materialize_grads and allow_unused is False:
        raise ValueError("grad: expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False")
    return bool(allow_unused or materialize_grads)


def owned_results(grads):
    """``grad()``'s results as tensors, each owning its memory: a view (of ``grad_outputs``,
    of a hook's result, of a broadcast) or an array already returned is copied. (PyTorch
    may return ``grad_outputs`` itself; with ``create_graph`` chainrule does too.)"""
    results, seen = [], set()
    for g in grads:
        if g is not None and not isinstance(g, Tensor):
            if g.base is not None or id(g) in seen:
                g = g.copy()
            seen.add(id(g))
            g = new_tensor(g, None)
        results.append(g)
    return tuple(results)


def as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def initial_gradient(tensor, gradient, where):
    if not tensor.requires_grad:
        raise RuntimeError(
            f"{where}: the tensor does not require grad and has no grad_fn; create its inputs "
            f"with requires_grad=True (and outside no_grad) to differentiate it")
    if gradient is None:
        if tensor._data.size != 1:
            raise RuntimeError(
                f"{where}: gradient can be implicitly created only for scalar outputs, but the "
                f"output has shape {tuple(tensor.shape)}; reduce it first (e.g. .sum()) or pass "
                f"gradient= a tensor of that shape")
        return np.ones_like(tensor._data)   # where the data lives (NumPy dispatches it)
    g = gradient._data if isinstance(gradient, Tensor) else array_of(gradient).astype(
        tensor.dtype, copy=False)
    if g.shape != tensor._data.shape:
        raise RuntimeError(f"{where}: gradient has shape {tuple(g.shape)} but the output has "
                           f"shape {tuple(tensor.shape)}")
    return gradient if isinstance(gradient, Tensor) else g.view()   # the user's: see run


def run(seeds, retain_graph, create_graph, targets):
    """Propagate each seed's gradient from its output tensor to the leaves (or to the
    requested inputs), all in one pass: outputs that share a graph walk it once. Leaves get
    their gradients last, each summed over all its paths (so a leaf's hooks run once, and a
    backward that fails half-way changes no ``.grad``), except a leaf with post accumulate
    grad hooks: it gets its gradient as soon as the last gate reading it has run, as in
    PyTorch (``deliver_early``)."""
    if retain_graph is None:
        retain_graph = create_graph
    xp = TENSORS if create_graph else ARRAYS
    pending, leaves = {}, {}
    for tensor, g in seeds:
        if create_graph:
            g = g if isinstance(g, Tensor) else new_tensor(g, None)
        elif isinstance(g, Tensor):   # the user's memory, as a view: no leaf adopts it
            g = g._data.view()
        waiting, key = (leaves, tensor) if tensor.grad_fn is None else (pending, tensor.grad_fn)
        waiting[key] = waiting[key] + g if key in waiting else g
    prev_mode = state.enabled
    state.enabled = create_graph
    try:
        if pending:
            queue = [(-node.seq, node) for node in pending]
            heapify(queue)
            ready = leaves_ready_after(pending) if PostAccumulate.anywhere and \
                targets is None else None
            propagate(pending, queue, leaves, xp, retain_graph, targets, ready)
        deliver_to_leaves(leaves, xp, targets)
    finally:
        state.enabled = prev_mode


def propagate(pending, queue, leaves, xp, retain_graph, targets, ready=None):
    """Run the queued gates newest first (``queue`` is a heap of ``(-seq, gate)``).

    ``ready`` maps a gate to the leaves with post accumulate grad hooks it is the last to
    read (``leaves_ready_after``): once it has run, they get their gradients at once.

    When a gate hands exactly one gate its first gradient and no other gate waits, that gate
    runs next with the gradient in hand, through neither the heap nor the pending dict (a
    chain never touches them): with the queue empty nothing else is pending, so no other
    path can still bring that gate a gradient.

    In anomaly mode each gate's gradients are checked for NaN, and an error raised during a
    gate's turn gets the gate's creation traceback (``anomaly.py``); the ``try`` costs
    nothing when nothing is raised."""
    anomaly = anomaly_mode.enabled
    nan_check = anomaly and anomaly_mode.check_nan
    clock = inplace_clock
    node = None
    try:
        while node is not None or queue:
            if node is None:
                node = heappop(queue)[1]
                g = pending.pop(node)
            if type(g) is Pieces:   # slices an indexing handed back, summed now (pieces.py)
                g = g.dense()
            if Observing.anywhere or targets is not None or node.clock != clock.now:
                g = before_gate(node, g, xp, targets)   # (a released gate's clock is None)
            grads = node.backward(g, xp)
            if nan_check:
                check_nan(node, grads)
            # hand out: each input's gradient, conformed to it, added to what it has (a
            # leaf's waits in leaves, a gate's in pending, queued); a chain's next gate is
            # kept in hand (following)
            following = g_following = None
            same_shapes = node.same_shapes
            for t, gi, wanted in zip(node.tensors, grads, node.needs_input_grad):
                if gi is None or not wanted:
                    continue
                if not same_shapes:
                    data = t._data
                    if gi.shape != data.shape or gi.dtype is not data.dtype:  # conform: ==
                        gi = conform(gi, data, node, xp)
                parent = t.grad_fn
                if parent is None:   # a leaf: summed over its paths, delivered at the end
                    leaves[t] = leaves[t] + gi if t in leaves else gi
                elif parent is following:   # x * x: both inputs are one tensor
                    g_following = g_following + gi
                elif pending and parent in pending:   # (in a chain, pending stays empty)
                    pending[parent] = pending[parent] + gi
                elif following is None:
                    following, g_following = parent, gi
                else:
                    pending[parent] = gi
                    heappush(queue, (-parent.seq, parent))
            if not retain_graph:   # release: what forward saved goes
                node.released = True
                node.clock = None   # no reading of the in-place clock finds it valid again
                if node.reruns:   # its rows read nothing saved: it may run again
                    keep_edges(node)
                else:
                    node.tensors = node.arrays = ()
                    node.out_data = None
                    for name in node.saves:   # values forward kept; class constants stay
                        node.__dict__.pop(name, None)
            if ready is not None and node in ready:
                deliver_early(ready.pop(node), leaves, xp)
            if following is not None and queue:   # others wait: it takes its turn in the heap
                pending[following] = g_following
                heappush(queue, (-following.seq, following))
                following = None
            node, g = following, g_following
    except Exception as error:
        if anomaly and node is not None:
            attach_creation(error, node)
        raise


def leaves_ready_after(starts):
    """For each leaf with post accumulate grad hooks, the gate after which its gradient is
    complete: the oldest gate that reads it (gates run newest first). A walk over the graph,
    made only when such hooks exist (DistributedDataParallel), as a ``{gate: [leaf]}``."""
    last, seen, stack = {}, set(), list(starts)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for t in node.tensors:   # tensors, or what a released gate keeps (keep_edges)
            parent = t if isinstance(t, Gate) else t[0] if type(t) is tuple else \
                getattr(t, "grad_fn", None)
            if parent is not None:
                stack.append(parent)
            elif isinstance(t, Tensor) and t._post_hooks:
                if t not in last or node.seq < last[t].seq:
                    last[t] = node
    ready = {}
    for t, node in last.items():
        ready.setdefault(node, []).append(t)
    return ready


def deliver_early(ready_leaves, leaves, xp):
    """Leaves whose last reader has run get their gradients now, and their post accumulate
    grad hooks run while backward goes on. A gate yet to run may still read the same array
    (``x + w`` hands both one), so a leaf adopting it takes a copy."""
    for t in ready_leaves:
        g = leaves.pop(t, None)
        if type(g) is Pieces:
            g = g.dense()
        if g is not None:
            if xp is ARRAYS and t.grad is None:
                g = g.copy()
            deliver_to_leaf(t, g, xp, None)


def before_gate(node, g, xp, targets):
    """What may happen before a gate runs: its output's hooks and retain_grad see the
    gradient, ``grad()`` keeps it when asked for, and the saved values are checked."""
    if node.observed:
        if node.hooks:
            g = run_hooks(node.hooks, g, xp)
        if node.retained is not None:
            store_retained(node.retained, g, xp)
    if targets is not None and id(node) in targets:
        remember(targets, node, g)
    check_saved(node)
    return g


def keep_edges(node):
    """Release a gate whose rows read no input, output or residual: as in PyTorch it may run
    again (``y = x + x; y.backward(); y.backward()``). What it keeps is where its gradients
    go: for each input that wants one, the leaf itself (as PyTorch's AccumulateGrad holds
    it), or for a tensor made by a gate, the edge ``(gate, shape, dtype)``, so the graph
    holds no intermediate values; nothing for the other inputs. Where no conform runs
    (``same_shapes``) the gate alone is the edge: no tuple to make or free, no array to read.
    Straight-line code for one and two inputs (a loop costs 0.3 us more a gate). A saved value
    that holds an array (dropout's mask, indices) is one PyTorch frees too: the gate is then
    released for good."""
    for name in node.saves_maybe_arrays:   # sizes and axes (GEOMETRY) hold no array
        if holds_array(node.__dict__.get(name)):   # (node.__dict__ only here: reading makes it)
            node.reruns = False
            node.tensors = node.arrays = ()
            for name_ in node.saves:
                node.__dict__.pop(name_, None)
            return
    node.arrays = ()
    tensors = node.tensors
    if len(tensors) == 2:
        x, y = tensors
        need_x, need_y = node.needs_input_grad
        if node.same_shapes:   # no conform: the edge is the gate alone (no tuple to make)
            x = (x.grad_fn or x) if need_x else None
            y = (y.grad_fn or y) if need_y else None
        else:
            x = edge_of(x) if need_x else None
            y = edge_of(y) if need_y else None
        node.tensors = (x, y)
    elif len(tensors) == 1:
        x = tensors[0]
        if x.grad_fn is not None:
            node.tensors = (x.grad_fn if node.same_shapes else edge_of(x),)
    else:
        node.tensors = tuple([edge_of(t) if need else None
                              for t, need in zip(tensors, node.needs_input_grad)])


def edge_of(t):
    """A tensor input's edge: the leaf itself, or ``(gate, shape, dtype)``."""
    parent = t.grad_fn
    if parent is None:
        return t
    data = t._data
    return (parent, data.shape, data.dtype)


class Edge:
    """An edge as the hand-out reads an input: its ``grad_fn`` and its ``_data``'s shape and
    dtype (``_data`` is the edge itself). Made only when a released gate runs again, from what
    release stored: a tuple ``(gate, shape, dtype)``, or the gate alone where no conform
    runs, which cost a tenth as much."""

    __slots__ = ("grad_fn", "shape", "dtype")

    def __init__(self, grad_fn, shape, dtype):
        self.grad_fn, self.shape, self.dtype = grad_fn, shape, dtype

    @property
    def _data(self):
        return self


PLAIN = frozenset({int, float, bool, str, type(None), slice})   # what saves mostly hold


def holds_array(value):
    """Whether a saved value holds values of a tensor (what backward would free). Numbers,
    names and shapes (a tuple of ints) answer at the first test: most saves are those."""
    kind = type(value)
    if kind in PLAIN:
        return False
    if kind is tuple or kind is list:
        return any(type(v) not in PLAIN and holds_array(v) for v in value)
    if isinstance(value, (np.ndarray, Tensor)) or is_foreign(value):
        return True
    return isinstance(value, Context) and bool(value.saved_tensors)


def conform(g, like, gate, xp):
    """``g`` as the gradient of ``like``: summed over the axes broadcasting added or
    stretched (the one place broadcasting is undone) and cast to its dtype, as PyTorch's
    engine casts at every edge."""
    if type(g) is Pieces:
        g = g.dense()
    if g.shape != like.shape:
        g = xp.unbroadcast(g, like.shape, gate)
    if g.dtype != like.dtype:
        g = g.astype(like.dtype) if xp is ARRAYS else g.to(like.dtype)
    return g


def check_saved(node):
    """Raise if what this gate saved is gone (an earlier backward released it) or an input
    or the output it saved was changed in place since forward: its backward would silently
    use the new values. (A released gate whose rows read nothing saved may run again.)"""
    if node.released and node.reruns:   # it runs again: its edges, read as inputs are
        node.tensors = tuple(Edge(*t) if type(t) is tuple else
                             Edge(t, None, None) if isinstance(t, Gate) else t
                             for t in node.tensors)
    elif node.released:
        raise RuntimeError(
            f"Trying to backward through the graph a second time (gate '{node.label}', "
            f"{type(node).__name__}): its saved values were freed after the first backward. "
            f"Pass retain_graph=True to the first backward() if you need to call it again.")
    check_versions(node)   # first: on the tensors the gate read, before rebasing moves them
    if Rebased.anywhere:
        follow_rebased(node)


def follow_rebased(node):
    """An input changed in place after this gate read it was rebased (ops/inplace.py): it
    is now the output of a newer gate. The gradient this gate hands it goes to the gate it
    had when this gate read it, the one its snapshot (``rebased``) carries."""
    tensors = node.tensors
    fixed = list(tensors)
    for i, t in enumerate(tensors):
        if isinstance(t, Tensor):
            parent = t.grad_fn
            while parent is not None and parent.seq > node.seq and \
                    getattr(parent, "rebased", None) is not None:
                t = parent.rebased
                parent = t.grad_fn
            fixed[i] = t
    node.tensors = tuple(fixed)


def check_versions(node):
    """Raise if a value the gate saved was changed in place since it saved it, through any
    tensor sharing its memory (they share one version counter, ``tensor.Version``): its
    backward would silently use the new values. Explain asks this too."""
    if node.output_changed and node.saves_output and "out" in node.values_read():
        raise_changed(node, "its output", None)
    clock = node.clock
    for name, t in node.saved_tensors_to_check():
        if isinstance(t, Tensor):
            vc = t._vc
            if vc is not None and vc.changed_at > clock:
                raise_changed(node, name, t)


def raise_changed(node, what, tensor):
    which = f" (tensor {tensor.name + ' ' if tensor.name else ''}of shape {tuple(tensor.shape)}" \
            f" and dtype {tensor.dtype}, now at version {tensor._version})" \
        if tensor is not None else ""
    raise RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: {what}{which} of gate '{node.label}' ({type(node).__name__}) "
        f"was changed after the gate saved it, through it or a tensor sharing its memory (a "
        f"view, detach(), .data, a state_dict() entry). Use an out-of-place operation "
        f"(x = x + y) or change the tensor after backward().")


def deliver_to_leaves(leaves, xp, targets):
    """Each leaf's summed gradient: for ``grad()``, to the requested inputs only; else into
    ``.grad``. No two leaves share one array: one gradient can reach several leaves (``x + w``
    hands both the same), and an in-place change to one ``.grad`` must not touch another."""
    delivered = set()
    for t, g in leaves.items():
        if targets is not None and id(t) not in targets:
            continue   # a leaf nobody asked for: no hooks, no .grad (as in PyTorch)
        if type(g) is Pieces:
            g = g.dense()
        if id(g) in delivered:
            g = g.copy() if xp is ARRAYS else g.clone()
        delivered.add(id(g))
        deliver_to_leaf(t, g, xp, targets)


def deliver_to_leaf(t, g, xp, targets):
    """A leaf's gradient: hooks first, then kept for ``grad()`` or added to ``.grad``."""
    if t._hooks:
        g = run_hooks(t._hooks, g, xp)
    if targets is not None:
        remember(targets, t, g)
        return
    if xp is ARRAYS:
        if g.dtype != t._data.dtype:
            g = g.astype(t._data.dtype)
        elif g.base is not None:   # a view (of a broadcast, of another gradient): own it
            g = g.copy()
        if t.grad is None:
            t.grad = new_tensor(g, None)
        else:
            t.grad = new_tensor(t.grad._data + g, None)
    elif t.grad is None:   # a gradient with a graph: a copy, in the graph (as PyTorch)
        t.grad = g.clone()
    else:
        t.grad = t.grad + g
    if t._post_hooks:
        for hook in list(t._post_hooks.values()):
            hook(t)


def remember(targets, key, g):
    """``grad()``: keep the gradient that reached one of the requested inputs."""
    seen = targets[id(key)]
    targets[id(key)] = g if seen is None else seen + g


def run_hooks(hooks, g, xp):
    """Call each hook with the gradient; a returned tensor replaces it (the user's memory:
    on arrays it goes on as a view, which no leaf adopts)."""
    gt = start = g if xp is TENSORS else new_tensor(g, None)
    for hook in list(hooks.values()):
        result = hook(gt)
        if result is not None:
            check_hook_result(hook, result, gt)
            gt = result
    if xp is TENSORS:
        return gt
    return g if gt is start else gt._data.view()


def check_hook_result(hook, result, g):
    """A hook may replace a gradient only with one of the same shape and dtype (as in
    PyTorch): anything else would fit no tensor downstream."""
    if isinstance(result, Tensor) and result.shape == g.shape and result.dtype == g.dtype:
        return
    what = (f"a tensor of shape {tuple(result.shape)} and dtype {result.dtype}"
            if isinstance(result, Tensor) else f"a value of type {type(result).__name__}")
    raise RuntimeError(
        f"hook {getattr(hook, '__name__', hook)!r} returned {what} for a gradient of shape "
        f"{tuple(g.shape)} and dtype {g.dtype}; a hook must return None or a tensor of the "
        f"gradient's shape and dtype")


def store_retained(ref, g, xp):
    tensor = ref()
    if tensor is not None:
        g = g.clone() if xp is TENSORS else new_tensor(g.copy(), None)
        tensor.grad = g if tensor.grad is None else tensor.grad + g
