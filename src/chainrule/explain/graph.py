"""Read a finished graph and compute its steps: names, forward values, and every gradient as
a sum of (upstream x local) terms, one per consumer.

Only reads: each gate's ``backward(g, ARRAYS)`` is called on the arrays the graph saved, in
reverse topological order, exactly as the engine would, but the results go into the steps
instead of into ``.grad``.
"""
import ast
import functools

import numpy as np

from ..autograd.engine import check_versions, conform
from ..autograd.graph import evaluation_order
from ..autograd.graph import key_of as graph_key
from ..autograd.rows import names_in
from ..autograd.vocabulary import ARRAYS
from ..tensor import Tensor
from .formula import fresh, parse, render
from .layers import units_of
from .names import model_names
from .steps import BackwardStep, ForwardStep, Term, plain
from .steps import term_expression as steps_term_expression

LEAF = "input"


class Node:
    """One value of the graph: a gate's output, a leaf tensor, or a constant array."""

    __slots__ = ("gate", "tensor", "name", "data", "operands", "requires_grad")

    def __init__(self, gate, tensor, data):
        self.gate = gate
        self.tensor = tensor
        self.name = tensor.name if tensor is not None else None
        self.data = data
        self.operands = ()
        self.requires_grad = bool(tensor is not None and tensor.requires_grad)


def build(out, aliases=None, model=None, names=None):
    """(forward steps, backward steps, output name) for the graph that made ``out``;
    ``names`` maps tensors to names, ``model`` names parameters and module outputs (see
    ``names.py``)."""
    nodes = topological(out)
    for node in nodes:   # saved values changed in place: refused, as backward refuses them
        if node.gate is not None:
            check_versions(node.gate)
    given = model_names(nodes, model, names)
    uses = {}
    for node in nodes:   # a name given twice (a module called twice) gets _2, _3 after it
        name = given.get(id(node), node.name)
        if name:
            uses[name] = uses.get(name, 0) + 1
            name = name if uses[name] == 1 else f"{name}_{uses[name]}"
        node.name = name
    name_nodes(nodes)
    by_key = {id(key_of(n)): n for n in nodes}
    forward = [forward_step(i, n, by_key, aliases) for i, n in enumerate(nodes, 1)]
    backward = backward_steps(nodes, by_key, nodes[-1].name, aliases)
    units = units_of(nodes, by_key, lambda n: gate_symbols(n, by_key), aliases)
    return forward, backward, nodes[-1].name, units


def key_of(node_or_tensor):
    """What identifies a value here: the graph's key (a gate, or a leaf tensor), and for a
    constant array operand the array itself."""
    if isinstance(node_or_tensor, Node):
        n = node_or_tensor
        return n.gate if n.gate is not None else (n.tensor if n.tensor is not None else n.data)
    return graph_key(node_or_tensor) if isinstance(node_or_tensor, Tensor) else node_or_tensor


def topological(out):
    """Nodes in evaluation order (the one graph walk, plus each constant array operand)."""
    nodes, constants = [], set()
    for t in evaluation_order(out, "explain"):
        node = make_node(t)
        for operand in node.operands:
            if is_constant_array(operand) and id(operand) not in constants:
                constants.add(id(operand))
                nodes.append(make_node(operand))
        nodes.append(node)
    return leaves_where_used(nodes)


def leaves_where_used(order):
    """Each leaf moved to just before the first gate that reads it, as the seeds list them."""
    if len(order) == 1:
        return order
    by_key = {id(key_of(n)): n for n in order}
    placed, ordered = set(), []
    for node in order:
        if node.gate is None:
            continue
        for operand in node.operands:
            leaf = by_key.get(id(operand)) if isinstance(operand, (Tensor, np.ndarray)) else None
            if leaf is not None and leaf.gate is None and id(leaf) not in placed:
                placed.add(id(leaf))
                ordered.append(leaf)
        ordered.append(node)
    return ordered


def make_node(item):
    if not isinstance(item, Tensor):
        return Node(None, None, np.asarray(item))
    node = Node(item.grad_fn, item, item._data)
    if item.grad_fn is not None:
        node.operands = item.grad_fn.tensors
    return node


def is_constant_array(operand):
    return isinstance(operand, np.ndarray) and operand.ndim > 0


def name_nodes(nodes):
    """The user's names where given, else a label plus a counter (``mul1``, ``input2``)."""
    taken = {n.name for n in nodes if n.name}
    counters = {}
    for n in nodes:
        if n.name:
            continue
        base = auto_base(n)
        while True:
            counters[base] = counters.get(base, 0) + 1
            candidate = f"{base}{counters[base]}"
            if candidate not in taken:
                break
        n.name = candidate
        taken.add(candidate)


