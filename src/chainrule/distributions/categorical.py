"""``Categorical(probs=None, logits=None)``: one of K classes, as in a policy's action."""
import numpy as np

from .. import ops
from ..creation import arange, full_like, multinomial
from ..tensor import Size
from .distribution import Distribution, as_float_tensor


def probs_logits(probs, logits, name):
    """PyTorch's normalised parameters: exactly one given, over the last dimension."""
    if (probs is None) == (logits is None):
        raise ValueError(f"{name}: either `probs` or `logits` must be specified, but not both")
    if probs is not None:
        probs = as_float_tensor(probs)
        return probs / probs.sum(-1, keepdim=True), None
    logits = as_float_tensor(logits)
    return None, logits - logits.logsumexp(-1, keepdim=True)


class Categorical(Distribution):
    """A class index in [0, K) drawn with ``probs`` (normalised over the last dimension) or
    ``softmax(logits)``; ``sample`` gives int64 indices of ``sample_shape + batch_shape``.

    >>> import chainrule as cr
    >>> from chainrule.distributions import Categorical
    >>> m = Categorical(probs=cr.tensor([0.25, 0.75]))
    >>> m.log_prob(cr.tensor(1)), m.entropy()
    (tensor(-0.2877), tensor(0.5623))
    """

    arg_names = ("probs",)

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._probs, self._logits = probs_logits(probs, logits, "Categorical")
        self.arg_names = ("probs",) if probs is not None else ("logits",)
        param = self._probs if self._probs is not None else self._logits
        if param.dim() < 1:
            raise ValueError("Categorical: `probs` or `logits` needs at least one dimension "
                             "(the classes)")
        self._num_events = param.shape[-1]
        super().__init__(param.shape[:-1])

    @property
    def probs(self):
        return self._probs if self._probs is not None else ops.softmax(self._logits, -1)

    @property
    def logits(self):
        """log(probs), with probs clamped away from 0 and 1 as PyTorch does."""
        if self._logits is not None:
            return self._logits
        eps = float(np.finfo(self._probs._data.dtype).eps)
        return ops.log(self._probs.clamp(min=eps, max=1 - eps))

    param_shape = property(lambda self: (self._probs if self._probs is not None
                                         else self._logits).shape)
    mean = property(lambda self: full_like(self.probs[..., 0], float("nan")))
    variance = mean
    mode = property(lambda self: self.probs.argmax(-1))

    def sample(self, sample_shape=Size()):
        sample_shape = Size(sample_shape)
        probs_2d = self.probs.detach().reshape(-1, self._num_events)
        n = max(1, sample_shape.numel())
        drawn = multinomial(probs_2d, n, True).T
        return drawn.reshape(self.extended_shape(sample_shape))

    def log_prob(self, value):
        value = value.long().unsqueeze(-1)
        value, log_pmf = ops.broadcast_tensors(value, self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self):
        min_real = float(np.finfo(self.logits._data.dtype).min)
        return -(self.logits.clamp(min=min_real) * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        values = arange(self._num_events).view((-1,) + (1,) * len(self.batch_shape))
        return values.expand((-1,) + tuple(self.batch_shape)) if expand else values
