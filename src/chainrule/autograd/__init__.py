"""The engine and what it is made of: gates, grad modes, anomaly mode, custom Functions."""
from .grad_mode import no_grad, enable_grad, set_grad_enabled, is_grad_enabled  # noqa: F401
from .grad_mode import inference_mode, is_inference_mode_enabled  # noqa: F401
from .anomaly import (detect_anomaly, set_detect_anomaly, is_anomaly_enabled,  # noqa: F401
                      is_anomaly_check_nan_enabled)
from .registry import REGISTRY  # noqa: F401
from .gate import Gate, Context  # noqa: F401
from .engine import backward, grad  # noqa: F401
from .function import Function  # noqa: F401
from .variable import Variable  # noqa: F401


def __getattr__(name):
    """``cr.autograd.functional``, ``gradcheck`` and ``gradgradcheck`` load on first use
    (they build on the ops and on chainrule.check, which build on this package)."""
    import importlib
    if name == "functional":
        return importlib.import_module(f"{__name__}.functional")
    if name in ("gradcheck", "gradgradcheck"):   # they build on chainrule.check
        return getattr(importlib.import_module(f"{__name__}.checks"), name)
    raise AttributeError(f"module 'chainrule.autograd' has no attribute {name!r}")
