"""The layer view: seed 000's two tables for any model, one row per module call.

A *unit* is a group of gate nodes: the gates one recorded module call made itself (known by
their creation numbers; inner calls claim theirs first, so a ``Sequential`` claims nothing
and a transformer block claims its residual adds), or a single gate that no recorded call
made. A call's gates that another call's gates interrupt form several units (a block's two
residual adds are two rows). Forward rows are the units in evaluation order, numbered from
1; a loss that fuses softmax into cross-entropy gets two rows, as seed 000 writes it:
``y_hat = softmax(z2)`` and ``L = CE(y, y_hat)``.

Backward rows go from the last row back, as the seed numbers them: the last row holds
``dL/dL = 1``, and row k holds the gradients of row k's inputs (parameters first, then the
values it read), lettered ``3a``, ``3b`` when there are several. A value read by several rows
is shown once, at the first of them, where its gradient is complete. Every row keeps the
gate-level steps inside it (``steps``), so a renderer can open it.
"""
import bisect
from dataclasses import dataclass, field

import numpy as np

from ..autograd.graph import key_of as graph_key
from ..tensor import Tensor
from .formula import render
from .modules import call_of
from .steps import plain

FUSED_SOFTMAX = "probs"   # the residual of a loss gate that fuses softmax: its own forward row


@dataclass
class Unit:
    """Gate nodes that make one layer: a module call's, or one gate's."""

    kind: str                       # the module's class name, or the gate's
    module: object = None           # the module, for a recorded call
    nodes: list = field(default_factory=list)     # names of its gate nodes, in order
    inputs: list = field(default_factory=list)    # names of the nodes it reads
    output: str = ""
    params: dict = field(default_factory=dict)    # the module's own parameters: attribute -> name
    softmax: tuple = None           # (name, formula, value) of a fused loss's softmax row
    key: int = 0                    # which call (or gate) made it
    whole: bool = True              # every gate of its call (not one run of several)


@dataclass
class LayerRow:
    number: str
    name: str
    kind: str
    formula: str
    shape: list
    value: object
    truncated: bool = False
    steps: list = field(default_factory=list)   # indices of the gate-level steps inside


def units_of(nodes, by_key, symbols_of, aliases=None):
    """The graph's units, in evaluation order (``nodes`` named, in evaluation order;
    ``symbols_of(node)`` gives a gate node's symbols, as the tables show them)."""
    owner = claim(nodes)
    units, unit_of, last_key, claimed = [], {}, None, {}
    for node in nodes:
        if node.gate is None:
            continue
        call = owner.get(id(node))
        key = id(call) if call is not None else id(node)
        claimed[key] = claimed.get(key, 0) + 1
        if key != last_key:   # a run of gates of one call (a block's residual add stands alone)
            kind = type(call.module if call is not None else node.gate).__name__
            units.append(Unit(kind, call.module if call is not None else None, key=key))
            last_key = key
        unit = unit_of[id(node)] = units[-1]
        unit.nodes.append(node.name)
        unit.output = node.name
        for operand in node.operands:
            source = by_key.get(id(operand_key(operand))) \
                if isinstance(operand, (Tensor, np.ndarray)) else None
            if source is not None and unit_of.get(id(source)) is not unit \
                    and source.name not in unit.inputs:
                unit.inputs.append(source.name)
                attribute = own_parameter(unit.module, source.tensor)
                if attribute:
                    unit.params[attribute] = source.name
        unit.softmax = fused_softmax(node, symbols_of, aliases)
    for unit in units:
        unit.whole = claimed[unit.key] == len(unit.nodes)
    return units


def own_parameter(module, tensor):
    """The attribute under which ``module`` itself holds ``tensor`` as a parameter, or None."""
    if module is None or tensor is None:
        return None
    return next((a for a, p in module._parameters.items() if p is tensor), None)


def operand_key(operand):
    return graph_key(operand) if isinstance(operand, Tensor) else operand


def claim(nodes):
    """{id(node): the innermost recorded call whose forward made that gate node}: the call
    whose range of creation numbers holds the gate's, inner calls first."""
    calls = {}
    for n in nodes:
        call = call_of(n.tensor) if n.tensor is not None else None
        if call is not None:
            for c in call.recording:
                calls[id(c)] = c
    gates = sorted((n.gate.seq, id(n)) for n in nodes if n.gate is not None)
    numbers = [seq for seq, _ in gates]
    owner = {}
    for call in sorted(calls.values(), key=lambda c: c.index):   # inner calls return first
        first = bisect.bisect_right(numbers, call.start)
        last = bisect.bisect_left(numbers, call.end)
        for _, node in gates[first:last]:
            owner.setdefault(node, call)
    return owner


def fused_softmax(node, symbols_of, aliases):
    """(name, formula, value) of the softmax a loss gate fuses, or None."""
    gate = node.gate
    expression = gate.residuals.get(FUSED_SOFTMAX)
    if expression is None or getattr(gate, FUSED_SOFTMAX, None) is None:
        return None
    shown = render(expression, symbols_of(node), "text")
    name = next((short for short, full in (aliases or {}).items() if full == shown), "y_hat")
    return name, shown, np.asarray(getattr(gate, FUSED_SOFTMAX))