def auto_base(node):
    if node.gate is None:
        return LEAF if node.tensor is not None else "const"
    label = node.gate.label
    return label if label.isidentifier() else type(node.gate).__name__.lower()


def operand_symbol(operand, by_key):
    """What a formula shows for an operand: a node's name, a number, or None (absent)."""
    if operand is None:
        return None
    if isinstance(operand, Tensor) or is_constant_array(operand):
        return by_key[id(key_of(operand))].name
    return f"{np.asarray(operand).item():g}"


def gate_symbols(node, by_key):
    """Gate symbol -> shown name: the inputs (an input not given is None), ``out``, ``xs``
    (the list of inputs of cat and stack), and parameters with a short value; an index
    (``x[:, 1:3]``) is shown under the key ``"[index]"``, inside the brackets."""
    gate = node.gate
    symbols = {slot: operand_symbol(op, by_key) for slot, op in zip(gate.inputs, node.operands)}
    symbols.update({slot: None for slot in gate.inputs[len(node.operands):]})
    symbols["out"] = node.name
    formulas = [gate.formula, *gate.rows().values()]
    read = {n for f in formulas if f for n in names_of(f)}
    if "xs" in read:
        symbols["xs"] = "[" + ", ".join(str(symbols[slot]) for slot in gate.inputs) + "]"
    for name in read - set(symbols) - {"g"}:
        value = getattr(gate, name, MISSING)
        if value is MISSING or callable(value):
            continue
        if is_index(value):
            shown = index_text(value)
            if shown is not None:
                symbols[f"[{name}]"] = shown
        elif value is None or isinstance(value, (int, float, np.number, tuple)):
            symbols[name] = parameter(value)
    return symbols


@functools.lru_cache(maxsize=4096)
def names_of(text):
    """The names a formula reads, parsed once per text (a graph repeats its gates)."""
    return tuple(names_in(text))


MISSING = object()
MAX_INDEX = 16   # index arrays up to this size are written out in x[...]


def is_index(value):
    """An index of x[...] (slices, arrays, None, ...), not a parameter shown as a number."""
    if isinstance(value, tuple):
        return any(p is None or p is Ellipsis or isinstance(p, (slice, np.ndarray, list))
                   for p in value)
    return value is Ellipsis or isinstance(value, (slice, np.ndarray, list))


def index_text(index):
    """An index as written between brackets (``:, 1:3``, ``[0, 2, 2]``), or None when it is
    too long to show (the formula then says ``index``)."""
    parts = []
    for p in index if isinstance(index, tuple) else (index,):
        if p is None or p is Ellipsis:
            parts.append("None" if p is None else "...")
        elif isinstance(p, slice):
            bounds = ["" if v is None else str(v) for v in (p.start, p.stop, p.step)]
            parts.append(":".join(bounds if bounds[2] else bounds[:2]))
        elif isinstance(p, (int, np.integer)):
            parts.append(str(int(p)))
        elif isinstance(p, (np.ndarray, list)) and np.size(p) <= MAX_INDEX:
            parts.append(repr(np.asarray(p).tolist()))
        else:
            return None
    return ", ".join(parts) + ("," if isinstance(index, tuple) and len(parts) == 1 else "")


def parameter(value):
    """A parameter as the formulas show it; None (all dimensions) drops the argument."""
    if isinstance(value, tuple) and len(value) == 1:
        value = value[0]
    if value is None or isinstance(value, tuple):
        return None if value is None else str(tuple(v.item() if isinstance(v, np.generic)
                                                     else v for v in value))
    if isinstance(value, (float, np.floating)) and np.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:g}"


def forward_step(index, node, by_key, aliases):
    value, truncated = plain(np.asarray(node.data))
    common = dict(index=index, name=node.name, shape=list(np.shape(node.data)), value=value,
                  truncated=truncated, requires_grad=node.requires_grad)
    if node.gate is None:
        return ForwardStep(gate=LEAF if node.tensor is not None else "constant", label="",
                           inputs=[], formula=node.name, gate_formula="", symbols={}, **common)
    gate = node.gate
    symbols = gate_symbols(node, by_key)
    inputs = [symbols[slot] for slot in gate.inputs[:len(node.operands)]
              if symbols[slot] is not None]
    gate_formula = forward_formula(gate, node.data)
    formula = render(gate_formula, symbols, "text", aliases) if gate_formula else node.name
    return ForwardStep(gate=type(gate).__name__, label=gate.label, inputs=inputs,
                       formula=formula, gate_formula=gate_formula, symbols=symbols, **common)


REDUCING = ("sum", "mean", "max", "min", "logsumexp")


