"""``torch.accelerator`` (PyTorch 2.13) where no accelerator exists, chainrule's case:
``is_available()`` is False, ``current_accelerator()`` None, ``device_count()`` 0, and a
call that needs one raises ``DeviceError``, as PyTorch's does ("no accelerator").

>>> import chainrule as cr
>>> cr.accelerator.is_available(), cr.accelerator.current_accelerator()
(False, None)
>>> device = cr.accelerator.current_accelerator() or cr.device("cpu"); device
device(type='cpu')
"""
from .device import needs_device


def is_available():
    """Whether an accelerator (GPU) can be used: never."""
    return False


def current_accelerator(check_available=False):
    """The accelerator device type in use: None, there is none."""
    return None


def device_count():
    """The number of accelerator devices: 0."""
    return 0


NEEDS_DEVICE = ("current_device_index", "current_device_idx", "set_device_index",
             "set_device_idx", "synchronize", "empty_cache", "memory_allocated",
             "max_memory_allocated", "memory_reserved", "current_stream", "get_memory_info")
WHY = ("cannot access an accelerator device when none is available; chainrule computes on the "
       "CPU only")
globals().update({name: needs_device("accelerator", name, WHY) for name in NEEDS_DEVICE})
