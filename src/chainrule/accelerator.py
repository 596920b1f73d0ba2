"""``torch.accelerator`` (PyTorch 2.13) where no accelerator exists, chainrule's case:
``is_available()`` is False, ``current_accelerator()`` None, ``device_count()`` 0, and a
call that needs one raises ``DeviceError``, as PyTorch's does ("no accelerator").

>>> import chainrule as cr
>>> cr.accelerator.is_available(), cr.accelerator.current_accelerator()
(False, None)
>>> device = cr.accelerator.current_accelerator() or cr.device("cpu"); device
device(type='cpu')
"""
from .device import DeviceError


def is_available():
    """Whether an accelerator (GPU) can be used: never."""
    return False


def current_accelerator(check_available=False):
    """The accelerator device type in use: None, there is none."""
    return None


def device_count():
    """The number of accelerator devices: 0."""
    return 0


def __getattr__(name):
    """Every other call (``current_device_index``, ``synchronize``, ``empty_cache``,
    ``memory_allocated``) needs an accelerator, and raises as PyTorch's does."""
    if name.startswith("__"):
        raise AttributeError(name)

    def unavailable(*args, **kwargs):
        raise DeviceError(f"accelerator.{name}: cannot access an accelerator device when "
                          f"none is available; chainrule computes on the CPU only")
    unavailable.__name__ = name
    return unavailable
