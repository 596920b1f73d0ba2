"""What a translation sees of one gate: ``GateContext``.

A translation is a function ``translate(ctx)`` that adds ONNX nodes for one gate and returns
the name of the value that holds the gate's output. It reads the gate's operands as ONNX
names (``ctx.input(i)``), its parameters (``ctx.param("dims")``) and the shapes of its
operands and output, and adds nodes with ``ctx.op`` and constants with ``ctx.const``.

Export runs the model twice (``record.second_inputs``): on the example inputs, and on
inputs whose dynamic axes are one longer and whose values differ. ``ctx.param`` returns a
parameter only when it is the same in both runs, so a size baked into a gate that follows a
dynamic axis, or a value computed from the inputs outside the graph, is an error naming the
gate and its module, never a model that is right only for the example.
"""
import numpy as np

from ..tensor import Tensor
from . import runs
from .builder import onnx_dtype
from .runs import same


VARIES = ("was made outside the graph (with NumPy, under no_grad, from a detach()ed value, "
          "or by an operation that records no gate: the indices of max(dim), sort or topk, "
          "arithmetic on integer tensors) and changes with the inputs; ONNX would keep this "
          "example's value. Compute it with operations that record gates (comparisons, where, "
          "argmax and casts do), or leave its axis out of dynamic_axes")


class ExportError(RuntimeError):
    """The model cannot be written as ONNX as it is; the message says which gate, where,
    and what to change."""


class UnsupportedGateError(ExportError):
    """A gate that has no ONNX translation (or is marked not exportable)."""