def forward_formula(gate, out):
    """The gate's formula, with ``keepdim=True`` on its reductions where the output kept
    the reduced dimensions (a reduction gate's output then has its ``kept`` shape)."""
    kept = getattr(gate, "kept", None) if gate.reduction and gate.formula else None
    if kept is None or np.ndim(out) == 0 or np.shape(out) != tuple(kept):
        return gate.formula
    tree = fresh(gate.formula)
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in REDUCING:
            n.keywords.append(ast.keyword("keepdim", ast.Constant(True)))
    return ast.unparse(tree)


def backward_steps(nodes, by_key, root, aliases):
    """Every gradient, from the output back, each as the list of terms that add up to it."""
    arrived = {id(key_of(n)): [] for n in nodes}
    named = {n.name: n for n in nodes}   # once: a lookup per term keeps explain linear
    steps = []
    for node in reversed(nodes):
        if not node.requires_grad:
            continue
        symbol = f"d{root}/d{node.name}"
        pairs = arrived.pop(id(key_of(node)))
        g = total([a for _, a in pairs], node) if pairs else np.ones_like(node.data)
        value, truncated = plain(g)
        terms = [t for t, _ in pairs]
        formula = f"{symbol} = " + (" + ".join(with_words(t) for t in terms) or "1")
        steps.append(BackwardStep(index=len(steps) + 1, name=node.name, shape=list(g.shape),
                                  symbol=symbol, terms=terms, formula=formula, value=value,
                                  truncated=truncated))
        if node.gate is not None:
            for key, term, array in terms_from(node, g, symbol, by_key, named, root, aliases):
                arrived[key].append((term, array))
    return steps


def with_words(term):
    """A term as the line shows it: its formula, and its sum over broadcast axes in words."""
    return term.formula + (f"  ({term.broadcast})" if term.broadcast else "")


def total(arrays, node):
    g = arrays[0]
    for array in arrays[1:]:
        g = g + array
    return np.reshape(g, np.shape(node.data))


def terms_from(node, g, upstream, by_key, named, root, aliases):
    """One term for each input of ``node`` that needs a gradient: upstream x local."""
    gate = node.gate
    grads = gate.backward(g, ARRAYS)
    locals_ = gate.backward(np.ones_like(g), ARRAYS) if gate.elementwise else None
    symbols = gate_symbols(node, by_key)
    inputs = gate.inputs
    for i, (slot, operand, gi) in enumerate(zip(inputs, node.operands, grads)):
        if gi is None or not (isinstance(operand, Tensor) and operand.requires_grad):
            continue
        gi = np.asarray(gi)
        expression = term_expression(gate, i, slot, np.shape(g), gi.shape, operand.shape)
        words = ""
        name = by_key[id(key_of(operand))].name
        if gi.shape != operand.shape:
            words = broadcast_words(gi.shape, operand.shape, name)
            gi = conform(gi, operand._data, gate, ARRAYS)
        elif sums_a_broadcast(gate, slot, np.shape(g), operand.shape):
            words = broadcast_words(np.shape(g), operand.shape, name,
                                    row_axes(gate, slot, len(np.shape(g))))
        # every term is written upstream x local, the output's own gradient too (df/df * q)
        term = make_term(node, slot, expression, dict(symbols, g=upstream),
                         upstream, aliases)
        term.broadcast = words
        term.shapes = shapes_of(expression, term.symbols, named, upstream, g)
        term.upstream_value = plain(np.asarray(g))[0]
        term.local_value = plain(np.asarray(locals_[i]))[0] if locals_ is not None else None
        term.value = plain(gi)[0]
        yield id(key_of(operand)), term, gi


def term_expression(gate, index, slot, g_shape, grad_shape, shape):
    """The term a gate gives its input ``slot`` (number ``index``), as one expression in the
    gate's symbols that is true for these shapes: an elementwise local derivative times
    ``g``; a reduction's ``g`` and ``out`` with the reduced dimensions put back where they
    do not broadcast by themselves (``unsqueeze(g, 1)``); the input's own item of a list of
    gradients (``split(g, sizes, dim)[0]``); and the sum over the axes broadcasting stretched
    when the term is larger than the input (``sum(g * 1, 0)``). Empty for a gate without
    rows (a custom Function)."""
    rows = gate.rows()
    row = rows.get(slot) or rows.get("xs")
    if not row:
        return ""
    tree = fresh(row)
    kept = getattr(gate, "kept", None) if gate.reduction else None
    if kept is not None:
        axes = inserted_axes(g_shape, tuple(kept))
        if axes:
            tree = KeptDims(f"{dims_text(axes)}").visit(tree)
    expression = ast.unparse(tree)
    if gate.elementwise:
        expression = steps_term_expression(True, expression)
    if slot not in rows:
        expression = f"({expression})[{index}]"
    if tuple(grad_shape) != tuple(shape):
        expression = summed(expression, tuple(grad_shape), tuple(shape))
    return expression


