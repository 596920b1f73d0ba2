"""``Normal(loc, scale)``: the Gaussian, with reparameterised samples."""
import math

from .. import ops
from ..creation import randn
from .distribution import Distribution, broadcast


class Normal(Distribution):
    """N(loc, scale²), elementwise over the broadcast shape of ``loc`` and ``scale``.

    >>> import chainrule as cr
    >>> from chainrule.distributions import Normal
    >>> m = Normal(cr.tensor([0.0]), cr.tensor([2.0]))
    >>> m.log_prob(cr.tensor([1.0])), m.entropy()
    (tensor([-1.7371]), tensor([2.1121]))
    """

    has_rsample = True
    arg_names = ("loc", "scale")

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast(loc, scale)
        super().__init__(self.loc.shape)

    mean = property(lambda self: self.loc)
    mode = property(lambda self: self.loc)
    stddev = property(lambda self: self.scale)
    variance = property(lambda self: self.scale.pow(2))

    def rsample(self, sample_shape=()):
        eps = randn(self.extended_shape(sample_shape), dtype=self.loc.dtype)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        return (-((value - self.loc) ** 2) / (2 * self.variance) - ops.log(self.scale)
                - math.log(math.sqrt(2 * math.pi)))

    def cdf(self, value):
        return 0.5 * (1 + ops.erf((value - self.loc) / (self.scale * math.sqrt(2))))

    def entropy(self):
        return 0.5 + 0.5 * math.log(2 * math.pi) + ops.log(self.scale)
