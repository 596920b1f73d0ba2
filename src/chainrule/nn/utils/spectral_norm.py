"""``nn.utils.spectral_norm`` and ``remove_spectral_norm`` (PyTorch's hook form): the weight
divided by its largest singular value sigma, estimated by power iteration. The weight
becomes the parameter ``weight_orig`` beside the buffers ``weight_u`` and ``weight_v``; a
forward pre-hook sets ``weight = weight_orig / sigma`` before each call, with
``sigma = u . (W v)`` for the weight as a matrix W (its ``dim`` first, the rest
flattened). In training each call first runs ``n_power_iterations`` steps
``v = normalize(W^T u)``, ``u = normalize(W v)`` on the buffers, without a graph, as PyTorch
does; the gradient then reaches ``weight_orig`` through ``W / sigma`` with u and v constant.

>>> import chainrule as cr
>>> layer = cr.nn.utils.spectral_norm(cr.nn.Linear(3, 2))
>>> [name for name, _ in layer.named_parameters()], [name for name, _ in layer.named_buffers()]
(['bias', 'weight_orig'], ['weight_u', 'weight_v'])
"""
import numpy as np

from ...random import numpy_generator
from ...tensor import new_tensor
from ..parameter import Parameter


def normalized(array, eps):
    return array / max(float(np.linalg.norm(array)), eps)


class SpectralNorm:
    """The forward pre-hook: ``module.<name> = <name>_orig / sigma`` before each call."""

    def __init__(self, name, n_power_iterations, dim, eps):
        self.name, self.n_power_iterations, self.dim, self.eps = name, n_power_iterations, dim, eps

    def as_matrix(self, weight):
        if self.dim != 0:
            weight = weight.movedim(self.dim, 0)
        return weight.reshape(weight.shape[0], -1)

    def compute_weight(self, module, do_power_iteration):
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        matrix = self.as_matrix(weight)
        if do_power_iteration:   # on the buffers, in place, with no graph
            data = matrix._data
            for _ in range(self.n_power_iterations):
                np.copyto(v._data, normalized(data.T @ u._data, self.eps))
                np.copyto(u._data, normalized(data @ v._data, self.eps))
        # copies: the next call's iteration must not change what this call's graph saved
        u_now, v_now = new_tensor(u._data.copy(), None), new_tensor(v._data.copy(), None)
        sigma = u_now @ (matrix @ v_now)
        return weight / sigma

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module, module.training))


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Divide ``module.<name>`` by its spectral norm before each call; returns the module.
    ``dim`` defaults to 1 for the transposed convolutions, 0 otherwise, as PyTorch.

    >>> import chainrule as cr
    >>> layer = cr.nn.utils.spectral_norm(cr.nn.Linear(4, 4, bias=False))
    >>> for _ in range(50):
    ...     _ = layer(cr.ones(1, 4))   # training: power iterations converge
    >>> round(cr.linalg.matrix_norm(layer.weight, 2).item(), 3)
    1.0
    """
    if n_power_iterations <= 0:
        raise ValueError(f"spectral_norm: expected n_power_iterations to be positive, but got "
                         f"n_power_iterations={n_power_iterations}")
    if any(isinstance(h, SpectralNorm) and h.name == name
           for h in module._forward_pre_hooks.values()):
        raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter "
                           f"{name}")
    if dim is None:
        dim = 1 if type(module).__name__.startswith("ConvTranspose") else 0
    hook = SpectralNorm(name, n_power_iterations, dim, eps)
    weight = module._parameters[name]
    height, width = hook.as_matrix(weight).shape
    draw = numpy_generator(None)
    dtype = weight._data.dtype
    u = normalized(draw.normal(0, 1, height), eps).astype(dtype)
    v = normalized(draw.normal(0, 1, width), eps).astype(dtype)
    delattr(module, name)
    module.register_parameter(name + "_orig", weight)
    setattr(module, name, weight.detach())
    module.register_buffer(name + "_u", new_tensor(u, None))
    module.register_buffer(name + "_v", new_tensor(v, None))
    module.register_forward_pre_hook(hook)
    return module


def remove_spectral_norm(module, name="weight"):
    """Undo ``spectral_norm``: ``<name>`` a plain parameter again, the normalised weight
    (without a further power iteration).

    >>> import chainrule as cr
    >>> layer = cr.nn.utils.remove_spectral_norm(cr.nn.utils.spectral_norm(cr.nn.Linear(3, 2)))
    >>> [name for name, _ in layer.named_parameters()], list(layer.named_buffers())
    (['bias', 'weight'], [])
    """
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, SpectralNorm) and hook.name == name:
            weight = hook.compute_weight(module, False).detach()
            del module._forward_pre_hooks[key]
            for suffix in ("_orig", "_u", "_v", ""):
                if hasattr(module, name + suffix):
                    delattr(module, name + suffix)
            module.register_parameter(name, Parameter(weight))
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
