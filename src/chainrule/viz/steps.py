"""The page's steps: ``cr.explain``'s forward and backward steps, pinned to the picture's nodes.

Explain names every node (the user's ``name=`` or the gate label plus a counter); the picture
numbers them (``t3``, ``g1``). The two are matched by walking both graphs from the output,
input by input in operand order, so neither side needs to know how the other names things.
"""
import numpy as np

from ..explain.modules import call_of
from .graph import format_array, format_shape


def explained_names(graph, explanation):
    """Explain's name of each tensor node id of ``graph``."""
    by_name = {step.name: step for step in explanation.forward}
    gate_of = {gate.output: gate for gate in graph.gates}
    names = {}
    stack = [(graph.out, explanation.forward[-1].name)]
    while stack:
        node_id, name = stack.pop()
        if node_id in names:
            continue
        names[node_id] = name
        gate, step = gate_of.get(node_id), by_name[name]
        if gate is None or len(gate.inputs) != len(step.inputs):
            continue
        stack.extend((i, str(n)) for i, n in zip(gate.inputs, step.inputs)
                     if str(n) in by_name)
    return names


def page_steps(graph, explanation, names):
    """Plain dicts the page's script reads: one per forward step, then one per backward step."""
    ids = {name: node_id for node_id, name in names.items()}
    gate_of = {gate.output: gate for gate in graph.gates}
    data = {node.id: node.data for node in graph.tensors}
    steps = [forward_step(s, ids, gate_of, data) for s in explanation.forward if s.name in ids]
    steps += [backward_step(s, ids, gate_of) for s in explanation.backward if s.name in ids]
    return steps


def forward_step(step, ids, gate_of, data):
    node_id = ids[step.name]
    gate = gate_of.get(node_id)
    leaf = gate is None
    return {
        "phase": "forward", "node": node_id, "name": step.name,
        "gate": None if leaf else gate.id,
        "edges": [] if leaf else [f"e_{gate.id}_{i}" for i in range(len(gate.inputs))],
        "formula": f"{step.name}  (input)" if leaf else f"{step.name} = {step.formula}",
        "gate_formula": "" if leaf else f"gate {step.label}: out = {step.gate_formula}",
        "shape": shape_text(step.shape),
        "value": format_array(data[node_id]),
        "terms": [],
    }


def backward_step(step, ids, gate_of):
    node_id = ids[step.name]
    return {
        "phase": "backward", "node": node_id, "name": step.name, "gate": None,
        "edges": [edge for term in step.terms for edge in term_edges(term, node_id, ids,
                                                                     gate_of)],
        "formula": step.formula or f"{step.symbol} = 1",
        "gate_formula": "", "symbol": step.symbol,
        "shape": shape_text(step.shape),
        "value": format_plain(step.value, step.shape),
        "terms": [term_dict(term, step.shape, ids, gate_of, node_id) for term in step.terms],
    }


def term_dict(term, shape, ids, gate_of, node_id):
    """One path's share: upstream gradient times the local derivative, with its numbers."""
    consumer_gate = gate_of.get(ids.get(term.consumer))
    upstream_shape = term.shapes.get(term.upstream)
    return {
        "consumer": term.consumer,
        "gate": consumer_gate.id if consumer_gate else None,
        "via": consumer_gate.label if consumer_gate else term.gate,
        "elementwise": term.elementwise,
        "upstream_symbol": term.upstream,
        "local_formula": term.local,
        "formula": term.formula + (f"  ({term.broadcast})" if term.broadcast else ""),
        "upstream": format_plain(term.upstream_value, upstream_shape),
        "local": "" if term.local_value is None else format_plain(term.local_value,
                                                                   upstream_shape),
        "value": format_plain(term.value, shape),
        "edges": term_edges(term, node_id, ids, gate_of),   # where its product is written
    }


def term_edges(term, node_id, ids, gate_of):
    """The edges from this node into the consumer gate the term comes through."""
    gate = gate_of.get(ids.get(term.consumer))
    if gate is None:
        return []
    positions = [i for i, source in enumerate(gate.inputs) if source == node_id]
    if term.slot in gate.input_names and len(gate.input_names) == len(gate.inputs):
        positions = [gate.input_names.index(term.slot)]
    return [f"e_{gate.id}_{i}" for i in positions]


def format_plain(value, shape):
    """A value from explain (plain floats or lists, cut to its first values when the tensor
    is large) as one short line; ``shape`` tells whether it was cut."""
    if value is None:
        return ""
    array = np.asarray(value)
    full = int(np.prod(shape)) if shape is not None else array.size
    if array.size < full:
        shown = ", ".join(f"{float(v):.4g}" for v in array.ravel()[:4])
        return f"[{shown}, …] ({full} values)"
    return format_array(array)


def shape_text(shape):
    return format_shape(shape) if shape else ""


def module_groups(graph, model=None):
    """The page's module boxes: one per recorded module call inside the model (not the model
    itself, nor a loss called on its own) that made two gates or more, innermost first, each
    with the ids of its nodes (its gates, their outputs, and the inputs only its gates use,
    such as its parameters), of the edges inside it and of the boxes inside it."""
    calls = {}
    for node in graph.tensors:
        call = call_of(node.tensor) if node.tensor is not None else None
        for c in call.recording if call is not None else ():
            calls[id(c)] = c
    paths = {id(m): p for p, m in model.named_modules()} if model is not None else {}
    users = {}
    for gate in graph.gates:
        for source in gate.inputs:
            users.setdefault(source, set()).add(gate.id)
    made = {gate.output for gate in graph.gates}
    groups = []
    for call in sorted(calls.values(), key=lambda c: (-c.depth, c.index)):
        gates = [g for g in graph.gates if call.start < g.gate.seq < call.end]
        if call.depth == 0 or len(gates) < 2:
            continue
        members = {g.id for g in gates} | {g.output for g in gates}
        members |= {source for g in gates for source in g.inputs
                    if source not in made and users[source] <= members}
        edges = [f"e_{g.id}_{i}" for g in gates for i, source in enumerate(g.inputs)
                 if source in members] + [f"e_{g.id}_out" for g in gates]
        label = paths.get(id(call.module)) or type(call.module).__name__
        inner = [g["id"] for g in groups if set(g["members"]) <= members]
        groups.append({"id": f"module{len(groups)}", "label": f"{label}: "
                       f"{type(call.module).__name__}", "gates": len(gates),
                       "members": sorted(members), "edges": edges, "inner": inner})
    return groups


def outermost(groups):
    """The groups inside no other (Graphviz clusters must nest; these never overlap)."""
    inside = {i for g in groups for i in g["inner"]}
    return [g for g in groups if g["id"] not in inside]
