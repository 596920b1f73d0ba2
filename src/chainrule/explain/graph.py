"""Read a finished graph and compute its steps: names, forward values, and every gradient as
a sum of (upstream x local) terms, one per consumer.

Only reads: each gate's ``backward(g, ARRAYS)`` is called on the arrays the graph saved, in
reverse topological order, exactly as the engine would, but the results go into the steps
instead of into ``.grad``.
"""
import numpy as np

from ..autograd.engine import conform
from ..autograd.vocabulary import ARRAYS
from ..tensor import Tensor
from .formula import names_in, render
from .steps import BackwardStep, ForwardStep, Term, plain, term_expression

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


def build(out, aliases=None):
    """(forward steps, backward steps, output name) for the graph that made ``out``."""
    nodes = topological(out)
    name_nodes(nodes)
    by_key = {id(key_of(n)): n for n in nodes}
    forward = [forward_step(i, n, by_key, aliases) for i, n in enumerate(nodes, 1)]
    backward = backward_steps(nodes, by_key, nodes[-1].name, aliases)
    return forward, backward, nodes[-1].name


def key_of(node_or_tensor):
    """What identifies a value: its gate, or the leaf tensor (or constant array) itself."""
    if isinstance(node_or_tensor, Node):
        n = node_or_tensor
        return n.gate if n.gate is not None else (n.tensor if n.tensor is not None else n.data)
    if not isinstance(node_or_tensor, Tensor):
        return node_or_tensor
    return node_or_tensor if node_or_tensor.grad_fn is None else node_or_tensor.grad_fn


def topological(out):
    """Nodes in evaluation order (inputs before the gates that use them), iteratively."""
    if not isinstance(out, Tensor):
        raise TypeError(f"explain: expected the Tensor a graph ends in, got {type(out).__name__}")
    order, made, stack = [], {}, [(out, False)]
    while stack:
        item, expanded = stack.pop()
        key = id(key_of(item) if isinstance(item, Tensor) else item)
        if expanded:
            order.append(made[key])
            continue
        if key in made:
            if made[key].name is None and isinstance(item, Tensor):
                made[key].name = item.name
            continue
        made[key] = node = make_node(item)
        stack.append((item, True))
        for operand in reversed(node.operands):
            if isinstance(operand, Tensor) or is_constant_array(operand):
                stack.append((operand, False))
    return leaves_where_used(order)


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
    gate = item.grad_fn
    node = Node(gate, item, item.data)
    if gate is not None:
        if gate.released:
            raise RuntimeError(
                f"explain: the graph was freed by backward() (gate '{gate.label}', "
                f"{type(gate).__name__}); call cr.explain(out) before out.backward(), or "
                f"pass retain_graph=True to backward()")
        node.operands = gate.tensors
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
    """Gate symbol -> shown name: the inputs, ``out``, and parameters with a short value."""
    gate = node.gate
    symbols = {slot: operand_symbol(op, by_key) for slot, op in zip(gate.inputs, node.operands)}
    symbols["out"] = node.name
    formulas = [gate.formula, *gate.rows().values()]
    for name in {n for f in formulas if f for n in names_in(f)} - set(symbols):
        value = gate.__dict__.get(name, ())
        if value is None or isinstance(value, (int, float, np.number, tuple)):
            symbols[name] = parameter(value)
    return symbols


def parameter(value):
    """A parameter as the formulas show it; None (all dimensions) drops the argument."""
    if isinstance(value, tuple) and len(value) == 1:
        value = value[0]
    if value is None or isinstance(value, tuple):
        return None if value is None else str(value)
    if isinstance(value, float) and np.isinf(value):
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
    formula = render(gate.formula, symbols, "text", aliases) if gate.formula else node.name
    return ForwardStep(gate=type(gate).__name__, label=gate.label, inputs=inputs,
                       formula=formula, gate_formula=gate.formula, symbols=symbols, **common)


def backward_steps(nodes, by_key, root, aliases):
    """Every gradient, from the output back, each as the list of terms that add up to it."""
    arrived = {id(key_of(n)): [] for n in nodes}
    steps = []
    for node in reversed(nodes):
        if not node.requires_grad:
            continue
        symbol = f"d{root}/d{node.name}"
        pairs = arrived.pop(id(key_of(node)))
        g = total([a for _, a in pairs], node) if pairs else np.ones_like(node.data)
        value, truncated = plain(g)
        terms = [t for t, _ in pairs]
        formula = f"{symbol} = " + (" + ".join(t.formula for t in terms) or "1")
        steps.append(BackwardStep(index=len(steps) + 1, name=node.name, shape=list(g.shape),
                                  symbol=symbol, terms=terms, formula=formula, value=value,
                                  truncated=truncated))
        if node.gate is not None:
            for key, term, array in terms_from(node, g, symbol, by_key, root, aliases):
                arrived[key].append((term, array))
    return steps


def total(arrays, node):
    g = arrays[0]
    for array in arrays[1:]:
        g = g + array
    return np.reshape(g, np.shape(node.data))


def terms_from(node, g, upstream, by_key, root, aliases):
    """One term for each input of ``node`` that needs a gradient: upstream x local."""
    gate = node.gate
    grads = gate.backward(g, ARRAYS)
    locals_ = gate.backward(np.ones_like(g), ARRAYS) if gate.elementwise else None
    symbols = gate_symbols(node, by_key)
    shown_g = "1" if node.name == root else upstream
    for i, (slot, operand, gi) in enumerate(zip(gate.inputs, node.operands, grads)):
        if gi is None or not (isinstance(operand, Tensor) and operand.requires_grad):
            continue
        gi = np.asarray(gi)
        if gi.shape != operand.shape:
            gi = conform(gi, operand.data, gate, ARRAYS)
        derivative = gate.rows().get(slot) or gate.rows().get("xs") or ""
        term = make_term(node, slot, derivative, dict(symbols, g=shown_g), upstream, aliases)
        term.shapes = shapes_of(derivative, term.symbols, by_key, upstream, g)
        term.upstream_value = plain(np.asarray(g))[0]
        term.local_value = plain(np.asarray(locals_[i]))[0] if locals_ is not None else None
        term.value = plain(gi)[0]
        yield id(key_of(operand)), term, gi


def make_term(node, slot, derivative, symbols, upstream, aliases):
    gate = node.gate
    if derivative:
        local = render(derivative, symbols, "text", aliases)
        formula = render(term_expression(gate.elementwise, derivative), symbols, "text", aliases)
    else:
        local = f"{gate.label}.backward(g)"
        formula = f"{gate.label}.backward({upstream})"
    return Term(consumer=node.name, gate=type(gate).__name__, slot=slot,
                elementwise=bool(gate.elementwise), upstream=upstream, local=local,
                gate_derivative=derivative, symbols=symbols, formula=formula, shapes={},
                upstream_value=None, local_value=None, value=None)


def shapes_of(derivative, symbols, by_key, upstream, g):
    """Shape of every tensor a term names (the matrix form shows them)."""
    shapes = {upstream: list(g.shape)}
    named = {n.name: n for n in by_key.values()}
    for symbol in names_in(derivative) if derivative else ():
        shown = symbols.get(symbol)
        if shown in named:
            shapes[shown] = list(np.shape(named[shown].data))
    return shapes
