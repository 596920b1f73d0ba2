"""Anomaly mode: stop at the first gate whose forward or backward produces NaN or inf."""
from .grad_mode import anomaly_mode


class detect_anomaly:
    """Inside this block every gate checks its output and its gradients, and raises
    FloatingPointError naming the gate and its input shapes at the first NaN or inf.

    >>> import chainrule as cr
    >>> with cr.autograd.detect_anomaly():
    ...     cr.log(cr.tensor([-1.0]))
    Traceback (most recent call last):
    ...
    FloatingPointError: anomaly: forward of gate 'log' (Log) produced NaN from inputs of shapes (1,)
    """

    def __init__(self, mode=True):
        self.mode = mode

    def __enter__(self):
        self.prev = anomaly_mode.enabled
        anomaly_mode.enabled = self.mode

    def __exit__(self, *exc):
        anomaly_mode.enabled = self.prev


def set_detect_anomaly(mode):
    anomaly_mode.enabled = bool(mode)


def is_anomaly_enabled():
    return anomaly_mode.enabled