TEMPLATES = {   # a module's forward in one line, where its gates would take several
    "LayerNorm": "({x} - mean({x})) / sqrt(var({x}) + eps) * {weight} + {bias}",
    "BatchNorm1d": "({x} - mean({x}, 0)) / sqrt(var({x}, 0) + eps) * {weight} + {bias}",
    "BatchNorm2d": "({x} - mean({x}, (0, 2, 3))) / sqrt(var({x}, (0, 2, 3)) + eps) * {weight} "
                   "+ {bias}",
    "Conv2d": "{weight} * {x} + {bias}  (* slides {weight} over {x}: stride {stride}, padding "
              "{padding}, dilation {dilation})",
    "MaxPool2d": "the max of each {kernel_size} x {kernel_size} window of {x} (stride {stride})",
    "AvgPool2d": "the mean of each {kernel_size} x {kernel_size} window of {x} (stride {stride})",
    "CausalSelfAttention": "softmax(q k^T / sqrt(d) + causal mask) v, heads joined; "
                           "q, k, v = the thirds of {x}",
}


def layer_rows(units, forward, backward):
    """(forward rows, backward rows) of the layer view, from the gate-level steps; none for a
    graph without a gate (a leaf alone)."""
    if not units:
        return [], []
    fwd = {s.name: s for s in forward}
    bwd = {s.name: s for s in backward}
    rows, input_row, number = [], {}, 0
    for unit in units:
        step = fwd[unit.output]
        if unit.softmax is not None:
            number += 1
            name, shown, value = unit.softmax
            rows.append(LayerRow(str(number), name, "softmax", f"{name} = {shown}",
                                 list(value.shape), *plain(value)))
            target = step.symbols.get("target") or step.symbols.get("y")
            formula = f"{unit.output} = CE({target}, {name})"
        else:
            formula = f"{unit.output} = {unit_formula(unit, fwd)}"
        input_row[id(unit)] = number + 1 if unit.softmax is None else number
        number += 1
        rows.append(LayerRow(str(number), unit.output, unit.kind, formula, step.shape,
                             step.value, step.truncated, [fwd[n].index for n in unit.nodes]))
    return rows, backward_rows(units, input_row, fwd, bwd, number)


def unit_formula(unit, fwd):
    template = TEMPLATES.get(unit.kind) if unit.module is not None and unit.whole else None
    if template is not None:
        names = dict(unit.params, x=next((i for i in unit.inputs if i not in
                                          unit.params.values()), "x"))
        for attribute in ("stride", "padding", "dilation", "kernel_size"):
            names[attribute] = str(getattr(unit.module, attribute, ""))
        return template.format(**names)
    if len(unit.nodes) == 1:
        return fwd[unit.output].formula
    inner = "; ".join(f"{n} = {fwd[n].formula}" for n in unit.nodes[:-1])
    return f"{fwd[unit.output].formula}, where {inner}" if len(unit.nodes) <= 3 else \
        f"{unit.kind}({', '.join(unit.inputs)}): {len(unit.nodes)} gates"


def backward_rows(units, input_row, fwd, bwd, last):
    """dL/dL = 1 at the last row, then each row's inputs, at the first row that reads them."""
    first_reader = {}
    for unit in units:
        for name in unit.inputs:
            first_reader.setdefault(name, unit)
    output = units[-1].output
    top = bwd[output]
    rows = [LayerRow(str(last), output, "", f"{top.symbol} = 1", top.shape, top.value,
                     top.truncated, [top.index])]
    for unit in reversed(units):
        grads = [n for n in unit.inputs if n in bwd and first_reader[n] is unit]
        grads.sort(key=lambda n: fwd[n].gate != "input")   # parameters first, as the seed
        last_row = input_row[id(unit)] == last   # dL/dL's number: its inputs get letters
        for letter, name in zip(letters(len(grads), last_row), grads):
            step = bwd[name]
            rows.append(LayerRow(f"{input_row[id(unit)]}{letter}", name, unit.kind,
                                 gradient_formula(step, unit), step.shape, step.value,
                                 step.truncated, [step.index]))
    return rows


def letters(n, always=False):
    return [""] if n == 1 and not always else [chr(ord("a") + i) for i in range(n)]


def gradient_formula(step, unit):
    """The gradient as the gate-level step writes it, or, where it runs back through several
    gates of one module, as that module's share plus the terms from elsewhere."""
    inside = [t for t in step.terms if t.consumer in unit.nodes]
    if len(unit.nodes) == 1 or not inside:
        return step.formula
    outside = [t.formula for t in step.terms if t.consumer not in unit.nodes]
    root = step.symbol.split("/")[0]
    share = f"{root}/d{unit.output} back through {unit.kind} ({len(unit.nodes)} gates)"
    return f"{step.symbol} = " + " + ".join([share] + outside)
