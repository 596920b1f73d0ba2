"""The optimizer base class: parameter groups, per-parameter state, and saving both.

An optimizer turns gradients into updates, ``w_t = w_{t-1} - lr * dC/dw`` and its refinements.
Updates work on the NumPy arrays in place (``p._data``), so a step records no graph, allocates
little and leaves every tensor's identity alone.
"""
import collections
import functools

import numpy as np

from ..ops.inplace import mark_changed
from ..autograd.grad_mode import enable_grad
from ..dtypes import get_default_dtype
from ..nn.hooks import RemovableHandle
from ..tensor import Tensor, new_tensor
from .flat import FlatGroup


def hooked(step):
    """``step`` with the optimizer's step hooks around it (once, also when a subclass's step
    calls its parent's): every optimizer's ``step``, a user's subclass's too, goes through
    this, as PyTorch wraps them."""
    @functools.wraps(step)
    def step_with_hooks(*args, **kwargs):
        self = args[0]   # the hooks see (and may replace) the arguments with self, as PyTorch's
        if getattr(self, "in_step", False):
            return step(*args, **kwargs)
        self.in_step = True
        try:
            for hook in list(getattr(self, "step_pre_hooks", {}).values()):
                changed = hook(self, args, kwargs)
                if changed is not None:
                    if not (isinstance(changed, tuple) and len(changed) == 2):
                        raise RuntimeError(f"optimizer step pre hook must return None or a "
                                           f"tuple of (new_args, new_kwargs), but got {changed}.")
                    args, kwargs = changed
            out = step(*args, **kwargs)
            self.step_called = True   # what a scheduler stepped before the optimizer warns on
            for hook in list(getattr(self, "step_post_hooks", {}).values()):
                hook(self, args, kwargs)
            return out
        finally:
            self.in_step = False
    return step_with_hooks


