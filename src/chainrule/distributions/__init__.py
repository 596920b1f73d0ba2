"""``chainrule.distributions``: the probability distributions that tutorials reach for (a
policy's ``Categorical``, a VAE's ``Normal``), PyTorch's names and formulas, built from
chainrule's ops, so ``log_prob``, ``entropy``, ``rsample`` and ``kl_divergence`` have
gradients. Not yet: the other distributions, transforms, constraints and argument
validation (docs/coverage.md)."""
from .distribution import Distribution  # noqa: F401
from .normal import Normal  # noqa: F401
from .uniform import Uniform  # noqa: F401
from .categorical import Categorical  # noqa: F401
from .bernoulli import Bernoulli  # noqa: F401
from .kl import kl_divergence  # noqa: F401
from . import normal, uniform, categorical, bernoulli, kl  # noqa: F401
