"""The finished graph as pictures see it: tensor nodes and gate nodes, in evaluation order.

Read only through the public graph: ``tensor.grad_fn`` gates, their ``tensors`` (inputs in
operand order) and their ``label``; each tensor's ``name``, ``data`` and ``grad``. Node ids
are given in a fixed walk (inputs before users, operands left to right), so the same graph
always gives the same picture.
"""
from dataclasses import dataclass, field

import numpy as np

from ..autograd.graph import evaluation_order, key_of
from ..explain.names import module_names
from ..nn.module import Module
from ..tensor import Tensor

SMALL = 6            # tensors with at most this many elements show every value


@dataclass
class TensorNode:
    """A value in the graph: a leaf, a gate's output, or a constant operand."""

    id: str
    name: str
    data: np.ndarray
    grad: np.ndarray = None
    kind: str = "tensor"      # "leaf", "tensor" (a gate's output) or "constant"
    tensor: object = None
    hide_value: bool = False  # the page shows a computed value only once its step is reached


@dataclass
class GateNode:
    """One application of a gate: its label and formula from the gate table, its wiring."""

    id: str
    label: str
    formula: str
    gate: object
    inputs: list = field(default_factory=list)    # TensorNode ids, in operand order
    input_names: tuple = ()
    output: str = ""


@dataclass
class Graph:
    tensors: list     # TensorNode, in evaluation order (constants after their gate's output)
    gates: list       # GateNode, in evaluation order
    out: str          # id of the output's node


def build(out, params=None, where="to_dot"):
    """Walk the graph that made ``out``; ``params`` names tensors that have no ``name``:
    a dict of names to tensors, or the model (parameters and buffers by their path, module
    outputs by their module when the forward ran under ``cr.explain.record_modules()``)."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{where}: expected a Tensor, got {type(out).__name__}")
    order = evaluation_order(out, where)
    names = tensor_names(order, params)
    tensor_ids = {id(key_of(t)): f"t{i}" for i, t in enumerate(order)}
    tensors, gates = [], []
    for t in order:
        tensors.append(tensor_node(t, tensor_ids[id(key_of(t))], names))
        if t.grad_fn is not None:
            gates.append(gate_node(t, f"g{len(gates)}", tensor_ids, tensors))
    return Graph(tensors, gates, tensor_ids[id(key_of(out))])


def tensor_names(order, params):
    """{id(tensor): name} from ``params`` (a dict of names to tensors, or a model)."""
    if isinstance(params, Module):
        return module_names(order, params)[0]
    return {id(t): name for name, t in (params or {}).items()}


def tensor_node(t, node_id, names):
    kind = "leaf" if t.grad_fn is None else "tensor"
    name = t.name or names.get(id(t)) or ""
    grad = t.grad._data if t.grad is not None else None
    return TensorNode(node_id, name, t._data, grad, kind, t)


def gate_node(t, node_id, tensor_ids, tensors):
    """The gate that made ``t``; constants among its operands become nodes of their own."""
    gate = t.grad_fn
    node = GateNode(node_id, gate.label, gate.formula, gate, output=tensor_ids[id(gate)],
                    input_names=tuple(gate.inputs))
    for position, x in enumerate(gate.tensors):
        if isinstance(x, Tensor):
            node.inputs.append(tensor_ids[id(key_of(x))])
        elif x is not None:
            constant = TensorNode(f"{node_id}c{position}", "", np.asarray(x), kind="constant")
            tensors.append(constant)
            node.inputs.append(constant.id)
    return node


def format_array(data):
    """Values of a small array, or a summary of a large one: one short line."""
    data = np.asarray(data)
    if data.size == 0:
        return "(empty)"
    if data.size <= SMALL:
        values = [format_number(v) for v in data.ravel()]
        return values[0] if data.ndim == 0 else "[" + ", ".join(values) + "]"
    if data.dtype.kind == "b":
        return f"{int(data.sum())} of {data.size} true"
    values = data.astype(np.float64)
    return (f"mean {format_number(values.mean())}, "
            f"[{format_number(values.min())}, {format_number(values.max())}]")


def format_number(v):
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    text = f"{float(v):.4g}"
    return "0" if text == "-0" else text


def format_shape(shape):
    return "(" + ", ".join(str(n) for n in shape) + ")"
