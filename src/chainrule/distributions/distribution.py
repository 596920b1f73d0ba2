"""The base of the distributions: shapes, ``sample`` as ``rsample`` without a graph, and the
methods a distribution may lack raising PyTorch's NotImplementedError."""
from .. import ops
from ..autograd.grad_mode import no_grad
from ..creation import tensor
from ..dtypes import get_default_dtype
from ..tensor import Size, Tensor


def as_float_tensor(value, like=None):
    """A number as a tensor of the default float dtype (or ``like``'s), a tensor as it is."""
    if isinstance(value, Tensor):
        return value
    return tensor(value, dtype=like.dtype if isinstance(like, Tensor) else get_default_dtype())


def broadcast(*values):
    """The parameters as tensors of one shape (numbers take a tensor parameter's dtype)."""
    like = next((v for v in values if isinstance(v, Tensor)), None)
    return ops.broadcast_tensors(*(as_float_tensor(v, like) for v in values))


class Distribution:
    """PyTorch's ``Distribution``: ``batch_shape`` (independent draws), ``event_shape`` (one
    draw's shape), ``sample`` (no gradient), ``rsample`` (reparameterised, with one),
    ``log_prob``, ``entropy``. Argument validation (PyTorch's ``validate_args``) is not
    done: parameters outside the support give NaN or inf, not an error."""

    has_rsample = False

    def __init__(self, batch_shape=Size(), event_shape=Size(), validate_args=None):
        self._batch_shape = Size(batch_shape)
        self._event_shape = Size(event_shape)

    batch_shape = property(lambda self: self._batch_shape)
    event_shape = property(lambda self: self._event_shape)

    def extended_shape(self, sample_shape=Size()):
        return Size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def sample(self, sample_shape=Size()):
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=Size()):
        raise NotImplementedError(f"{type(self).__name__} has no rsample (no "
                                  f"reparameterised sampling); use sample()")

    def sample_n(self, n):
        return self.sample(Size((n,)))

    @property
    def stddev(self):
        return self.variance.sqrt()

    def perplexity(self):
        return ops.exp(self.entropy())

    def __repr__(self):
        """PyTorch's: each parameter, its value when it has one element, else its size."""
        shown = [(n, getattr(self, n)) for n in self.arg_names]
        args = ", ".join(f"{n}: {v if v.numel() == 1 else v.size()}" for n, v in shown)
        return f"{type(self).__name__}({args})"

    arg_names = ()   # the parameters repr shows
