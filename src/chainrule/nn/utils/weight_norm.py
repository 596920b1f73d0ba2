"""``nn.utils.weight_norm`` and ``remove_weight_norm`` (PyTorch's hook-based form): the
weight re-parametrised as ``g * v / ||v||``, the norm taken over every dim but ``dim`` (over
all of them when ``dim`` is None or -1). ``weight`` is replaced by the parameters
``weight_g`` (the norms, kept with their dims) and ``weight_v`` (the direction), and a
forward pre-hook recomputes ``weight`` from them before each call, so the gradient reaches
``g`` and ``v`` through ordinary gates. PyTorch deprecates this form for
``parametrizations.weight_norm`` and warns; so does chainrule.

>>> import chainrule as cr
>>> import warnings
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     layer = cr.nn.utils.weight_norm(cr.nn.Linear(3, 2))
>>> [name for name, _ in layer.named_parameters()], tuple(layer.weight_g.shape)
(['bias', 'weight_g', 'weight_v'], (2, 1))
"""
import warnings

from ..parameter import Parameter


def norm_except_dim(v, dim):
    """The Euclidean norm of ``v`` over every dim but ``dim``, kept broadcastable (a 0-d norm
    of everything for ``dim`` -1)."""
    if dim == -1:
        return v.norm()
    dims = tuple(d for d in range(v.ndim) if d != dim)
    return v.norm(2, dims, keepdim=True)


class WeightNorm:
    """The forward pre-hook: ``module.<name> = g * v / ||v||`` before each call."""

    def __init__(self, name, dim):
        self.name, self.dim = name, dim

    def compute_weight(self, module):
        g, v = getattr(module, self.name + "_g"), getattr(module, self.name + "_v")
        return v * (g / norm_except_dim(v, self.dim))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name="weight", dim=0):
    """Re-parametrise ``module.<name>`` as ``g * v / ||v||``; returns the module.

    >>> import chainrule as cr
    >>> import warnings
    >>> with warnings.catch_warnings():   # (PyTorch's deprecation warning)
    ...     warnings.simplefilter("ignore")
    ...     layer = cr.nn.utils.weight_norm(cr.nn.Linear(2, 1))
    >>> with cr.no_grad():
    ...     _ = layer.weight_v.copy_(cr.tensor([[3.0, 4.0]])), layer.weight_g.fill_(10.0)
    >>> _ = layer(cr.ones(1, 2)); layer.weight.tolist()
    [[6.0, 8.0]]
    """
    warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                  "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning,
                  stacklevel=2)
    if any(isinstance(h, WeightNorm) and h.name == name for h in pre_hooks(module)):
        raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter "
                           f"{name}")
    dim = -1 if dim is None else dim
    weight = getattr(module, name)
    hook = WeightNorm(name, dim)
    delattr(module, name)
    module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, dim).detach()))
    module.register_parameter(name + "_v", Parameter(weight.detach()))
    setattr(module, name, hook.compute_weight(module))
    module.register_forward_pre_hook(hook)
    return module


def remove_weight_norm(module, name="weight"):
    """Undo ``weight_norm``: ``<name>`` a plain parameter again, with its current value.

    >>> import chainrule as cr
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     layer = cr.nn.utils.weight_norm(cr.nn.Linear(3, 2))
    >>> layer = cr.nn.utils.remove_weight_norm(layer)
    >>> [name for name, _ in layer.named_parameters()]
    ['bias', 'weight']
    """
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, WeightNorm) and hook.name == name:
            weight = hook.compute_weight(module).detach()
            delattr(module, name + "_g")
            delattr(module, name + "_v")
            del module._forward_pre_hooks[key]
            if name in module.__dict__:
                object.__delattr__(module, name)
            module.register_parameter(name, Parameter(weight))
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")


def pre_hooks(module):
    return list(module._forward_pre_hooks.values())
