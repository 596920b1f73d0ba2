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
from ..autograd.registry import REGISTRY
from ..serialization import write_atomically
from ..tensor import Tensor
from .builder import Builder, onnx_dtype
from .context import VARIES, ExportError, GateContext, UnsupportedGateError
from .options import check as options_check, check_training
from .record import changed_in_place, record, second_inputs
from .runs import follows, same
from .table import TABLE, NotExportable

DEFAULT_OPSET = 18
OLDEST_OPSET = 17


def export(model, args=(), f=None, *, kwargs=None, verbose=None, input_names=None,
           output_names=None, opset_version=None, dynamic_axes=None, do_constant_folding=True,
           export_params=True, keep_initializers_as_inputs=False, training=None, **options):
    """Write ``model`` as an ONNX model to ``f`` (a path or a binary file object), as
    ``torch.onnx.export`` does: the model runs on ``args`` (a tensor or a tuple of
    arguments) in eval mode, and the gates it runs become ONNX nodes. (It runs once more on
    inputs whose dynamic axes are longer and whose values differ, to find the sizes and
    values that follow them: docs/deploy.md.)

    * ``input_names`` / ``output_names``: names of the graph's inputs (the tensor
      arguments, in order) and outputs; by default the forward's argument names and
      ``output`` (``output_0``, ``output_1``... for several);
    * ``dynamic_axes``: ``{name: [axis, ...]}`` or ``{name: {axis: "symbol"}}``; those axes
      get symbolic sizes, so the model accepts other batch sizes (or sequence lengths);
    * ``opset_version``: default 18, at least 17;
    * ``do_constant_folding``: gates that read only parameters and constants are computed
      now and stored as one initializer (parameters reach the graph under their module
      paths, ``fc1.weight``, wherever a gate reads them as they are);
    * ``kwargs``: keyword arguments for forward (not tensors); ``verbose``: print the graph;
      ``keep_initializers_as_inputs``: list the initializers among the graph inputs too;
      ``export_params=False`` and a training ``training`` mode are refused; PyTorch's other
      options are accepted where they change nothing here (``options.py``).

    ``f`` None returns the ``onnx.ModelProto`` instead of writing it.

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
    kwargs = dict(kwargs or {})
    check_arguments(args, kwargs)
    options_check(options)
    check_training(training, any(m.training for _, m in model.named_modules()))
    if not export_params:
        raise NotImplementedError("onnx.export: export_params=False (parameters as graph "
                                  "inputs, without values) is not supported")
    opset = check_opset(opset_version)
    positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    in_names = names_given(input_names, default_input_names(model, args, positions), "input")
    axes = parse_dynamic_axes(dynamic_axes)
    for name, i in zip(in_names, positions):
        axes[name] = checked_axes(axes.get(name, {}), name, args[i].shape)
    inputs_dynamic = {positions[k]: set(axes.get(name, {})) for k, name in enumerate(in_names)}
    modes = [(m, m.training) for _, m in model.named_modules()]   # each module's own mode
    if any(training for _, training in modes):
        warnings.warn("onnx.export: the model is in training mode; it is exported in eval mode "
                      "(Dropout is the identity, BatchNorm uses its running statistics), as "
                      "PyTorch exports by default. Call model.eval() first to silence this.",
                      UserWarning, stacklevel=2)
    model.eval()
    try:
        first = record(model, args, kwargs)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")   # the check run's moved values are not the user's
            second = record(model, second_inputs(args, inputs_dynamic), kwargs)
    finally:
        for module, training in modes:
            module.training = training
    out_names = names_given(output_names, default_output_names(len(first.outputs)), "output")
    unknown = set(axes) - set(in_names) - set(out_names)
    if unknown:
        raise ValueError(f"onnx.export: dynamic_axes names {sorted(unknown)}, which are neither "
                         f"inputs {in_names} nor outputs {out_names}")
    for name, out in zip(out_names, first.outputs):
        axes[name] = checked_axes(axes.get(name, {}), name, out.shape)
    exporter = Exporter(model, first, second, opset, do_constant_folding)
    proto = exporter.build(in_names, out_names, axes, keep_initializers_as_inputs)
    if proto.ByteSize() >= 2 ** 31:
        raise ExportError(f"onnx.export: the model is {proto.ByteSize() / 2 ** 30:.1f} GiB; "
                          f"ONNX files (protobuf) hold at most 2 GiB, and weights in external "
                          f"data files are not written yet")
    onnx.checker.check_model(proto)
    if verbose:
        print(onnx.printer.to_text(proto.graph))
    if f is None:
        return proto
    write(proto, f)
    return None


def check_arguments(args, kwargs):
    """Tensors must be positional arguments themselves: one inside a list, tuple or dict,
    or a keyword argument, would be passed to both runs unchanged and frozen into the graph
    as a constant."""
    def holds_tensors(a):
        items = a.values() if isinstance(a, dict) else a if isinstance(a, (list, tuple)) else ()
        return any(isinstance(x, Tensor) or holds_tensors(x) for x in items)
    for i, a in enumerate(args):
        if holds_tensors(a):
            raise ValueError(f"onnx.export: argument {i} is a {type(a).__name__} holding "
                             f"tensors; export takes tensors as separate arguments (write "
                             f"a wrapper module whose forward takes them one by one)")
    for name, a in kwargs.items():
        if isinstance(a, Tensor) or holds_tensors(a):
            raise ValueError(f"onnx.export: keyword argument {name!r} holds tensors; give "
                             f"tensors in args, positionally")


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


def checked_axes(symbols, name, shape):
    """{axis: symbol} with negative axes counted from the end; an axis the tensor does not
    have is an error."""
    out = {}
    for axis, symbol in symbols.items():
        if not -len(shape) <= axis < len(shape):
            raise ValueError(f"onnx.export: dynamic_axes gives axis {axis} of '{name}', which "
                             f"has shape {tuple(shape)}")
        out[axis % len(shape)] = symbol
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
        # a tensor changed in place no longer holds the values gates before the change saw
        self.first, self.second = first, second
        self.fold = fold and not changed_in_place(first)
        self.builder = Builder(opset)
        self.paths, self.states = {}, {}   # id(tensor) -> module path, and path -> tensor
        for path, t in list(model.named_parameters()) + list(model.named_buffers()):
            if id(t) not in self.paths:      # a shared (tied) tensor: its first path
                self.paths[id(t)], self.states[path] = path, t
        self.names = {}     # id(gate or leaf) -> ONNX value name
        self.varies = set()   # ids whose value depends on an input
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
            if value.size and np.may_share_memory(value, t._data):
                exact = value.shape == t.shape
                return self.builder.const(value, name=path if exact else f"{path}_view")
        return self.builder.const(value)

    # ----- the walk ---------------------------------------------------------------------
    def build(self, in_names, out_names, axes, initializers_as_inputs=False):
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
        outputs = self.outputs(out_names, axes)
        if initializers_as_inputs:   # PyTorch's keep_initializers_as_inputs
            graph_inputs += [value_info(i.name, onnx.helper.tensor_dtype_to_np_dtype(
                i.data_type), list(i.dims), {}) for i in self.builder.initializers]
        return self.builder.model(graph_inputs, outputs)

    def leaf(self, t, twin):
        """A leaf's value, written when a gate first reads it (so a refusal of that gate
        comes first): a parameter or buffer under its path, else a constant, which must be
        the same in both runs or one whose size follows a dynamic axis (``runs.follows``)."""
        if id(t) in self.names:
            return
        if id(t) in self.paths:
            path = self.paths[id(t)]
            self.names[id(t)] = lambda: self.builder.const(t._data, name=path)
            return

        def value():
            if twin.grad_fn is None and same(t._data, twin._data):
                return self.constant(np.asarray(t._data))
            filled = None if twin.grad_fn is not None else follows(self, t._data, twin._data)
            if filled is None:
                raise ExportError(f"a tensor of shape {tuple(t.shape)} {VARIES}")
            return filled
        self.names[id(t)] = value

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
            raise ctx.error(f"not exportable: {refusal(node, translation)}",
                            UnsupportedGateError)
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
            try:
                value = self.name_of(out)
            except ExportError as error:
                raise ExportError(f"onnx.export: output '{name}': {error}") from None
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


def refusal(node, entry):
    """Why a gate is not exportable: its table entry's reason, a custom Function, or a gate
    with no entry."""
    if entry is not None:
        return entry.reason
    if type(node).__name__ not in REGISTRY:
        return ("a custom autograd.Function, whose forward export cannot see into; write "
                "it with chainrule's operations to export it")
    return "it has no ONNX translation in chainrule/onnx/table.py"


def value_info(name, dtype, shape, symbols):
    dims = [symbols.get(d, n) for d, n in enumerate(shape)]
    return helper.make_tensor_value_info(name, onnx_dtype(dtype), dims)


def graph_changed():
    return ExportError(
        "onnx.export: the model ran different gates when the dynamic axes were one longer or "
        "the input values differed (control flow that depends on sizes or values); ONNX "
        "keeps one graph. Export with dynamic_axes=None, or make forward the same for every "
        "input")