class Optimizer:
    """Base class: holds ``param_groups`` (lists of parameters with their hyperparameters)
    and ``state`` (per-parameter buffers, keyed by the parameter tensor).

    Subclasses pass their ``defaults`` (PyTorch's keys, so the repr and ``state_dict`` match)
    and write their arithmetic once, in ``kernel(group, w, g, s)``: ``w`` the weights and
    ``g`` the gradient as arrays (``w`` updated in place, ``g`` never written), ``s`` the
    state as a dict of arrays (updated in place, or added) and numbers. With ``foreach``
    (the default) the kernel runs once per group on flat arrays that hold every parameter
    (see ``flat.py``); otherwise once per parameter. Both give the same bits.

    >>> import chainrule as cr
    >>> w = cr.tensor([1.0, 2.0], requires_grad=True)
    >>> optimizer = cr.optim.SGD([w], lr=0.5)
    >>> isinstance(optimizer, cr.optim.Optimizer), optimizer.param_groups[0]['lr']
    (True, 0.5)
    >>> (w * w).sum().backward()
    >>> optimizer.step()
    >>> w.tolist()
    [0.0, 0.0]
    >>> optimizer.zero_grad()
    >>> w.grad is None
    True
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = collections.defaultdict(dict)   # PyTorch's: self.state[p] makes {}
        self.param_groups = []
        self.flat_groups = {}   # id(group) -> FlatGroup, rebuilt whenever it no longer fits
        self.step_pre_hooks, self.step_post_hooks = {}, {}
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of tensors or "
                            f"of dicts, got a single Tensor; pass [tensor] or model.parameters()")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list; pass "
                             f"model.parameters() of a model that has parameters")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group of parameters with its own hyperparameters (the rest from defaults);
        ``(name, tensor)`` pairs, as ``named_parameters()`` gives, keep their names in
        ``param_names`` as in PyTorch."""
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        group = dict(self.defaults)
        group.update(param_group)
        if params and all(isinstance(p, tuple) and len(p) == 2 for p in params):
            group["param_names"] = [name for name, _ in params]
            params = [p for _, p in params]
        for p in params:
            if not isinstance(p, Tensor) or not p.is_leaf:
                raise TypeError(f"{type(self).__name__} can only optimize leaf Tensors, got "
                                f"{type(p).__name__}; pass model.parameters()")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError(f"{type(self).__name__}: some parameters appear in more than one "
                             f"parameter group")
        check_flags(type(self).__name__, group)
        group["params"] = params
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        """Forget the gradients (``.grad = None``, or zeros with ``set_to_none=False``)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad._data.fill(0)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "step" in cls.__dict__:
            cls.step = hooked(cls.__dict__["step"])

    def register_step_pre_hook(self, hook):
        """Call ``hook(optimizer, args, kwargs)`` before each ``step`` (``args`` starts with
        the optimizer, as in PyTorch); it may return new ``(args, kwargs)``. Returns a handle:
        ``handle.remove()`` takes the hook out."""
        handle = RemovableHandle(self.step_pre_hooks)
        self.step_pre_hooks[handle.id] = hook
        return handle

    def register_step_post_hook(self, hook):
        """Call ``hook(optimizer, args, kwargs)`` after each ``step``; returns a handle.

        >>> import chainrule as cr
        >>> w = cr.tensor([1.0], requires_grad=True)
        >>> opt = cr.optim.SGD([w], lr=0.5)
        >>> handle = opt.register_step_post_hook(lambda o, args, kwargs: print("stepped"))
        >>> w.grad = cr.ones(1); opt.step()
        stepped
        >>> handle.remove(); opt.step()
        """
        handle = RemovableHandle(self.step_post_hooks)
        self.step_post_hooks[handle.id] = hook
        return handle

    @hooked
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self.update(group)
            for p in group["params"]:
                if p.grad is not None:   # what update changed (PyTorch bumps only those)
                    mark_changed(p)   # a graph built before the step cannot backward silently
        return loss

    def update(self, group):
        """Run the kernel over the parameters of ``group`` that have a gradient: on flat
        arrays when ``foreach`` allows and the parameters fit one (same dtype, same kind of
        state), else parameter by parameter."""
        live = [p for p in group["params"] if p.grad is not None]
        if not live:
            return
        for p in live:
            if p.grad._data.shape != p._data.shape:   # a .grad assigned by hand
                raise RuntimeError(f"{type(self).__name__}.step: a parameter of shape "
                                   f"{tuple(p._data.shape)} has a gradient of shape "
                                   f"{tuple(p.grad._data.shape)}; assign .grad a tensor of "
                                   f"the parameter's shape (PyTorch refuses any other)")
        if group.get("foreach") is not False and len(live) > 1:
            flat = self.flat_groups.get(id(group))
            if flat is None or not flat.fits(live, self.state):
                flat = FlatGroup.build(live, self.state)
                self.flat_groups[id(group)] = flat
            if flat is not None:
                flat.update(self, group)
                return
        for p in live:
            self.update_one(group, p)

    def update_one(self, group, p):
        state = self.state_of(p)
        s = {k: (v._data if isinstance(v, Tensor) else v) for k, v in state.items()}
        g = p.grad._data
        self.kernel(group, p._data, -g if group.get("maximize") else g, s)
        for k, v in s.items():
            if not isinstance(v, np.ndarray):
                state[k] = v
            elif k not in state:
                state[k] = new_tensor(v, None)

    def kernel(self, group, w, g, s):
        raise NotImplementedError(f"{type(self).__name__} does not define kernel(group, w, g, s)")

    def state_of(self, p):
        """The state dict of one parameter, created empty on first use."""
        found = self.state.get(p)
        if found is None:
            found = self.state[p] = {}
        return found

    def __repr__(self):
        """PyTorch's: the class, then each group's hyperparameters in sorted order."""
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join(lines) + "\n)"

    # ----- saving ---------------------------------------------------------------------
    def state_dict(self):
        """PyTorch's layout: ``{"state": {index: {...}}, "param_groups": [{..., "params":
        [indices]}]}``, parameters numbered in group order."""
        index = {}
        groups = []
        for group in self.param_groups:
            saved = {k: v for k, v in group.items() if k != "params"}
            saved["params"] = [index.setdefault(p, len(index)) for p in group["params"]]
            groups.append(saved)
        state = {index[p]: dict(s) for p, s in self.state.items() if p in index and s}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore hyperparameters and buffers saved by ``state_dict`` (indices may be
        strings after a round trip through a checkpoint)."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{type(self).__name__}.load_state_dict: the saved state has "
                             f"{len(saved_groups)} parameter groups, this optimizer has "
                             f"{len(self.param_groups)}")
        by_index = {}
        for saved, group in zip(saved_groups, self.param_groups):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{type(self).__name__}.load_state_dict: a saved parameter "
                                 f"group has {len(saved['params'])} parameters, this one has "
                                 f"{len(group['params'])}; build the optimizer on the same model")
            by_index.update(zip((int(i) for i in saved["params"]), group["params"]))
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = collections.defaultdict(dict)
        self.flat_groups = {}
        for i, values in state_dict["state"].items():
            p = by_index[int(i)]
            self.state[p] = {k: restored(k, v, p) for k, v in values.items()}


# State that PyTorch keeps as 0-d tensors and chainrule as numbers.
NUMBER_KEYS = {"step", "mu_product", "eta", "mu"}


def restored(key, value, p):
    """A saved buffer as a fresh tensor in the parameter's dtype; numbers stay numbers, and
    so do the NUMBER_KEYS saved as 0-d tensors. Another library's tensors (a PyTorch
    optimizer's own ``state_dict()``) are read through their ``numpy()``."""
    if not isinstance(value, Tensor) and hasattr(value, "detach") and hasattr(value, "numpy"):
        value = value.detach().numpy()
    if isinstance(value, (Tensor, np.ndarray)):
        array = value._data if isinstance(value, Tensor) else value
        if key in NUMBER_KEYS and array.ndim == 0:
            number = array.item()
            return int(number) if float(number).is_integer() else number
        return new_tensor(np.array(array, dtype=p._data.dtype), None)
    return value


