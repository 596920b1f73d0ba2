"""Lazy layers (``LazyLinear``, ``LazyConv2d``, ``LazyBatchNorm2d``...): the input size is
left out and read from the first input, as textbook code builds its models
(``nn.Sequential(nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))``). Until that first call
the parameters are ``UninitializedParameter``s; the call builds the layer the lazy one stands
for (``Linear`` with the input's last size), moves its parameters into the same parameter
objects (so references taken before stay valid) and the module becomes that layer, as in
PyTorch (``type(net[0]) is nn.Linear`` afterwards). An optimizer made before the first call
holds the same parameter objects, so it steps the initialised values.

>>> import chainrule as cr
>>> layer = cr.nn.LazyLinear(3)
>>> layer
LazyLinear(in_features=0, out_features=3, bias=True)
>>> layer(cr.ones(2, 5)).shape, type(layer).__name__, layer.weight.shape
(chainrule.Size([2, 3]), 'Linear', chainrule.Size([3, 5]))
"""
import inspect

import numpy as np

from .. import dtypes
from ..tensor import Tensor
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Linear
from .module import HOOK_TABLES, Module
from .norm import (BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d, InstanceNorm2d,
                   InstanceNorm3d)
from .parameter import Parameter

INTERNAL = {"training", "_parameters", "_buffers", "_non_persistent_buffers_set", "_modules",
            *HOOK_TABLES}


class UninitializedParameter(Parameter):
    """A parameter of a lazy module before its first call: it has no shape yet.

    >>> import chainrule as cr
    >>> layer = cr.nn.LazyLinear(2)
    >>> isinstance(layer.weight, cr.nn.UninitializedParameter), layer.weight.numel()
    (True, 0)
    >>> _ = layer(cr.ones(1, 3)); type(layer.weight).__name__, layer.weight.numel()
    ('Parameter', 6)
    """

    __slots__ = ()

    def materialize(self, source):
        """Take ``source``'s values and become a plain Parameter (the same object)."""
        self._data = source._data
        self.requires_grad = source.requires_grad
        self.__class__ = Parameter


class UninitializedBuffer(Tensor):
    """A buffer of a lazy module before its first call.

    >>> import chainrule as cr
    >>> norm = cr.nn.LazyBatchNorm1d()
    >>> type(norm.running_mean).__name__, tuple(norm(cr.ones(4, 3)).shape)
    ('UninitializedBuffer', (4, 3))
    >>> type(norm.running_mean).__name__, norm.running_mean.shape
    ('Tensor', chainrule.Size([3]))
    """

    __slots__ = ()


class LazyModule(Module):
    """Base of the lazy layers: ``cls_to_become`` built with ``in_size(input)`` in front of
    the lazy layer's own arguments at the first call. ``made`` names the parameters and
    buffers that layer will have, each with the argument that decides whether it exists."""

    cls_to_become = None
    spatial = None          # convolutions and norms: the input's spatial dimensions
    made = {"weight": None, "bias": "bias"}
    buffers_made = {}

    defaults = {}   # the lazy layer's own defaults where they differ from the layer's

    def __init__(self, *args, **kwargs):
        super().__init__()
        bound = inspect.signature(self.cls_to_become).bind(0, *args, **kwargs)
        kwargs = {**{k: v for k, v in self.defaults.items() if k not in bound.arguments},
                  **kwargs}
        bound = inspect.signature(self.cls_to_become).bind(0, *args, **kwargs)
        bound.apply_defaults()
        self.__dict__["_lazy_args"] = (args, kwargs)
        dtype = dtypes.resolve(bound.arguments.get("dtype")) or dtypes.default_float
        for name, flag in self.made.items():
            uninitialised = flag is None or bound.arguments.get(flag)
            self.register_parameter(name, UninitializedParameter(np.zeros(0, dtype))
                                    if uninitialised else None)
        for name, flag in self.buffers_made.items():
            if bound.arguments.get(flag):
                self.register_buffer(name, UninitializedBuffer(np.zeros(0, dtype)))
        for key, value in bound.arguments.items():   # out_features, kernel_size...; in_*: 0
            if key in ("kernel_size", "stride", "padding", "dilation", "output_padding") \
                    and isinstance(value, int):
                value = (value,) * self.spatial   # as the layer keeps them, for its repr
            if key not in self._parameters and key not in ("device", "dtype"):
                self.__dict__[key] = value

    def has_uninitialized_params(self):
        return any(isinstance(p, UninitializedParameter) for p in self._parameters.values())

    def in_size(self, input):
        if self.spatial is None:
            return input.shape[-1]
        if "running_mean" in self.buffers_made:   # norms: the channels of a batch
            return input.shape[1]
        if input.dim() not in (self.spatial + 1, self.spatial + 2):
            raise ValueError(f"{type(self).__name__}: expected a {self.spatial + 1}-D "
                             f"(unbatched) or {self.spatial + 2}-D input, got shape "
                             f"{tuple(input.shape)}")
        return input.shape[1] if input.dim() == self.spatial + 2 else input.shape[0]

    def forward(self, input, *args, **kwargs):
        lazy_args, lazy_kwargs = self.__dict__.pop("_lazy_args")
        placeholders = [p for p in self._parameters.values() if p is not None]
        placeholders += [b for name, b in self._buffers.items() if name == "running_mean"]
        if placeholders:   # made in the placeholders' dtype, which .double() may have changed
            lazy_kwargs = {**lazy_kwargs, "dtype": placeholders[0].dtype}
        become(self, self.cls_to_become(self.in_size(input), *lazy_args, **lazy_kwargs))
        return self.forward(input, *args, **kwargs)

    def extra_repr(self):
        return self.cls_to_become.extra_repr(self)


