"""Random programs over the whole gate table (tests/robustness/strategies.py: leaves of
random shapes, gates applied to earlier nodes, views, indexing, several outputs), exported
and run by onnxruntime. Export either refuses with an error that names a gate, or the file
computes what chainrule computes: never a silently different model."""
import io

import numpy as np
from hypothesis import given

import chainrule as cr
from chainrule.onnx import ExportError
from onnx_helpers import session
from robustness.strategies import bounded, graphs


class Program(cr.nn.Module):
    def __init__(self, graph):
        super().__init__()
        self.graph = graph

    def forward(self, *leaves):
        return self.graph.run(cr, *leaves)


@bounded(40)
@given(graphs(max_steps=6))
def test_a_random_program_is_refused_by_name_or_exported_exactly(graph):
    model = Program(graph).eval()
    leaves = [cr.tensor(leaf, dtype=cr.float32) for leaf in graph.leaves]
    buffer = io.BytesIO()
    try:
        cr.onnx.export(model, tuple(leaves), buffer)
    except ExportError as error:
        assert "onnx.export: " in str(error) and (" gate " in str(error)
                                                  or "a tensor of shape" in str(error))
        return
    runtime = session(buffer.getvalue())
    names = [i.name for i in runtime.get_inputs()]
    got = runtime.run(None, dict(zip(names, (leaf.numpy() for leaf in leaves))))
    with cr.no_grad():
        want = model(*leaves)
    for g, w in zip(got, want):
        assert g.shape == tuple(w.shape) and g.dtype == w.dtype
        np.testing.assert_allclose(g, w.numpy(), rtol=1e-4, atol=1e-5)
