"""``Bernoulli(probs=None, logits=None)``: 1 with probability ``probs``, else 0."""
import numpy as np

from .. import ops
from ..autograd.grad_mode import no_grad
from ..creation import bernoulli
from ..nn.functional import binary_cross_entropy_with_logits
from ..tensor import Size
from .distribution import Distribution, as_float_tensor


class Bernoulli(Distribution):
    """Samples are 0. or 1. in the parameter's dtype, as in PyTorch.

    >>> import chainrule as cr
    >>> from chainrule.distributions import Bernoulli
    >>> Bernoulli(probs=cr.tensor([0.2])).log_prob(cr.tensor([1.0]))
    tensor([-1.6094])
    """

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Bernoulli: either `probs` or `logits` must be specified, but "
                             "not both")
        self._probs = None if probs is None else as_float_tensor(probs)
        self._logits = None if logits is None else as_float_tensor(logits)
        self.arg_names = ("probs",) if probs is not None else ("logits",)
        super().__init__((self._probs if probs is not None else self._logits).shape)

    @property
    def probs(self):
        return self._probs if self._probs is not None else ops.sigmoid(self._logits)

    @property
    def logits(self):
        """log(p / (1 - p)), with p clamped away from 0 and 1 as PyTorch does."""
        if self._logits is not None:
            return self._logits
        eps = float(np.finfo(self._probs._data.dtype).eps)
        p = self._probs.clamp(min=eps, max=1 - eps)
        return ops.log(p) - ops.log1p(-p)

    mean = property(lambda self: self.probs)
    variance = property(lambda self: self.probs * (1 - self.probs))

    def sample(self, sample_shape=Size()):
        with no_grad():
            return bernoulli(self.probs.expand(self.extended_shape(sample_shape)))

    def log_prob(self, value):
        logits, value = ops.broadcast_tensors(self.logits, value)
        return -binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self):
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")