def become(lazy, real):
    """``lazy`` turned into ``real``: its placeholders take ``real``'s values, its other
    attributes are ``real``'s, its class ``real``'s; its hooks and mode stay its own."""
    for name, value in real._parameters.items():
        placeholder = lazy._parameters.get(name)
        if isinstance(placeholder, UninitializedParameter) and value is not None:
            placeholder.materialize(value)
            value = placeholder
        lazy.register_parameter(name, value)
    for name, value in real._buffers.items():
        lazy.register_buffer(name, value, name not in real._non_persistent_buffers_set)
    for key, value in vars(real).items():
        if key not in INTERNAL and key not in real._parameters and key not in real._buffers:
            lazy.__dict__[key] = value
    lazy.__class__ = type(real)


def lazy_class(name, target, example, spatial=None, norm=False, defaults=None):
    """The lazy form of ``target``; ``example``: (call, printed shape) for its docstring."""
    made = {"weight": "affine", "bias": "affine"} if norm else LazyModule.made
    buffers = dict.fromkeys(("running_mean", "running_var", "num_batches_tracked"),
                            "track_running_stats") if norm else {}
    doc = (f"``{target.__name__}`` whose first size argument is read from the first input "
           f"(PyTorch's ``{name}``).\n\n    >>> import chainrule as cr\n"
           f"    >>> layer = cr.nn.{name}{example[0]}\n    >>> layer(cr.ones{example[1]}).shape, "
           f"type(layer).__name__\n    (chainrule.Size({example[2]}), '{target.__name__}')\n    ")
    return type(name, (LazyModule,), {"cls_to_become": target, "spatial": spatial,
                                      "made": made, "buffers_made": buffers, "__doc__": doc,
                                      "defaults": defaults or {}, "__module__": __name__})


# PyTorch's lazy instance norms default to affine=True and track_running_stats=True, unlike
# InstanceNorm itself
INSTANCE = {"affine": True, "track_running_stats": True}


LazyLinear = lazy_class("LazyLinear", Linear, ("(3)", "(2, 5)", "[2, 3]"))
LazyConv1d = lazy_class("LazyConv1d", Conv1d, ("(4, 3)", "(2, 5, 6)", "[2, 4, 4]"), 1)
LazyConv2d = lazy_class("LazyConv2d", Conv2d, ("(4, 3)", "(2, 5, 6, 6)", "[2, 4, 4, 4]"), 2)
LazyConv3d = lazy_class("LazyConv3d", Conv3d, ("(4, 3)", "(1, 2, 3, 3, 3)", "[1, 4, 1, 1, 1]"),
                        3)
LazyConvTranspose1d = lazy_class("LazyConvTranspose1d", ConvTranspose1d,
                                 ("(4, 2, stride=2)", "(2, 5, 3)", "[2, 4, 6]"), 1)
LazyConvTranspose2d = lazy_class("LazyConvTranspose2d", ConvTranspose2d,
                                 ("(4, 2, stride=2)", "(2, 5, 3, 3)", "[2, 4, 6, 6]"), 2)
LazyConvTranspose3d = lazy_class("LazyConvTranspose3d", ConvTranspose3d,
                                 ("(4, 2, stride=2)", "(1, 5, 2, 2, 2)", "[1, 4, 4, 4, 4]"), 3)
LazyBatchNorm1d = lazy_class("LazyBatchNorm1d", BatchNorm1d, ("()", "(4, 3)", "[4, 3]"), 1,
                             norm=True)
LazyBatchNorm2d = lazy_class("LazyBatchNorm2d", BatchNorm2d, ("()", "(2, 3, 2, 2)",
                                                              "[2, 3, 2, 2]"), 2, norm=True)
LazyBatchNorm3d = lazy_class("LazyBatchNorm3d", BatchNorm3d, ("()", "(2, 3, 2, 2, 2)",
                                                              "[2, 3, 2, 2, 2]"), 3, norm=True)
LazyInstanceNorm1d = lazy_class("LazyInstanceNorm1d", InstanceNorm1d, ("()", "(2, 3, 4)",
                                                                       "[2, 3, 4]"), 1,
                                norm=True, defaults=INSTANCE)
LazyInstanceNorm2d = lazy_class("LazyInstanceNorm2d", InstanceNorm2d, ("()", "(2, 3, 4, 4)",
                                                                       "[2, 3, 4, 4]"), 2,
                                norm=True, defaults=INSTANCE)
LazyInstanceNorm3d = lazy_class("LazyInstanceNorm3d", InstanceNorm3d,
                                ("()", "(2, 3, 2, 2, 2)", "[2, 3, 2, 2, 2]"), 3, norm=True,
                                defaults=INSTANCE)
