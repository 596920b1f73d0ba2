"""Initialisation: fill a tensor in place, PyTorch's ``torch.nn.init`` (no graph recorded).

Random fills draw from ``chainrule.random`` (``cr.manual_seed`` makes them repeatable), or
from ``generator=`` when given.

>>> import chainrule as cr
>>> w = cr.empty(3, 4)
>>> _ = cr.nn.init.constant_(w, 0.5)
>>> float(w.sum())
6.0
"""
import math

import numpy as np

from ..kernels import special
from ..ops.inplace import mark_changed
from ..random import numpy_generator

LINEAR_GAINS = {"linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                "conv_transpose2d", "conv_transpose3d", "sigmoid"}


def fill(tensor, values):
    """Write ``values`` into ``tensor`` in place, keeping its dtype."""
    tensor._data[...] = values
    return mark_changed(tensor)


def calculate_gain(nonlinearity, param=None):
    """The gain that keeps activations' variance steady through ``nonlinearity``.

    >>> import chainrule as cr
    >>> import chainrule.nn.init as init
    >>> init.calculate_gain('relu') == 2 ** 0.5, init.calculate_gain('tanh')
    (True, 1.6666666666666667)
    """
    if nonlinearity in LINEAR_GAINS:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; use one of "
                     f"{sorted(LINEAR_GAINS | {'tanh', 'relu', 'leaky_relu', 'selu'})}")


