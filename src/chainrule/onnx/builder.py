"""The ONNX graph being written: nodes, initializers and unique value names.

Only this module and ``export.py`` touch the ``onnx`` package's protobuf helpers; the
translations call ``Builder.op`` and ``Builder.const`` and never see a protobuf.
"""
import numpy as np
from onnx import helper, numpy_helper


def onnx_dtype(dtype):
    """The ONNX element type of a NumPy dtype (float32 -> FLOAT)."""
    return helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


class Builder:
    """Nodes in the order they are added (a topological order, since each translation adds
    its nodes after its inputs exist) and the initializers, each name used once."""

    def __init__(self, opset):
        self.opset = opset
        self.nodes = []
        self.initializers = []
        self.used = set()
        self.constants = {}   # (dtype, shape, bytes) -> name: one initializer per constant
        self.scope = ""       # module path of the gate being translated, for node names

    def fresh(self, hint):
        """A value or node name not used before: ``hint``, else ``hint_1``, ``hint_2``..."""
        name, k = hint, 0
        while name in self.used:
            k += 1
            name = f"{hint}_{k}"
        self.used.add(name)
        return name

    def op(self, op_type, *inputs, outputs=1, **attributes):
        """Add one node; returns its output name (or names, when ``outputs`` > 1). An input
        given as None is an omitted optional input ("")."""
        prefix = "/" + self.scope.replace(".", "/") if self.scope else ""
        names = [self.fresh(f"{prefix}/{op_type}_output") for _ in range(outputs)]
        attributes = {k: v for k, v in attributes.items() if v is not None}
        inputs = list(inputs)
        while inputs and inputs[-1] is None:   # trailing optional inputs are left out, not ""
            inputs.pop()                       # (the runtime crashes on LayerNorm's B = "")
        node = helper.make_node(op_type, ["" if x is None else x for x in inputs], names,
                                name=self.fresh(f"{prefix}/{op_type}"), **attributes)
        self.nodes.append(node)
        return names[0] if outputs == 1 else names

    def const(self, value, dtype=None, name=None):
        """An initializer holding ``value`` (an array or a number, as ``dtype``); equal
        unnamed constants share one."""
        array = np.asarray(value, dtype=dtype)
        if array.dtype == np.float64 and dtype is None and not isinstance(value, np.ndarray):
            array = array.astype(np.float32)   # a Python float: float32, as PyTorch's default
        if name is None:
            key = (array.dtype.str, array.shape, array.tobytes())
            if key in self.constants:
                return self.constants[key]
            name = self.fresh(f"onnx::const_{len(self.constants)}")
            self.constants[key] = name
        else:
            name = self.fresh(name)
        # np.array, not np.ascontiguousarray, which makes a 0-d array 1-d
        self.initializers.append(numpy_helper.from_array(np.array(array, order="C"), name))
        return name

    def int64s(self, values):
        """A constant 1-D int64 tensor (axes, shapes, pads given as inputs)."""
        return self.const(np.asarray(values, dtype=np.int64).reshape(-1))

    def rename_output(self, old, new):
        """Make the node that computes ``old`` write ``new`` instead (graph outputs take
        the user's names), updating every reader."""
        self.used.add(new)
        for node in self.nodes:
            for field in (node.input, node.output):
                for i, name in enumerate(field):
                    if name == old:
                        field[i] = new

    def model(self, inputs, outputs, graph_name="chainrule"):
        """The finished ModelProto: ``inputs`` and ``outputs`` are ValueInfoProtos."""
        graph = helper.make_graph(self.nodes, graph_name, inputs, outputs, self.initializers)
        opsets = [helper.make_opsetid("", self.opset)]
        model = helper.make_model(graph, opset_imports=opsets, producer_name="chainrule")
        # the oldest IR version that has this opset: older runtimes read the file too
        model.ir_version = helper.find_min_ir_version_for(opsets)
        return model
