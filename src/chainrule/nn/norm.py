"""Normalisation layers: ``BatchNorm1d``, ``BatchNorm2d``, ``LayerNorm``.

BatchNorm keeps running statistics as buffers (in the state dict, not learned): training
normalises with the batch's statistics and updates the running ones; eval uses the running
ones. The arithmetic is a composition of gates (``nn.functional.batch_norm``).
"""
import numpy as np

from .. import dtypes
from ..device import as_device
from ..tensor import new_tensor
from . import functional as F
from . import init
from .linear import empty_parameter
from .module import Module


class BatchNorm(Module):
    """Shared body of BatchNorm1d and BatchNorm2d (they differ in the input's rank)."""

    ranks = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        as_device(device, type(self).__name__)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        self.register_parameter("weight", empty_parameter((num_features,), dtype) if affine
                                else None)
        self.register_parameter("bias", empty_parameter((num_features,), dtype)
                                if affine and bias else None)
        if track_running_stats:
            float_type = dtypes.resolve(dtype) or dtypes.default_float
            self.register_buffer("running_mean", new_tensor(np.zeros(num_features, float_type), None))
            self.register_buffer("running_var", new_tensor(np.ones(num_features, float_type), None))
            self.register_buffer("num_batches_tracked", new_tensor(np.array(0), None))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)
        self.reset_parameters()

    def reset_running_stats(self):
        """Running mean 0, running variance 1, no batches tracked (PyTorch's method)."""
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self):
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input):
        if input.ndim not in self.ranks or input.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}({self.num_features}): expected an input of "
                             f"{' or '.join(f'{r}-D' for r in self.ranks)} with "
                             f"{self.num_features} channels in dim 1, got shape "
                             f"{tuple(input.shape)}")
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data += 1
            if momentum is None:   # a cumulative moving average, as in PyTorch
                momentum = 1.0 / int(self.num_batches_tracked._data)
        use_batch = self.training or not self.track_running_stats
        return F.batch_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                            use_batch, momentum, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs over every dim but C.

    >>> import chainrule as cr
    >>> norm = cr.nn.BatchNorm1d(2)
    >>> out = norm(cr.tensor([[1.0, 2.0], [3.0, 2.0]]))
    >>> [round(v, 4) for v in out[:, 0].tolist()], norm.running_mean.tolist()
    ([-1.0, 1.0], [0.20000000298023224, 0.20000000298023224])
    """

    ranks = (2, 3)


class BatchNorm2d(BatchNorm):
    """Batch normalisation of (N, C, H, W) images over N, H and W, per channel.

    >>> import chainrule as cr
    >>> norm = cr.nn.BatchNorm2d(3)
    >>> [name for name, _ in norm.named_buffers()]
    ['running_mean', 'running_var', 'num_batches_tracked']
    """

    ranks = (4,)


class BatchNorm3d(BatchNorm):
    """Batch normalisation of (N, C, D, H, W) volumes over N, D, H and W, per channel.

    >>> import chainrule as cr
    >>> tuple(cr.nn.BatchNorm3d(2)(cr.randn(3, 2, 2, 2, 2)).shape)
    (3, 2, 2, 2, 2)
    """

    ranks = (5,)


class LayerNorm(Module):
    """Normalises each example over its last dims (``normalized_shape``), then scales and
    shifts by learned ``weight`` and ``bias`` of that shape.

    >>> import chainrule as cr
    >>> norm = cr.nn.LayerNorm(2, eps=0.0)
    >>> norm, norm(cr.tensor([[1.0, 3.0]])).tolist()
    (LayerNorm((2,), eps=0.0, elementwise_affine=True, bias=True), [[-1.0, 1.0]])
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        as_device(device, "LayerNorm")
        shape = (normalized_shape,) if isinstance(normalized_shape, int) \
            else tuple(normalized_shape)
        self.normalized_shape = shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = empty_parameter(shape, dtype)
            init.ones_(self.weight)
            if bias:
                self.bias = empty_parameter(shape, dtype)
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Normalises each sample over groups of ``num_channels / num_groups`` channels, then
    scales and shifts per channel: one fused GroupNorm gate.

    >>> import chainrule as cr
    >>> norm = cr.nn.GroupNorm(2, 4)
    >>> norm, tuple(norm(cr.randn(3, 4, 5)).shape)
    (GroupNorm(2, 4, eps=1e-05, affine=True, bias=True), (3, 4, 5))
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None,
                 *, bias=True):
        super().__init__()
        as_device(device, "GroupNorm")
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        self.register_parameter("weight", empty_parameter((num_channels,), dtype) if affine
                                else None)
        self.register_parameter("bias", empty_parameter((num_channels,), dtype)
                                if affine and bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class InstanceNorm(BatchNorm):
    """What InstanceNorm1d and InstanceNorm2d share: each sample and channel normalised over
    its spatial dims; no affine parameters nor running statistics unless asked for."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype,
                         bias=bias)

    def forward(self, input):
        batched = len(self.ranks) and input.ndim == self.ranks[-1]
        if input.ndim not in self.ranks:
            raise ValueError(f"{type(self).__name__}: expected an input of "
                             f"{' or '.join(f'{r}-D' for r in self.ranks)}, got shape "
                             f"{tuple(input.shape)}")
        x = input if batched else input.unsqueeze(0)
        if self.affine and x.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}: expected input's size at dim 1 to match "
                             f"num_features ({self.num_features}), but got shape "
                             f"{tuple(input.shape)}")
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              self.training or not self.track_running_stats,
                              0.0 if self.momentum is None else self.momentum, self.eps)
        return out if batched else out.squeeze(0)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class InstanceNorm1d(InstanceNorm):
    """Instance normalisation of (N, C, L) or (C, L).

    >>> import chainrule as cr
    >>> cr.nn.InstanceNorm1d(3)
    InstanceNorm1d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)
    """

    ranks = (2, 3)


class InstanceNorm2d(InstanceNorm):
    """Instance normalisation of (N, C, H, W) or (C, H, W).

    >>> import chainrule as cr
    >>> norm = cr.nn.InstanceNorm2d(2, affine=True)
    >>> [name for name, _ in norm.named_parameters()], tuple(norm(cr.randn(3, 2, 4, 4)).shape)
    (['weight', 'bias'], (3, 2, 4, 4))
    """

    ranks = (3, 4)


class InstanceNorm3d(InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) or (C, D, H, W).

    >>> import chainrule as cr
    >>> tuple(cr.nn.InstanceNorm3d(2)(cr.randn(1, 2, 2, 3, 3)).shape)
    (1, 2, 2, 3, 3)
    """

    ranks = (4, 5)


class RMSNorm(Module):
    """``x / sqrt(mean(x^2) + eps) * weight`` over the last dims (``normalized_shape``); eps
    None is the dtype's machine epsilon.

    >>> import chainrule as cr
    >>> norm = cr.nn.RMSNorm(4)
    >>> norm, tuple(norm(cr.ones(2, 4)).shape)
    (RMSNorm((4,), eps=None, elementwise_affine=True), (2, 4))
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None,
                 dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) \
            else tuple(normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = elementwise_affine
        self.register_parameter("weight", empty_parameter(shape, dtype, device, "RMSNorm")
                                if elementwise_affine else None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, input):
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class LocalResponseNorm(Module):
    """``F.local_response_norm`` as a layer: each value divided by a power of the mean square
    of its ``size`` neighbouring channels.

    >>> import chainrule as cr
    >>> norm = cr.nn.LocalResponseNorm(3)
    >>> norm, tuple(norm(cr.ones(2, 5, 4, 4)).shape)
    (LocalResponseNorm(3, alpha=0.0001, beta=0.75, k=1.0), (2, 5, 4, 4))
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