def _calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight (out, in, *kernel): inputs and outputs per unit."""
    if tensor.ndim < 2:
        raise ValueError(f"init: fan in and fan out need a tensor with at least 2 dimensions, "
                         f"got shape {tuple(tensor.shape)}")
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def fan(tensor, mode):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"init: mode {mode!r} is not supported; use 'fan_in' or 'fan_out'")
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with U(a, b).

    >>> import chainrule as cr
    >>> import chainrule.nn.init as init
    >>> w = init.uniform_(cr.empty(1000), -0.5, 0.5)
    >>> bool(w.min() >= -0.5 and w.max() <= 0.5)
    True
    """
    return fill(tensor, numpy_generator(generator).uniform(a, b, tensor.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with N(mean, std**2).

    >>> import chainrule as cr
    >>> import chainrule.nn.init as init
    >>> w = init.normal_(cr.empty(10000), mean=3.0, std=0.5)
    >>> round(w.mean().item()), round(w.std().item(), 1)
    (3, 0.5)
    """
    return fill(tensor, numpy_generator(generator).normal(mean, std, tensor.shape))


def constant_(tensor, val):
    """Fill ``tensor`` with ``val``, in place, without recording a graph.

    >>> import chainrule as cr
    >>> import chainrule.nn.init as init
    >>> init.constant_(cr.empty(2), 0.25).tolist()
    [0.25, 0.25]
    """
    return fill(tensor, val)


def zeros_(tensor):
    """Fill ``tensor`` with zeros, in place, without recording a graph.

    >>> import chainrule as cr
    >>> import chainrule.nn.init as init
    >>> init.zeros_(cr.empty(2)).tolist()
    [0.0, 0.0]
    """
    return fill(tensor, 0)


def ones_(tensor):
    """Fill ``tensor`` with ones, in place, without recording a graph.

    >>> import chainrule as cr
    >>> import chainrule.nn.init as init
    >>> init.ones_(cr.empty(2)).tolist()
    [1.0, 1.0]
    """
    return fill(tensor, 1)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio, 2010).

    >>> import chainrule as cr
    >>> import chainrule.nn.init as init
    >>> w = init.xavier_uniform_(cr.empty(30, 20))
    >>> bool(w.abs().max() <= (6 / 50) ** 0.5)
    True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out)).

    >>> import chainrule as cr
    >>> import chainrule.nn.init as init
    >>> w = init.xavier_normal_(cr.empty(300, 200))
    >>> round(w.std().item() / (2 / 500) ** 0.5, 1)
    1.0
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-b, b) with b = gain * sqrt(3 / fan) (He et al., 2015); ``a`` is the leaky slope.

    >>> import chainrule as cr
    >>> import chainrule.nn.init as init
    >>> w = init.kaiming_uniform_(cr.empty(50, 24), nonlinearity='relu')
    >>> bool(w.abs().max() <= (6 / 24) ** 0.5)
    True
    """
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """N(0, std**2) with std = gain / sqrt(fan).

    >>> import chainrule as cr
    >>> import chainrule.nn.init as init
    >>> w = init.kaiming_normal_(cr.empty(300, 200), nonlinearity='relu')
    >>> round(w.std().item() / (2 / 200) ** 0.5, 1)
    1.0
    """
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def default_init(weight, bias):
    """PyTorch's default for Linear and Conv: kaiming_uniform_(a=sqrt(5)) on the weight,
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) on the bias."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        uniform_(bias, -bound, bound)


def erfinv(y):
    """The inverse of erf on (-1, 1): Winitzki's closed form refined by Newton's method on
    chainrule's erf (NumPy has no erfinv)."""
    y = np.clip(np.asarray(y, np.float64), -1 + 1e-16, 1 - 1e-16)
    log = np.log1p(-y * y)
    first = 2 / (math.pi * 0.147) + log / 2
    z = np.sign(y) * np.sqrt(np.sqrt(first * first - log / 0.147) - first)
    for _ in range(4):
        z = z - (special.erf(z) - y) / (2 / math.sqrt(math.pi) * np.exp(-z * z))
    return z


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with N(mean, std**2) restricted to [a, b], by PyTorch's method: a uniform draw
    between the normal CDF's values at a and b, mapped back through the inverse CDF.

    >>> import chainrule as cr
    >>> w = cr.nn.init.trunc_normal_(cr.empty(1000), std=2.0, a=-1.0, b=1.0)
    >>> bool(w.min() >= -1.0 and w.max() <= 1.0)
    True
    """
    cdf = lambda v: (1.0 + math.erf(v / math.sqrt(2.0))) / 2.0  # noqa: E731
    low, high = cdf((a - mean) / std), cdf((b - mean) / std)
    u = numpy_generator(generator).uniform(2 * low - 1, 2 * high - 1, tensor.shape)
    values = erfinv(u) * std * math.sqrt(2.0) + mean
    return fill(tensor, np.clip(values, a, b))


def orthogonal_(tensor, gain=1.0, generator=None):
    """Fill with a (semi-)orthogonal matrix: the Q of a normal matrix's QR decomposition, its
    columns' signs fixed by R's diagonal (Saxe et al., 2013), times ``gain``; dims after the
    first are flattened.

    >>> import chainrule as cr
    >>> w = orthogonal_(cr.empty(2, 3))
    >>> bool(((w @ w.T) - cr.eye(2)).abs().max() < 1e-6)   # orthonormal rows
    True
    """
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are supported, "
                         f"got shape {tuple(tensor.shape)}")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = numpy_generator(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return fill(tensor, (q * gain).reshape(tensor.shape))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """Fill a 2-D tensor with N(0, std**2) and zero ``ceil(sparsity * rows)`` random rows of
    each column (Martens, 2010).

    >>> import chainrule as cr
    >>> w = sparse_(cr.empty(4, 3), sparsity=0.5)
    >>> (w == 0).sum(0).tolist()
    [2, 2, 2]
    """
    if tensor.ndim != 2:
        raise ValueError(f"sparse_: only tensors with 2 dimensions are supported, got shape "
                         f"{tuple(tensor.shape)}")
    rows, cols = tensor.shape
    zeros = int(math.ceil(sparsity * rows))
    rng = numpy_generator(generator)
    values = rng.normal(0.0, std, (rows, cols))
    for col in range(cols):
        values[rng.permutation(rows)[:zeros], col] = 0
    return fill(tensor, values)


def eye_(tensor):
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal).

    >>> import chainrule as cr
    >>> eye_(cr.empty(2, 3)).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2 dimensional tensors are supported, got shape "
                         f"{tuple(tensor.shape)}")
    return fill(tensor, np.eye(*tensor.shape))


def dirac_(tensor, groups=1):
    """Fill a 3-, 4- or 5-D convolution weight with the Dirac delta: each output channel of a
    group passes its input channel through unchanged (the kernel's centre is 1).

    >>> import chainrule as cr
    >>> w = cr.nn.init.dirac_(cr.empty(2, 2, 3))
    >>> w[:, :, 1].tolist(), float(w.sum())
    ([[1.0, 0.0], [0.0, 1.0]], 2.0)
    """
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: only tensors with 3, 4, or 5 dimensions are supported, "
                         f"got shape {tuple(tensor.shape)}")
    if tensor.shape[0] % groups:
        raise ValueError(f"dirac_: dim 0 ({tensor.shape[0]}) must be divisible by groups "
                         f"({groups})")
    per_group = tensor.shape[0] // groups
    values = np.zeros(tensor.shape)
    centre = tuple(n // 2 for n in tensor.shape[2:])
    for g in range(groups):
        for d in range(min(per_group, tensor.shape[1])):
            values[(g * per_group + d, d) + centre] = 1
    return fill(tensor, values)
