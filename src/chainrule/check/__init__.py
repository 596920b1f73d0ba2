"""Gradient checks: autodiff against float64 central differences."""
from .gradcheck import gradcheck, GradcheckError  # noqa: F401
from .gradients import check_gradients, GradientReport, GradientResult  # noqa: F401
