"""Devices, PyTorch's API on the one device chainrule computes on: the CPU.

``cr.device("cuda")`` can be made, as in PyTorch (code often builds one before asking
whether it exists), but computing there (a tensor made with ``device="cuda"``,
``.to("cuda")``, ``.cuda()``, ``set_default_device("cuda")``) raises ``DeviceError``, one
clear error that says chainrule computes on the CPU today: never a silent fallback.
This module imports nothing of chainrule's: creation functions, ``Tensor.to`` and
``Module.to`` all ask it.
"""
import builtins

# PyTorch's device types: a string naming one of these is a device, not a typo
DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "ipu", "xla", "lazy", "vulkan",
                "mkldnn", "opengl", "opencl", "ideep", "ve", "fpga", "maia", "hpu", "mtia",
                "privateuseone")


class DeviceError(RuntimeError):
    """A computation was asked of a device other than the CPU."""


def needs_device(module, name, why):
    """A function of ``module`` (cuda, accelerator) that needs a device there is not: it
    raises DeviceError, naming itself and ``why``."""
    def call(*args, **kwargs):
        raise DeviceError(f"{module}.{name}: {why}")
    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"Needs a device: raises DeviceError ({module} has none)."
    return call


class device:  # noqa: N801  (PyTorch's name)
    """A device, as ``torch.device``: ``device("cpu")``, ``device("cpu", 0)``,
    ``device("cuda:1")``, or a copy of another device.

    >>> import chainrule as cr
    >>> cr.device("cpu"), str(cr.device("cpu", 0)), cr.device("cuda:1").index
    (device(type='cpu'), 'cpu:0', 1)
    >>> cr.device("cpu") == cr.device("cpu"), cr.device("cpu") == cr.device("cpu:0")
    (True, False)
    """

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002  (PyTorch's argument name)
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device: give an index only with a device type string")
            type, index = type.type, type.index
        elif isinstance(type, builtins.int) and not isinstance(type, builtins.bool):
            raise DeviceError(f"device({type}): a bare index names an accelerator device; "
                              f"chainrule computes on the CPU only, use device('cpu')")
        elif not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu' or 'cpu:0', got "
                            f"{type!r}")
        else:
            type, index = parse(type, index)
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "index", index)

    def __setattr__(self, name, value):
        raise AttributeError("device objects are immutable")

    def __repr__(self):
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type={self.type!r}{index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        """Equal devices have the same type and index (PyTorch's: a string is never equal)."""
        if not isinstance(other, device):
            return NotImplemented
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return device, (self.type, self.index)

    def __enter__(self):
        """``with cr.device("cpu"):`` (PyTorch's default-device block): the CPU is already
        the default; another device raises."""
        as_device(self, "with device")
        return self

    def __exit__(self, *exc):
        return False


def parse(text, index):
    """(type, index) from ``"cpu"``, ``"cuda:1"`` and an optional separate index."""
    name, colon, number = text.partition(":")
    if name not in DEVICE_TYPES:
        raise RuntimeError(f"device: expected one of {', '.join(DEVICE_TYPES)} at the start "
                           f"of the device string, got {text!r}")
    if colon:
        if index is not None:
            raise RuntimeError(f"device: {text!r} already has an index; do not give another")
        if not number.isdigit():
            raise RuntimeError(f"device: invalid device string {text!r} (expected "
                               f"'type:index', such as 'cpu:0')")
        index = builtins.int(number)
    if index is not None and (not isinstance(index, builtins.int) or index < 0):
        raise RuntimeError(f"device: index must be a non-negative int, got {index!r}")
    return name, index


CPU = device("cpu")
default = CPU   # set_default_device: the CPU, the one device there is


def refuse(dev, where):
    raise DeviceError(
        f"{where}: device {str(dev)!r} is not available: chainrule computes on the CPU only "
        f"today. Use device='cpu' (code written as device = 'cuda' if "
        f"torch.cuda.is_available() else 'cpu' picks it by itself).")


def as_device(value, where="device"):
    """``value`` (a string, a device, or None for the default) as the CPU device, or a
    DeviceError naming ``where`` for any other device."""
    if value is None:
        return default
    dev = value if isinstance(value, device) else device(value)
    if dev.type != "cpu":
        refuse(dev, where)
    return dev


def is_device(value):
    """Whether ``value`` names a device (a device object or a device string such as 'cpu',
    'cuda:0'), as opposed to a dtype or a tensor."""
    if isinstance(value, device):
        return True
    return isinstance(value, str) and value.partition(":")[0] in DEVICE_TYPES


def set_default_device(dev):
    """PyTorch's ``torch.set_default_device``: 'cpu' (or None) is the one choice here; any
    other device raises instead of being ignored.

    >>> import chainrule as cr
    >>> cr.set_default_device("cpu"); cr.get_default_device()
    device(type='cpu')
    """
    global default
    default = CPU if dev is None else as_device(dev, "set_default_device")


def get_default_device():
    """The device new tensors are made on: always the CPU.

    >>> import chainrule as cr
    >>> cr.get_default_device()
    device(type='cpu')
    """
    return default


class memory_format:  # noqa: N801  (PyTorch's name)
    """A memory layout (``cr.contiguous_format``, ``cr.channels_last``): chainrule keeps
    every tensor in NumPy's C order and computes the same values in any layout, so a
    ``memory_format=`` argument is accepted and changes no value."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"chainrule.{self.name}"


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
