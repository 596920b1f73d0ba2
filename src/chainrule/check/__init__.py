"""Gradient checks: autodiff against float64 central differences."""
from .gradcheck import gradcheck, GradcheckError  # noqa: F401
