"""The optimizer base class: parameter groups, per-parameter state, and saving both.

An optimizer turns gradients into updates, ``w_t = w_{t-1} - lr * dC/dw`` and its refinements.
Updates work on the NumPy arrays in place (``p._data``), so a step records no graph, allocates
little and leaves every tensor's identity alone.
"""
import numpy as np

from ..ops.inplace import mark_changed
from ..autograd.grad_mode import enable_grad
from ..tensor import Tensor, new_tensor


class Optimizer:
    """Base class: holds ``param_groups`` (lists of parameters with their hyperparameters)
    and ``state`` (per-parameter buffers, keyed by the parameter tensor).

    Subclasses set ``defaults`` via ``__init__`` and implement ``update(group)``.
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = {}
        self.param_groups = []
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
        """Add a group of parameters with its own hyperparameters (the rest from defaults)."""
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor) or not p.is_leaf:
                raise TypeError(f"{type(self).__name__} can only optimize leaf Tensors, got "
                                f"{type(p).__name__}; pass model.parameters()")
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError(f"{type(self).__name__}: some parameters appear in more than one "
                             f"parameter group")
        group = dict(self.defaults)
        group.update(param_group)
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
        raise NotImplementedError(f"{type(self).__name__} does not define update(group)")

    @staticmethod
    def gradients(group, weight_decay=0.0):
        """(parameter, gradient array) for each parameter of ``group`` that has a gradient,
        with L2 weight decay added to the gradient: ``g + weight_decay * w``."""
        for p in group["params"]:
            if p.grad is None:
                continue
            g = p.grad._data
            yield p, (g + weight_decay * p._data if weight_decay else g)

    def state_of(self, p):
        """The state dict of one parameter, created empty on first use."""
        found = self.state.get(p)
        if found is None:
            found = self.state[p] = {}
        return found

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
        state = {index[p]: dict(s) for p, s in self.state.items() if p in index}
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
        self.state = {}
        for i, values in state_dict["state"].items():
            p = by_index[int(i)]
            self.state[p] = {k: restored(v, p) for k, v in values.items()}


def restored(value, p):
    """A saved buffer as a fresh tensor in the parameter's dtype; numbers stay numbers."""
    if isinstance(value, (Tensor, np.ndarray)):
        array = value._data if isinstance(value, Tensor) else value
        return new_tensor(np.array(array, dtype=p._data.dtype), None)
    return value


def check_positive(name, value, optimizer):
    if not value >= 0:
        raise ValueError(f"{optimizer}: invalid {name} {value}; it must be >= 0")


def check_beta(name, value, optimizer):
    if not 0 <= value < 1:
        raise ValueError(f"{optimizer}: invalid {name} {value}; it must be in [0, 1)")


def buffer(state, key, p, fill=0.0):
    """``state[key]``, created as a tensor like ``p`` filled with ``fill`` on first use."""
    t = state.get(key)
    if t is None:
        t = state[key] = new_tensor(np.full_like(p._data, fill), None)
    return t._data
