"""Mixed precision as PyTorch's ``torch.amp`` answers it on a machine without CUDA, which is
what chainrule is. Tutorials write ``with torch.autocast(device_type=device, enabled=use_amp)``
and ``scaler = torch.amp.GradScaler(device)``; on the CPU-only path they then run in float32:

- ``autocast("cuda")`` and ``cuda.amp.autocast()`` disable themselves with PyTorch's warning;
  ``autocast("cpu")`` enabled would compute in bfloat16, which chainrule has not, so it
  raises, naming the call (pass ``enabled=False``);
- ``GradScaler("cuda")`` disables itself with PyTorch's warning and then passes losses and
  steps through; ``GradScaler("cpu")`` scales as PyTorch does (the loss times the scale,
  gradients unscaled before the step, a step skipped and the scale backed off when a
  gradient is inf or NaN, the scale grown after ``growth_interval`` good steps).

>>> import chainrule as cr
>>> scaler = cr.amp.GradScaler("cpu")
>>> w = cr.ones(2, requires_grad=True)
>>> opt = cr.optim.SGD([w], lr=0.1)
>>> scaler.scale((w * 3).sum()).backward()
>>> scaler.step(opt); scaler.update()
>>> w, scaler.get_scale()
(tensor([0.7000, 0.7000], requires_grad=True), 65536.0)
"""
import functools
import sys
import types
import warnings

import numpy as np


class autocast:
    """``torch.autocast(device_type, dtype=None, enabled=True, cache_enabled=None)``.

    >>> import chainrule as cr
    >>> with cr.autocast(device_type="cpu", enabled=False):
    ...     (cr.ones(2) @ cr.ones(2)).dtype
    chainrule.float32
    """

    def __init__(self, device_type="cuda", dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"autocast: expected device_type to be a str (such as 'cpu'), "
                             f"got {type(device_type).__name__}")
        self.device_type = device_type.split(":")[0]
        self.enabled = bool(enabled)
        if self.enabled and self.device_type != "cpu":
            warnings.warn(f"autocast: {self.device_type} is not available (chainrule "
                          f"computes on the CPU). Disabling autocast.", UserWarning,
                          stacklevel=2)
            self.enabled = False
        if self.enabled:
            raise NotImplementedError(
                "autocast(device_type='cpu'): CPU mixed precision computes in bfloat16, "
                "which chainrule has not; pass enabled=False (the program then runs in "
                "float32, as PyTorch does without autocast)")

    def __enter__(self):
        self.prev, state.enabled = state.enabled, self.enabled

    def __exit__(self, *exc):
        state.enabled = self.prev

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return wrapper


class _State:
    enabled = False


state = _State()


def is_autocast_enabled(device_type=None):
    """Whether an autocast region is on: never, since one never is here.

    >>> import chainrule as cr
    >>> cr.is_autocast_enabled()
    False
    """
    return state.enabled


class GradScaler:
    """``torch.amp.GradScaler(device="cuda", init_scale=65536.0, growth_factor=2.0,
    backoff_factor=0.5, growth_interval=2000, enabled=True)``."""

    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0,
                 backoff_factor=0.5, growth_interval=2000, enabled=True):
        self.device = str(device).split(":")[0]
        if enabled and self.device != "cpu":
            warnings.warn(f"GradScaler is enabled, but {self.device} is not available "
                          f"(chainrule computes on the CPU). Disabling.", UserWarning,
                          stacklevel=2)
            enabled = False
        self._enabled = bool(enabled)
        self._scale = float(init_scale)
        self._growth_factor, self._backoff_factor = float(growth_factor), float(backoff_factor)
        self._growth_interval, self._growth_tracker = int(growth_interval), 0
        self._unscaled = {}   # id(optimizer) -> whether a gradient was inf or NaN

    def is_enabled(self):
        return self._enabled

    def get_scale(self):
        return self._scale if self._enabled else 1.0

    def scale(self, outputs):
        """The loss (or a list/tuple of them) times the scale; as it is when disabled."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        return outputs * self._scale

    def unscale_(self, optimizer):
        """Divide the optimizer's gradients by the scale, in place (once per step)."""
        if not self._enabled:
            return
        if id(optimizer) in self._unscaled:
            raise RuntimeError("unscale_() has already been called on this optimizer since "
                               "the last update()")
        found_inf = False
        inverse = 1.0 / self._scale
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    g = p.grad._data
                    found_inf |= not np.isfinite(g).all()
                    np.multiply(g, inverse, out=g, casting="unsafe")
        self._unscaled[id(optimizer)] = found_inf

    def step(self, optimizer, *args, **kwargs):
        """``optimizer.step()``, after unscaling, unless a gradient was inf or NaN."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if id(optimizer) not in self._unscaled:
            self.unscale_(optimizer)
        if not self._unscaled[id(optimizer)]:
            return optimizer.step(*args, **kwargs)
        return None

    def update(self, new_scale=None):
        """Back the scale off after a skipped step, grow it after enough good ones."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(new_scale)
        elif any(self._unscaled.values()):
            self._scale *= self._backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                self._scale *= self._growth_factor
                self._growth_tracker = 0
        self._unscaled = {}

    def state_dict(self):
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict):
        if not self._enabled:
            return
        self._scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])


def cuda_autocast(enabled=True, dtype=None, cache_enabled=True):
    """``torch.cuda.amp.autocast(...)``: PyTorch's deprecated ``autocast("cuda", ...)``."""
    return autocast("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


def cuda_grad_scaler(init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                     growth_interval=2000, enabled=True):
    """``torch.cuda.amp.GradScaler(...)``: PyTorch's deprecated ``GradScaler("cuda", ...)``."""
    return GradScaler("cuda", init_scale, growth_factor, backoff_factor, growth_interval,
                      enabled)


# ``torch.cuda.amp`` (``from torch.cuda.amp import GradScaler, autocast``): a module of its
# own, which cuda.py publishes as ``cuda.amp``.
cuda_amp = types.ModuleType("chainrule.cuda.amp", "PyTorch's deprecated torch.cuda.amp.")
cuda_amp.autocast, cuda_amp.GradScaler = cuda_autocast, cuda_grad_scaler
sys.modules[cuda_amp.__name__] = cuda_amp
