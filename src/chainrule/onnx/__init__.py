"""``chainrule.onnx``: export a model to ONNX, with ``torch.onnx.export``'s signature.

Loaded on first use (``cr.onnx``), so ``import chainrule`` does not import the ``onnx``
package; install it with ``pip install 'chainrule[onnx]'``. See docs/deploy.md.
"""
try:
    import onnx  # noqa: F401
except ModuleNotFoundError as error:   # say which extra brings it
    raise ModuleNotFoundError("chainrule.onnx needs the onnx package: pip install "
                              "'chainrule[onnx]'", name=error.name) from error

from .context import ExportError, UnsupportedGateError  # noqa: F401,E402
from .export import DEFAULT_OPSET, export  # noqa: F401,E402
from .table import TABLE, NotExportable, supported_gates_markdown  # noqa: F401,E402
