"""``export``: PyTorch's ``torch.onnx.export`` for chainrule models.

The steps: run the model twice (``record.py``: the example inputs, then inputs whose dynamic
axes are one longer and whose values differ), walk the first run's graph inputs-first, and
translate each gate through ``TABLE`` (``table.py``), reading its twin in the second run to
know which sizes follow a dynamic axis; then name the inputs, outputs and parameters, check
the model with ``onnx.checker`` and write it.
"""
import inspect
import io
import os
import warnings

import numpy as np
import onnx
from onnx import helper

from ..autograd.graph import key_of
from ..serialization import write_atomically
from ..tensor import Tensor
from .builder import Builder, onnx_dtype
from .context import ExportError, GateContext, UnsupportedGateError, same
from .record import record, second_inputs
from .table import TABLE, NotExportable

DEFAULT_OPSET = 18
VARIES = ("was made without recording a gate (with NumPy, under no_grad, or by an operation "
          "with no gradient such as a comparison, argmax or an integer cast) and changes with "
          "the inputs; ONNX would keep this example's value. Compute it with tensor operations "
          "that record gates, or leave its axis out of dynamic_axes")
OLDEST_OPSET = 17


def export(model, args, f, *, input_names=None, output_names=None, dynamic_axes=None,
           opset_version=None, do_constant_folding=True):
    """Write ``model`` as an ONNX model to ``f`` (a path or a binary file object), as
    ``torch.onnx.export`` does: the model runs once on ``args`` (a tensor or a tuple of
    arguments) in eval mode, and the gates it runs become ONNX nodes.

    * ``input_names`` / ``output_names``: names of the graph's inputs (the tensor
      arguments, in order) and outputs; by default the forward's argument names and
      ``output`` (``output_0``, ``output_1``... for several);
    * ``dynamic_axes``: ``{name: [axis, ...]}`` or ``{name: {axis: "symbol"}}``; those axes
      get symbolic sizes, so the model accepts other batch sizes (or sequence lengths);
    * ``opset_version``: default 18, at least 17;
    * ``do_constant_folding``: gates that read only parameters and constants are computed
      now and stored as one initializer (parameters reach the graph under their module
      paths, ``fc1.weight``, wherever a gate reads them as they are).

    A model in training mode is exported in eval mode (Dropout is the identity, BatchNorm
    uses its running statistics), with a warning; its mode is restored afterwards.

    >>> import chainrule as cr, io
    >>> net = cr.nn.Sequential(cr.nn.Linear(3, 2), cr.nn.ReLU())
    >>> buffer = io.BytesIO()
    >>> cr.onnx.export(net.eval(), cr.randn(4, 3), buffer, dynamic_axes={"input": [0]})
    >>> import onnx
    >>> m = onnx.load_from_string(buffer.getvalue())
    >>> [n.op_type for n in m.graph.node], sorted(i.name for i in m.graph.initializer)
    (['Gemm', 'Relu'], ['0.bias', '0.weight'])
    """
    args = (args,) if isinstance(args, Tensor) else tuple(args)
    opset = check_opset(opset_version)
    positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    in_names = names_given(input_names, default_input_names(model, args, positions), "input")
    axes = parse_dynamic_axes(dynamic_axes)
    inputs_dynamic = {positions[k]: set(axes.get(name, {})) for k, name in enumerate(in_names)}
    was_training = getattr(model, "training", False)
    if was_training:
        warnings.warn("onnx.export: the model is in training mode; it is exported in eval mode "
                      "(Dropout is the identity, BatchNorm uses its running statistics), as "
                      "PyTorch exports by default. Call model.eval() first to silence this.",
                      UserWarning, stacklevel=2)
    model.eval()
    try:
        first = record(model, args)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")   # the check run's moved values are not the user's
            second = record(model, second_inputs(args, inputs_dynamic))
    finally:
        model.train(was_training)
    out_names = names_given(output_names, default_output_names(len(first.outputs)), "output")
    unknown = set(axes) - set(in_names) - set(out_names)
    if unknown:
        raise ValueError(f"onnx.export: dynamic_axes names {sorted(unknown)}, which are neither "
                         f"inputs {in_names} nor outputs {out_names}")
    exporter = Exporter(model, first, second, opset, do_constant_folding)
    proto = exporter.build(in_names, out_names, axes)
    onnx.checker.check_model(proto)
    write(proto, f)


def check_opset(opset_version):
    newest = onnx.defs.onnx_opset_version()
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if not OLDEST_OPSET <= opset <= newest:
        raise ValueError(f"onnx.export: opset_version {opset_version} is not supported; "
                         f"chainrule writes opsets {OLDEST_OPSET} to {newest} (the installed "
                         f"onnx package's newest)")
    return opset


