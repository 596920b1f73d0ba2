"""``torch.cuda`` on a machine without CUDA, which is what chainrule is: ``is_available()``
is False and ``device_count()`` 0, so code written as ``"cuda" if cr.cuda.is_available()
else "cpu"`` picks the CPU by itself. Seeding and cache calls do nothing, as in a PyTorch
built without CUDA; anything that needs a GPU raises ``DeviceError``, naming the call.

>>> import chainrule as cr
>>> cr.cuda.is_available(), cr.cuda.device_count()
(False, 0)
"""
from .amp import cuda_amp as amp  # noqa: F401  (cr.cuda.amp.GradScaler)
from .device import needs_device
from .legacy import CUDA_TYPES

globals().update(CUDA_TYPES)   # cuda.FloatTensor...: named, refused when called


def is_available():
    """Whether a CUDA GPU can be used: never, chainrule computes on the CPU."""
    return False


def device_count():
    """The number of CUDA GPUs chainrule can use: 0."""
    return 0


def is_initialized():
    """Whether CUDA has been initialised: never."""
    return False


def manual_seed(seed):
    """Seed the GPUs' generators: there are none, so nothing happens (PyTorch's rule)."""


def manual_seed_all(seed):
    """Seed every GPU's generator: there are none, so nothing happens."""


def seed():
    """Seed the GPU's generator randomly: nothing to seed."""


def seed_all():
    """Seed every GPU's generator randomly: nothing to seed."""


def empty_cache():
    """Release cached GPU memory: there is none."""


def memory_allocated(device=None):
    """GPU memory held by tensors, in bytes: 0 (PyTorch without CUDA says the same)."""
    return 0


def max_memory_allocated(device=None):
    """The peak of ``memory_allocated``: 0."""
    return 0


def is_bf16_supported(including_emulation=True):
    """Whether the GPU computes in bfloat16: there is no GPU."""
    return False


NEEDS_DEVICE = ("current_device", "synchronize", "get_device_name", "get_device_properties",
             "get_device_capability", "set_device", "current_stream", "get_rng_state",
             "set_rng_state", "mem_get_info", "memory_reserved", "reset_peak_memory_stats")
WHY = "no CUDA device; chainrule computes on the CPU only (cuda.is_available() is False)"
globals().update({name: needs_device("cuda", name, WHY) for name in NEEDS_DEVICE})
