"""``chainrule export RUN_DIR --onnx model.onnx``: a trained run's model as an ONNX file.

The model is rebuilt from the run's saved configuration and weights (``model.safetensors``,
written by ``chainrule train``), with the run's input scaler in front of it, so the ONNX
model reads raw features as the dataset has them (a CNN's 64 pixel values too: the reshape
to 1x8x8 is part of the graph), and a regression's output is in the target's units. The
batch axis is dynamic. The input and output names and shapes are printed.
"""
import os

import numpy as np

import chainrule as cr
from . import UsageError
from .train import build_model


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "export", help="export a trained run's model (ONNX)",
        description="Export the model of a run saved by 'chainrule train' to an ONNX file, "
                    "with a dynamic batch axis and the run's input scaling built in.")
    parser.add_argument("run_dir", metavar="RUN_DIR", help="the run folder (--out of train)")
    parser.add_argument("--onnx", metavar="FILE", required=True, help="the ONNX file to write")
    parser.add_argument("--opset", type=int, help="ONNX opset version (default: 18)")


class Deployed(cr.nn.Module):
    """The trained network with the run's scaling around it: raw features in, the
    network's output (logits, or the target in its units) out."""

    def __init__(self, network, shift, scale, image, target=None):
        super().__init__()
        self.network = network
        self.register_buffer("input_shift", cr.tensor(shift, dtype=cr.float32))
        self.register_buffer("input_scale", cr.tensor(scale, dtype=cr.float32))
        self.image = image
        self.target = target   # (shift, scale) of a regression target, or None

    def forward(self, input):
        x = (input - self.input_shift) / self.input_scale
        if self.image:
            x = x.reshape(x.shape[0], 1, 8, 8)
        out = self.network(x)
        if self.target is not None:
            out = out * float(self.target[1]) + float(self.target[0])
        return out


def load_run(folder):
    """(Deployed model, number of input features) of a finished run."""
    path = os.path.join(folder, "model.safetensors")
    if not os.path.exists(path):
        raise UsageError(f"{folder}: there is no model.safetensors in it (train a model with "
                         f"'chainrule train --out {folder}' first)")
    try:
        saved = cr.load(path)
    except ValueError as e:
        raise UsageError(str(e)) from None
    config, classes = saved["config"], int(saved["classes"])
    shift, scale = (np.asarray(saved["scaler"][k]._data) for k in ("shift", "scale"))
    network = build_model(config, len(shift), classes)
    network.load_state_dict(saved["model"])
    target = None
    if not classes:
        target = tuple(float(np.asarray(saved["target_scaler"][k]._data).reshape(-1)[0])
                       for k in ("shift", "scale"))
    model = Deployed(network, shift, scale, config["model"] == "cnn", target)
    return model.eval(), len(shift)


def run(args):
    try:
        import onnx   # here, not at the top: the other commands run without the onnx extra
    except ModuleNotFoundError:
        raise UsageError("exporting needs the onnx package: "
                         "pip install 'chainrule[onnx]'") from None
    model, features = load_run(args.run_dir)
    example = cr.zeros(1, features)
    try:
        cr.onnx.export(model, example, args.onnx, input_names=["input"],
                       output_names=["output"], dynamic_axes={"input": {0: "batch"},
                                                              "output": {0: "batch"}},
                       opset_version=args.opset)
    except (ValueError, OSError, cr.onnx.ExportError) as e:   # one line, no traceback
        raise UsageError(str(e)) from None
    graph = onnx.load(args.onnx).graph
    print(f"wrote {args.onnx} ({os.path.getsize(args.onnx):,} bytes, opset "
          f"{args.opset or cr.onnx.DEFAULT_OPSET})")
    for kind, values in (("input", graph.input), ("output", graph.output)):
        for value in values:
            print(f"{kind} {value.name}: {describe(value, onnx)}")
    check_with_runtime(model, args.onnx)


def check_with_runtime(model, path, batch=8):
    """When onnxruntime is installed, run the file on a batch of inputs (standard normal
    once scaled) and print the largest difference from chainrule's output."""
    try:
        import onnxruntime
    except ModuleNotFoundError:
        return
    shift, scale = model.input_shift.numpy(), model.input_scale.numpy()
    x = np.random.default_rng(0).standard_normal((batch, len(shift))).astype(np.float32)
    x = x * scale + shift
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"input": x})
    with cr.no_grad():
        want = model(cr.tensor(x)).numpy()
    print(f"onnxruntime {onnxruntime.__version__}: largest difference from chainrule "
          f"{np.abs(got - want).max():.1e} on {batch} inputs")


def describe(value, onnx):
    """'float32 [batch, 64]': the element type and the dimensions, symbolic ones by name."""
    kind = value.type.tensor_type
    dims = [d.dim_param or str(d.dim_value) for d in kind.shape.dim]
    dtype = onnx.helper.tensor_dtype_to_np_dtype(kind.elem_type)
    return f"{dtype} [{', '.join(dims)}]"