def default_input_names(model, args, positions):
    """The forward's parameter names for the tensor arguments (``input`` for nn layers)."""
    try:
        params = list(inspect.signature(model.forward).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = []
    for k, i in enumerate(positions):
        p = params[i] if i < len(params) else None
        usable = p is not None and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        names.append(p.name if usable else f"input_{k}")
    return names


def default_output_names(count):
    return ["output"] if count == 1 else [f"output_{k}" for k in range(count)]


def names_given(given, default, what):
    """The user's names first, the defaults for the rest (PyTorch's rule); no repeats."""
    names = list(given or []) + default[len(given or []):]
    if len(names) > len(default):
        raise ValueError(f"onnx.export: {len(names)} {what} names given ({names}) for "
                         f"{len(default)} {what}s")
    if len(set(names)) != len(names):
        raise ValueError(f"onnx.export: {what} names must differ, got {names}")
    return names


def parse_dynamic_axes(dynamic_axes):
    """{name: {axis: symbol}}; a list of axes gets PyTorch's default symbols."""
    out = {}
    for name, spec in (dynamic_axes or {}).items():
        if isinstance(spec, dict):
            out[name] = {int(a): str(s) for a, s in spec.items()}
        else:
            out[name] = {int(a): f"{name}_dynamic_axes_{k + 1}" for k, a in enumerate(spec)}
    return out


def write(proto, f):
    payload = proto.SerializeToString()
    if isinstance(f, (str, os.PathLike)):
        write_atomically(os.fspath(f), payload)
    elif isinstance(f, io.TextIOBase):
        raise TypeError("onnx.export: f must be a path or a binary file object (open(..., 'wb'))")
    else:
        f.write(payload)


class Exporter:
    """Walks the first run's graph and writes each value once."""

    def __init__(self, model, first, second, opset, fold):
        self.first, self.second, self.fold = first, second, fold
        self.builder = Builder(opset)
        self.paths = {}     # id(tensor) -> module path, for parameters and buffers
        for registry in (model.named_parameters(), model.named_buffers()):
            for path, t in registry:
                self.paths.setdefault(id(t), path)
        self.states = {p: t for t in (list(model.parameters()) + list(model.buffers()))
                       for p in [self.paths[id(t)]]}
        self.names = {}     # id(gate or leaf) -> ONNX value name
        self.varies = set() # ids whose value depends on an input
        self.input_names = {}

    # ----- naming values ------------------------------------------------------------------
    def name_of(self, tensor):
        """The ONNX name of a tensor's value; a leaf's initializer is written on first use,
        so a parameter that only feeds folded gates leaves no unused initializer."""
        name = self.names[id(key_of(tensor))]
        if callable(name):
            name = self.names[id(key_of(tensor))] = name()
        return name

    def input_holding(self, array):
        """The graph input whose data is ``array`` (a gate read an input as an index)."""
        for t in self.first.inputs:
            if isinstance(t, Tensor) and t._data is array:
                return self.input_names[id(t)]
        return None

    def constant(self, value):
        """A constant operand; one that shares memory with a parameter or buffer is named
        after it (BatchNorm's running mean, reshaped: ``bn.running_mean_view``)."""
        for path, t in self.states.items():
            if value.size and np.shares_memory(value, t._data):
                exact = value.shape == t.shape
                return self.builder.const(value, name=path if exact else f"{path}_view")
        return self.builder.const(value)

    # ----- the walk ---------------------------------------------------------------------
    def build(self, in_names, out_names, axes):
        graph_inputs = []
        tensors = [t for t in self.first.inputs if isinstance(t, Tensor)]
        for name, t in zip(in_names, tensors):
            self.builder.used.add(name)
            self.input_names[id(t)] = name
            self.names[id(t)] = name
            self.varies.add(id(t))
            graph_inputs.append(value_info(name, t.dtype, t.shape, axes.get(name, {})))
        if len(self.first.order) != len(self.second.order):
            raise graph_changed()
        for t, twin in zip(self.first.order, self.second.order):
            if t.grad_fn is None:
                self.leaf(t, twin)
            else:
                self.gate(t, twin)
        return self.builder.model(graph_inputs, self.outputs(out_names, axes))

    def leaf(self, t, twin):
        """A leaf's value, written when a gate first reads it (so a refusal of that gate
        comes first): a parameter or buffer under its path, else a constant, which must be
        the same in both runs or one value over a size that follows a dynamic axis."""
        if id(t) in self.names:
            return
        if id(t) in self.paths:
            path = self.paths[id(t)]
            self.names[id(t)] = lambda: self.builder.const(t._data, name=path)
            return

        def value():
            if twin.grad_fn is None and same(t._data, twin._data):
                return self.constant(np.asarray(t._data))
            filled = None if twin.grad_fn is not None else self.follows(t._data, twin._data)
            if filled is None:
                raise ExportError(f"onnx.export: a tensor of shape {tuple(t.shape)} {VARIES}")
            return filled
        self.names[id(t)] = value

    def filled(self, a, b):
        """A constant that is the same along every axis whose size follows a dynamic axis
        (an RNN's zero initial state cr.zeros(batch, hidden), a padding mask made per
        batch), ``a`` in the first run and ``b`` in the second: one slice of it, expanded
        to the sizes read off an input axis of the same sizes in both runs. None when it
        is not that."""
        a, b = np.asarray(a), np.asarray(b)
        if a.ndim != b.ndim or a.dtype != b.dtype or not a.size or not b.size:
            return None
        varying = [d for d in range(a.ndim) if a.shape[d] != b.shape[d]]
        base = a[tuple(slice(0, 1) if d in varying else slice(None) for d in range(a.ndim))]
        if not all(same(np.broadcast_to(base, x.shape), x) for x in (a, b)):
            return None
        sizes = self.sizes_of(a, b)
        return None if sizes is None else self.builder.op("Expand", self.builder.const(base),
                                                          sizes)

    def follows(self, a, b):
        """The ONNX value of a constant whose size follows dynamic axes (``a`` in the first
        run, ``b`` in the second): a slice of a parameter or buffer, a triangle (a causal
        mask), or one slice expanded; None when it is none of these."""
        return self.state_view(a, b) or self.triangle(a, b) or self.filled(a, b)

    def state_view(self, a, b):
        """A slice of a parameter or buffer whose end follows a dynamic axis (a model's
        ``self.causal[:length, :length]`` or ``self.position_ids[:length]``, taken with
        NumPy or under no_grad): Slice of the state, ``a`` and ``b`` being the two runs'
        views. None when it is not that."""
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or not a.size:
            return None
        for path, t in self.states.items():
            starts = [view_start(v, t._data) for v in (a, b)]
            if None in starts or starts[0] != starts[1]:
                continue
            end = self.sizes_of(a, b, starts[0])
            if end is None:
                return None
            return self.builder.op("Slice", self.builder.const(t._data, name=path),
                                   self.builder.int64s(starts[0]), end)
        return None

    def triangle(self, a, b):
        """A matrix of two values split along a diagonal, as causal masks are (``ones(L,
        L).triu(1)``, or 0 and -inf), whose sides follow dynamic axes: Trilu of ones, then
        Where. None when ``a`` and ``b`` are not the same triangle."""
        a, b = np.asarray(a), np.asarray(b)
        if a.ndim != 2 or b.ndim != 2 or a.shape == b.shape or a.dtype != b.dtype:
            return None
        shape = triangle_of(a)
        if shape is None or triangle_of(b) != shape:
            return None
        inside, outside, k, upper = shape
        sizes = self.sizes_of(a, b)
        if sizes is None:
            return None
        builder = self.builder
        ones = builder.op("Expand", builder.const(np.ones((1, 1), np.float32)), sizes)
        tri = builder.op("Trilu", ones, builder.const(np.int64(k)), upper=int(upper))
        return builder.op("Where", builder.op("Cast", tri, to=onnx_dtype(np.bool_)),
                          builder.const(np.asarray(inside, a.dtype)),
                          builder.const(np.asarray(outside, a.dtype)))

    def sizes_of(self, a, b, starts=None):
        """A 1-D int64 value holding ``starts`` + a's shape at export (b's in the second
        run): an axis that differs is the size of the input axis it follows (and must start
        at 0); None when one has no such source."""
        starts = starts or [0] * np.ndim(a)
        sources = [start + m if m == n else (None if start else self.dimension_source(m, n))
                   for start, m, n in zip(starts, np.shape(a), np.shape(b))]
        if None in sources:
            return None
        builder = self.builder
        parts = [builder.int64s([s]) if isinstance(s, int) else
                 builder.op("Gather", builder.op("Shape", s[0]), builder.int64s([s[1]]))
                 for s in sources]
        return builder.op("Concat", *parts, axis=0) if len(parts) > 1 else parts[0]

    def dimension_source(self, m, n):
        """(input name, axis) of an input axis of size m in the example run and n in the
        second one."""
        for t, twin in zip(self.first.inputs, self.second.inputs):
            if isinstance(t, Tensor):
                for axis, (p, q) in enumerate(zip(t.shape, twin.shape)):
                    if (p, q) == (m, n):
                        return self.input_names[id(t)], axis
        return None

    def gate(self, t, twin):
        node = t.grad_fn
        if twin.grad_fn is None or type(twin.grad_fn) is not type(node):
            raise graph_changed()
        operands = [x for x in node.tensors if isinstance(x, Tensor)]
        module = self.first.module_of(node)
        if self.fold and not any(id(key_of(x)) in self.varies for x in operands) \
                and not self.reads_input(node) and same(t._data, twin._data):
            hint = next((self.paths[id(x)] for x in operands if id(x) in self.paths), "onnx::")
            name = f"{hint}_{type(node).__name__.lower()}"
            self.names[id(node)] = lambda: self.builder.const(t._data, name=name)
            return
        self.varies.add(id(node))
        translation = TABLE.get(type(node).__name__)
        ctx = GateContext(self, t, twin, module)
        if translation is None or isinstance(translation, NotExportable):
            reason = translation.reason if translation else (
                "it has no ONNX translation in chainrule/onnx/table.py")
            raise ctx.error(f"not exportable: {reason}", UnsupportedGateError)
        self.builder.scope = module
        self.names[id(node)] = translation(ctx)
        self.builder.scope = ""

    def reads_input(self, node):
        """Whether a gate reads a model input as a parameter (an index), not an operand."""
        arrays = [t._data for t in self.first.inputs if isinstance(t, Tensor)]
        for value in vars(node).values():
            items = value if isinstance(value, tuple) else (value,)
            if any(any(item is a for a in arrays) for item in items):
                return True
        return False

    def outputs(self, out_names, axes):
        """The graph outputs under their names: the node that computes one writes it
        directly; an input, a parameter or a value already output goes through Identity."""
        infos, taken = [], set(self.input_names.values())
        produced = {o for n in self.builder.nodes for o in n.output}
        for name, out, twin in zip(out_names, self.first.outputs, self.second.outputs):
            value = self.name_of(out)
            if value in produced and value not in taken:
                self.builder.rename_output(value, name)
                self.names = {k: (name if v == value else v) for k, v in self.names.items()}
            else:
                self.builder.nodes.append(helper.make_node("Identity", [value], [name],
                                                           name=self.builder.fresh(name)))
            taken.add(name)
            dims = {d: f"{name}_dynamic_axes_{d + 1}"
                    for d, (m, n) in enumerate(zip(out.shape, twin.shape)) if m != n}
            dims.update(axes.get(name, {}))
            infos.append(value_info(name, out.dtype, out.shape, dims))
        return infos


def triangle_of(a):
    """(inside, outside, k, upper) when matrix ``a`` holds ``inside`` exactly where
    j - i >= k (upper) or j - i <= k (lower) and ``outside`` elsewhere, else None."""
    values = np.unique(a)
    if len(values) != 2 or min(a.shape) < 2:
        return None
    rows, columns = np.indices(a.shape)
    diagonal = columns - rows
    for inside, outside in (values, values[::-1]):
        where = a == inside
        for upper in (True, False):
            k = int(diagonal[where].min() if upper else diagonal[where].max())
            if np.array_equal(where, diagonal >= k if upper else diagonal <= k):
                return inside.item(), outside.item(), k, upper
    return None


def view_start(view, whole):
    """The index where ``view`` starts in ``whole`` when it is a slice of step 1 of it (same
    strides, inside its memory), else None."""
    if view.ndim != whole.ndim or view.strides != whole.strides or view.dtype != whole.dtype \
            or not np.shares_memory(view, whole):
        return None
    offset = view.__array_interface__["data"][0] - whole.__array_interface__["data"][0]
    start = []
    for stride, size in zip(whole.strides, whole.shape):
        k, offset = (offset // stride, offset % stride) if stride else (0, offset)
        start.append(int(k))
    if offset or any(s + n > size for s, n, size in zip(start, view.shape, whole.shape)):
        return None
    return start


def value_info(name, dtype, shape, symbols):
    dims = [symbols.get(d, n) for d, n in enumerate(shape)]
    return helper.make_tensor_value_info(name, onnx_dtype(dtype), dims)


def graph_changed():
    return ExportError(
        "onnx.export: the model ran different gates when the dynamic axes were one longer or "
        "the input values differed (control flow that depends on sizes or values); ONNX "
        "keeps one graph. Export with dynamic_axes=None, or make forward the same for every "
        "input")
