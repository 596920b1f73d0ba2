"""Shared by the ONNX tests: export to bytes, run with onnxruntime, compare with chainrule."""
import io
import warnings

import numpy as np
import onnx
import onnxruntime

import chainrule as cr

TOLERANCE = 1e-4   # float32: onnxruntime's outputs against chainrule's, largest |difference|


def export_bytes(model, args, **options):
    """The ONNX file cr.onnx.export writes, as bytes, after onnx.checker has passed it."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():   # export warns only about training mode: not here
        warnings.filterwarnings("error", message="onnx.export")
        cr.onnx.export(model, args, buffer, **options)
    data = buffer.getvalue()
    onnx.checker.check_model(onnx.load_from_string(data), full_check=True)
    return data


def session(data):
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3   # errors only
    return onnxruntime.InferenceSession(data, options, providers=["CPUExecutionProvider"])


def largest_difference(model, data, inputs):
    """Run the ONNX model and chainrule's on the same inputs (a list of arrays); the largest
    absolute difference over all outputs. Shapes must be equal."""
    runtime = session(data)
    names = [i.name for i in runtime.get_inputs()]
    got = runtime.run(None, dict(zip(names, inputs)))
    with cr.no_grad():
        want = model(*[cr.from_numpy(x) for x in inputs])
    want = [want] if isinstance(want, cr.Tensor) else list(want)
    assert len(got) == len(want)
    worst = 0.0
    for g, w in zip(got, want):
        assert g.shape == w.shape, (g.shape, w.shape)
        assert g.dtype == w.dtype, (g.dtype, w.dtype)
        if g.size:
            worst = max(worst, float(np.max(np.abs(g.astype(np.float64) - w._data))))
    return worst


def graph_of(data):
    return onnx.load_from_string(data).graph


def symbolic_dims(value):
    """The dimension names (or sizes) of a graph input or output."""
    return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]