class GateContext:
    """One gate of the first run (``node``, its output ``out``) beside its twin in the
    second run (``twin``, ``twin_out``), and the exporter that names values."""

    def __init__(self, exporter, out, twin_out, module):
        self.exporter, self.builder = exporter, exporter.builder
        self.out, self.twin_out = out, twin_out
        self.node, self.twin = out.grad_fn, twin_out.grad_fn
        self.module = module
        self.opset = exporter.builder.opset
        self.dtype = out.dtype

    # ----- operands ---------------------------------------------------------------------
    def input(self, i, dtype=None):
        """The ONNX name of operand i (None for an absent one), cast to ``dtype`` if given.
        An operand that is not a tensor (a number, a NumPy array) becomes a constant, which
        must be the same in both runs."""
        x = self.node.tensors[i]
        if x is None:
            return None
        if isinstance(x, Tensor):
            try:
                name, have = self.exporter.name_of(x), x.dtype
            except ExportError as error:   # a constant leaf that changes with the inputs
                slot = self.node.inputs[i] if i < len(self.node.inputs) else i
                raise self.error(f"its operand '{slot}': {error}") from None
        else:
            array, twin = np.asarray(self.node.arrays[i]), np.asarray(self.twin.arrays[i])
            name, have = self.exporter.input_holding(self.node.arrays[i]), array.dtype
            if name is None:
                name, have = self.constant_operand(i, array, twin, dtype)
        return self.cast(name, have, dtype)

    def constant_operand(self, i, value, twin, dtype):
        """(name, dtype) of a constant operand: the same in both runs (a number or array
        stored in the dtype asked for, when a float one is asked), or one whose size
        follows a dynamic axis (``runs.follows``)."""
        if same(value, twin):
            if dtype is not None and np.dtype(dtype).kind == "f" and value.dtype.kind in "fiub":
                value = value.astype(dtype, copy=False)   # a view keeps its state's name
            return self.exporter.constant(value), value.dtype
        name = runs.follows(self.exporter, value, twin)
        if name is None:
            self.check_constant(f"operand {i}", value, twin)
        return name, value.dtype

    def inputs(self, dtype=None):
        """The ONNX names of every operand, each cast to ``dtype`` if given."""
        return [self.input(i, dtype) for i in range(len(self.node.tensors))]

    def cast(self, name, have, want):
        if name is None or want is None or np.dtype(have) == np.dtype(want):
            return name
        return self.op("Cast", name, to=onnx_dtype(want))

    def index(self, value, twin_value, what):
        """The ONNX name of an integer array a gate reads as a parameter (an index): a model
        input when it is one (as Embedding reads its indices), else a constant."""
        name = self.exporter.input_holding(value)
        if name is not None:
            return self.cast(name, value.dtype, np.int64)
        if not same(np.asarray(value), np.asarray(twin_value)):
            name = runs.state_view(self.exporter, value, twin_value)
            if name is not None:
                return self.cast(name, value.dtype, np.int64)
        self.check_constant(what, np.asarray(value), np.asarray(twin_value))
        return self.const(np.asarray(value, dtype=np.int64))

    def check_constant(self, what, value, twin_value):
        if not same(value, twin_value):
            raise self.error(f"its {what} {VARIES}")

    # ----- parameters and shapes ----------------------------------------------------------
    def param(self, name):
        """The gate's parameter ``name`` (saved by its forward), the same in both runs."""
        value, twin = getattr(self.node, name), getattr(self.twin, name)
        if not same(value, twin):
            raise self.error(
                f"its parameter {name}={value!r} follows a dynamic axis (it was {twin!r} when "
                f"the dynamic axes were one longer), and this gate's ONNX form keeps it fixed; "
                f"leave that axis out of dynamic_axes")
        return value

    def param_index(self):
        """The gate's ``index`` in both runs (``x[index]``): everything but its integer
        arrays must be the same; the arrays go through ``ctx.index``."""
        index, twin = self.node.index, self.twin.index
        items = index if isinstance(index, tuple) else (index,)
        twins = twin if isinstance(twin, tuple) else (twin,)
        fixed = [isinstance(i, np.ndarray) and i.ndim > 0 for i in items]
        if len(items) != len(twins) or not all(
                f or same(a, b) or self.sliding(a, b) for f, a, b in zip(fixed, items, twins)):
            raise self.error(f"its index {index!r} follows a dynamic axis (it was {twin!r} "
                             f"when the dynamic axes were one longer); leave that axis out "
                             f"of dynamic_axes")
        return index, twin

    def sliding(self, a, b):
        """Whether slices a and b differ only in bounds that an input's size gives
        (``x[:, :length]`` with length = input.shape[1], a dynamic axis)."""
        if not (isinstance(a, slice) and isinstance(b, slice)) or a.step != b.step:
            return False
        def follows(m, n):
            whole = isinstance(m, (int, np.integer)) and isinstance(n, (int, np.integer))
            return whole and m >= 0 and runs.dimension_source(self.exporter, m, n) is not None
        return all(m == n or follows(m, n) for m, n in ((a.start, b.start), (a.stop, b.stop)))

    def bound(self, value, twin):
        """A slice bound as a 1-D int64 input: the number, or the size of the input axis
        it follows (``runs.dimension_source``)."""
        if value == twin:
            return self.int64s([value])
        name, axis = runs.dimension_source(self.exporter, value, twin)
        return self.op("Gather", self.op("Shape", name), self.int64s([axis]))

    def tensor_pair(self, i):
        if i is None:
            return self.out, self.twin_out
        return self.node.tensors[i], self.twin.tensors[i]

    def shape(self, i=None):
        """The shape of operand i (the output when i is None) in the example run."""
        x = self.tensor_pair(i)[0]
        return tuple(np.shape(x._data if isinstance(x, Tensor) else self.node.arrays[i]))

    def dynamic(self, i=None):
        """The axes of operand i (the output when i is None) whose size follows a dynamic
        input axis: those that differ between the two runs."""
        a, b = self.tensor_pair(i)
        if i is not None and not isinstance(a, Tensor):
            a, b = self.node.arrays[i], self.twin.arrays[i]
        sa, sb = np.shape(a), np.shape(b)
        return {d for d, (m, n) in enumerate(zip(sa, sb)) if m != n}

    def static(self, i=None, allow=()):
        """The shape of operand i (or the output), refusing a dynamic axis outside ``allow``."""
        bad = sorted(self.dynamic(i) - set(allow))
        if bad:
            what = "output" if i is None else f"operand {i}"
            raise self.error(f"its ONNX form fixes the sizes of its {what}, but axes {bad} of "
                             f"shape {self.shape(i)} follow a dynamic axis; leave that axis "
                             f"out of dynamic_axes")
        return self.shape(i)

    # ----- building ---------------------------------------------------------------------
    def op(self, op_type, *inputs, **attributes):
        return self.builder.op(op_type, *inputs, **attributes)

    def const(self, value, dtype=None):
        return self.builder.const(value, dtype)

    def int64s(self, values):
        return self.builder.int64s(values)

    def error(self, message, kind=ExportError):
        where = f" in module '{self.module}'" if self.module else " in the model's own forward"
        return kind(f"onnx.export: gate {type(self.node).__name__} ('{self.node.label}')"
                    f"{where}: {message}")


def emits(operators):
    """Marks a translation with the ONNX operators it writes, for the table in
    docs/deploy.md (``@emits("Gemm; MatMul, Add")``)."""
    def mark(translate):
        translate.onnx = operators
        return translate
    return mark
