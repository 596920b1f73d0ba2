"""A chainrule graph as TensorBoard's ``GraphDef``: one node per gate and per leaf.

Node names are paths: a model's modules become name scopes (``Sequential/Linear[0]/linear``),
so TensorBoard draws each layer as a box that opens. Each node's ``op`` is the gate's label,
its ``input`` the names of its operands in order, and its attributes the output's shape
(``_output_shapes``), dtype and the gate's formula.
"""
import re

import numpy as np
from tensorboard.compat.proto import (attr_value_pb2, graph_pb2, node_def_pb2,
                                      tensor_shape_pb2, types_pb2, versions_pb2)

from ..autograd import enable_grad
from ..autograd.graph import key_of
from ..tensor import Tensor
from ..viz.graph import build

DTYPES = {"float16": types_pb2.DT_HALF, "float32": types_pb2.DT_FLOAT,
          "float64": types_pb2.DT_DOUBLE, "int8": types_pb2.DT_INT8,
          "int16": types_pb2.DT_INT16, "int32": types_pb2.DT_INT32,
          "int64": types_pb2.DT_INT64, "uint8": types_pb2.DT_UINT8, "bool": types_pb2.DT_BOOL}


def tensor_graph(out, scopes=None, names=None):
    """GraphDef of the graph that made ``out``.

    ``scopes`` maps ``id(gate)`` to a name scope; ``names`` maps ``id(tensor)`` to the path of
    a leaf (an input, a parameter or a buffer), and ``id(array)`` for a buffer a gate reads
    as a constant array (or as a view of it: ``running_mean`` reshaped).
    """
    scopes, names = scopes or {}, names or {}
    graph = build(out, where="add_graph")
    gate_of = {gate.output: gate for gate in graph.gates}
    node_names = unique_names(graph, gate_of, scopes, names)
    data = {n.id: n.data for n in graph.tensors}
    nodes = [leaf_node(n, node_names) for n in graph.tensors if n.id not in gate_of]
    for gate in graph.gates:
        node = node_def(node_names[gate.id], gate.label, data[gate.output], gate.formula)
        node.input.extend(node_names[gate_of[i].id] if i in gate_of else node_names[i]
                          for i in gate.inputs)
        nodes.append(node)
    return graph_pb2.GraphDef(node=nodes, versions=versions_pb2.VersionDef(producer=22))


def model_graph(model, example_input):
    """GraphDef of one call ``model(example_input)``, with the modules as name scopes."""
    inputs = example_input if isinstance(example_input, (tuple, list)) else (example_input,)
    inputs = tuple(traced_input(x) for x in inputs)
    names = {id(x): f"input/x{i}" for i, x in enumerate(inputs)}
    paths = module_scopes(model)
    for name, tensor in [*model.named_parameters(), *model.named_buffers()]:
        owner, _, attribute = name.rpartition(".")
        names[id(tensor)] = names[id(tensor._data)] = f"{paths[owner]}/{attribute}"
    scopes = {}
    with enable_grad(), ScopeRecorder(model, paths, scopes):
        out = model(*inputs)
    outputs = [t for t in (out if isinstance(out, (tuple, list)) else (out,))
               if isinstance(t, Tensor)]
    if not outputs or not outputs[0].requires_grad:
        raise ValueError(f"add_graph: {type(model).__name__} returned no tensor with a graph; "
                         f"give it parameters or an input that requires grad")
    return tensor_graph(outputs[0], scopes, names)


def traced_input(x):
    """A float input joins the graph (as a leaf) so it appears as the graph's input."""
    if isinstance(x, Tensor) and x.dtype.kind == "f" and not x.requires_grad:
        return x.detach().requires_grad_()
    return x


def module_scopes(model):
    """Dotted module path to name scope: ``"0"`` -> ``"Sequential/Linear[0]"``."""
    scopes = {"": type(model).__name__}
    for path, module in model.named_modules():
        if path:
            parent, _, last = path.rpartition(".")
            scopes[path] = f"{scopes[parent]}/{type(module).__name__}[{last}]"
    return scopes


class ScopeRecorder:
    """While active, each module call tags the gates it made with the module's scope.

    Calls finish innermost first and a gate keeps the first scope it gets, so every gate
    lands in the innermost module that made it.
    """

    def __init__(self, model, paths, scopes):
        self.modules = [(module, paths[path]) for path, module in model.named_modules()]
        self.scopes = scopes

    def __enter__(self):
        for module, scope in self.modules:
            module.__dict__["forward"] = self.wrap(module.forward, scope)
        return self

    def __exit__(self, *exc_info):
        for module, _ in self.modules:
            module.__dict__.pop("forward", None)

    def wrap(self, forward, scope):
        def traced(*args, **kwargs):
            out = forward(*args, **kwargs)
            stop = {id(key_of(a)) for a in args if isinstance(a, Tensor)}
            for t in out if isinstance(out, (tuple, list)) else (out,):
                if isinstance(t, Tensor):
                    self.tag(t, scope, stop)
            return out
        return traced

    def tag(self, out, scope, stop):
        stack = [out]
        while stack:
            t = stack.pop()
            gate = t.grad_fn
            if gate is None or id(gate) in stop or id(gate) in self.scopes:
                continue
            self.scopes[id(gate)] = scope
            stack.extend(x for x in gate.tensors if isinstance(x, Tensor))


def unique_names(graph, gate_of, scopes, names):
    """A unique TensorBoard node name for every gate and leaf of the graph."""
    taken, result = set(), {}

    def claim(base):
        name, k = base, 1
        while name in taken:
            name, k = f"{base}_{k}", k + 1
        taken.add(name)
        return name

    for node in graph.tensors:
        if node.id not in gate_of:
            tensor_name = (names.get(id(node.tensor)) if node.tensor is not None else
                           names.get(id(node.data)) or names.get(id(node.data.base)))
            default = node.name or ("constant" if node.kind == "constant" else "leaf")
            result[node.id] = claim(clean(tensor_name or default))
    for gate in graph.gates:
        scope = scopes.get(id(gate.gate))
        base = clean(type(gate.gate).__name__)
        result[gate.id] = claim(f"{scope}/{base}" if scope else base)
    return result


def clean(name):
    """TensorBoard's node names: letters, digits and ``_ . - /`` only."""
    return re.sub(r"[^A-Za-z0-9_.\-/\[\]]", "_", name) or "_"


def leaf_node(node, node_names):
    name = node_names[node.id]
    if name.startswith("input/"):
        op = "Input"
    elif node.kind == "constant":
        op = "Constant"
    else:
        op = "Parameter" if node.tensor.requires_grad else "Tensor"
    return node_def(name, op, node.data)


def node_def(name, op, data, formula=None):
    data = np.asarray(data)
    shape = tensor_shape_pb2.TensorShapeProto(
        dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=int(n)) for n in data.shape])
    attrs = {"_output_shapes": attr_value_pb2.AttrValue(
        list=attr_value_pb2.AttrValue.ListValue(shape=[shape]))}
    if data.dtype.name in DTYPES:
        attrs["dtype"] = attr_value_pb2.AttrValue(type=DTYPES[data.dtype.name])
    if formula:
        attrs["formula"] = attr_value_pb2.AttrValue(s=formula.encode("utf-8"))
    return node_def_pb2.NodeDef(name=name, op=op, attr=attrs)
