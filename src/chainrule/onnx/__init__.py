"""``chainrule.onnx``: export a model to ONNX, with ``torch.onnx.export``'s signature.

Loaded on first use (``cr.onnx``), so ``import chainrule`` does not import the ``onnx``
package; install it with ``pip install 'chainrule[onnx]'``. See docs/deploy.md.
"""
from . import requirement  # noqa: F401  (first: names the extra when onnx is missing)
from .context import ExportError, UnsupportedGateError  # noqa: F401
from .export import DEFAULT_OPSET, export  # noqa: F401
from .table import TABLE, NotExportable, supported_gates_markdown  # noqa: F401
