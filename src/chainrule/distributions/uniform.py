"""``Uniform(low, high)``: the continuous uniform on [low, high)."""
from .. import ops
from ..creation import rand
from .distribution import Distribution, broadcast


class Uniform(Distribution):
    """U(low, high), elementwise; samples are reparameterised.

    >>> import chainrule as cr
    >>> from chainrule.distributions import Uniform
    >>> Uniform(0.0, 4.0).log_prob(cr.tensor(1.0))
    tensor(-1.3863)
    """

    has_rsample = True
    arg_names = ("low", "high")

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = broadcast(low, high)
        super().__init__(self.low.shape)

    mean = property(lambda self: (self.high + self.low) / 2)
    variance = property(lambda self: (self.high - self.low).pow(2) / 12)

    def rsample(self, sample_shape=()):
        u = rand(self.extended_shape(sample_shape), dtype=self.low.dtype)
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        inside = ((self.low <= value) & (value < self.high)).to(self.low.dtype)
        return ops.log(inside) - ops.log(self.high - self.low)

    def entropy(self):
        return ops.log(self.high - self.low)