def check_flags(name, group):
    """PyTorch's switches: ``foreach`` picks the flat or the per-parameter path (same bits);
    ``fused`` is accepted where PyTorch has it on the CPU and runs the flat path; what
    chainrule cannot do is refused by name."""
    if group.get("fused") and group.get("foreach"):
        raise RuntimeError(f"{name}: `fused` and `foreach` cannot be `True` together.")
    if group.get("capturable"):
        raise ValueError(f"{name}: capturable=True is for capturing the step in a CUDA graph; "
                         f"chainrule computes on the CPU: remove capturable=True")
    if group.get("differentiable"):
        raise NotImplementedError(f"{name}: differentiable=True (recording the update in the "
                                  f"autograd graph) is not implemented; remove it")


def options(maximize=False, foreach=None, **flags):
    """The switches every optimizer's group carries, with PyTorch's keys and defaults."""
    return dict(maximize=maximize, foreach=foreach, **flags)


def zeros(s, key, w, fill=0.0):
    """``s[key]``, created like ``w`` filled with ``fill`` on first use."""
    found = s.get(key)
    if found is None:
        found = s[key] = np.full_like(w, fill)
    return found


def lerp_(x, end, weight):
    """``x += weight * (end - x)`` in PyTorch's two forms (the second, for weights from 0.5,
    lands exactly on ``end`` at weight 1); the weight in ``x``'s precision, as PyTorch's."""
    if weight < 0.5:
        change = np.subtract(end, x)
        change *= weight
        x += change
    else:
        x[...] = end - (end - x) * (1 - x.dtype.type(weight))


def scalar_state(value):
    """A number of the state kept, as PyTorch keeps it, in the default dtype's precision
    (float32 unless ``set_default_dtype`` changed it)."""
    return float(scalar_type()(value))


def scalar_product(a, b):
    """``a * b`` computed in the state's precision, as a 0-d tensor ``*=`` does in PyTorch."""
    kind = scalar_type()
    return float(kind(a) * kind(b))


def scalar_type():
    return np.float64 if get_default_dtype() == np.float64 else np.float32


def check_positive(name, value, optimizer):
    if not value >= 0:
        raise ValueError(f"{optimizer}: invalid {name} {value}; it must be >= 0")


def check_beta(name, value, optimizer):
    if not 0 <= value < 1:
        raise ValueError(f"{optimizer}: invalid {name} {value}; it must be in [0, 1)")