def inserted_axes(shape, kept):
    """The axes of ``kept`` (a shape with reduced dimensions as 1s) that ``shape`` lacks,
    or () when ``shape`` broadcasts to ``kept`` as it is (the missing axes lead)."""
    if len(kept) - len(shape) < 0 or (1,) * (len(kept) - len(shape)) + tuple(shape) == kept:
        return ()
    axes, j = [], 0
    for i, n in enumerate(kept):
        if j < len(shape) and shape[j] == n:
            j += 1
        else:
            axes.append(i)
    return tuple(axes)


class KeptDims(ast.NodeTransformer):
    """``g`` and ``out`` of a reduction with the reduced dimensions put back."""

    def __init__(self, axes):
        self.axes = axes

    def visit_Name(self, node):
        if node.id in ("g", "out"):
            return parse(f"unsqueeze({node.id}, {self.axes})")
        return node


def dims_text(axes):
    return str(axes[0]) if len(axes) == 1 else str(tuple(axes))


SUMMING_ROWS = ("sum(", "channel_sum(")   # rows that sum a gradient back to an input's shape


def sums_a_broadcast(gate, slot, g_shape, shape):
    """Whether the gate's own row for ``slot`` is the sum over the axes its forward broadcast
    that input to (a layer's bias: ``sum(g, 0)``, a convolution's ``channel_sum(g)``)."""
    row = gate.rows().get(slot, "")
    return (not gate.elementwise and row.startswith(SUMMING_ROWS)
            and 0 < len(shape) < len(g_shape))


def row_axes(gate, slot, ndim):
    """The axes a summing row adds over, as a list (``channel_sum``: all of the ``ndim`` but
    the channels, 1), or None when a ``sum(...)`` names none or sums a flattened matrix
    (``as_matrix``: its axis 0 stands for every leading axis)."""
    row = gate.rows()[slot]
    call = parse(row)
    if row.startswith("channel_sum("):
        return [axis for axis in range(ndim) if axis != 1]
    if len(call.args) < 2 or "as_matrix" in row:
        return None
    try:
        dims = ast.literal_eval(call.args[1])
    except ValueError:
        return None
    return list(dims) if isinstance(dims, tuple) else [dims]


def broadcast_words(grad_shape, shape, name, axes=None):
    """A summed-back term in words: ``sum over the batch axis 0: b (4) was broadcast to
    5x4``. Axis 0 of a batch is the batch axis when broadcasting added it."""
    lead = len(grad_shape) - len(shape)
    if axes is None:
        axes = list(range(lead)) + [lead + i for i, n in enumerate(shape)
                                    if n == 1 and grad_shape[lead + i] != 1]
    if axes == [0] and lead == 1 and len(grad_shape) >= 2:
        where = "the batch axis 0"
    else:
        where = ("axis " if len(axes) == 1 else "axes ") + ", ".join(map(str, axes))
    size = lambda s: "x".join(map(str, s)) or "a scalar"  # noqa: E731
    return f"sum over {where}: {name} ({size(shape)}) was broadcast to {size(grad_shape)}"


def summed(expression, grad_shape, shape):
    """``expression`` (of ``grad_shape``) summed to ``shape`` as the engine's conform does:
    over the leading axes broadcasting added, then over the axes it stretched from 1."""
    if not shape:
        return f"sum({expression})"
    lead = len(grad_shape) - len(shape)
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad_shape[lead + i] != 1)
    if lead:
        expression = f"sum({expression}, {dims_text(tuple(range(lead)))})"
    if stretched:
        expression = f"sum({expression}, {dims_text(stretched)}, True)"
    return expression


def make_term(node, slot, expression, symbols, upstream, aliases):
    gate = node.gate
    derivative = gate.rows().get(slot) or gate.rows().get("xs") or ""
    if expression:
        local = render(derivative, symbols, "text", aliases)
        formula = render(expression, symbols, "text", aliases)
    else:
        local = f"{gate.label}.backward(g)"
        formula = f"{gate.label}.backward({upstream})"
    return Term(consumer=node.name, gate=type(gate).__name__, slot=slot,
                elementwise=bool(gate.elementwise), upstream=upstream, local=local,
                gate_derivative=derivative, symbols=symbols, formula=formula, shapes={},
                upstream_value=None, local_value=None, value=None, expression=expression)


def shapes_of(expression, symbols, named, upstream, g):
    """Shape of every tensor a term names (the matrix form shows them)."""
    shapes = {upstream: list(g.shape)}
    for symbol in names_of(expression) if expression else ():
        shown = symbols.get(symbol)
        if shown in named:
            shapes[shown] = list(np.shape(named[shown].data))
    return shapes
