"""Imported first by the package: without the ``onnx`` package, ``cr.onnx`` says which
extra brings it instead of a bare import error."""
try:
    import onnx  # noqa: F401
except ModuleNotFoundError as error:
    raise ModuleNotFoundError("chainrule.onnx needs the onnx package: pip install "
                              "'chainrule[onnx]'", name=error.name) from error
